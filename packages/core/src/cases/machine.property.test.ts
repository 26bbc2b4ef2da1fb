import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { FundGuardError } from '../errors.ts';
import {
  ACCEPTS, allowedEvents, caseDeduction, DEFAULT_CASE_POLICY, EVENT_ROLES, findingDeduction, newCase, transition,
  type CaseDirectory, type CaseEvent, type CaseEventType, type CaseRole, type CaseState,
} from './machine.ts';

const T0 = '2026-03-01T00:00:00.000Z';
const findings = [
  { id: 'F1', rule_id: 'IND-ALB', severity: 'violation' as const, appealable: true, amount: 77000 },
  { id: 'F2', rule_id: 'RX-DAYS', severity: 'suspicious' as const, appealable: true, amount: 10000, dept_codg: 'D1' },
  { id: 'F3', rule_id: 'DUP', severity: 'violation' as const, appealable: false, amount: 5000 },
  { id: 'F4', rule_id: 'REMIND', severity: 'reminder' as const, appealable: true, amount: 300 },
];
const MAX = 77000 + 10000 + 5000;

/** The people of the walk: the demo's shape (3 agency reviewers, 2 supervisors, 3 experts, a hospital, an admin). */
const PEOPLE: { id: string; role: CaseRole; dept?: string }[] = [
  { id: 'aud1', role: 'auditor' }, { id: 'aud2', role: 'auditor' }, { id: 'aud3', role: 'auditor' },
  { id: 'sup1', role: 'supervisor' }, { id: 'sup2', role: 'supervisor' },
  { id: 'exp1', role: 'auditor' }, { id: 'exp2', role: 'auditor' }, { id: 'exp3', role: 'auditor' },
  { id: 'hosp', role: 'hospital' }, { id: 'admin', role: 'admin' },
  // 科室初审: a reviewer of the department that billed F2, and one of a department without findings here
  { id: 'dept1', role: 'hospital', dept: 'D1' }, { id: 'dept2', role: 'hospital', dept: 'D2' },
];
const directory: CaseDirectory = { reviewers: PEOPLE.filter((p) => p.role !== 'hospital').map((p) => p.id) };
const TYPES = Object.keys(EVENT_ROLES) as CaseEventType[];

// Payload values: valid ones mixed with missing, ill-typed and out-of-range ones.
const junk = [undefined, null, '', ' ', 0, -1, 1.5, 'whatever', 'maybe', [], {}, true];
const arbFinding = fc.constantFrom<unknown>('F1', 'F2', 'F3', 'F4', 'ZZ', ...junk);
const arbAmount = fc.constantFrom<unknown>(undefined, 1, 2000, 5999, 6000, 77000, 80000, -5, 1.5, '3000', null);
const arbPerson = fc.constantFrom<unknown>(...PEOPLE.map((p) => p.id), 'nobody', ...junk);
const arbPayload = fc.record({
  finding: arbFinding,
  text: fc.constantFrom<unknown>('病情需要', ...junk),
  outcome: fc.constantFrom<unknown>('confirmed', 'rejected', 'partial', 'upheld', 'overturned', ...junk),
  amount: arbAmount,
  reason: fc.constantFrom<unknown>('理由', ...junk),
  level: fc.constantFrom<unknown>(undefined, 1, 2, 3, 4, '1', -1),
  findings: fc.constantFrom<unknown>(['F1'], ['F1', 'F2'], ['F3'], ['ZZ'], [], [1], 'F1', undefined),
  evidence: fc.constantFrom<unknown>([], [{ name: 'a.pdf', sha256: 'ab'.repeat(32), bytes: 3 }], [{ name: 'a.pdf' }], undefined, 'x'),
  reviewer: arbPerson,
  members: fc.oneof(fc.array(arbPerson, { maxLength: 4 }), fc.constantFrom<unknown>(undefined, 'exp1', null)),
  results: fc.oneof(
    fc.array(fc.record({ finding: arbFinding, outcome: fc.constantFrom<unknown>('upheld', 'overturned', 'partial', 'maybe', undefined), amount: arbAmount }), { maxLength: 3 }),
    fc.constantFrom<unknown>(undefined, 'x', [null]),
  ),
  vote: fc.constantFrom<unknown>('uphold', 'overturn', 'maybe', undefined, 1),
});
const arbStep = fc.record({
  // mostly events the current status accepts, so walks get deep; some of any type, some of no type at all
  kind: fc.constantFrom('good', 'good', 'good', 'good', 'good', 'accepted', 'any', 'junk'),
  pick: fc.nat(),
  actor: fc.nat(PEOPLE.length - 1),
  hours: fc.constantFrom(0, 1, 5, 30, 300),
  keep: fc.array(fc.constantFrom('finding', 'text', 'outcome', 'amount', 'reason', 'level', 'findings', 'evidence', 'reviewer', 'members', 'results', 'vote'), { maxLength: 12 }),
  payload: arbPayload,
});

