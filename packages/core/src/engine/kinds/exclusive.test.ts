import { test } from 'node:test';
import assert from 'node:assert/strict';
import { enc, flagged, pack, run } from '../testing/build.ts';

// ERCP (domain.md §3): the diagnostic ERCP must not be billed with a therapeutic one the same day.
const day = pack([{ kind: 'exclusive', category: 'EXCLUSIVE', items: ['310903007'], params: { with: ['3109030*'], window: 'day' } }]);

test('exclusive: the matching line is flagged (full line) when a `with` line is on the same calendar day', () => {
  const r = run(day, [enc({ lines: [{ code: '310903007', rx: 'diag', pric: 1658, at: '2024-03-01 23:59:59' }, { code: '310903008', rx: 'ther', pric: 2000, at: '2024-03-01 00:00:00' }] })]);
  assert.deepEqual(flagged(r), { diag: 165800 });
});

test('exclusive: a line never pairs with itself; two copies pair with each other', () => {
  assert.deepEqual(run(day, [enc({ lines: [{ code: '310903007' }] })]), []);
  assert.deepEqual(Object.keys(flagged(run(day, [enc({ lines: [{ code: '310903007', rx: 'a' }, { code: '310903007', rx: 'b' }] })]))), ['a', 'b']);
});

test('exclusive: day window — the next day does not pair; visit window — any day of the encounter, never another encounter', () => {
  const lines = [{ code: '310903007', rx: 'diag', at: '2024-03-01' }, { code: '310903008', at: '2024-03-02' }];
  assert.deepEqual(run(day, [enc({ lines })]), []);
  const visit = pack([{ kind: 'exclusive', category: 'EXCLUSIVE', items: ['310903007'], params: { with: ['310903008'], window: 'visit' } }]);
  assert.deepEqual(Object.keys(flagged(run(visit, [enc({ lines })]))), ['diag']);
  const other = [enc({ id: 'A', lines: [lines[0]] }), enc({ id: 'B', lines: [lines[1]] })];
  assert.deepEqual(run(visit, other), []);
});

test('exclusive: a self-paid `with` line does not count; a non-current one does', () => {
  assert.deepEqual(run(day, [enc({ lines: [{ code: '310903007' }, { code: '310903008', selfPaid: true }] })]), []);
  assert.equal(run(day, [enc({ lines: [{ code: '310903007' }, { code: '310903008', current: false }] })]).length, 1);
});
