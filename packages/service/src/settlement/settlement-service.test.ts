import assert from 'node:assert/strict';
import ExcelJS from 'exceljs';
import { sql } from 'drizzle-orm';
import { normaliseImportEncounter, type PatientEncounter } from '@fundguard/core';
import { testBothBackends } from '@fundguard/store/testing.ts';
import { FundGuard } from '../fundguard.ts';
import { SYSTEM_ACTOR } from '../auth/roles.ts';

const admin = { id: 'admin', role: 'admin' as const };
const his = { id: 'key:his', role: 'integration' as const };
const policy = {
  region: '610100', year: 2024, insutype: '310', scenario: 'inpatient', version: '2024.1',
  deductible: { by_level: { 3: 1000, 2: 600, 1: 300 }, nth_admission_factor: [1, 0.5, 0.5, 0] },
  ratio: { by_level: { 3: 0.85, 2: 0.9, 1: 0.95 }, retiree_add: 0.05, max: 0.95 },
  annual_cap: 150000,
  catastrophic: { threshold: 20000, bands: [{ upto: 100000, ratio: 0.6 }, { upto: null, ratio: 0.7 }], annual_cap: 400000 },
};
const enc = (id: string, patn = 'P1', amount = 5000, medins = 'H1', day = '2024-03-01'): PatientEncounter => normaliseImportEncounter({
  psn_no: patn, patn_id: patn, patn_name: '张三', gend: '1', brdy: '1950-01-01', poolarea: '610100',
  mdtrt_id: id, medins_id: medins, medins_lv: '01', medins_admdvs: '610100', adm_date: `${day} 08:00:00`, dscg_date: `${day.slice(0, 8)}10 10:00:00`,
  med_mdtrt_type: '2', insutype: '310', dscg_main_dise_codg: 'J18.9',
  fsi_order_dtos: [{ rx_id: `${id}-1`, hilist_code: 'X01', hilist_name: '头孢曲松钠注射剂', hilist_lv: '01', cnt: 1, pric: amount, sumamt: amount }],
}).value!;

async function setup(db: Parameters<Parameters<typeof testBothBackends>[1]>[0], clock = () => new Date('2024-03-15T02:00:00Z')) {
  const fg = new FundGuard(db, { clock });
  await fg.settlements.importPolicySets(admin, [policy], 'test.json');
  return fg;
}

