import assert from 'node:assert/strict';
import type { FundGuardError } from '@fundguard/core';
import type { FindingRow } from '@fundguard/store';
import { sql } from 'drizzle-orm';
import { testBothBackends } from '@fundguard/store/testing.ts';
import { ServiceContext } from '../context.ts';
import { DashboardService } from '../dashboard.ts';
import { TaskService } from '../tasks.ts';
import { CaseService } from './case-service.ts';

/** The seeds' chain through the service: department scope, 科室初审 → 医保办复审 → agency levels, deadlines, KPIs. */
const f = (id: string, dept: string, severity: string, amount: number): FindingRow => ({
  id, run_id: 1, pack: 'national-sample', pack_version: '1', rule_id: `R-${id}`, rule_name: '规则', category: 'INDICATION', severity,
  appealable: true, patn_id: 'P1', mdtrt_id: `M-${id}`, medins_id: 'H1', dept_codg: dept, dr_codg: 'D1', month: '2024-03', amount_fen: amount, result: {},
});
const auditor = { id: 'aud1', role: 'auditor' as const };
const auditor2 = { id: 'aud2', role: 'auditor' as const };
const supervisor = { id: 'sup1', role: 'supervisor' as const };
const office = { id: 'office', role: 'hospital' as const, institutionId: 'H1' };
const cardio = { id: 'cardio', role: 'hospital' as const, institutionId: 'H1', deptCodg: '0302' };
const surgery = { id: 'surgery', role: 'hospital' as const, institutionId: 'H1', deptCodg: '0801' };
const eye = { id: 'eye', role: 'hospital' as const, institutionId: 'H1', deptCodg: '1001' };
const code = (c: string) => (e: FundGuardError) => e.code === c;

