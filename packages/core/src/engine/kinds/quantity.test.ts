import { test } from 'node:test';
import assert from 'node:assert/strict';
import { enc, flagged, pack, run } from '../testing/build.ts';

const day = pack([{ kind: 'quantity', items: ['Q'], params: { max: 3, window: 'day' } }]);

test('quantity: exactly at the limit does not fire, one unit over flags that unit × pric', () => {
  assert.deepEqual(run(day, [enc({ lines: [{ code: 'Q', cnt: 3, pric: 20 }] })]), []);
  assert.deepEqual(flagged(run(day, [enc({ lines: [{ code: 'Q', cnt: 4, pric: 20, rx: 'a' }] })])), { a: 2000 });
});

test('quantity: the amount is at most the full line (sumamt − ownpay)', () => {
  // 5 units at 20 yuan = 100; 2 units over = 40 yuan, but the fund paid only 100 − 70 = 30 of the line.
  assert.deepEqual(flagged(run(day, [enc({ lines: [{ code: 'Q', cnt: 5, pric: 20, ownpay: 70, rx: 'a' }] })])), { a: 3000 });
});

test('quantity: self-paid lines are not counted; `when` filters what counts, not only what is flagged', () => {
  assert.deepEqual(run(day, [enc({ lines: [{ code: 'Q', cnt: 3, selfPaid: true }, { code: 'Q', cnt: 3 }] })]), []);
  const onlyWard = pack([{ kind: 'quantity', items: ['Q'], params: { max: 3, window: 'day' }, when: { dept: ['0303'] } }]);
  assert.deepEqual(run(onlyWard, [enc({ lines: [{ code: 'Q', cnt: 3, dept: '0999' }, { code: 'Q', cnt: 3, dept: '0303' }] })]), [], 'the other department\'s 3 units do not count');
});

test('quantity: the day window is the calendar day of drord_begn_date; ties in time go by input order', () => {
  const r = run(day, [enc({ lines: [
    { code: 'Q', cnt: 2, at: '2024-03-01 23:59:59', rx: 'late' },
    { code: 'Q', cnt: 2, at: '2024-03-02 00:00:00', rx: 'next' },
    { code: 'Q', cnt: 2, at: '2024-03-01 08:00:00', rx: 'first' },
    { code: 'Q', cnt: 1, at: '2024-03-02 00:00:00', rx: 'tie' },
  ] })]);
  assert.deepEqual(flagged(r), { late: 1000 }, 'day 1: 2 + 2 = 4 (1 over, on the later line); day 2: 2 + 1 = 3');
});

test('quantity: the visit window per encounter; calendar windows (month, quarter, year) span the patient\'s encounters', () => {
  const visit = pack([{ kind: 'quantity', items: ['Q'], params: { max: 2, window: 'visit' } }]);
  const a = enc({ id: 'A', adm: '2024-03-01 08:00:00', lines: [{ code: 'Q', cnt: 2 }] });
  const b = enc({ id: 'B', adm: '2024-03-31 08:00:00', lines: [{ code: 'Q', cnt: 1, rx: 'b' }] });
  assert.deepEqual(run(visit, [a, b]), []);
  const month = pack([{ kind: 'quantity', items: ['Q'], params: { max: 2, window: 'month' } }]);
  assert.deepEqual(flagged(run(month, [a, b])), { b: 1000 }, 'last day of the month still in March');
  const april = enc({ id: 'C', adm: '2024-04-01 08:00:00', lines: [{ code: 'Q', cnt: 1, rx: 'c' }] });
  assert.deepEqual(run(month, [a, april]), [], 'first day of the next month starts over');
  const quarter = pack([{ kind: 'quantity', items: ['Q'], params: { max: 2, window: 'quarter' } }]);
  assert.equal(run(quarter, [a, enc({ id: 'D', adm: '2024-01-01 08:00:00', lines: [{ code: 'Q', cnt: 1 }] })]).length, 1, 'Q1: Jan and Mar');
  assert.deepEqual(run(quarter, [a, april]), [], 'Q2 starts on 1 April');
  const year = pack([{ kind: 'quantity', items: ['Q'], params: { max: 2, window: 'year' } }]);
  assert.equal(run(year, [a, enc({ id: 'E', adm: '2024-12-31 08:00:00', lines: [{ code: 'Q', cnt: 1 }] })]).length, 1);
  assert.deepEqual(run(year, [a, enc({ id: 'F', adm: '2025-01-01 08:00:00', lines: [{ code: 'Q', cnt: 1 }] })]), []);
});

test('quantity: history counts but is never flagged; only the current encounter\'s result is returned', () => {
  const month = pack([{ kind: 'quantity', items: ['Q'], params: { max: 2, window: 'month' } }]);
  const old = enc({ id: 'OLD', adm: '2024-03-01 08:00:00', lines: [{ code: 'Q', cnt: 5, rx: 'old' }] });
  const now = enc({ id: 'NOW', adm: '2024-03-05 08:00:00', lines: [{ code: 'Q', cnt: 1, rx: 'now' }] });
  const r = run(month, [old, now], { current: ['NOW'] });
  assert.deepEqual(r.map((f) => f.mdtrt_id), ['NOW']);
  assert.deepEqual(flagged(r), { now: 1000 });
});

test('quantity: rolling_days takes the N days ending on the line\'s day (first and last day of the window)', () => {
  const p = pack([{ kind: 'quantity', items: ['Q'], params: { max: 3, window: { rolling_days: 30 } } }]);
  const first = enc({ id: 'A', adm: '2024-03-01 08:00:00', lines: [{ code: 'Q', cnt: 3 }] });
  assert.equal(run(p, [first, enc({ id: 'B', adm: '2024-03-30 08:00:00', lines: [{ code: 'Q', cnt: 1 }] })], { current: ['B'] }).length, 1, 'day 30 of 30');
  assert.deepEqual(run(p, [first, enc({ id: 'C', adm: '2024-03-31 08:00:00', lines: [{ code: 'Q', cnt: 1 }] })], { current: ['C'] }), [], 'day 31');
  // A later line never counts against an earlier one.
  assert.deepEqual(run(p, [enc({ id: 'D', adm: '2024-03-01 08:00:00', lines: [{ code: 'Q', cnt: 3, rx: 'd' }] }), enc({ id: 'E', adm: '2024-03-02 08:00:00', lines: [{ code: 'Q', cnt: 3 }] })], { current: ['D'] }), []);
});

test('quantity per_los_day: the limit is max × length of stay (算入不算出, at least 1)', () => {
  const p = pack([{ kind: 'quantity', category: 'LENGTH_OF_STAY', items: ['BED'], params: { max: 1, window: 'visit', per_los_day: true } }]);
  const stay = (cnt: number) => run(p, [enc({ adm: '2024-03-01 20:00:00', dscg: '2024-03-06 08:00:00', lines: [{ code: 'BED', cnt, pric: 40, rx: 'a' }] })]);
  assert.deepEqual(stay(5), [], '5 days billed for 5 days');
  const r = stay(6);
  assert.deepEqual(flagged(r), { a: 4000 });
  assert.equal(r[0].lines[0].limit, '1×5天=5');
});
