import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FundGuardError } from '../errors.ts';
import { ACCEPTS, allowedEvents, CASE_STATUSES, caseDeduction, DEFAULT_CASE_POLICY, newCase, replay, transition, type CaseEvent, type CaseEventType, type CaseState } from './machine.ts';

const T0 = '2026-03-01T00:00:00.000Z';
const at = (hours: number) => new Date(Date.parse(T0) + hours * 3600_000).toISOString();
const findings = [
  { id: 'F1', rule_id: 'IND-ALB', severity: 'violation' as const, appealable: true, amount: 77000 },
  { id: 'F2', rule_id: 'RX-DAYS', severity: 'suspicious' as const, appealable: true, amount: 10000 },
  { id: 'F3', rule_id: 'DUP', severity: 'violation' as const, appealable: false, amount: 5000 },
  { id: 'F4', rule_id: 'REMIND', severity: 'reminder' as const, appealable: true, amount: 300 },
];
const fresh = () => newCase('H1', findings);
const isIllegal = (re: RegExp) => (e: unknown) => e instanceof FundGuardError && e.code === 'E_ILLEGAL_TRANSITION' && re.test(e.message);

/** Events that take a case from draft to `decided`, deciding F1 confirmed, F2 partial 6000, F3 confirmed. */
const toDecided: CaseEvent[] = [
  { type: 'notify', by: 'aud1', at: at(0) },
  { type: 'explain', by: 'hosp', at: at(1), finding: 'F2', text: '病情需要，已附病历', attachments: [{ name: '病历.pdf', sha256: 'ab'.repeat(32), bytes: 1000 }] },
  { type: 'submit_explanations', by: 'hosp', at: at(2) },
  { type: 'decide', by: 'aud1', at: at(3), finding: 'F1', outcome: 'confirmed', reason: '' },
  { type: 'decide', by: 'aud1', at: at(3), finding: 'F2', outcome: 'partial', amount: 6000, reason: '部分合理' },
  { type: 'decide', by: 'aud1', at: at(3), finding: 'F3', outcome: 'confirmed', reason: '' },
  { type: 'approve_level', by: 'aud1', at: at(4) },
  { type: 'approve_level', by: 'aud2', at: at(5) },
  { type: 'approve_level', by: 'aud3', at: at(6) },
];

test('happy path: three levels, deduction = confirmed + partial, reminders never deduct', () => {
  const s = replay(fresh(), toDecided);
  assert.equal(s.status, 'decided');
  assert.equal(s.deduction, 77000 + 6000 + 5000);
  assert.deepEqual(s.approvals.map((a) => a.level), [1, 2, 3]);
  assert.equal(s.deadlines.appeal, at(6 + 15 * 24));
  const fin = transition(s, { type: 'appeal_deadline_passed', by: 'system', at: at(6 + 15 * 24) });
  assert.equal(fin.status, 'final');
  assert.equal(transition(fin, { type: 'close', by: 'aud1', at: at(400) }).status, 'closed');
});

test('only violations: notify goes straight to review; SLA is 24 h, 48 h when special', () => {
  const onlyViolation = newCase('H1', [findings[0]]);
  const s = transition(onlyViolation, { type: 'notify', by: 'a', at: T0 });
  assert.equal(s.status, 'in_review');
  assert.equal(s.deadlines.review, at(24));
  assert.deepEqual(s.notice, { at: T0, explanation_required: false, message: '本审核单仅含违规明细，无需说明，直接进入医保部门审核；对审核结果可在决定后申诉' }, 'said explicitly, not skipped silently');
  assert.equal(transition(fresh(), { type: 'notify', by: 'a', at: T0 }).notice?.explanation_required, true);
  const special = transition(newCase('H1', [findings[0]], { special: true }), { type: 'notify', by: 'a', at: T0 });
  assert.equal(special.deadlines.review, at(48));
});

test('escalation only when overdue, once per level', () => {
  const s = transition(newCase('H1', [findings[0]]), { type: 'notify', by: 'a', at: T0 });
  assert.throws(() => transition(s, { type: 'escalate', by: 'system', at: at(24) }), isIllegal(/not overdue/));
  const e = transition(s, { type: 'escalate', by: 'system', at: at(25) });
  assert.deepEqual(e.escalations, [{ level: 1, at: at(25) }]);
  assert.throws(() => transition(e, { type: 'escalate', by: 'system', at: at(26) }), isIllegal(/already escalated/));
});