testBothBackends('settle and reverse with idempotency keys: reversing restores the exact state, settling again gives the same result', async (db) => {
  const fg = await setup(db);
  await db.transaction((tx) => fg.ctx.encounters.replaceMany(tx, [enc('ZY1'), enc('ZY2', 'P1', 30000)], { importId: null, source: 'test' }));
  const first = await fg.settlements.settle(his, { idempotency_key: 'k1', mdtrt_id: 'ZY1' });
  // 5000, level 3: deductible 1000, (4000) × 85 % = 3400; person 1600.
  assert.deepEqual([first.result.hifp_pay, first.result.psn_part_amt, first.result.act_pay_dedc], [3400, 1600, 1000]);
  assert.equal((first.result.explanation as { part: string }[])[0].part, 'medfee_sumamt');
  const replay = await fg.settlements.settle(his, { idempotency_key: 'k1', mdtrt_id: 'ZY1' });
  assert.equal(replay.setl_id, first.setl_id);
  assert.equal(replay.replayed, true);
  await assert.rejects(fg.settlements.settle(his, { idempotency_key: 'k1', mdtrt_id: 'ZY2' }), /used for another request/);
  await assert.rejects(fg.settlements.settle(his, { idempotency_key: 'k1b', mdtrt_id: 'ZY1' }), /已结算/);
  const second = await fg.settlements.settle(his, { idempotency_key: 'k2', mdtrt_id: 'ZY2' });
  // second admission: deductible 1000 × 0.5 = 500; (30000 − 500) × 85 % = 25075; 大病 base 1600 + 4925 ≤ 20000: none.
  assert.deepEqual([second.result.act_pay_dedc, second.result.hifp_pay, second.result.hifmi_pay], [500, 25075, 0]);
  const afterBoth = await fg.settlements.accumulators(admin, 'P1', 2024);
  assert.deepEqual(afterBoth, { patn_id: 'P1', year: 2024, admissions: 2, catastrophic_base: 6525, catastrophic_paid: 0, cap_groups: [{ cap_group: 'inpatient', fund_paid: 28475, deductible_met: 0 }] });

  // Reverse the first (not the latest): only its own additions come off.
  const rev = await fg.settlements.reverse(his, first.setl_id, { idempotency_key: 'r1', reason: '医院申请冲销' });
  assert.equal(rev.status, 'reversed');
  assert.equal((await fg.settlements.reverse(his, first.setl_id, { idempotency_key: 'r1' })).replayed, true);
  await assert.rejects(fg.settlements.reverse(his, first.setl_id, { idempotency_key: 'r2' }), /已于 .* 冲销/);
  assert.deepEqual(await fg.settlements.accumulators(admin, 'P1', 2024), { patn_id: 'P1', year: 2024, admissions: 1, catastrophic_base: 4925, catastrophic_paid: 0, cap_groups: [{ cap_group: 'inpatient', fund_paid: 25075, deductible_met: 0 }] });
  // Reverse the second too: back to nothing; settle ZY1 again: the same result as the first time.
  await fg.settlements.reverse(his, second.setl_id, { idempotency_key: 'r3' });
  assert.deepEqual(await fg.settlements.accumulators(admin, 'P1', 2024), { patn_id: 'P1', year: 2024, admissions: 0, catastrophic_base: 0, catastrophic_paid: 0, cap_groups: [{ cap_group: 'inpatient', fund_paid: 0, deductible_met: 0 }] });
  const again = await fg.settlements.settle(his, { idempotency_key: 'k3', mdtrt_id: 'ZY1' });
  assert.notEqual(again.setl_id, first.setl_id);
  const strip = (r: Record<string, unknown>) => ({ ...r, trace: undefined });
  assert.deepEqual(strip(again.result), strip(first.result));
  const log = await fg.ctx.auditLog.verify();
  assert.equal(log.ok, true);
  // every settlement and reversal is in the audit log, with the caller's key
  const entries = await fg.ctx.auditLog.list({ entityType: 'settlement' });
  assert.deepEqual(entries.map((e) => [e.action, e.entityId]), [
    ['settlement.create', first.setl_id], ['settlement.create', second.setl_id], ['settlement.reverse', first.setl_id], ['settlement.reverse', second.setl_id], ['settlement.create', again.setl_id],
  ]);
  assert.equal(entries[0].detail.idempotency_key, 'k1');
});

testBothBackends('idempotency keys are per caller and scope comes first: another caller\'s key is a new request, another institution\'s settlement answers 404', async (db) => {
  const fg = await setup(db);
  await db.transaction((tx) => fg.ctx.encounters.replaceMany(tx, [enc('ZY1'), enc('ZC', 'PC', 2000, 'H2')], { importId: null, source: 'test' }));
  const h1 = { id: 'key:h1', role: 'integration' as const, institutionId: 'H1' };
  const h2 = { id: 'key:h2', role: 'hospital' as const, institutionId: 'H2' };
  const first = await fg.settlements.settle(h1, { idempotency_key: 'same', mdtrt_id: 'ZY1' });
  // H2 replays H1's key: not H1's answer, but H2's own request (here: an encounter it may not see → 404)
  await assert.rejects(fg.settlements.settle(h2, { idempotency_key: 'same', mdtrt_id: 'ZY1' }), (e: Error & { code?: string }) => e.code === 'E_NOT_FOUND');
  const own = await fg.settlements.settle(h2, { idempotency_key: 'same', mdtrt_id: 'ZC' });
  assert.notEqual(own.setl_id, first.setl_id);
  assert.equal(own.replayed, undefined);
  // an institution-bound integration key is scoped like a hospital for reads, lists, reversals and accumulators
  await assert.rejects(fg.settlements.get(h1, own.setl_id), (e: Error & { code?: string }) => e.code === 'E_NOT_FOUND');
  await assert.rejects(fg.settlements.reverse(h1, own.setl_id, { idempotency_key: 'r' }), (e: Error & { code?: string }) => e.code === 'E_NOT_FOUND');
  assert.deepEqual((await fg.settlements.list(h1, {})).map((s) => s.setl_id), [first.setl_id]);
  await assert.rejects(fg.settlements.accumulators(h1, 'PC', 2024), (e: Error & { code?: string }) => e.code === 'E_FORBIDDEN');
  await assert.rejects(fg.settlements.statement(h2, 'H1', '2024-03'), (e: Error & { code?: string }) => e.code === 'E_NOT_FOUND');
  assert.equal((await fg.settlements.get(SYSTEM_ACTOR, own.setl_id)).status, 'settled', 'nothing was reversed');
});

