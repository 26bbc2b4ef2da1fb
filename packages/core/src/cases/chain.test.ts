import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FundGuardError } from '../errors.ts';
import { allowedEvents, DEFAULT_CASE_POLICY, newCase, replay, transition, type CaseEvent, type CaseState } from './machine.ts';

/** The seeds' chain (domain.md §4): 科室初审 → 医保办复审 on 可疑 findings, then the agency's 初审 → 复审 → 终审. */
const T0 = '2026-03-01T00:00:00.000Z';
const at = (hours: number) => new Date(Date.parse(T0) + hours * 3600_000).toISOString();
const isIllegal = (re: RegExp) => (e: unknown) => e instanceof FundGuardError && e.code === 'E_ILLEGAL_TRANSITION' && re.test(e.message);
const findings = [
  { id: 'F1', rule_id: 'IND-ALB', severity: 'violation' as const, appealable: true, amount: 77000, dept_codg: '0801' },
  { id: 'F2', rule_id: 'RX-DAYS', severity: 'suspicious' as const, appealable: true, amount: 10000, dept_codg: '0801' },
  { id: 'F3', rule_id: 'NUTR', severity: 'suspicious' as const, appealable: true, amount: 4000, dept_codg: '0302' },
];
const fresh = () => newCase('H1', findings);
const dept = (d: string, by = `dept-${d}`) => ({ by, role: 'hospital' as const, dept: d });
const office = { by: 'office', role: 'hospital' as const };
const notify: CaseEvent = { type: 'notify', by: 'aud1', role: 'auditor', at: T0 };

test('notify on 可疑 findings starts 科室初审 for the departments that billed them, with a 24 h deadline', () => {
  const s = transition(fresh(), notify);
  assert.equal(s.status, 'awaiting_explanation');
  assert.deepEqual(s.hospitalReview, { level: 1, departments: ['0302', '0801'], submitted: [], due: at(24), returns: [], passed: null });
  assert.match(s.notice!.message, /科室（0302、0801）于 2026-03-02T00:00:00.000Z 前完成科室初审，医保办复审后/);
  // 可疑 findings without a known department: the 医保办 answers at once
  const noDept = transition(newCase('H1', [{ ...findings[1], dept_codg: '' }]), notify);
  assert.deepEqual([noDept.hospitalReview!.level, noDept.hospitalReview!.departments], [2, []]);
});

test('a department answers only its own findings, submits its level; when all did, 医保办复审 runs with its own deadline', () => {
  const s = transition(fresh(), notify);
  assert.deepEqual(allowedEvents(s, { id: 'dept-0801', role: 'hospital', dept: '0801' }, at(1)), ['explain', 'dept_submit']);
  assert.deepEqual(allowedEvents(s, { id: 'office', role: 'hospital' }, at(1)), ['explain'], 'the office waits for the departments (until their level is overdue)');
  assert.deepEqual(allowedEvents(s, { id: 'dept-9999', role: 'hospital', dept: '9999' }, at(1)), [], 'a department without findings here has nothing to do');
  assert.throws(() => transition(s, { type: 'explain', ...dept('0302'), at: at(1), finding: 'F2', text: 'x' }), isIllegal(/F2 was billed by 0801, not by department 0302/));
  assert.throws(() => transition(s, { type: 'submit_explanations', ...office, at: at(1) }), isIllegal(/科室初审进行中/));
  assert.throws(() => transition(s, { type: 'submit_explanations', ...dept('0801'), at: at(1) }), isIllegal(/department submits its level with dept_submit/));
  const s1 = replay(s, [
    { type: 'explain', ...dept('0801'), at: at(1), finding: 'F2', text: '病情需要，见病历' },
    { type: 'dept_submit', ...dept('0801'), at: at(2) },
  ]);
  assert.deepEqual([s1.hospitalReview!.level, s1.hospitalReview!.submitted], [1, ['0801']]);
  assert.throws(() => transition(s1, { type: 'explain', ...dept('0801'), at: at(3), finding: 'F2', text: 'y' }), isIllegal(/already submitted/));
  const s2 = replay(s1, [
    { type: 'explain', ...dept('0302'), at: at(3), finding: 'F3', text: '已做营养风险筛查' },
    { type: 'dept_submit', ...dept('0302'), at: at(4) },
  ]);
  assert.deepEqual([s2.hospitalReview!.level, s2.hospitalReview!.due], [2, at(28)]);
  assert.deepEqual(allowedEvents(s2, { id: 'office', role: 'hospital' }, at(5)), ['explain', 'office_return', 'submit_explanations']);
  assert.deepEqual(allowedEvents(s2, { id: 'dept-0801', role: 'hospital', dept: '0801' }, at(5)), []);
});