test('explanations: after the deadline refused; the deadline passing moves the case to review', () => {
  const s = transition(fresh(), { type: 'notify', by: 'a', at: T0 });
  assert.equal(s.deadlines.explanation, at(240));
  assert.throws(() => transition(s, { type: 'explain', by: 'h', at: at(241), finding: 'F2', text: 'x' }), isIllegal(/deadline/));
  assert.throws(() => transition(s, { type: 'explanation_deadline_passed', by: 'system', at: at(239) }), isIllegal(/not passed/));
  assert.equal(transition(s, { type: 'explanation_deadline_passed', by: 'system', at: at(240) }).status, 'in_review');
  assert.throws(() => transition(s, { type: 'explain', by: 'h', at: at(1), finding: 'F9', text: 'x' }), isIllegal(/no finding F9/));
});

test('review: partial amounts are bounded, every finding needs a decision, one reviewer per level, return goes back', () => {
  const s = replay(fresh(), toDecided.slice(0, 3));
  assert.throws(() => transition(s, { type: 'decide', by: 'a', at: at(3), finding: 'F1', outcome: 'partial', amount: 77000, reason: 'x' }), isIllegal(/between 0 and 77000/));
  assert.throws(() => transition(s, { type: 'decide', by: 'a', at: at(3), finding: 'F1', outcome: 'rejected', reason: ' ' }), (e: unknown) => e instanceof FundGuardError && e.code === 'E_FIELD_INVALID' && e.issues[0].field === 'reason');
  assert.throws(() => transition(s, { type: 'approve_level', by: 'a', at: at(3) }), isIllegal(/without a decision: F1, F2, F3/));
  const l1 = replay(s, toDecided.slice(3, 7));
  assert.equal(l1.level, 2);
  assert.throws(() => transition(l1, { type: 'approve_level', by: 'aud1', at: at(5) }), isIllegal(/already approved level 1/));
  const back = transition(l1, { type: 'return_level', by: 'aud2', at: at(5), reason: '证据不足' });
  assert.equal(back.level, 1);
  assert.deepEqual(back.approvals, []);
  assert.throws(() => transition(back, { type: 'return_level', by: 'aud1', at: at(5), reason: 'x' }), isIllegal(/level 1 cannot return/));
});

test('review levels are configurable', () => {
  const policy = { ...DEFAULT_CASE_POLICY, levels: 1 };
  const s = replay(fresh(), toDecided.slice(0, 7), policy);
  assert.equal(s.status, 'decided');
});

test('appeal: non-appealable findings refused; re-review by a different reviewer; partial and overturned results fix the deduction', () => {
  const d = replay(fresh(), toDecided);
  assert.throws(() => transition(d, { type: 'appeal', by: 'h', at: at(7), findings: ['F3'], reason: 'x', evidence: [] }), isIllegal(/F3 \(rule DUP\) is not appealable/));
  assert.throws(() => transition(d, { type: 'appeal', by: 'h', at: at(6 + 15 * 24 + 1), findings: ['F1'], reason: 'x', evidence: [] }), isIllegal(/appeal deadline/));
  const ap = transition(d, { type: 'appeal', by: 'h', at: at(7), findings: ['F1', 'F2'], reason: '有检验报告', evidence: [{ name: 'lab.pdf', sha256: 'cd'.repeat(32), bytes: 10 }] });
  assert.equal(ap.status, 'appealed');
  assert.throws(() => transition(ap, { type: 'assign_re_review', by: 'lead', at: at(8), reviewer: 'aud2' }), isIllegal(/aud2 took part/));
  const rr = transition(ap, { type: 'assign_re_review', by: 'lead', at: at(8), reviewer: 'aud9' });
  assert.throws(() => transition(rr, { type: 're_review', by: 'aud1', at: at(9), results: [{ finding: 'F1', outcome: 'upheld' }], reason: 'x' }), isIllegal(/only the assigned reviewer aud9/));
  assert.throws(() => transition(rr, { type: 're_review', by: 'aud9', at: at(9), results: [{ finding: 'F1', outcome: 'overturned' }], reason: 'x' }), isIllegal(/missing for appealed findings F2/));
  const fin = transition(rr, { type: 're_review', by: 'aud9', at: at(9), results: [{ finding: 'F1', outcome: 'overturned' }, { finding: 'F2', outcome: 'partial', amount: 2000 }], reason: '检验报告支持' });
  assert.equal(fin.status, 'final');
  assert.equal(fin.deduction, 0 + 2000 + 5000);
  assert.equal(caseDeduction(fin), fin.deduction);
});

