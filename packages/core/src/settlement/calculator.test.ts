import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { parseSettlementRequest, reverse, settle, settlementOutput, type Accumulators } from './calculator.ts';

const policy = {
  region: '610100', year: 2024, insutype: '310', scenario: 'inpatient', version: '2024.1',
  deductible: { by_level: { 3: 1000, 2: 600, 1: 300 }, nth_admission_factor: [1, 0.5, 0.5, 0] },
  ratio: { by_level: { 3: 0.85, 2: 0.9, 1: 0.95 }, retiree_add: 0.05, max: 0.95 },
  annual_cap: 150000,
  catastrophic: { threshold: 20000, bands: [{ upto: 100000, ratio: 0.6 }, { upto: null, ratio: 0.7 }], annual_cap: 400000 },
};
const catalogue = [
  { hilist_code: 'A', hilist_name: '甲类药', hilist_type: '101', hilist_lv: '01' },
  { hilist_code: 'B', hilist_name: '乙类药', hilist_type: '101', hilist_lv: '02', selfpay_prop: 0.1 },
  { hilist_code: 'C', hilist_name: '丙类药', hilist_type: '101', hilist_lv: '03' },
  { hilist_code: 'D', hilist_name: '限价耗材', hilist_type: '301', hilist_lv: '02', selfpay_prop: 0.2, price_cap: 250 },
];
const line = (rx: string, code: string, cnt: number, pric: number) => ({ rx_id: rx, hilist_code: code, cnt, pric, sumamt: Math.round(cnt * pric * 100) / 100 });
const encounter = (lv = '05', type = '2', lines = [line('1', 'A', 2, 100), line('2', 'B', 4, 50), line('3', 'C', 3, 10), line('4', 'D', 2, 300), line('5', 'E', 1, 15)]) => ({
  mdtrt_id: 'ZY1', medins_id: 'H1', medins_lv: lv, adm_date: '2024-05-01', med_mdtrt_type: type, insutype: '310', fsi_order_dtos: lines,
});

test('a worked example, checked by hand (乙类, 丙类, 目录外, 超限价, second admission, catastrophic band)', () => {
  // medfee 1045 = 200 + 200 + 30 + 600 + 15; 全自费 45 (丙类 30, 目录外 15); 超限价 (300 − 250) × 2 = 100;
  // 先行自付 200 × 10 % + 500 × 20 % = 120; 政策范围 780; 起付线 600 × 0.5 = 300; 统筹 (780 − 300) × 90 % = 432;
  // 统筹段自付 48; 大病: base 19 900 → 20 248, 248 above 20 000 × 60 % = 148.80; fund 580.80; person 464.20.
  const input = parseSettlementRequest({ policy, encounter: encounter(), person: { retiree: false }, catalogue, accumulators: { admissions: 1, fund_paid: 0, catastrophic_base: 19900 } });
  const out = settlementOutput(settle(input));
  assert.deepEqual(
    [out.medfee_sumamt, out.fulamt_ownpay_amt, out.overlmt_selfpay, out.preselfpay_amt, out.inscp_scp_amt, out.act_pay_dedc, out.hifp_pay, out.pool_prop_selfpay, out.hifmi_pay, out.fund_pay_sumamt, out.psn_part_amt],
    [1045, 45, 100, 120, 780, 300, 432, 48, 148.8, 580.8, 464.2],
  );
  assert.deepEqual(out.accumulators_after, { admissions: 2, deductible_met: 0, fund_paid: 432, catastrophic_base: 20248, catastrophic_paid: 148.8 });
  assert.equal((out.trace as { name: string }[]).length, 11);
  assert.deepEqual(out.parameters, { region: '610100', year: 2024, insutype: '310', scenario: 'inpatient', version: '2024.1' });
});

test('retiree add is capped at max; a level without parameters uses level 1; the annual cap limits the fund', () => {
  const base = { policy, person: { retiree: true }, catalogue, accumulators: {} };
  const l1 = settle(parseSettlementRequest({ ...base, encounter: encounter('09', '2', [line('1', 'A', 1, 1300)]) }));
  assert.equal(l1.ratio, 9500, '0.95 + 0.05 capped at 0.95');
  assert.equal(l1.fen.act_pay_dedc, 30000);
  assert.equal(l1.fen.hifp_pay, 95000);
  const unrated = settle(parseSettlementRequest({ ...base, encounter: encounter('99', '2', [line('1', 'A', 1, 1300)]) }));
  assert.equal(unrated.level, 1);
  const capped = settle(parseSettlementRequest({ ...base, encounter: encounter('09', '2', [line('1', 'A', 1, 1300)]), accumulators: { fund_paid: 149900 } }));
  assert.equal(capped.fen.hifp_pay, 10000, 'exactly up to the annual cap');
  assert.equal(capped.fen.pool_prop_selfpay, 1300_00 - 300_00 - 10000);
});

