import { test } from 'node:test';
import assert from 'node:assert/strict';
import { enc, flagged, pack, run } from '../testing/build.ts';

const p = pack([{ kind: 'institution_level', category: 'INSTITUTION_LEVEL', items: ['Z*'], params: { min_level: 2 } }]);
const at = (lv: string) => run(p, [enc({ lv, lines: [{ code: 'Z1', rx: 'a', pric: 50 }] })]);

test('institution_level: medins_lv 01–04 → 3, 05–07 → 2, 08–10 → 1; below min_level fires', () => {
  for (const lv of ['01', '04', '05', '07']) assert.deepEqual(at(lv), [], `${lv} is level 2 or 3`);
  for (const lv of ['08', '10']) assert.deepEqual(flagged(at(lv)), { a: 5000 }, `${lv} is level 1`);
});

test('institution_level: an unmapped medins_lv is level 0 (below any minimum); the mapping is configuration', () => {
  assert.equal(at('99').length, 1);
  assert.equal(run(p, [enc({ lv: '99', lines: [{ code: 'Z1' }] })], { levelMapping: { '99': 2 } }).length, 0);
});