test('a disputed appeal goes to a panel of three, independent of the decision, deciding by majority', () => {
  const rr = replay(fresh(), [...toDecided,
    { type: 'appeal', by: 'h', at: at(7), findings: ['F1'], reason: 'x', evidence: [] },
    { type: 'assign_re_review', by: 'lead', at: at(8), reviewer: 'aud9' }]);
  assert.throws(() => transition(rr, { type: 'refer_to_panel', by: 'aud9', at: at(9), members: ['p1', 'p2'], reason: '争议' }), isIllegal(/3 different members/));
  assert.throws(() => transition(rr, { type: 'refer_to_panel', by: 'aud9', at: at(9), members: ['p1', 'p2', 'aud1'], reason: '争议' }), isIllegal(/aud1 took part/));
  const panel = transition(rr, { type: 'refer_to_panel', by: 'aud9', at: at(9), members: ['p1', 'p2', 'p3'], reason: '争议' });
  const v1 = transition(panel, { type: 'panel_vote', by: 'p1', at: at(10), vote: 'overturn', reason: '' });
  assert.equal(v1.status, 'panel_review');
  assert.throws(() => transition(v1, { type: 'panel_vote', by: 'p1', at: at(10), vote: 'uphold', reason: '' }), isIllegal(/already voted/));
  assert.throws(() => transition(v1, { type: 'panel_vote', by: 'x', at: at(10), vote: 'uphold', reason: '' }), isIllegal(/not on the panel/));
  const v2 = transition(v1, { type: 'panel_vote', by: 'p2', at: at(11), vote: 'uphold', reason: '' });
  assert.equal(v2.status, 'panel_review', 'one each: no majority yet');
  const v3 = transition(v2, { type: 'panel_vote', by: 'p3', at: at(12), vote: 'uphold', reason: '' });
  assert.equal(v3.status, 'final');
  assert.equal(v3.findings.find((f) => f.id === 'F1')!.appealResult!.outcome, 'upheld');
  assert.equal(v3.deduction, 77000 + 6000 + 5000);
});

/** A sample event of each type; used to probe every (status, event) pair. */
const sample: Record<CaseEventType, CaseEvent> = {
  notify: { type: 'notify', by: 'a', at: T0 },
  explain: { type: 'explain', by: 'h', at: T0, finding: 'F2', text: 't' },
  submit_explanations: { type: 'submit_explanations', by: 'h', at: T0 },
  dept_submit: { type: 'dept_submit', by: 'd', dept: 'D1', at: T0 },
  office_return: { type: 'office_return', by: 'h', at: T0, reason: '说明不充分' },
  rectify: { type: 'rectify', by: 'h', at: at(10_000), text: '已整改' },
  claim: { type: 'claim', by: 'aud7', at: T0 },
  assign: { type: 'assign', by: 'sup', at: T0, reviewer: 'aud8' },
  explanation_deadline_passed: { type: 'explanation_deadline_passed', by: 's', at: at(10_000) },
  decide: { type: 'decide', by: 'a', at: T0, finding: 'F1', outcome: 'confirmed', reason: '' },
  approve_level: { type: 'approve_level', by: 'zz', at: T0 },
  return_level: { type: 'return_level', by: 'zz', at: T0, reason: 'r' },
  escalate: { type: 'escalate', by: 's', at: at(10_000) },
  mark_special: { type: 'mark_special', by: 'sup', at: T0, reason: '罕见病' },
  appeal: { type: 'appeal', by: 'h', at: at(7), findings: ['F1'], reason: 'r', evidence: [] },
  appeal_deadline_passed: { type: 'appeal_deadline_passed', by: 's', at: at(10_000) },
  assign_re_review: { type: 'assign_re_review', by: 'l', at: T0, reviewer: 'aud9' },
  re_review: { type: 're_review', by: 'aud9', at: T0, results: [{ finding: 'F1', outcome: 'upheld' }], reason: 'r' },
  refer_to_panel: { type: 'refer_to_panel', by: 'aud9', at: T0, members: ['p1', 'p2', 'p3'], reason: 'r' },
  panel_vote: { type: 'panel_vote', by: 'p1', at: T0, vote: 'uphold', reason: '' },
  close: { type: 'close', by: 'a', at: T0 },
};

