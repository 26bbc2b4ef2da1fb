import assert from 'node:assert/strict';
import type { FundGuardError } from '@fundguard/core';
import type { FindingRow } from '@fundguard/store';
import { testBothBackends } from '@fundguard/store/testing.ts';
import { ServiceContext } from '../context.ts';
import { CaseService } from '../cases/case-service.ts';
import { SettlementService } from '../settlement/settlement-service.ts';
import { PenaltyService } from './penalty-service.ts';

const auditor = { id: 'aud1', role: 'auditor' as const };
const sup = { id: 'sup1', role: 'supervisor' as const };

testBothBackends('escalation writes department refusals and suspensions to the lists; fines need a final case and a hearing', async (db) => {
  let now = Date.parse('2024-04-01T00:00:00Z');
  const ctx = new ServiceContext(db, () => new Date(now));
  const cases = new CaseService(ctx);
  const categories = ['INDICATION', 'QUANTITY', 'DUPLICATE', 'CATALOGUE', 'UNBUNDLING'];
  const mk = (id: string, dept: string, category: string): FindingRow => ({
    id, run_id: 1, pack: 'p', pack_version: '1', rule_id: `R-${category}`, rule_name: 'r', category, severity: 'violation', appealable: true, patn_id: 'P',
    mdtrt_id: `M-${id}`, medins_id: 'H1', dept_codg: dept, dr_codg: 'D', month: '2024-03', amount_fen: 1000, result: {},
  });
  await db.transaction((tx) => cases.repo.insertFindings(tx, [
    ...categories.map((c, i) => mk(`A${i}`, '0303', c)), // 5 types in 0303 → suspend
    ...categories.slice(0, 3).map((c, i) => mk(`B${i}`, '0401', c)), // 3 types in 0401 → refuse the month
    mk('C0', '0501', 'INDICATION'),
  ]));
  const [id] = await cases.openFromRun(auditor, 1);
  await cases.apply(auditor, id, { type: 'notify' });
  for (const f of (await cases.get(auditor, id)).findings) await cases.apply(auditor, id, { type: 'decide', finding: f.id, outcome: 'confirmed', reason: '' });
  await cases.apply(auditor, id, { type: 'approve_level' });
  await cases.apply({ id: 'aud2', role: 'auditor' }, id, { type: 'approve_level' });
  await cases.apply(sup, id, { type: 'approve_level' });
  const penalties = new PenaltyService(ctx);
  await assert.rejects(penalties.fineCase(sup, id, 'violation', 1.5, true), /fines follow the final decision/);
  now = Date.parse('2024-05-01T00:00:00Z');
  await cases.sweepDeadlines({ id: 'system', role: 'admin' });
  await assert.rejects(penalties.fineCase(sup, id, 'violation', 1.5, false), /听证/);
  await assert.rejects(penalties.fineCase(sup, id, 'violation', 3, true), /outside 1–2/);
  const first = await penalties.fineCase(sup, id, 'violation', 1.5, true);
  assert.deepEqual([first.fine, first.recovered, first.basis, first.revoked], [135, 90, '《医疗保障基金使用监督管理条例》第三十八条：处违规金额1.5倍罚款', null]);
  // 一事不再罚: the same kind again is refused until the first is revoked with a reason; the statement counts live fines only
  await assert.rejects(penalties.fineCase(sup, id, 'violation', 2, true), (e: FundGuardError) => e.code === 'E_CONFLICT' && /一事不再罚/.test(e.message));
  const statement = new SettlementService(ctx);
  assert.equal((await statement.statement(sup, 'H1', '2024-05')).fines_fen, 13500, 'one fine in the statement, not two');
  await assert.rejects(penalties.revoke(sup, first.id, ' '), (e: FundGuardError) => e.code === 'E_FIELD_REQUIRED');
  await assert.rejects(penalties.revoke(auditor, first.id, '复议撤销'), /may not decide penalties/);
  const revoked = await penalties.revoke(sup, first.id, '行政复议撤销');
  assert.equal(revoked.revoked?.reason, '行政复议撤销');
  await assert.rejects(penalties.revoke(sup, first.id, '再撤'), (e: FundGuardError) => e.code === 'E_ILLEGAL_TRANSITION');
  assert.equal((await statement.statement(sup, 'H1', '2024-05')).fines_fen, 0, 'a revoked fine leaves the statement');
  const second = await penalties.fineCase(sup, id, 'violation', 2, true);
  assert.equal(second.fine, 180);
  assert.equal((await statement.statement(sup, 'H1', '2024-05')).fines_fen, 18000);
  assert.deepEqual((await penalties.ofCase(sup, id)).map((p) => [p.fine, p.revoked !== null]), [[135, true], [180, false]]);
  await assert.rejects(penalties.ofCase({ id: 'h2', role: 'hospital', institutionId: 'H2' }, id), (e: FundGuardError) => e.code === 'E_NOT_FOUND');
  const log = (await ctx.auditLog.list({ entityType: 'case', entityId: id })).map((e) => e.action).filter((a) => a.startsWith('penalty.'));
  assert.deepEqual(log, ['penalty.fine', 'penalty.revoke', 'penalty.fine']);
  await assert.rejects(penalties.escalate(auditor, '2024-03'), /may not decide penalties/);
  const result = await penalties.escalate(sup, '2024-03');
  assert.deepEqual(result.map((r) => r.action).sort(), ['refuse_month', 'suspend']);
  const lists = await ctx.lists.query({ subjectType: 'department' });
  assert.deepEqual(lists.map((l) => [l.subject_code, l.effective_from, l.effective_to]).sort(), [['H1/0303', '2024-04-01', '2024-07-01'], ['H1/0401', '2024-03-01', '2024-04-01']]);
  await penalties.escalate(sup, '2024-03');
  assert.equal((await ctx.lists.query({ subjectType: 'department' })).length, 2, 'idempotent');
  const person = await penalties.suspendPerson(sup, 'P1', '2024-05-01', 6, '冒名就医');
  assert.equal(person.effective_to, '2024-11-01');
  // Art. 40: a fraud fine suspends the departments that billed the case for 6–12 months, written to the lists real-time audit reads
  await assert.rejects(penalties.fineCase(sup, id, 'fraud', 2, true), (e: FundGuardError) => e.code === 'E_FIELD_REQUIRED' && e.issues[0].field === 'suspend_months');
  await assert.rejects(penalties.fineCase(sup, id, 'fraud', 2, true, { suspendMonths: 3 }), (e: FundGuardError) => e.code === 'E_FIELD_INVALID' && e.issues[0].field === 'suspend_months');
  await assert.rejects(penalties.fineCase(sup, id, 'violation', 2, true, { suspendMonths: 6 }), (e: FundGuardError) => e.issues[0]?.field === 'suspend_months');
  const fraud = await penalties.fineCase(sup, id, 'fraud', 2, true, { suspendMonths: 6 });
  assert.equal(fraud.fine, 180);
  const suspended = (await ctx.lists.query({ subjectType: 'department' })).filter((l) => /第四十条/.test(l.reason));
  assert.deepEqual(suspended.map((l) => [l.subject_code, l.effective_from, l.effective_to]).sort(), [['H1/0303', '2024-05-01', '2024-11-01'], ['H1/0401', '2024-05-01', '2024-11-01'], ['H1/0501', '2024-05-01', '2024-11-01']]);
  assert.match(suspended[0].reason, /^科室暂停医保结算/);
  assert.deepEqual((await ctx.auditLog.list({ entityType: 'case', entityId: id })).map((e) => e.action).filter((a) => a.startsWith('penalty.')), ['penalty.fine', 'penalty.revoke', 'penalty.fine', 'penalty.fine']);
});