testBothBackends('parallel settlements of one person are serialised: no lost update, each starts from the previous one\'s figures', async (db) => {
  const fg = await setup(db);
  const n = 8;
  await db.transaction((tx) => fg.ctx.encounters.replaceMany(tx, Array.from({ length: n }, (_, i) => enc(`ZYP${i}`, 'P9', 10000 + i * 100)), { importId: null, source: 'test' }));
  const results = await Promise.all(Array.from({ length: n }, (_, i) => fg.settlements.settle(his, { idempotency_key: `p${i}`, mdtrt_id: `ZYP${i}` })));
  // and the same key sent twice at once settles once
  const dup = await Promise.all([fg.settlements.settle(his, { idempotency_key: 'p0', mdtrt_id: 'ZYP0' }), fg.settlements.settle(his, { idempotency_key: 'p0', mdtrt_id: 'ZYP0' })]);
  assert.deepEqual(dup.map((d) => d.setl_id), [results[0].setl_id, results[0].setl_id]);
  const acc = await fg.settlements.accumulators(admin, 'P9', 2024);
  assert.equal(acc.admissions, n);
  const fundPaid = results.reduce((s, r) => s + Math.round((r.result.hifp_pay as number) * 100), 0);
  assert.equal(Math.round(acc.cap_groups[0].fund_paid * 100), fundPaid);
  // The admissions seen before each settlement are 0 … n−1, each exactly once: the settlements formed a chain.
  const seen = results.map((r) => (r.result.accumulators_before as { admissions: number }).admissions).sort((a, b) => a - b);
  assert.deepEqual(seen, Array.from({ length: n }, (_, i) => i));
  const rows = await fg.settlements.list(admin, { patnId: 'P9' });
  assert.equal(rows.length, n);
});