function reach(status: string): CaseState {
  const paths: Record<string, CaseEvent[]> = {
    draft: [],
    awaiting_explanation: toDecided.slice(0, 1),
    in_review: toDecided.slice(0, 3),
    decided: toDecided,
    appealed: [...toDecided, sample.appeal],
    appeal_review: [...toDecided, sample.appeal, sample.assign_re_review],
    panel_review: [...toDecided, sample.appeal, sample.assign_re_review, sample.refer_to_panel],
    final: [...toDecided, sample.appeal_deadline_passed],
    closed: [...toDecided, sample.appeal_deadline_passed, sample.close],
  };
  return replay(fresh(), paths[status]);
}

test('exhaustive: every status refuses every event it does not accept, and accepts the ones it does', () => {
  for (const status of CASE_STATUSES) {
    const s = reach(status);
    assert.equal(s.status, status);
    for (const type of Object.keys(sample) as CaseEventType[]) {
      const accepted = ACCEPTS[status].includes(type);
      if (!accepted) {
        assert.throws(() => transition(s, sample[type]), isIllegal(new RegExp(`${status} 下不能执行 ${type}`)), `${status} × ${type}`);
      } else {
        // Accepted events may still be refused by their own conditions, but never as "not allowed here".
        try {
          transition(s, sample[type]);
        } catch (e) {
          assert.ok(e instanceof FundGuardError && !/allowed here/.test(e.message), `${status} × ${type}: ${(e as Error).message}`);
        }
      }
    }
  }
});

// ---- issue 18: bad input cannot corrupt a case ----------------------------------------------------------

const fieldError = (field: string, code = 'E_FIELD_INVALID') => (e: unknown) => e instanceof FundGuardError && e.code === code && e.issues[0]?.field === field;
const dir = { reviewers: ['aud1', 'aud2', 'aud3', 'aud9', 'sup1', 'p1', 'p2', 'p3', 'p4'] };

