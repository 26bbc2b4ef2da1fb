import { test } from 'node:test';
import assert from 'node:assert/strict';
import { maskBirthDate, maskEncounterShape, maskIdNumber, maskName, maskPhone, maskText } from './personal-data.ts';

test('masks: name → family name and stars, ID number → first 6 + last 4, phone → last 4, birth date → year', () => {
  assert.equal(maskName('张三'), '张*');
  assert.equal(maskName('欧阳娜娜'), '欧***');
  assert.equal(maskName('王'), '*');
  assert.equal(maskIdNumber('610104195801011234'), '610104********1234');
  assert.equal(maskIdNumber('61010419580101X'), '610104*****101X');
  assert.equal(maskIdNumber('P001'), 'P**1');
  assert.equal(maskPhone('13812345678'), '*******5678');
  assert.equal(maskBirthDate('1958-01-01'), '1958-**-**');
  assert.equal(maskText('陕西省西安市雁塔区某路1号'), '陕西省西安市*******');
});

test('an encounter shape keeps everything but its personal fields', () => {
  const shape = { patn_id: '610104195801011234', patn_name: '张三', brdy: '1958-01-01', gend: '1', mdtrt_id: 'ZY1', ext_address: null };
  assert.deepEqual(maskEncounterShape(shape), { patn_id: '610104********1234', patn_name: '张*', brdy: '1958-**-**', gend: '1', mdtrt_id: 'ZY1', ext_address: null });
  assert.equal(shape.patn_name, '张三', 'the original is not changed');
});