/** A well-formed event of a type the status accepts, its values drawn from small plausible sets by `n`. */
function goodEvent(s: CaseState, n: number, mine: readonly CaseEventType[] = []): Record<string, unknown> {
  // half the time one the actor may send now (walks get deeper), else any the status accepts
  const types = mine.length && n % 2 ? mine : ACCEPTS[s.status];
  const type = types[n % types.length];
  const r = Math.floor(n / 7);
  const fid = ['F1', 'F2', 'F3'][r % 3];
  const people = directory.reviewers;
  switch (type) {
    case 'explain': return { type, finding: fid, text: '病情需要' };
    case 'decide': return { type, finding: r % 2 ? fid : s.findings.find((f) => f.severity !== 'reminder' && !f.decision)?.id ?? fid, outcome: ['confirmed', 'rejected', 'partial'][r % 3], amount: [1000, 4000][r % 2], reason: '核实' };
    case 'return_level': return { type, reason: '证据不足' };
    case 'office_return': return { type, reason: '说明不充分', ...(r % 2 ? { departments: r % 4 === 1 ? ['D1'] : ['D2'] } : {}) };
    case 'rectify': return { type, text: '已整改' };
    case 'mark_special': return { type, reason: '罕见病' };
    case 'approve_level': return { type, ...(r % 4 === 0 ? { level: s.level } : {}) };
    case 'appeal': return { type, findings: [['F1'], ['F1', 'F2'], ['F2']][r % 3], reason: '有检验报告', evidence: [] };
    case 'assign_re_review': return { type, reviewer: people[r % people.length] };
    case 'assign': return { type, reviewer: people[(r + 3) % people.length] };
    case 're_review': return { type, results: (s.appeal?.findings ?? ['F1']).map((f, i) => ({ finding: f, outcome: ['upheld', 'overturned', 'partial'][(r + i) % 3], amount: 500 })), reason: '复核' };
    case 'refer_to_panel': return { type, members: [0, 1, 2].map((i) => people[(r + i) % people.length]), reason: '争议' };
    case 'panel_vote': return { type, vote: r % 2 ? 'uphold' : 'overturn' };
    default: return { type };
  }
}

/** Somebody may act now, or once a running deadline has passed (a decided case nobody appeals waits for its window). */
function isActionable(s: CaseState, now: string): boolean {
  const later = new Date(Date.parse(now) + 366 * 86400_000).toISOString();
  return [now, later].some((t) => PEOPLE.some((p) => allowedEvents(s, p, t, DEFAULT_CASE_POLICY, directory).length > 0));
}