test('outpatient deductible: what remains of it this year; exactly at the deductible nothing is paid', () => {
  const op = { ...policy, scenario: 'outpatient', deductible: { by_level: { 1: 200 } }, ratio: { by_level: { 1: 0.6 } }, catastrophic: null };
  const r = settle(parseSettlementRequest({ policy: op, encounter: encounter('09', '1', [line('1', 'A', 1, 150)]), person: {}, accumulators: { deductible_met: 100 } }));
  assert.equal(r.fen.act_pay_dedc, 10000);
  assert.equal(r.fen.hifp_pay, 3000);
  assert.equal(r.accumulators_after.deductible_met, 20000);
  const exact = settle(parseSettlementRequest({ policy: op, encounter: encounter('09', '1', [line('1', 'A', 1, 200)]), person: {}, accumulators: {} }));
  assert.deepEqual([exact.fen.act_pay_dedc, exact.fen.hifp_pay], [20000, 0]);
});

test('bad policies and requests name the field', () => {
  assert.throws(() => parseSettlementRequest({ policy: { ...policy, ratio: { by_level: { 1: 1.2 } } }, encounter: encounter(), person: {}, accumulators: {} }), /policy\.ratio\.by_level\.1: a ratio between 0 and 1/);
  assert.throws(() => parseSettlementRequest({ policy, encounter: { ...encounter(), fsi_order_dtos: [{ rx_id: '1', hilist_code: 'A', cnt: 'x', pric: 1, sumamt: 1 }] }, person: {}, accumulators: {} }), /encounter: fsi_order_dtos\[0\]\.cnt/);
});

const arbLine = fc.record({ code: fc.constantFrom('A', 'B', 'C', 'D', 'E'), cnt: fc.integer({ min: 1, max: 20 }), pric: fc.integer({ min: 1, max: 200_000 }) });
const arbAcc = fc.record({ admissions: fc.integer({ min: 0, max: 6 }), deductible_met: fc.integer({ min: 0, max: 100_000 }), fund_paid: fc.integer({ min: 0, max: 16_000_000 }), catastrophic_base: fc.integer({ min: 0, max: 50_000_000 }), catastrophic_paid: fc.integer({ min: 0, max: 41_000_000 }) });

test('invariants (property-based): parts never negative, fund + person = total, caps never exceeded, reverse restores', () => {
  fc.assert(fc.property(fc.array(arbLine, { minLength: 1, maxLength: 30 }), arbAcc, fc.boolean(), fc.constantFrom('01', '05', '09'), fc.constantFrom('1', '2'), (lines, acc, retiree, lv, type) => {
    const req = {
      policy, person: { retiree }, catalogue, encounter: encounter(lv, type, lines.map((l, i) => line(String(i), l.code, l.cnt, l.pric / 100))),
      accumulators: { admissions: acc.admissions, deductible_met: acc.deductible_met / 100, fund_paid: acc.fund_paid / 100, catastrophic_base: acc.catastrophic_base / 100, catastrophic_paid: acc.catastrophic_paid / 100 },
    };
    const input = parseSettlementRequest(req);
    const r = settle(input);
    for (const [k, v] of Object.entries(r.fen)) assert.ok(v >= 0 && Number.isInteger(v), `${k} = ${v}`);
    assert.equal(r.fen.fund_pay_sumamt + r.fen.psn_part_amt, r.fen.medfee_sumamt);
    assert.ok(r.accumulators_after.fund_paid <= Math.max(acc.fund_paid, 15_000_000));
    assert.ok(r.accumulators_after.catastrophic_paid <= Math.max(acc.catastrophic_paid, 40_000_000));
    const restored: Accumulators = reverse(r.accumulators_after, { before: input.accumulators, after: r.accumulators_after });
    assert.deepEqual(restored, input.accumulators);
    assert.deepEqual(settle({ ...input, accumulators: restored }), r, 'settling again from the restored figures gives the same result');
  }), { numRuns: 300, seed: 20241123 });
});