testBothBackends('case chain: a department sees and answers only its own findings; the 医保办 reviews; the agency signs by role', async (db) => {
  let now = Date.parse('2024-04-01T00:00:00Z');
  const ctx = new ServiceContext(db, () => new Date(now));
  const svc = new CaseService(ctx);
  await db.transaction((tx) => svc.repo.insertFindings(tx, [
    f('F1', '0302', 'suspicious', 10000), f('F2', '0801', 'suspicious', 20000), f('F3', '0801', 'violation', 30000),
  ]));
  const [id] = await svc.openFromRun(auditor, 1);
  await svc.apply(auditor, id, { type: 'notify' });

  // Scope: each department sees the case with its own findings only; a department without findings here sees nothing (404).
  const seen = await svc.get(cardio, id);
  assert.deepEqual(seen.findings.map((x) => x.id), ['F1']);
  assert.deepEqual(seen.state.findings.map((x) => x.id), ['F1']);
  assert.deepEqual((await svc.get(surgery, id)).findings.map((x) => x.id), ['F2', 'F3']);
  assert.deepEqual((await svc.list(cardio, {})).items.map((c) => c.id), [id]);
  assert.deepEqual((await svc.list(eye, {})).items.map((c) => c.id), []);
  await assert.rejects(svc.get(eye, id), code('E_NOT_FOUND'));
  await assert.rejects(svc.apply(eye, id, { type: 'dept_submit' }), code('E_NOT_FOUND'));
  assert.equal((await svc.get(office, id)).findings.length, 3, 'the 医保办 sees the whole case');
  // Each level's deadline (24 h) is the case's due date and shows overdue once passed.
  const c0 = await svc.get(office, id);
  assert.deepEqual([c0.due_at, c0.overdue], ['2024-04-02T00:00:00.000Z', false]);
  assert.deepEqual(c0.unavailable, [
    { type: 'office_return', reason: '科室初审进行中（截止 2024-04-02T00:00:00.000Z）' },
    { type: 'submit_explanations', reason: '科室初审进行中（截止 2024-04-02T00:00:00.000Z），科室提交后医保办才能复审提交' },
  ]);
  await assert.rejects(svc.apply(office, id, { type: 'submit_explanations' }), code('E_ILLEGAL_TRANSITION'));
  await assert.rejects(svc.apply(cardio, id, { type: 'explain', finding: 'F2', text: '不是本科室的' }), /billed by 0801, not by department 0302/);

  // Tasks: each department its answer, the office nothing yet.
  const tasks = new TaskService(ctx);
  assert.deepEqual((await tasks.list(cardio)).items.map((x) => [x.action, x.id, x.due_at]), [['explain', id, '2024-04-02T00:00:00.000Z']]);
  assert.deepEqual((await tasks.list(office)).items.map((x) => x.action), []);

  await svc.apply(cardio, id, { type: 'explain', finding: 'F1', text: '病情需要，见病程记录' });
  await svc.apply(cardio, id, { type: 'dept_submit' });
  assert.deepEqual((await tasks.list(cardio)).items, [], 'submitted: nothing left for the department');
  now = Date.parse('2024-04-02T06:00:00Z');
  const late = await svc.get(office, id);
  assert.equal(late.overdue, true, 'surgery has not answered within 24 h');
  assert.deepEqual((await svc.list(auditor, {})).items.map((c) => c.overdue), [true]);
  await svc.apply(surgery, id, { type: 'explain', finding: 'F2', text: '已做检查' });
  let c = await svc.apply(surgery, id, { type: 'dept_submit' });
  assert.deepEqual([c.due_at, c.overdue], ['2024-04-03T06:00:00.000Z', false], '医保办复审: 24 h from the last department');
  assert.deepEqual((await tasks.list(office)).items.map((x) => x.action), ['office_review']);
  // The office returns surgery's answer once (no first pass), then submits.
  await svc.apply(office, id, { type: 'office_return', reason: '说明不充分，请附检验报告', departments: ['0801'] });
  assert.deepEqual((await svc.get(surgery, id)).allowed, ['explain', 'dept_submit']);
  assert.deepEqual((await svc.get(cardio, id)).allowed, []);
  await svc.apply(surgery, id, { type: 'explain', finding: 'F2', text: '附检验报告：ALB 25 g/L' });
  await svc.apply(surgery, id, { type: 'dept_submit' });
  c = await svc.apply(office, id, { type: 'submit_explanations' });
  assert.equal(c.status, 'in_review');
  assert.deepEqual(c.state.hospitalReview?.passed, { at: '2024-04-02T06:00:00.000Z', by: 'office', first_pass: false });

  // Agency: 初审 auditor, 复审 another auditor, 终审 supervisor (default configuration).
  for (const x of ['F1', 'F2', 'F3']) await svc.apply(auditor, id, { type: 'decide', finding: x, outcome: 'confirmed' });
  assert.deepEqual((await svc.get(supervisor, id)).unavailable.find((u) => u.type === 'approve_level'), { type: 'approve_level', reason: '第 1 级由审核员审核' });
  await assert.rejects(svc.apply(supervisor, id, { type: 'approve_level' }), /level 1 is signed by auditor/);
  await svc.apply(auditor, id, { type: 'approve_level' });
  assert.deepEqual((await svc.get(auditor, id)).unavailable.find((u) => u.type === 'approve_level'), { type: 'approve_level', reason: '您已通过第 1 级，每一级须由不同人员审核' });
  await svc.apply(auditor2, id, { type: 'approve_level' });
  await assert.rejects(svc.apply({ id: 'aud3', role: 'auditor' }, id, { type: 'approve_level' }), /level 3 is signed by supervisor/);
  c = await svc.apply(supervisor, id, { type: 'approve_level' });
  assert.equal(c.status, 'decided');
  assert.deepEqual((await svc.get(surgery, id)).allowed, [], 'the 医保办 appeals, not a department');
  now = Date.parse('2024-05-01T00:00:00Z');
  await svc.sweepDeadlines({ id: 'system', role: 'admin' });
  assert.deepEqual((await tasks.list(office)).items.map((x) => x.action), ['rectify']);
  await assert.rejects(svc.apply(cardio, id, { type: 'rectify', text: 'x' }), /医保办 records/);

  // KPIs: 内部审核合格率 0 of 1 (returned once), 整改率 0 of 1, then 1 of 1 once the rectification is recorded.
  const dash = new DashboardService(ctx);
  let k = (await dash.summary(auditor, { fresh: true })).hospital_kpis;
  assert.deepEqual(k.map((x) => [x.medins_id, x.first_pass.numerator, x.first_pass.denominator, x.first_pass.rate, x.first_pass.met, x.rectification.numerator, x.rectification.denominator]),
    [['H1', 0, 1, 0, false, 0, 1]]);
  assert.match(k[0].first_pass.basis, /医保办复审一次通过/);
  assert.equal(k[0].first_pass.target, 0.95);
  await svc.apply(office, id, { type: 'rectify', text: '已组织科室培训，修订白蛋白使用审批流程' });
  k = (await dash.summary(office, { fresh: true })).hospital_kpis;
  assert.deepEqual([k[0].rectification.rate, k[0].rectification.met, k[0].rectification.target], [1, true, 1]);
  assert.deepEqual((await tasks.list(office)).items, []);
  const log = (await ctx.auditLog.list({ entityType: 'case', entityId: id })).map((e) => e.action);
  assert.deepEqual(log.filter((a) => /dept_submit|office_return|rectify/.test(a)), ['case.dept_submit', 'case.dept_submit', 'case.office_return', 'case.dept_submit', 'case.rectify']);
});

