import { test } from 'node:test';
import assert from 'node:assert/strict';
import { toResultRow } from '../evaluate.ts';
import { enc, flagged, pack, run } from '../testing/build.ts';

// Missing evidence (audit-api.md §2): a national-standard HIS sends no fsi_lab_dtos and no ext_flags.
const ALB = 'XB05AAR014B002010104321';
const albumin = pack([{
  kind: 'indication', category: 'INDICATION', items: [ALB], message: '{item_name}超出限定支付范围',
  params: { requires: { all: [{ lab: { code: 'ALB', op: '<', value: 30 } }, { any: [{ flag: 'rescue' }, { flag: 'severe' }, { all: [{ diagnosis: ['K74*', 'C*'] }, { diagnosis: ['R18*', 'J91*'] }] }] }] } },
}]);
const line = { code: ALB, name: '人血白蛋白', rx: 'a', cnt: 2, pric: 385 };

test('indication reading a lab: no fsi_lab_dtos sent → sev_deg 2 naming the missing lab, same amount', () => {
  const [f] = run(albumin, [enc({ diagnoses: ['K74.6', 'R18.x00'], noLabs: true, lines: [line] })]);
  assert.equal(f.severity, 'suspicious');
  assert.equal(f.amount, 77000);
  assert.equal(f.message, '需核实：未提供检验结果 ALB；人血白蛋白超出限定支付范围');
  assert.match(f.evidence, /ALB=未提供/);
  const row = toResultRow(f, { salt: 's' });
  assert.deepEqual([row.sev_deg, row.vola_amt, row.vola_amt_stas], ['2', 770, '0']);
});

test('indication: an empty fsi_lab_dtos is evidence that there is none → a definite violation as before', () => {
  const [f] = run(albumin, [enc({ diagnoses: ['K74.6', 'R18.x00'], labs: [], lines: [line] })]);
  assert.equal(f.severity, 'violation');
  assert.equal(f.message, '人血白蛋白超出限定支付范围');
});

test('indication: fires whatever the missing evidence says (lab given and too high) → stays a definite violation', () => {
  const [f] = run(albumin, [enc({ labs: [{ code: 'ALB', value: 35 }], noFlags: true, lines: [line] })]);
  assert.equal(f.severity, 'violation');
  assert.doesNotMatch(f.message, /需核实/);
});

test('indication reading flags: no ext_flags and no qualifying diagnosis → asks, naming every flag it could need', () => {
  const [f] = run(albumin, [enc({ labs: [{ code: 'ALB', value: 25 }], noFlags: true, lines: [line] })]);
  assert.equal(f.severity, 'suspicious');
  assert.equal(f.message, '需核实：未提供临床标记 rescue、临床标记 severe；人血白蛋白超出限定支付范围');
  // a qualifying diagnosis settles it whatever the flags say: payable, no finding
  assert.deepEqual(run(albumin, [enc({ labs: [{ code: 'ALB', value: 25 }], diagnoses: ['C34.9', 'J91.x00'], noFlags: true, lines: [line] })]), []);
});

test('indication with neither labs nor flags: both named; a reminder rule stays a reminder', () => {
  const [f] = run(albumin, [enc({ noLabs: true, noFlags: true, lines: [line] })]);
  assert.equal(f.message, '需核实：未提供检验结果 ALB、临床标记 rescue、临床标记 severe；人血白蛋白超出限定支付范围');
  const reminder = pack([{ kind: 'indication', category: 'INDICATION', severity: 'reminder', items: [ALB], params: { requires: { flag: 'rescue' } } }]);
  const [r] = run(reminder, [enc({ noFlags: true, lines: [line] })]);
  assert.equal(r.severity, 'reminder');
  assert.match(r.message, /^需核实：未提供临床标记 rescue；/);
});

