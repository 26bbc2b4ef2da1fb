import { test } from 'node:test';
import assert from 'node:assert/strict';
import { escalation, fine, personSuspension } from './penalties.ts';

test('fines are multiplier × recovered amount within the legal ranges', () => {
  assert.deepEqual(fine('violation', 73421569, 1.5).fine, 110132354);
  assert.equal(fine('fraud', 765000, 5).fine, 3825000);
  assert.equal(fine('agreement', 11650, 2).fine, 23300);
  assert.equal(fine('violation', 3, 1.5).fine, 5, 'half-up to the fen');
  assert.throws(() => fine('violation', 100, 2.5), /outside 1–2/);
  assert.throws(() => fine('fraud', 100, 1), /outside 2–5/);
  assert.match(fine('fraud', 100, 3).basis, /第四十条/);
});

test('escalation: 3 types or cases refuse the month, 5 suspend for 3 months from the next month', () => {
  const d = { medins_id: 'H1', dept_codg: '0303', month: '2024-11' };
  assert.deepEqual(escalation({ ...d, violationTypes: 2, cases: 2 }), { action: 'none' });
  assert.deepEqual(escalation({ ...d, violationTypes: 3, cases: 1 }), { action: 'refuse_month', medins_id: 'H1', dept_codg: '0303', month: '2024-11', count: 3 });
  assert.deepEqual(escalation({ ...d, violationTypes: 1, cases: 4 }).action, 'refuse_month');
  assert.deepEqual(escalation({ ...d, violationTypes: 5, cases: 0 }), { action: 'suspend', medins_id: 'H1', dept_codg: '0303', from: '2024-12-01', to: '2025-03-01', count: 5 });
});

test('a person\'s direct settlement is suspended 3–12 months', () => {
  assert.deepEqual(personSuspension('2024-01-15', 3), { from: '2024-01-15', to: '2024-04-15' });
  assert.deepEqual(personSuspension('2024-11-30', 3), { from: '2024-11-30', to: '2025-03-02' });
  assert.throws(() => personSuspension('2024-01-01', 2), /outside 3–12/);
  assert.throws(() => personSuspension('2024-01-01', 13), /outside 3–12/);
});