test('医保办 returns a department\'s answer with a reason: that department answers again; the case is no first pass', () => {
  const s2 = replay(fresh(), [notify,
    { type: 'explain', ...dept('0801'), at: at(1), finding: 'F2', text: '病情需要' }, { type: 'dept_submit', ...dept('0801'), at: at(2) },
    { type: 'dept_submit', ...dept('0302'), at: at(3) }]);
  assert.throws(() => transition(s2, { type: 'office_return', ...office, at: at(4), reason: 'x', departments: ['7777'] }), isIllegal(/7777 have no 可疑 finding/));
  assert.throws(() => transition(s2, { type: 'office_return', ...dept('0801'), at: at(4), reason: 'x' }), isIllegal(/only the 医保办/));
  const back = transition(s2, { type: 'office_return', ...office, at: at(4), reason: '说明不充分，请附检验报告', departments: ['0801'] });
  assert.deepEqual([back.hospitalReview!.level, back.hospitalReview!.submitted, back.hospitalReview!.due], [1, ['0302'], at(28)]);
  const done = replay(back, [
    { type: 'explain', ...dept('0801'), at: at(5), finding: 'F2', text: '附检验报告' }, { type: 'dept_submit', ...dept('0801'), at: at(6) },
    { type: 'submit_explanations', ...office, at: at(7) },
  ]);
  assert.equal(done.status, 'in_review');
  assert.deepEqual(done.hospitalReview!.passed, { at: at(7), by: 'office', first_pass: false });
  assert.equal(done.deadlines.review, at(31), 'the agency\'s level 1 runs 24 h from the submission');
  const clean = transition(replay(s2, []), { type: 'submit_explanations', ...office, at: at(4) });
  assert.equal(clean.hospitalReview!.passed!.first_pass, true);
});

test('an overdue department level may be taken over by the 医保办 (no first pass); special cases get 48 h per level', () => {
  const s = transition(fresh(), notify);
  assert.ok(allowedEvents(s, { id: 'office', role: 'hospital' }, at(25)).includes('submit_explanations'));
  const taken = transition(s, { type: 'submit_explanations', ...office, at: at(25) });
  assert.deepEqual([taken.status, taken.hospitalReview!.passed!.first_pass], ['in_review', false]);
  const sp = transition(s, { type: 'mark_special', by: 'sup1', role: 'supervisor', at: at(1), reason: '疑难病例' });
  assert.equal(sp.hospitalReview!.due, at(48));
  assert.throws(() => transition(sp, { type: 'submit_explanations', ...office, at: at(25) }), isIllegal(/科室初审进行中/));
});

/** From a case in review to decided: who may sign each agency level is configuration (default auditor → auditor → supervisor). */
test('agency levels: 初审 and 复审 by two different auditors, 终审 by a supervisor; the signers are configuration', () => {
  const r = replay(newCase('H1', [findings[0]]), [notify, { type: 'decide', by: 'aud1', role: 'auditor', at: at(1), finding: 'F1', outcome: 'confirmed' }]);
  assert.throws(() => transition(r, { type: 'approve_level', by: 'sup1', role: 'supervisor', at: at(2) }), isIllegal(/level 1 is signed by auditor, not by supervisor/));
  const l2 = transition(r, { type: 'approve_level', by: 'aud1', role: 'auditor', at: at(2) });
  assert.deepEqual(allowedEvents(l2, { id: 'aud1', role: 'auditor' }, at(3)).includes('approve_level'), false, 'another person');
  assert.deepEqual(allowedEvents(l2, { id: 'sup1', role: 'supervisor' }, at(3)).includes('approve_level'), false, 'level 2 is an auditor\'s');
  const l3 = transition(l2, { type: 'approve_level', by: 'aud2', role: 'auditor', at: at(3) });
  assert.throws(() => transition(l3, { type: 'approve_level', by: 'aud3', role: 'auditor', at: at(4) }), isIllegal(/level 3 is signed by supervisor/));
  assert.equal(transition(l3, { type: 'approve_level', by: 'sup1', role: 'supervisor', at: at(4) }).status, 'decided');
  // another region: supervisors sign level 2 as well
  const policy = { ...DEFAULT_CASE_POLICY, levelRoles: [['auditor'], ['auditor', 'supervisor'], ['supervisor']] as const };
  assert.equal(transition(l2, { type: 'approve_level', by: 'sup2', role: 'supervisor', at: at(3) }, policy).level, 3);
});

