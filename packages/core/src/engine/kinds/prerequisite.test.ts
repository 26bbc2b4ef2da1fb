import { test } from 'node:test';
import assert from 'node:assert/strict';
import { enc, flagged, pack, run } from '../testing/build.ts';

const p = pack([{ kind: 'prerequisite', category: 'PREREQUISITE', items: ['NUT*'], params: { requires: ['NRS'], window: 'visit' }, unless: { flag: 'nutrition_risk' } }]);

test('prerequisite: no screening in the visit up to the line\'s day: each nutrition line, full amount', () => {
  const r = run(p, [enc({ lines: [{ code: 'NUT1', rx: 'a', pric: 90, at: '2024-03-02' }, { code: 'NUT2', rx: 'b', pric: 60, at: '2024-03-03' }] })]);
  assert.deepEqual(flagged(r), { a: 9000, b: 6000 });
});

test('prerequisite: a screening earlier or the same day (any time) satisfies; a later day does not; `unless` waives', () => {
  const lines = (screen: string) => [{ code: 'NRS', at: screen }, { code: 'NUT1', rx: 'a', at: '2024-03-02 08:00:00' }];
  assert.deepEqual(run(p, [enc({ lines: lines('2024-03-01 08:00:00') })]), []);
  assert.deepEqual(run(p, [enc({ lines: lines('2024-03-02 23:00:00') })]), []);
  assert.deepEqual(Object.keys(flagged(run(p, [enc({ lines: lines('2024-03-03 08:00:00') })]))), ['a']);
  assert.deepEqual(run(p, [enc({ flags: ['nutrition_risk'], lines: [{ code: 'NUT1' }] })]), []);
});

test('prerequisite: rolling window across encounters — the first day of the window still satisfies, the day before does not', () => {
  const r = pack([{ kind: 'prerequisite', category: 'PREREQUISITE', items: ['NUT1'], params: { requires: ['NRS'], window: { rolling_days: 7 } } }]);
  const screen = (d: string) => enc({ id: `S${d}`, adm: `${d} 08:00:00`, type: '1', lines: [{ code: 'NRS' }] });
  const use = enc({ id: 'U', adm: '2024-03-08 08:00:00', type: '1', lines: [{ code: 'NUT1', rx: 'u' }] });
  assert.deepEqual(run(r, [screen('2024-03-02'), use], { current: ['U'] }), []);
  assert.deepEqual(Object.keys(flagged(run(r, [screen('2024-03-01'), use], { current: ['U'] }))), ['u']);
  assert.deepEqual(Object.keys(flagged(run(r, [enc({ id: 'SP', adm: '2024-03-05 08:00:00', lines: [{ code: 'NRS', selfPaid: true }] }), use], { current: ['U'] }))), ['u'], 'a self-paid screening does not count');
});
