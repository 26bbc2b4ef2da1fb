import { test } from 'node:test';
import assert from 'node:assert/strict';
import { enc, flagged, pack, run } from '../testing/build.ts';

test('frequency: exactly max distinct days is fine; the days beyond max are flagged, every line of those days', () => {
  const p = pack([{ kind: 'frequency', category: 'FREQUENCY', items: ['CT*'], params: { max: 2, window: 'visit' } }]);
  const days = (ds: string[]) => ds.map((at, i) => ({ code: 'CT1', at, rx: `r${i}`, pric: 200 }));
  assert.deepEqual(run(p, [enc({ lines: days(['2024-03-01', '2024-03-01 10:00:00', '2024-03-02']) })]), [], 'two days, three lines');
  const r = run(p, [enc({ lines: days(['2024-03-03', '2024-03-01', '2024-03-02', '2024-03-03 10:00:00']) })]);
  assert.deepEqual(flagged(r), { r0: 20000, r3: 20000 });
  assert.equal(r[0].lines[0].actual, '3天');
});

test('frequency: rolling_days — first and last day of the window', () => {
  const p = pack([{ kind: 'frequency', category: 'FREQUENCY', items: ['HD'], params: { max: 3, window: { rolling_days: 7 } } }]);
  const lines = (ds: string[]) => ds.map((at, i) => ({ code: 'HD', at, rx: `d${i}` }));
  // 01, 03, 05 and 07: the 7 days ending on 07 are 01…07 — four days.
  assert.deepEqual(Object.keys(flagged(run(p, [enc({ lines: lines(['2024-03-01', '2024-03-03', '2024-03-05', '2024-03-07']) })]))), ['d3']);
  // 01, 03, 05 and 08: the 7 days ending on 08 are 02…08 — three days.
  assert.deepEqual(run(p, [enc({ lines: lines(['2024-03-01', '2024-03-03', '2024-03-05', '2024-03-08']) })]), []);
});

test('frequency: a month window spans encounters; history days count, only current lines are flagged', () => {
  const p = pack([{ kind: 'frequency', category: 'FREQUENCY', items: ['CT1'], params: { max: 1, window: 'month' } }]);
  const a = enc({ id: 'A', type: '1', adm: '2024-03-01 08:00:00', lines: [{ code: 'CT1', rx: 'a' }] });
  const b = enc({ id: 'B', type: '1', adm: '2024-03-31 08:00:00', lines: [{ code: 'CT1', rx: 'b' }] });
  assert.deepEqual(flagged(run(p, [a, b], { current: ['B'] })), { b: 1000 });
  assert.deepEqual(run(p, [a, b], { current: ['A'] }), [], 'the earlier day is within max');
});
