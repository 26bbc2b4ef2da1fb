import { test } from 'node:test';
import assert from 'node:assert/strict';
import { enc, flagged, pack, run } from '../testing/build.ts';

const range = pack([{ kind: 'age', category: 'AGE', items: ['X'], params: { min_years: 6, max_years: 14 } }]);
const at = (brdy: string, day: string) => run(range, [enc({ lines: [{ code: 'X', at: day, rx: 'a', pric: 12 }] }, { brdy })]);

test('age: both bounds are inclusive, age in whole years on the line date', () => {
  assert.equal(at('2018-05-20', '2024-05-19').length, 1, '5 the day before the 6th birthday');
  assert.equal(at('2018-05-20', '2024-05-20').length, 0, '6 on the birthday');
  assert.equal(at('2010-05-20', '2025-05-19').length, 0, 'still 14 the day before the 15th birthday');
  assert.deepEqual(flagged(at('2010-05-20', '2025-05-20')), { a: 1200 }, '15 on the birthday');
});

test('age: the line date, not the admission date, decides (a stay across the birthday)', () => {
  const p = pack([{ kind: 'age', category: 'AGE', items: ['X'], params: { max_years: 17 } }]);
  const r = run(p, [enc({ adm: '2024-03-01 08:00:00', lines: [{ code: 'X', at: '2024-03-09', rx: 'before' }, { code: 'X', at: '2024-03-10', rx: 'on' }] }, { brdy: '2006-03-10' })]);
  assert.deepEqual(Object.keys(flagged(r)), ['on']);
  assert.match(r[0].lines[0].actual as string, /18岁/);
});

test('age: 29 February birthdays turn on 1 March in common years; no birth date never fires', () => {
  const p = pack([{ kind: 'age', category: 'AGE', items: ['X'], params: { min_years: 18 } }]);
  assert.equal(run(p, [enc({ lines: [{ code: 'X', at: '2022-02-28' }] }, { brdy: '2004-02-29' })]).length, 1);
  assert.equal(run(p, [enc({ lines: [{ code: 'X', at: '2022-03-01' }] }, { brdy: '2004-02-29' })]).length, 0);
});