test('unless reading a flag (prerequisite unless nutrition_risk): no ext_flags → asks instead of accusing', () => {
  const p = pack([{ kind: 'prerequisite', category: 'PREREQUISITE', items: ['NUTR'], params: { requires: ['NRS'], window: 'visit' }, unless: { flag: 'nutrition_risk' } }]);
  const [f] = run(p, [enc({ noFlags: true, lines: [{ code: 'NUTR', rx: 'n', pric: 50 }] })]);
  assert.deepEqual([f.severity, f.amount], ['suspicious', 5000]);
  assert.match(f.message, /^需核实：未提供临床标记 nutrition_risk；/);
  assert.equal(run(p, [enc({ flags: [], lines: [{ code: 'NUTR', rx: 'n', pric: 50 }] })])[0].severity, 'violation');
  assert.deepEqual(run(p, [enc({ flags: ['nutrition_risk'], lines: [{ code: 'NUTR', rx: 'n', pric: 50 }] })]), []);
});

test('when reading a lab (frequency only for ALB < 30): no labs → asks; labs that rule it out → nothing', () => {
  const p = pack([{ kind: 'frequency', category: 'FREQUENCY', items: ['X'], params: { max: 1, window: 'visit' }, when: { lab: { code: 'ALB', op: '<', value: 30 } } }]);
  const lines = [{ code: 'X', rx: 'x1', at: '2024-03-01 09:00:00' }, { code: 'X', rx: 'x2', at: '2024-03-02 09:00:00' }];
  const [f] = run(p, [enc({ noLabs: true, lines })]);
  assert.deepEqual([f.severity, flagged([f])], ['suspicious', { x2: 1000 }]);
  assert.deepEqual(run(p, [enc({ labs: [{ code: 'ALB', value: 40 }], lines })]), []);
  assert.equal(run(p, [enc({ labs: [{ code: 'ALB', value: 20 }], lines })])[0].severity, 'violation');
});

test('when on a flag with a negation (not herbal_special): unknown stays unknown, not a definite violation', () => {
  const p = pack([{ kind: 'prescription', category: 'PRESCRIPTION', items: ['*'], params: { max_herbs: 1 }, when: { not: { flag: 'herbal_special' } } }]);
  const lines = [{ code: 'H1', type: '102', rxno: 'P', rx: 'h1' }, { code: 'H2', type: '102', rxno: 'P', rx: 'h2' }];
  assert.equal(run(p, [enc({ noFlags: true, lines })])[0].severity, 'suspicious');
  assert.equal(run(p, [enc({ flags: [], lines })])[0].severity, 'violation');
});

const days = pack([{ kind: 'prescription', category: 'PRESCRIPTION', items: ['*'], params: { max_days: 7, max_doses: 5 } }]);

test('prescription days: without ext_days they come from drord_begn_date to drord_stop_date, calendar days inclusive', () => {
  // 03-01 .. 03-10 is 10 days: (10 − 7) / 10 of 80.00
  const [f] = run(days, [enc({ type: '1', lines: [{ code: 'D', rxno: 'P', rx: 'a', pric: 80, at: '2024-03-01 09:00:00', stop: '2024-03-10 08:00:00' }] })]);
  assert.deepEqual([f.severity, flagged([f]), f.lines[0].actual], ['violation', { a: 2400 }, '10天']);
  assert.deepEqual(run(days, [enc({ type: '1', lines: [{ code: 'D', rxno: 'P', pric: 80, at: '2024-03-01 09:00:00', stop: '2024-03-07 23:00:00' }] })]), [], '7 days');
  // ext_days, when sent, wins over the dates
  assert.deepEqual(run(days, [enc({ type: '1', lines: [{ code: 'D', rxno: 'P', pric: 80, days: 3, at: '2024-03-01 09:00:00', stop: '2024-03-20 09:00:00' }] })]), []);
});

test('prescription days and doses neither sent nor derivable: no finding (the rule does not apply to the line)', () => {
  assert.deepEqual(run(days, [enc({ type: '1', lines: [{ code: 'D', rxno: 'P', pric: 80, at: '2024-03-01 09:00:00' }] })]), [], 'no stop date');
  assert.deepEqual(run(days, [enc({ type: '1', lines: [{ code: 'H', type: '102', rxno: 'P', pric: 80 }] })]), [], 'no ext_doses');
  assert.deepEqual(flagged(run(days, [enc({ type: '1', lines: [{ code: 'H', type: '102', rxno: 'P', rx: 'h', pric: 80, doses: 8 }] })])), { h: 3000 });
});