testBothBackends('case chain: a special case gives each hospital level 48 h; the sweep leaves an overdue level alone until the window ends', async (db) => {
  let now = Date.parse('2024-04-01T00:00:00Z');
  const ctx = new ServiceContext(db, () => new Date(now));
  const svc = new CaseService(ctx);
  await db.transaction((tx) => svc.repo.insertFindings(tx, [f('F1', '0302', 'suspicious', 10000)]));
  const [id] = await svc.openFromRun(auditor, 1);
  await svc.apply(auditor, id, { type: 'notify' });
  await assert.rejects(svc.apply(auditor, id, { type: 'mark_special', reason: 'x' }), code('E_FORBIDDEN'));
  const c = await svc.apply(supervisor, id, { type: 'mark_special', reason: '疑难病例，需多学科会诊' });
  assert.equal(c.due_at, '2024-04-03T00:00:00.000Z');
  now = Date.parse('2024-04-04T00:00:00Z');
  assert.deepEqual(await svc.sweepDeadlines({ id: 'system', role: 'admin' }), { moved: [], escalated: [] });
  assert.equal((await svc.get(auditor, id)).overdue, true);
  // the office takes an overdue department level over
  assert.equal((await svc.apply(office, id, { type: 'submit_explanations' })).status, 'in_review');
});