testBothBackends('settlements sent at once are written together: each is answered on its own; a refused one changes nothing, the others go through', async (db) => {
  const fg = await setup(db);
  await db.transaction((tx) => fg.ctx.encounters.replaceMany(tx, [enc('B1', 'Q1'), enc('B2', 'Q2', 8000), enc('B3', 'Q1', 3000), enc('B4', 'Q3', 2000, 'H2')], { importId: null, source: 'test' }));
  const h1 = { id: 'key:h1', role: 'integration' as const, institutionId: 'H1' };
  const sent = [
    fg.settlements.settle(his, { idempotency_key: 'b1', mdtrt_id: 'B1' }),
    fg.settlements.settle(his, { idempotency_key: 'b2', mdtrt_id: 'B2' }),
    // the same encounter under another key: already settled by the first
    fg.settlements.settle(his, { idempotency_key: 'b1-again', mdtrt_id: 'B1' }),
    fg.settlements.settle(his, { idempotency_key: 'b3', mdtrt_id: 'B3' }),
    // the same key with another body
    fg.settlements.settle(his, { idempotency_key: 'b2', mdtrt_id: 'B3' }),
    // another institution's encounter for an institution-bound key: 404, as if missing
    fg.settlements.settle(h1, { idempotency_key: 'b4', mdtrt_id: 'B4' }),
  ];
  const r = await Promise.allSettled(sent);
  const code = (x: PromiseSettledResult<unknown>) => (x.status === 'rejected' ? (x.reason as { code?: string }).code : 'ok');
  assert.deepEqual(r.map(code), ['ok', 'ok', 'E_CONFLICT', 'ok', 'E_CONFLICT', 'E_NOT_FOUND']);
  const [b1, b2, , b3] = r.map((x) => (x.status === 'fulfilled' ? x.value : null));
  // Q1's two settlements form a chain: the second starts from the first one's figures, exactly as one after the other.
  assert.equal((b3!.result.accumulators_before as { admissions: number }).admissions, 1);
  assert.equal(b3!.result.act_pay_dedc, 500, 'second admission: half the deductible');
  assert.deepEqual(await fg.settlements.accumulators(admin, 'Q1', 2024), { patn_id: 'Q1', year: 2024, admissions: 2, catastrophic_base: 1600 + 875, catastrophic_paid: 0,
    cap_groups: [{ cap_group: 'inpatient', fund_paid: 3400 + 2125, deductible_met: 0 }] });
  assert.equal((await fg.settlements.accumulators(admin, 'Q2', 2024)).admissions, 1);
  // Q3's only settlement was refused: no figures were created for Q3.
  assert.deepEqual(await fg.settlements.accumulators(admin, 'Q3', 2024), { patn_id: 'Q3', year: 2024, admissions: 0, catastrophic_base: 0, catastrophic_paid: 0, cap_groups: [] });
  const entries = await fg.ctx.auditLog.list({ entityType: 'settlement' });
  assert.deepEqual(entries.map((e) => e.entityId).sort(), [b1!.setl_id, b2!.setl_id, b3!.setl_id].sort());
  assert.equal((await fg.ctx.auditLog.verify()).ok, true);
  assert.equal((await fg.settlements.settle(his, { idempotency_key: 'b2', mdtrt_id: 'B2' })).setl_id, b2!.setl_id, 'a replay after the batch');
});