test('property: random events by random actors with malformed payloads never corrupt a case', () => {
  let deepest = 0;
  const reached = new Set<string>();
  const reachedEvents = new Set<string>();
  fc.assert(fc.property(fc.array(arbStep, { minLength: 30, maxLength: 90 }), (steps) => {
    let s = newCase('H1', findings);
    let ms = Date.parse(T0);
    let accepted = 0;
    for (const step of steps) {
      ms += step.hours * 3600_000;
      const at = new Date(ms).toISOString();
      const person = PEOPLE[step.actor];
      const pool = step.kind === 'accepted' && ACCEPTS[s.status].length ? ACCEPTS[s.status] : TYPES;
      const type = step.kind === 'junk' ? (['', 'delete', 7, undefined] as unknown[])[step.pick % 4] : pool[step.pick % pool.length];
      const payload: Record<string, unknown> = {};
      for (const k of step.keep) payload[k] = step.payload[k as keyof typeof step.payload];
      // 'good' steps act as the person the step names, or, when a particular person is due, as that person
      let actor = person;
      if (step.kind === 'good') {
        const due = s.status === 'in_review' && s.assignee && step.pick % 3 ? s.assignee.user : s.status === 'appeal_review' && step.pick % 2 ? s.reReviewer : s.status === 'panel_review' ? s.panel?.members.find((m) => !s.panel!.votes.some((v) => v.by === m)) : undefined;
        const candidates = PEOPLE.filter((p) => allowedEvents(s, p, at, DEFAULT_CASE_POLICY, directory).length > 0);
        actor = PEOPLE.find((p) => p.id === due) ?? (candidates.length ? candidates[step.actor % candidates.length] : person);
      }
      const who = (p: typeof person) => ({ by: p.id, role: p.role, ...(p.dept ? { dept: p.dept } : {}) });
      const event = (step.kind === 'good' ? { ...goodEvent(s, step.pick, allowedEvents(s, actor, at, DEFAULT_CASE_POLICY, directory)), ...who(actor), at } : { ...payload, type, ...who(person), at }) as unknown as CaseEvent;
      const before = JSON.stringify(s);
      let next: CaseState;
      try {
        next = transition(s, event, DEFAULT_CASE_POLICY, directory);
      } catch (e) {
        assert.ok(e instanceof FundGuardError, `non-domain error on ${JSON.stringify(event)}: ${(e as Error).stack}`);
        assert.equal(JSON.stringify(s), before, 'a refused event changes nothing');
        continue;
      }
      accepted++;
      reachedEvents.add(event.type);
      s = next;
      reached.add(s.status);
      // money: never above the findings' amount, never below zero; a fixed deduction is what the findings add up to
      const d = caseDeduction(s);
      assert.ok(d >= 0 && d <= MAX, `deduction ${d}`);
      for (const f of s.findings) assert.ok(findingDeduction(f) >= 0 && findingDeduction(f) <= f.amount, `finding ${f.id} deducts ${findingDeduction(f)} of ${f.amount}`);
      if (s.deduction !== null) assert.ok(s.deduction >= 0 && s.deduction <= MAX);
      if (s.status === 'final' || s.status === 'closed') assert.equal(s.deduction, d);
      // named people are real reviewers who took no part in the decision
      if (s.reReviewer) assert.ok(directory.reviewers.includes(s.reReviewer), `re-reviewer ${s.reReviewer}`);
      if (s.panel) for (const m of s.panel.members) assert.ok(directory.reviewers.includes(m), `panel member ${m}`);
      for (const v of s.panel?.votes ?? []) assert.ok(v.vote === 'uphold' || v.vote === 'overturn');
      for (const f of s.findings) if (f.decision) assert.ok(['confirmed', 'rejected', 'partial'].includes(f.decision.outcome));
      // somebody can always act until the case is closed
      if (s.status !== 'closed') assert.ok(isActionable(s, at), `nobody can act on ${s.status}: ${JSON.stringify(s)}`);
      // the hospital's levels: a department only ever answers its own findings; a level is never left without a deadline
      const hr = s.hospitalReview;
      if (hr) {
        assert.deepEqual(hr.departments, ['D1']);
        assert.ok(hr.submitted.every((d) => hr.departments.includes(d)));
        if (hr.level === 2 && !hr.passed) assert.deepEqual(hr.submitted, hr.departments);
        assert.ok(/^\d{4}-\d{2}-\d{2}T/.test(hr.due));
      }
      // an assigned level is worked by its assignee only
      if (s.assignee) assert.equal(s.assignee.level, s.level);
      if ((event.type === 'decide' || event.type === 'approve_level') && before.includes('"assignee":{')) {
        const was = (JSON.parse(before) as CaseState).assignee;
        if (was && was.level === (JSON.parse(before) as CaseState).level) assert.equal(event.by, was.user);
      }
      if (event.type === 'explain' && event.dept) assert.equal(s.findings.find((f) => f.id === event.finding)!.dept_codg, event.dept);
    }
    deepest = Math.max(deepest, accepted);
  }), { seed: 20260301, numRuns: 200, endOnFailure: true });
  // The walk is worth something only if it reaches the deep states.
  for (const st of ['in_review', 'decided', 'appealed', 'appeal_review', 'final']) assert.ok(reached.has(st), `the walk never reached ${st}: ${[...reached].join(', ')}`);
  for (const ev of ['dept_submit', 'office_return', 'rectify', 'claim', 'assign']) assert.ok(reachedEvents.has(ev), `the walk never accepted ${ev}`);
  assert.ok(deepest >= 8);
});

test('every status but closed has an event some role may take (the chart itself has no dead end)', () => {
  for (const [status, types] of Object.entries(ACCEPTS)) {
    if (status === 'closed') continue;
    assert.ok(types.some((t) => EVENT_ROLES[t].length > 0), status);
  }
});
