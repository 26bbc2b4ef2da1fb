import assert from 'node:assert/strict';
import type { FundGuardError } from '@fundguard/core';
import type { FindingRow } from '@fundguard/store';
import { testBothBackends } from '@fundguard/store/testing.ts';
import { ServiceContext } from '../context.ts';
import { CaseService } from './case-service.ts';

const f = (id: string, medins: string, month: string, amount: number, over: Partial<FindingRow> = {}): FindingRow => ({
  id, run_id: 1, pack: 'national-sample', pack_version: '1', rule_id: 'IND-ALB', rule_name: '人血白蛋白', category: 'INDICATION', severity: 'violation',
  appealable: true, patn_id: 'P1', mdtrt_id: `M-${id}`, medins_id: medins, dept_codg: '0303', dr_codg: 'D1', month, amount_fen: amount, result: {}, ...over,
});
const auditor = { id: 'aud1', role: 'auditor' as const };
const hospital = { id: 'hosp1', role: 'hospital' as const, institutionId: 'H1' };
const department = { id: 'dept1', role: 'hospital' as const, institutionId: 'H1', deptCodg: '0303' };
const otherHospital = { id: 'hosp2', role: 'hospital' as const, institutionId: 'H2' };

testBothBackends('cases: opened per institution and month, scoped to the hospital, every transition recorded', async (db) => {
  let now = Date.parse('2024-04-01T00:00:00Z');
  const ctx = new ServiceContext(db, () => new Date(now));
  const svc = new CaseService(ctx);
  await db.transaction((tx) => svc.repo.insertFindings(tx, [
    f('F1', 'H1', '2024-03', 77000),
    f('F2', 'H1', '2024-03', 10000, { severity: 'suspicious', rule_id: 'RX-DAYS' }),
    f('F3', 'H2', '2024-03', 500000),
    f('F4', 'H1', '2024-03', 300, { severity: 'reminder' }),
  ]));
  assert.equal(await db.transaction((tx) => svc.repo.insertFindings(tx, [f('F1', 'H1', '2024-03', 77000)])), 0, 'idempotent');
  const ids = await svc.openFromRun(auditor, 1);
  assert.deepEqual(ids.sort(), ['CASE-H1-2024-03-R1', 'CASE-H2-2024-03-R1']);
  const list = await svc.list(auditor, {});
  assert.deepEqual(list.items.map((c) => c.id), ['CASE-H2-2024-03-R1', 'CASE-H1-2024-03-R1'], 'ordered by risk');
  assert.equal(list.items[1].risk, Math.round(20 * Math.log10(1 + 770 + 100 * 0.6) * 10) / 10, 'a score from the weighted exposure (¥830)');
  assert.equal(list.items[1].risk, 58.4);
  assert.equal(list.items[0].risk, 74, '¥5 000 of violations');
  assert.equal(list.items[1].finding_count, 2, 'reminders do not enter cases');
  // not yet notified: the hospital sees nothing of it, not even that it exists
  assert.deepEqual((await svc.list(hospital, {})).items.map((c) => c.id), []);
  assert.deepEqual((await svc.list(hospital, { status: ['draft'] })).items.map((c) => c.id), []);
  await assert.rejects(svc.get(hospital, 'CASE-H1-2024-03-R1'), (e: FundGuardError) => e.code === 'E_NOT_FOUND');
  await assert.rejects(svc.get(otherHospital, 'CASE-H1-2024-03-R1'), (e: FundGuardError) => e.code === 'E_NOT_FOUND');
  await assert.rejects(svc.apply(otherHospital, 'CASE-H1-2024-03-R1', { type: 'submit_explanations' }), (e: FundGuardError) => e.code === 'E_NOT_FOUND');

  const id = 'CASE-H1-2024-03-R1';
  let c = await svc.apply(auditor, id, { type: 'notify' });
  assert.equal(c.status, 'awaiting_explanation');
  assert.equal(c.due_at, '2024-04-02T00:00:00.000Z', 'the running hospital level (科室初审, 24 h), within the 10-day window');
  assert.equal(c.state.deadlines.explanation, '2024-04-11T00:00:00.000Z');
  const seen = await svc.list(hospital, {});
  assert.deepEqual(seen.items.map((x) => [x.id, x.proposed, x.risk]), [['CASE-H1-2024-03-R1', 870, null]], 'notified: visible in yuan, without the internal risk score');
  // 科室初审 first: the department that billed the 可疑 finding answers; the 医保办 waits for it
  assert.deepEqual((await svc.get(hospital, id)).allowed, ['explain']);
  assert.deepEqual((await svc.get(department, id)).allowed, ['explain', 'dept_submit']);
  assert.deepEqual((await svc.get(auditor, id)).allowed, []);
  await assert.rejects(svc.apply(hospital, id, { type: 'explain', finding: 'F2', text: '见病历', attachments: [{ name: 'x', sha256: 'ff'.repeat(32), bytes: 1 }] }), /not uploaded/);
  const att = await svc.attach(hospital, id, { name: '病历.pdf', contentType: 'application/pdf', content: Buffer.from('%PDF-1.4 病历') });
  assert.match(att.sha256, /^[0-9a-f]{64}$/);
  await svc.apply(department, id, { type: 'explain', finding: 'F2', text: '见病历', attachments: [att] });
  await svc.apply(department, id, { type: 'dept_submit' });
  assert.equal((await svc.attachment(auditor, id, att.sha256)).content.toString(), '%PDF-1.4 病历');
  await assert.rejects(svc.apply(hospital, id, { type: 'decide', finding: 'F1', outcome: 'rejected', reason: 'x' }), /may not decide/);
  c = await svc.apply(hospital, id, { type: 'submit_explanations' });
  assert.equal(c.status, 'in_review');
  await svc.apply(auditor, id, { type: 'decide', finding: 'F1', outcome: 'confirmed', reason: '' });
  await svc.apply(auditor, id, { type: 'decide', finding: 'F2', outcome: 'rejected', reason: '解释合理' });
  await svc.apply(auditor, id, { type: 'approve_level' });
  await assert.rejects(svc.apply(auditor, id, { type: 'approve_level' }), (e: FundGuardError) => e.code === 'E_ILLEGAL_TRANSITION');
  await svc.apply({ id: 'aud2', role: 'auditor' }, id, { type: 'approve_level' });
  c = await svc.apply({ id: 'sup1', role: 'supervisor' }, id, { type: 'approve_level' });
  assert.equal(c.status, 'decided');
  assert.equal(c.deduction, 770);
  await assert.rejects(svc.apply(auditor, id, { type: 'close' }, 0), (e: FundGuardError) => e.code === 'E_CONFLICT');

  // Deadlines sweep on the injected clock: the appeal window passes, the case becomes final.
  now = Date.parse('2024-04-30T00:00:00Z');
  const swept = await svc.sweepDeadlines({ id: 'system', role: 'admin' });
  assert.deepEqual(swept.moved, [id]);
  const final = await svc.get(auditor, id);
  assert.equal(final.status, 'final');
  assert.deepEqual(final.events.map((e) => (e as { type: string }).type), ['notify', 'explain', 'dept_submit', 'submit_explanations', 'decide', 'decide', 'approve_level', 'approve_level', 'approve_level', 'appeal_deadline_passed']);
  const log = (await ctx.auditLog.list({ entityType: 'case', entityId: id })).map((e) => e.action);
  assert.deepEqual(log, ['case.open', 'case.notify', 'case.attach', 'case.explain', 'case.dept_submit', 'case.submit_explanations', 'case.decide', 'case.decide', 'case.approve_level', 'case.approve_level', 'case.approve_level', 'case.appeal_deadline_passed']);
  assert.equal((await ctx.auditLog.verify()).ok, true);
});