test('events with missing or ill-typed fields are refused naming the field, never a TypeError', () => {
  const s = transition(fresh(), { type: 'notify', by: 'a', at: T0 });
  const r = replay(fresh(), toDecided.slice(0, 3));
  const bad = (ev: unknown) => ev as CaseEvent;
  assert.throws(() => transition(s, bad({ type: 'explain', by: 'h', at: at(1), finding: 'F2' })), fieldError('text', 'E_FIELD_REQUIRED'));
  assert.throws(() => transition(r, bad({ type: 'decide', by: 'a', at: at(3), finding: 'F1', outcome: 'rejected' })), fieldError('reason', 'E_FIELD_REQUIRED'));
  // a confirmation needs no reason: missing is fine, not a 500
  assert.equal(transition(r, bad({ type: 'decide', by: 'a', at: at(3), finding: 'F1', outcome: 'confirmed' })).findings[0].decision!.reason, '');
  assert.throws(() => transition(r, bad({ type: 'decide', by: 'a', at: at(3), finding: 'F1', outcome: 'whatever', amount: 3000 })), fieldError('outcome'));
  const d = replay(fresh(), toDecided);
  assert.throws(() => transition(d, bad({ type: 'appeal', by: 'h', at: at(7), findings: ['F1'], evidence: [] })), fieldError('reason', 'E_FIELD_REQUIRED'));
  assert.throws(() => transition(d, bad({ type: 'appeal', by: 'h', at: at(7), reason: 'x', evidence: [] })), fieldError('findings', 'E_FIELD_REQUIRED'));
  assert.throws(() => transition(d, bad({ type: 'appeal', by: 'h', at: at(7), findings: ['F1'], reason: 'x' })), fieldError('evidence', 'E_FIELD_REQUIRED'));
  assert.throws(() => transition(d, bad({ type: 'appeal', by: 'h', at: at(7), findings: ['F1'], reason: 'x', evidence: [{ name: 'a' }] })), fieldError('evidence[0].sha256', 'E_FIELD_REQUIRED'));
  const ap = transition(d, { type: 'appeal', by: 'h', at: at(7), findings: ['F1'], reason: 'x', evidence: [] });
  const rr = transition(ap, { type: 'assign_re_review', by: 'lead', at: at(8), reviewer: 'aud9' });
  assert.throws(() => transition(rr, bad({ type: 're_review', by: 'aud9', at: at(9), reason: 'x' })), fieldError('results', 'E_FIELD_REQUIRED'));
  assert.throws(() => transition(rr, bad({ type: 're_review', by: 'aud9', at: at(9), reason: 'x', results: [{ finding: 'F1', outcome: 'maybe' }] })), fieldError('results[0].outcome'));
  assert.throws(() => transition(rr, bad({ type: 'refer_to_panel', by: 'aud9', at: at(9), members: 'p1', reason: 'x' })), fieldError('members'));
  const panel = transition(rr, { type: 'refer_to_panel', by: 'aud9', at: at(9), members: ['p1', 'p2', 'p3'], reason: '争议' });
  assert.throws(() => transition(panel, bad({ type: 'panel_vote', by: 'p1', at: at(10), vote: 'maybe' })), fieldError('vote'));
  assert.throws(() => transition(panel, bad(null)), fieldError('(event)'));
  assert.throws(() => transition(panel, bad({ type: 'nonsense', by: 'p1', at: at(10) })), fieldError('type'));
  assert.throws(() => transition(panel, bad({ type: 'panel_vote', by: 'p1', at: 'yesterday', vote: 'uphold' })), fieldError('at'));
});

test('named people must be active reviewers who took no part; a supervisor can always reassign', () => {
  const d = replay(fresh(), toDecided, DEFAULT_CASE_POLICY, dir);
  const ap = transition(d, { type: 'appeal', by: 'h', at: at(7), findings: ['F1'], reason: 'x', evidence: [] }, DEFAULT_CASE_POLICY, dir);
  assert.throws(() => transition(ap, { type: 'assign_re_review', by: 'sup1', role: 'supervisor', at: at(8), reviewer: 'nobody' }, DEFAULT_CASE_POLICY, dir), isIllegal(/nobody is not an active user with a reviewer role/));
  assert.throws(() => transition(ap, { type: 'assign_re_review', by: 'aud1', role: 'auditor', at: at(8), reviewer: 'aud9' }, DEFAULT_CASE_POLICY, dir), (e: unknown) => e instanceof FundGuardError && e.code === 'E_FORBIDDEN');
  assert.throws(() => transition(ap, { type: 'assign_re_review', by: 'sup1', role: 'supervisor', at: at(8), reviewer: 'aud2' }, DEFAULT_CASE_POLICY, dir), isIllegal(/aud2 took part/));
  const rr = transition(ap, { type: 'assign_re_review', by: 'sup1', role: 'supervisor', at: at(8), reviewer: 'aud9' }, DEFAULT_CASE_POLICY, dir);
  // aud9 falls ill: the supervisor reassigns, and only the new reviewer may act
  const re = transition(rr, { type: 'assign_re_review', by: 'sup1', role: 'supervisor', at: at(9), reviewer: 'p1' }, DEFAULT_CASE_POLICY, dir);
  assert.equal(re.reReviewer, 'p1');
  assert.deepEqual(allowedEvents(re, { id: 'aud9', role: 'auditor' }, at(9), DEFAULT_CASE_POLICY, dir), []);
  assert.deepEqual(allowedEvents(re, { id: 'p1', role: 'auditor' }, at(9), DEFAULT_CASE_POLICY, dir), ['re_review', 'refer_to_panel']);
  assert.deepEqual(allowedEvents(re, { id: 'sup1', role: 'supervisor' }, at(9), DEFAULT_CASE_POLICY, dir), ['re_review', 'refer_to_panel', 'assign_re_review'].filter((t) => t !== 're_review'));
  assert.throws(() => transition(re, { type: 'refer_to_panel', by: 'p1', role: 'auditor', at: at(10), members: ['p1', 'p2', 'p3'], reason: 'x' }, DEFAULT_CASE_POLICY, dir), isIllegal(/p1 is the re-reviewer/));
  assert.throws(() => transition(re, { type: 'refer_to_panel', by: 'p1', role: 'auditor', at: at(10), members: ['p2', 'p3', 'ghost'], reason: 'x' }, DEFAULT_CASE_POLICY, dir), isIllegal(/ghost is not an active user/));
  const panel = transition(re, { type: 'refer_to_panel', by: 'p1', role: 'auditor', at: at(10), members: ['p2', 'p3', 'aud9'], reason: 'x' }, DEFAULT_CASE_POLICY, dir);
  const v = transition(panel, { type: 'panel_vote', by: 'p2', at: at(11), vote: 'overturn' }, DEFAULT_CASE_POLICY, dir);
  // a panel member leaves: the supervisor replaces the panel; votes of members who stay are kept
  assert.throws(() => transition(v, { type: 'refer_to_panel', by: 'p1', role: 'auditor', at: at(12), members: ['p2', 'p3', 'aud3'], reason: 'x' }, DEFAULT_CASE_POLICY, dir), isIllegal(/only a supervisor may replace the panel/));
  const np = transition(v, { type: 'refer_to_panel', by: 'sup1', role: 'supervisor', at: at(12), members: ['p2', 'p3', 'p4'], reason: 'aud9 回避' }, DEFAULT_CASE_POLICY, dir);
  assert.deepEqual(np.panel, { members: ['p2', 'p3', 'p4'], votes: [{ by: 'p2', vote: 'overturn', reason: '' }] });
});

