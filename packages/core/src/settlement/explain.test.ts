import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseSettlementRequest, settle } from './calculator.ts';
import { explainSettlement } from './explain.ts';
import { policyFromSheetRows } from './policy-sheet.ts';
import { parsePolicy } from './calculator.ts';

const policy = {
  region: '610100', year: 2024, insutype: '310', scenario: 'inpatient', version: '2024.1',
  deductible: { by_level: { 3: 1000, 2: 600, 1: 300 }, nth_admission_factor: [1, 0.5] },
  ratio: { by_level: { 3: 0.85, 2: 0.9, 1: 0.95 }, retiree_add: 0.05, max: 0.95 },
  annual_cap: 1000,
  catastrophic: { threshold: 500, bands: [{ upto: null, ratio: 0.6 }], annual_cap: 400000 },
};
const catalogue = [
  { hilist_code: 'A', hilist_name: '阿莫西林胶囊', hilist_type: '101', hilist_lv: '01' },
  { hilist_code: 'B', hilist_name: '乙类注射液', hilist_type: '101', hilist_lv: '02', selfpay_prop: 0.1 },
  { hilist_code: 'C', hilist_name: '丙类保健品', hilist_type: '101', hilist_lv: '03' },
];

test('every non-zero part is explained in Chinese, with the amounts that add up to what the person pays', () => {
  const input = parseSettlementRequest({
    policy, person: { retiree: false }, catalogue, accumulators: { admissions: 0, fund_paid: 0 },
    encounter: { mdtrt_id: 'ZY1', medins_id: 'H1', medins_lv: '01', adm_date: '2024-05-01', med_mdtrt_type: '2', insutype: '310', fsi_order_dtos: [
      { rx_id: '1', hilist_code: 'A', cnt: 1, pric: 2000, sumamt: 2000 },
      { rx_id: '2', hilist_code: 'B', cnt: 1, pric: 100, sumamt: 100 },
      { rx_id: '3', hilist_code: 'C', cnt: 2, pric: 30, sumamt: 60 },
    ] },
  });
  const r = settle(input);
  // 政策范围 2000 + 90 = 2090; 起付线 1000; ×85 % = 926.50 but the cap leaves 1000 → 926.50 paid, no excess.
  // Cap 1000 is not reached: check the excess path with fund_paid 500 below.
  const parts = explainSettlement(r, { inpatient: true, admissionsBefore: 0 });
  assert.deepEqual(parts.map((p) => p.part), ['medfee_sumamt', 'fulamt_ownpay_amt', 'preselfpay_amt', 'act_pay_dedc', 'hifp_pay', 'pool_prop_selfpay', 'hifmi_pay', 'psn_part_amt']);
  assert.match(parts[1].text, /丙类.*丙类保健品 60\.00 元/);
  assert.match(parts[2].text, /先行自付.*乙类注射液 10\.00 元/);
  assert.match(parts[3].text, /起付线.*第 1 次住院/);
  const selfPaid = parts.filter((p) => ['fulamt_ownpay_amt', 'preselfpay_amt', 'act_pay_dedc', 'pool_prop_selfpay'].includes(p.part)).reduce((s, p) => s + p.amount_fen, 0);
  assert.equal(selfPaid, r.fen.psn_part_amt + r.fen.hifmi_pay, 'the self-paid parts before 大病保险 add up');

  const capped = settle({ ...input, accumulators: { ...input.accumulators, fund_paid: 50000 } });
  assert.equal(capped.fen.hifp_pay, 50000);
  assert.equal(capped.over_cap, 92650 - 50000);
  const cappedParts = explainSettlement(capped, { inpatient: true, admissionsBefore: 0 });
  const over = cappedParts.find((p) => p.part === 'over_cap');
  assert.equal(over?.amount_fen, 42650);
  assert.match(over!.text, /封顶线.*426\.50 元.*大病保险/);
});

test('a policy kept as a 字段/值 sheet becomes the contract object; bad rows are named by cell', () => {
  const rows = [
    ['region', '610100'], ['year', 2024], ['insutype', '310'], ['scenario', 'inpatient'], ['version', '2024.2'], ['effective_from', '2024-07-01'],
    ['deductible.by_level.3', 1000], ['deductible.by_level.1', '300'], ['deductible.nth_admission_factor', '1, 0.5, 0'],
    ['ratio.by_level.3', 0.85], ['ratio.by_level.1', 0.95], ['ratio.retiree_add', 0.05], ['ratio.max', 0.95], ['annual_cap', 150000],
    ['catastrophic.threshold', 20000], ['catastrophic.bands.0.upto', 100000], ['catastrophic.bands.0.ratio', 0.6], ['catastrophic.bands.1.upto', ''], ['catastrophic.bands.1.ratio', 0.7],
  ].map(([field, value], i) => ({ line: i + 2, field: String(field), value }));
  const obj = policyFromSheetRows(rows, '住院');
  const p = parsePolicy(obj);
  assert.deepEqual(p.deductible, { by_level: { 3: 100000, 1: 30000 }, nth_admission_factor: [10000, 5000, 0] });
  assert.deepEqual(p.catastrophic?.bands, [{ upto: 10000000, ratio: 6000 }, { upto: null, ratio: 7000 }]);
  assert.equal(p.effective_from, '2024-07-01');
  assert.equal(p.effective_to, '2025-01-01');
  assert.throws(() => policyFromSheetRows([{ line: 5, field: 'annual_cap', value: '十五万' }, { line: 6, field: 'Annual Cap', value: 1 }], '住院'),
    (e: Error & { issues?: { field: string }[] }) => e.issues?.map((i) => i.field).join() === '住院!B5,住院!A6');
});
