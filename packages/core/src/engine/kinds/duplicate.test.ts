import { test } from 'node:test';
import assert from 'node:assert/strict';
import { enc, flagged, pack, run } from '../testing/build.ts';

const p = pack([{ kind: 'duplicate', category: 'DUPLICATE', items: ['*'], params: { window: 'day' } }]);

test('duplicate: same code, full timestamp, cnt and pric: every copy after the first, full line', () => {
  const l = { code: '250101001', at: '2024-03-01 08:00:00', cnt: 1, pric: 12 };
  const r = run(p, [enc({ lines: [{ ...l, rx: 'a' }, { ...l, rx: 'b' }, { ...l, rx: 'c' }] })]);
  assert.deepEqual(flagged(r), { b: 1200, c: 1200 });
  assert.equal(r[0].lines[1].actual, 3);
});

test('duplicate: a different second, cnt or pric is not a copy', () => {
  const l = { code: '250101001', at: '2024-03-01 08:00:00', cnt: 1, pric: 12 };
  for (const other of [{ at: '2024-03-01 08:00:01' }, { cnt: 2 }, { pric: 12.01 }]) assert.deepEqual(run(p, [enc({ lines: [l, { ...l, ...other }] })]), [], JSON.stringify(other));
});

test('duplicate: a non-current first copy makes the current copy a duplicate; a self-paid first copy does not', () => {
  const l = { code: 'X', at: '2024-03-01 08:00:00' };
  assert.deepEqual(Object.keys(flagged(run(p, [enc({ lines: [{ ...l, current: false, rx: 'old' }, { ...l, rx: 'new' }] })]))), ['new']);
  assert.deepEqual(run(p, [enc({ lines: [{ ...l, selfPaid: true }, { ...l, rx: 'new' }] })]), []);
});

test('duplicate: the window stays inside one encounter', () => {
  const l = { code: 'X', at: '2024-03-01 08:00:00' };
  assert.deepEqual(run(p, [enc({ id: 'A', lines: [l] }), enc({ id: 'B', lines: [l] })]), []);
});