test('整改: the 医保办 records the rectification of a deduction once; nothing to rectify without one', () => {
  const fin = replay(newCase('H1', [findings[0]]), [notify,
    { type: 'decide', by: 'aud1', role: 'auditor', at: at(1), finding: 'F1', outcome: 'confirmed' },
    { type: 'approve_level', by: 'aud1', role: 'auditor', at: at(2) }, { type: 'approve_level', by: 'aud2', role: 'auditor', at: at(3) },
    { type: 'approve_level', by: 'sup1', role: 'supervisor', at: at(4) }, { type: 'appeal_deadline_passed', by: 'system', role: 'admin', at: at(400) }]);
  assert.equal(fin.status, 'final');
  assert.throws(() => transition(fin, { type: 'rectify', ...dept('0801'), at: at(401), text: 'x' }), isIllegal(/医保办 records/));
  const r = transition(fin, { type: 'rectify', ...office, at: at(401), text: '已组织科室培训，修订收费流程' });
  assert.deepEqual(r.rectification, { by: 'office', at: at(401), text: '已组织科室培训，修订收费流程' });
  assert.throws(() => transition(r, { type: 'rectify', ...office, at: at(402), text: 'again' }), isIllegal(/was recorded/));
  const closed = transition(fin, { type: 'close', by: 'aud1', role: 'auditor', at: at(401) });
  assert.equal(transition(closed, { type: 'rectify', ...office, at: at(402), text: '整改完成' }).status, 'closed');
  const zero: CaseState = { ...fin, deduction: 0 };
  assert.throws(() => transition(zero, { type: 'rectify', ...office, at: at(401), text: 'x' }), isIllegal(/nothing was found/));
});

test('领取 and 分派: a claimed or assigned level is worked by that person only; a supervisor can always reassign', () => {
  const dir = { reviewers: ['aud1', 'aud2', 'sup1'], roles: { aud1: 'auditor', aud2: 'auditor', sup1: 'supervisor' } as const };
  const r = transition(newCase('H1', [findings[0]]), notify, DEFAULT_CASE_POLICY, dir);
  assert.throws(() => transition(r, { type: 'claim', by: 'sup1', role: 'supervisor', at: at(1) }, DEFAULT_CASE_POLICY, dir), isIllegal(/level 1 is signed by auditor/));
  const c = transition(r, { type: 'claim', by: 'aud1', role: 'auditor', at: at(1) }, DEFAULT_CASE_POLICY, dir);
  assert.deepEqual(c.assignee, { user: 'aud1', level: 1, by: 'aud1', at: at(1), how: 'claim' });
  assert.throws(() => transition(c, { type: 'claim', by: 'aud2', role: 'auditor', at: at(1) }, DEFAULT_CASE_POLICY, dir), isIllegal(/already assigned to aud1/));
  assert.throws(() => transition(c, { type: 'decide', by: 'aud2', role: 'auditor', at: at(2), finding: 'F1', outcome: 'confirmed' }, DEFAULT_CASE_POLICY, dir), isIllegal(/assigned to aud1/));
  assert.deepEqual(allowedEvents(c, { id: 'aud2', role: 'auditor' }, at(2), DEFAULT_CASE_POLICY, dir), []);
  // aud1 is away: the supervisor assigns aud2 — never someone outside the list or of a role that does not sign level 1
  assert.throws(() => transition(c, { type: 'assign', by: 'sup1', role: 'supervisor', at: at(2), reviewer: 'ghost' }, DEFAULT_CASE_POLICY, dir), isIllegal(/ghost is not an active user/));
  assert.throws(() => transition(c, { type: 'assign', by: 'sup1', role: 'supervisor', at: at(2), reviewer: 'sup1' }, DEFAULT_CASE_POLICY, dir), isIllegal(/sup1 \(supervisor\) may not sign level 1/));
  assert.throws(() => transition(c, { type: 'assign', by: 'aud1', role: 'auditor', at: at(2), reviewer: 'aud2' }, DEFAULT_CASE_POLICY, dir), (e: unknown) => e instanceof FundGuardError && e.code === 'E_FORBIDDEN');
  const a = transition(c, { type: 'assign', by: 'sup1', role: 'supervisor', at: at(2), reviewer: 'aud2', rotation: true }, DEFAULT_CASE_POLICY, dir);
  assert.deepEqual([a.assignee?.user, a.assignee?.how], ['aud2', 'rotation']);
  const l2 = replay(a, [
    { type: 'decide', by: 'aud2', role: 'auditor', at: at(3), finding: 'F1', outcome: 'confirmed' },
    { type: 'approve_level', by: 'aud2', role: 'auditor', at: at(4) },
  ], DEFAULT_CASE_POLICY, dir);
  assert.deepEqual([l2.level, l2.assignee], [2, null], 'the assignment ends with its level');
  assert.throws(() => transition(l2, { type: 'assign', by: 'sup1', role: 'supervisor', at: at(5), reviewer: 'aud2' }, DEFAULT_CASE_POLICY, dir), isIllegal(/aud2 already approved a level/));
});
