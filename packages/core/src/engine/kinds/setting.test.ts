import { test } from 'node:test';
import assert from 'node:assert/strict';
import { enc, flagged, pack, run } from '../testing/build.ts';

const p = pack([{ kind: 'setting', category: 'SETTING', items: ['S'], params: { allow: ['inpatient'] } }]);

test('setting: the scenario from med_mdtrt_type (1 门诊, 2 住院, 3 购药) outside allow fires', () => {
  assert.deepEqual(run(p, [enc({ type: '2', lines: [{ code: 'S' }] })]), []);
  const r = run(p, [enc({ type: '1', lines: [{ code: 'S', rx: 'a', pric: 8 }] })]);
  assert.deepEqual(flagged(r), { a: 800 });
  assert.equal(r[0].message, '项目S限住院使用，本次为门诊');
  assert.equal(run(p, [enc({ type: '3', lines: [{ code: 'S' }] })]).length, 1);
});

test('setting: several allowed scenarios', () => {
  const two = pack([{ kind: 'setting', category: 'SETTING', items: ['S'], params: { allow: ['outpatient', 'pharmacy'] } }]);
  assert.deepEqual(run(two, [enc({ type: '3', lines: [{ code: 'S' }] })]), []);
  assert.equal(run(two, [enc({ type: '2', lines: [{ code: 'S' }] })]).length, 1);
});