testBothBackends('policy sets: versions, effective dates, XLSX import, conflicts; statement nets deductions and fines', async (db) => {
  let now = '2024-03-15T02:00:00Z';
  const fg = await setup(db, () => new Date(now));
  assert.deepEqual(await fg.settlements.importPolicySets(admin, [policy], 'again.json').then((r) => [r.created, r.unchanged]), [0, 1]);
  await assert.rejects(fg.settlements.importPolicySets(admin, [{ ...policy, annual_cap: 1 }], 'changed.json'), /already stored with other parameters/);
  await assert.rejects(fg.settlements.importPolicySets(admin, [{ ...policy, version: 'bad', ratio: { by_level: { 3: 1.5 } } }], 'bad.json'),
    (e: Error & { issues: { field: string; file?: string }[] }) => e.issues.some((i) => i.field === 'policy.ratio.by_level.3' && i.file === 'bad.json'));
  // From July a new version with a lower level-3 deductible, as an XLSX sheet.
  const wb = new ExcelJS.Workbook();
  const ws = wb.addWorksheet('职工住院');
  ws.addRow(['字段', '值']);
  for (const [k, v] of Object.entries({ region: '610100', year: 2024, insutype: '310', scenario: 'inpatient', version: '2024.2', effective_from: '2024-07-01',
    'deductible.by_level.3': 800, 'deductible.by_level.1': 300, 'deductible.nth_admission_factor': '1,0.5', 'ratio.by_level.3': 0.85, 'ratio.by_level.1': 0.95, annual_cap: 150000 })) ws.addRow([k, v]);
  const imported = await fg.settlements.importPolicyFile({ id: 'ra', role: 'rule_admin' }, Buffer.from(await wb.xlsx.writeBuffer()), 'policies.xlsx');
  assert.equal(imported.created, 1);
  assert.equal((await fg.settlements.repo.policyInForce({ region: '610100', insutype: '310', scenario: 'inpatient', day: '2024-06-30' }))?.version, '2024.1');
  assert.equal((await fg.settlements.repo.policyInForce({ region: '610100', insutype: '310', scenario: 'inpatient', day: '2024-07-01' }))?.version, '2024.2');
  assert.equal(await fg.settlements.repo.policyInForce({ region: '610100', insutype: '310', scenario: 'inpatient', day: '2025-01-01' }), null);

  await db.transaction((tx) => fg.ctx.encounters.replaceMany(tx, [enc('ZA', 'PA'), enc('ZB', 'PB', 8000), enc('ZC', 'PC', 2000, 'H2'), enc('ZJ', 'PJ', 5000, 'H1', '2024-07-02')], { importId: null, source: 'test' }));
  await assert.rejects(fg.settlements.settle({ id: 'h2', role: 'hospital', institutionId: 'H2' }, { idempotency_key: 'x', mdtrt_id: 'ZA' }), (e: Error & { code?: string }) => e.code === 'E_NOT_FOUND' && /no stored encounter ZA/.test(e.message));
  const a = await fg.settlements.settle(his, { idempotency_key: 'a', mdtrt_id: 'ZA' });
  const b = await fg.settlements.settle(his, { idempotency_key: 'b', mdtrt_id: 'ZB' });
  await fg.settlements.settle(his, { idempotency_key: 'c', mdtrt_id: 'ZC' });
  const july = await fg.settlements.settle(his, { idempotency_key: 'j', mdtrt_id: 'ZJ' });
  assert.equal(july.result.act_pay_dedc, 800, 'the July version applies by date of service');
  now = '2024-04-02T02:00:00Z';
  await fg.settlements.reverse(his, b.setl_id, { idempotency_key: 'rb' });
  // A final case of H1 with a deduction in April, and a fine on it.
  const at = '2024-04-10T00:00:00Z';
  await db.transaction(async (tx) => {
    await fg.cases.repo.insertCase(tx, { id: 'C-H1-2024-03', medins_id: 'H1', month: '2024-03', status: 'decided', level: 3, special: false, proposed_fen: 50000, deduction_fen: 42000, risk: 1, finding_count: 1, due_at: null, state: {}, created_at: at, updated_at: at });
    await fg.cases.repo.update(tx, { id: 'C-H1-2024-03', status: 'final', level: 3, deduction_fen: 42000, due_at: null, state: {}, updated_at: at });
    await db.rows(sqlFine, tx);
  });
  const march = await fg.settlements.statement(admin, 'H1', '2024-03');
  const fen = (r: { result: Record<string, unknown> }) => Math.round((r.result.fund_pay_sumamt as number) * 100);
  // settled in March (the clock), whatever the date of service: ZA, ZB and ZJ for H1
  assert.deepEqual([march.settled.count, march.settled.fund_pay_fen, march.reversed.count, march.payable_fen], [3, fen(a) + fen(b) + fen(july), 0, fen(a) + fen(b) + fen(july)]);
  const april = await fg.settlements.statement(admin, 'H1', '2024-04');
  const bFund = Math.round((b.result.fund_pay_sumamt as number) * 100);
  assert.deepEqual([april.settled.count, april.reversed.count, april.gross_fund_fen, april.deductions_fen, april.fines_fen, april.payable_fen], [0, 1, -bFund, 42000, 63000, -bFund - 42000 - 63000]);
  await assert.rejects(fg.settlements.statement({ id: 'h2', role: 'hospital', institutionId: 'H2' }, 'H1', '2024-03'), (e: Error & { code?: string }) => e.code === 'E_NOT_FOUND');
  const xlsx = await fg.settlements.statementXlsx({ id: 'h1', role: 'hospital', institutionId: 'H1' }, 'H1', '2024-04');
  const read = new ExcelJS.Workbook();
  await read.xlsx.load(xlsx as unknown as ArrayBuffer);
  const cells = read.getWorksheet('月度结算单')!.getSheetValues().flat().map(String);
  assert.ok(cells.includes('本月应拨付金额'));
  assert.ok(cells.includes(`-${((bFund + 105000) / 100).toFixed(2)}`), cells.join('|'));
  // The insured person sees only their own settlements, each explained.
  const mine = await fg.settlements.list({ id: 'pa', role: 'insured', patnId: 'PA' }, {});
  assert.deepEqual(mine.map((s) => s.mdtrt_id), ['ZA']);
  await assert.rejects(fg.settlements.get({ id: 'pa', role: 'insured', patnId: 'PA' }, b.setl_id), (e: Error & { code?: string }) => e.code === 'E_NOT_FOUND' && e.message === `no settlement ${b.setl_id}`);
});

