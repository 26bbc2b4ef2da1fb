import { test } from 'node:test';
import assert from 'node:assert/strict';
import { bucketKey, buildContext, windowName, type LineCtx } from '../context.ts';
import { enc } from '../testing/build.ts';
import { buckets, WindowIndex } from './windows.ts';

function lines(...encs: { id: string; days: string[] }[]): LineCtx[] {
  const xs = encs.map((e) => enc({ id: e.id, adm: `${e.days[0]} 08:00:00`, lines: e.days.map((at, i) => ({ code: 'X', at, rx: `${e.id}${i}` })) }));
  return buildContext({ patient: xs[0].patient, encounters: xs.map((x) => x.encounter) }).lines;
}

test('calendar windows: line, day and visit stay inside an encounter; month, quarter, year and insurance_year span encounters', () => {
  const [a1, a2, b1] = lines({ id: 'A', days: ['2024-03-31', '2024-03-31'] }, { id: 'B', days: ['2024-03-31'] });
  const same = (w: string, x: LineCtx, y: LineCtx) => bucketKey(x, w) === bucketKey(y, w);
  assert.equal(same('line', a1, a2), false);
  assert.equal(same('day', a1, a2), true);
  assert.equal(same('day', a1, b1), false, 'same day, other encounter');
  assert.equal(same('visit', a1, b1), false);
  for (const w of ['month', 'quarter', 'year', 'insurance_year']) assert.equal(same(w, a1, b1), true, w);
});

test('calendar windows: boundaries (last day of a month, quarter and year against the first of the next)', () => {
  const [mar31, apr1, dec31, jan1] = lines({ id: 'A', days: ['2024-03-31', '2024-04-01', '2024-12-31', '2025-01-01'] });
  const same = (w: string, x: LineCtx, y: LineCtx) => bucketKey(x, w) === bucketKey(y, w);
  assert.equal(same('month', mar31, apr1), false);
  assert.equal(same('quarter', mar31, apr1), false);
  assert.equal(same('year', mar31, apr1), true);
  assert.equal(same('year', dec31, jan1), false);
  assert.equal(same('insurance_year', dec31, jan1), false, 'by default the calendar year');
  const groups = buckets([mar31, apr1, dec31, jan1], 'quarter');
  assert.deepEqual([...groups.values()].map((g) => g.length), [1, 1, 1, 1]);
});

test('rolling_days: the N days ending on the line\'s day, inclusive at both ends', () => {
  const ls = lines({ id: 'A', days: ['2024-02-25', '2024-02-26', '2024-03-01', '2024-03-02', '2024-03-03'] });
  const idx = new WindowIndex(ls, { rolling_days: 7 });
  // 7 days ending 2024-03-02 (a leap year): 02-25 … 03-02.
  assert.deepEqual(idx.of(ls[3]).map((l) => l.day), ['2024-02-25', '2024-02-26', '2024-03-01', '2024-03-02', '2024-03-03'].slice(0, 4));
  assert.deepEqual(idx.of(ls[4]).map((l) => l.day), ['2024-02-26', '2024-03-01', '2024-03-02', '2024-03-03']);
  assert.deepEqual(new WindowIndex(ls, { rolling_days: 1 }).of(ls[2]).map((l) => l.day), ['2024-03-01']);
});

test('window names for messages', () => {
  assert.deepEqual(['day', 'visit', 'month', 'quarter', 'year', 'insurance_year'].map(windowName), ['同日', '本次就诊', '当月', '当季', '当年', '医保年度']);
  assert.equal(windowName({ rolling_days: 7 }), '7日内');
});
