import { test } from 'node:test';
import assert from 'node:assert/strict';
import { enc, flagged, pack, run } from '../testing/build.ts';

const p = pack([{ kind: 'gender', category: 'GENDER', items: ['IUD*'], params: { allow: '2' } }]);

test('gender: a male patient billed a female-only item: each matching current line, full line (sumamt − ownpay)', () => {
  const r = run(p, [enc({ lines: [{ code: 'IUD01', rx: 'a', pric: 116.5 }, { code: 'IUD02', rx: 'b', pric: 100, ownpay: 20 }, { code: 'OTHER', rx: 'c' }] }, { gend: '1' })]);
  assert.equal(r.length, 1, 'one result per (rule, encounter)');
  assert.deepEqual(flagged(r), { a: 11650, b: 8000 });
  assert.equal(r[0].amount, 19650);
  assert.equal(r[0].message, '项目IUD01限女性患者使用，本患者为男性');
});

test('gender: the allowed sex and unknown sexes (0, 9) never fire', () => {
  for (const gend of ['2', '0', '9']) assert.deepEqual(run(p, [enc({ lines: [{ code: 'IUD01' }] }, { gend })]), [], gend);
});

test('gender: self-paid lines are never flagged; sumamt 0 lines are audited with amount 0; non-current lines are context only', () => {
  const r = run(p, [enc({ lines: [{ code: 'IUD01', rx: 'self', selfPaid: true }, { code: 'IUD01', rx: 'zero', pric: 0 }, { code: 'IUD01', rx: 'old', current: false }] }, { gend: '1' })]);
  assert.deepEqual(flagged(r), { zero: 0 });
});