const sqlFine = sql`insert into penalties (case_id, medins_id, kind, multiplier, recovered_fen, fine_fen, basis, hearing_offered, actor, at)
  values ('C-H1-2024-03', 'H1', 'violation', 1.5, 42000, 63000, '处违规金额1.5倍罚款', true, 'sup', '2024-04-20T00:00:00Z')`;

testBothBackends('我的医保: the year is the year of service, and 已付起付线 is what that year\'s settlements paid (inpatient too), not the outpatient accumulator', async (db) => {
  // Recorded in 2025 (the clock), for stays of 2024 and one of 2025.
  const fg = await setup(db, () => new Date('2025-02-10T02:00:00Z'));
  await fg.settlements.importPolicySets(admin, [{ ...policy, year: 2025, version: '2025.1' }], 'test.json');
  await db.transaction((tx) => fg.ctx.encounters.replaceMany(tx, [enc('ZY1'), enc('ZY2', 'P1', 30000, 'H1', '2024-06-01'), enc('ZY3', 'P1', 8000, 'H1', '2025-01-05'), enc('ZY9', 'P2')], { importId: null, source: 'test' }));
  const s1 = await fg.settlements.settle(his, { idempotency_key: 'm1', mdtrt_id: 'ZY1' });
  await fg.settlements.settle(his, { idempotency_key: 'm2', mdtrt_id: 'ZY2' });
  await fg.settlements.settle(his, { idempotency_key: 'm3', mdtrt_id: 'ZY3' });
  await fg.settlements.settle(his, { idempotency_key: 'm9', mdtrt_id: 'ZY9' });
  await fg.settlements.reverse(his, s1.setl_id, { idempotency_key: 'r1' });
  await fg.settlements.settle(his, { idempotency_key: 'm1b', mdtrt_id: 'ZY1' });
  const insured = { id: 'p1', role: 'insured' as const, patnId: 'P1' };
  const latest = await fg.settlements.myYear(insured);
  assert.deepEqual([latest.year, latest.years], [2025, [2025, 2024]], 'the latest year of service by default');
  assert.deepEqual(latest.items.map((s) => [s.mdtrt_id, s.year]), [['ZY3', 2025]]);
  assert.equal(latest.accumulators.deductible_paid, 1000, 'first admission of 2025: the full deductible');
  const y2024 = await fg.settlements.myYear(insured, 2024);
  // 2024: ZY1 first (1000), ZY2 second (500); ZY1 reversed and settled again as the second admission (500). The reversed one counts nothing.
  assert.deepEqual(y2024.items.map((s) => [s.mdtrt_id, s.status, s.result.act_pay_dedc]).sort(), [['ZY1', 'reversed', 1000], ['ZY1', 'settled', 500], ['ZY2', 'settled', 500]]);
  assert.equal(y2024.accumulators.deductible_paid, 1000);
  assert.equal(y2024.accumulators.settled, 2);
  assert.equal(y2024.accumulators.cap_groups[0].deductible_met, 0, 'the accumulator keeps the outpatient deductible only (settlement.md step 9)');
  assert.ok(y2024.items.every((s) => s.patn_id === 'P1'), 'only their own');
  await assert.rejects(fg.settlements.myYear(admin), /insured persons/);
});