test('an appeal nobody could re-review is refused with a clear message instead of a dead case', () => {
  const small = { reviewers: ['aud1', 'aud2', 'aud3'] };
  const d = replay(fresh(), toDecided, DEFAULT_CASE_POLICY, small);
  assert.throws(() => transition(d, { type: 'appeal', by: 'h', at: at(7), findings: ['F1'], reason: 'x', evidence: [] }, DEFAULT_CASE_POLICY, small), isIllegal(/没有未参与本案审核的审核人员/));
  assert.deepEqual(allowedEvents(d, { id: 'h', role: 'hospital' }, at(7), DEFAULT_CASE_POLICY, small), []);
});

test('a supervisor marks a case special with a reason: the running level gets 48 h instead of 24 h', () => {
  const s = transition(newCase('H1', [findings[0]]), { type: 'notify', by: 'a', at: T0 });
  assert.throws(() => transition(s, { type: 'mark_special', by: 'aud1', role: 'auditor', at: at(1), reason: 'x' }), (e: unknown) => e instanceof FundGuardError && e.code === 'E_FORBIDDEN');
  assert.throws(() => transition(s, { type: 'mark_special', by: 'sup', role: 'supervisor', at: at(1), reason: ' ' }), fieldError('reason'));
  const sp = transition(s, { type: 'mark_special', by: 'sup', role: 'supervisor', at: at(1), reason: '罕见病，需会诊' });
  assert.deepEqual([sp.special, sp.specialReason, sp.deadlines.review], [true, '罕见病，需会诊', at(48)]);
  assert.throws(() => transition(sp, { type: 'escalate', by: 'sys', at: at(30) }), isIllegal(/not overdue/));
  assert.throws(() => transition(sp, { type: 'mark_special', by: 'sup', role: 'supervisor', at: at(2), reason: 'x' }), isIllegal(/already marked special/));
});

test('a named level must be the current one; votes other than uphold/overturn never count', () => {
  const s = replay(fresh(), toDecided.slice(0, 6));
  assert.throws(() => transition(s, { type: 'approve_level', by: 'aud1', at: at(4), level: 3 }), isIllegal(/at level 1, not level 3/));
  assert.equal(transition(s, { type: 'approve_level', by: 'aud1', at: at(4), level: 1 }).level, 2);
});