testBothBackends('rotation: the running level goes round-robin to eligible reviewers, leaving out who reviewed the institution last month', async (db) => {
  const ctx = new ServiceContext(db, () => new Date('2024-04-01T00:00:00Z'));
  const svc = new CaseService(ctx);
  for (const [u, role] of [['aud1', 'auditor'], ['aud2', 'auditor'], ['aud3', 'auditor'], ['sup1', 'supervisor'], ['hosp', 'hospital']]) {
    await db.rows(sql`insert into users (username, display_name, role) values (${u}, ${`审核员 ${u}`}, ${role})`);
  }
  const month = (m: string, run: number, ids: string[]) => ids.map((id) => ({ ...f(id, '0302', 'violation', 1000), month: m, run_id: run }));
  await db.transaction((tx) => svc.repo.insertFindings(tx, [...month('2024-02', 1, ['P1']), ...month('2024-03', 2, ['C1']), ...month('2024-03', 3, ['C2'])]));
  const [feb] = await svc.openFromRun(auditor, 1);
  const [mar] = await svc.openFromRun(auditor, 2);
  const [mar2] = await svc.openFromRun(auditor, 3);
  // February: aud1 decided and signed level 1 for H1
  await svc.apply(auditor, feb, { type: 'notify' });
  await svc.apply(auditor, feb, { type: 'decide', finding: 'P1', outcome: 'confirmed' });
  await svc.apply(auditor, feb, { type: 'approve_level' });
  for (const id of [mar, mar2]) await svc.apply(auditor2, id, { type: 'notify' });
  await assert.rejects(svc.eligibleForLevel(auditor, mar), code('E_FORBIDDEN'));
  const eligible = await svc.eligibleForLevel(supervisor, mar);
  assert.deepEqual(eligible.map((u) => [u.id, u.role, u.last_assigned_at]), [['aud2', 'auditor', null], ['aud3', 'auditor', null]], 'aud1 reviewed H1 in February; supervisors do not sign level 1');
  // round-robin: aud2, then aud3 (aud2 was assigned last), never a name outside the list
  assert.deepEqual((await svc.assignByRotation(supervisor, mar)).state.assignee, { user: 'aud2', level: 1, by: 'sup1', at: '2024-04-01T00:00:00.000Z', how: 'rotation' });
  assert.equal((await svc.assignByRotation(supervisor, mar2)).state.assignee?.user, 'aud3');
  await assert.rejects(svc.apply(supervisor, mar, { type: 'assign', reviewer: 'someone' }), /not an active user/);
  await assert.rejects(svc.apply(supervisor, mar, { type: 'assign', reviewer: 'hosp' }), /not an active user/);
  // only the assignee works the level
  await assert.rejects(svc.apply({ id: 'aud3', role: 'auditor' }, mar, { type: 'decide', finding: 'C1', outcome: 'confirmed' }), /assigned to aud2/);
  assert.deepEqual((await svc.get({ id: 'aud3', role: 'auditor' }, mar)).unavailable.map((u) => u.type), ['decide', 'approve_level', 'return_level', 'claim']);
  await svc.apply(auditor2, mar, { type: 'decide', finding: 'C1', outcome: 'confirmed' });
  await svc.apply(auditor2, mar, { type: 'approve_level' });
  // level 2: aud2 signed level 1, aud1 reviewed H1 last month: aud3 is the only one left, then nobody
  assert.deepEqual((await svc.eligibleForLevel(supervisor, mar)).map((u) => u.id), ['aud3']);
  await svc.apply({ id: 'aud3', role: 'auditor' }, mar, { type: 'claim' });
  await svc.apply({ id: 'aud3', role: 'auditor' }, mar, { type: 'approve_level' });
  assert.deepEqual((await svc.eligibleForLevel(supervisor, mar)).map((u) => u.id), ['sup1']);
  await svc.apply(supervisor, mar, { type: 'approve_level' });
  await assert.rejects(svc.assignByRotation(supervisor, mar), code('E_ILLEGAL_TRANSITION'));
  // configurable: without the previous-period rule aud1 is eligible again
  const lenient = new CaseService(ctx, undefined, { excludePreviousPeriod: false });
  assert.ok((await lenient.eligibleForLevel(supervisor, mar2)).some((u) => u.id === 'aud1'));
});

testBothBackends('待办: a level is the task of those whose role signs it; once claimed, of the claimer only; supervisors assign the others', async (db) => {
  const ctx = new ServiceContext(db, () => new Date('2024-04-01T00:00:00Z'));
  const svc = new CaseService(ctx);
  const tasks = new TaskService(ctx);
  await db.rows(sql`insert into users (username, display_name, role) values ('aud1', 'a1', 'auditor'), ('aud2', 'a2', 'auditor'), ('sup1', 's1', 'supervisor')`);
  await db.transaction((tx) => svc.repo.insertFindings(tx, [f('F1', '0302', 'violation', 1000)]));
  const [id] = await svc.openFromRun(auditor, 1);
  await svc.apply(auditor, id, { type: 'notify' });
  const review = async (who: typeof auditor | typeof supervisor) => (await tasks.list(who)).items.filter((x) => x.id === id).map((x) => [x.action, x.assignee]);
  assert.deepEqual(await review(auditor), [['review', null]]);
  assert.deepEqual(await review(supervisor), [['assign', null]], 'level 1 is an auditor\'s: the supervisor may assign it');
  await svc.apply(auditor2, id, { type: 'claim' });
  assert.deepEqual(await review(auditor), [], 'claimed by aud2');
  assert.deepEqual(await review(auditor2), [['review', 'aud2']]);
  assert.deepEqual(await review(supervisor), []);
});
