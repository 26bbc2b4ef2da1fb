import { FundGuardError } from '../errors.ts';
import type { Fen } from '../model/money.ts';
import { addHoursIso } from '../model/dates.ts';

/**
 * The life of an audit case (审核单): findings of one institution and month, from proposal to a fixed deduction.
 *
 *   draft ─notify→ awaiting_explanation ─submit/deadline→ in_review(level 1…n) ─approve last level→ decided
 *   decided ─appeal→ appealed ─assign_re_review→ appeal_review ─re_review→ final | panel_review ─3 votes→ final
 *   decided ─appeal_deadline_passed→ final ─close→ closed
 *
 * Pure: time and actors come in with each event; every transition either returns the next state or throws
 * E_ILLEGAL_TRANSITION naming the state, the event and the reason.
 */
export type CaseStatus = 'draft' | 'awaiting_explanation' | 'in_review' | 'decided' | 'appealed' | 'appeal_review' | 'panel_review' | 'final' | 'closed';
export const CASE_STATUSES: readonly CaseStatus[] = ['draft', 'awaiting_explanation', 'in_review', 'decided', 'appealed', 'appeal_review', 'panel_review', 'final', 'closed'];

import type { Severity } from '../engine/types.ts';
export type { Severity };
export type Outcome = 'confirmed' | 'rejected' | 'partial';

export interface Attachment {
  name: string;
  sha256: string;
  bytes: number;
}

export interface CaseFinding {
  id: string;
  rule_id: string;
  severity: Severity;
  appealable: boolean;
  /** the amount the rule computed (fen) */
  amount: Fen;
  explanation: { by: string; at: string; text: string; attachments: Attachment[] } | null;
  /** the reviewers' decision; its amount is what would be deducted */
  decision: { outcome: Outcome; amount: Fen; by: string; at: string; reason: string; level: number } | null;
  appealed: boolean;
  /** the re-review or panel result of an appealed finding */
  appealResult: { outcome: 'upheld' | 'overturned' | 'partial'; amount: Fen; by: string; at: string; reason: string } | null;
}

export interface CasePolicy {
  /** review levels, default 3 (科室初审 → 医保办复审 → 医保部门终审) */
  levels: number;
  /** SLA per level in hours: 24, or 48 for cases marked special */
  slaHours: number;
  slaHoursSpecial: number;
  /** days the hospital has to explain 可疑 findings, and to appeal after the decision */
  explanationDays: number;
  appealDays: number;
  panelSize: number;
}

export const DEFAULT_CASE_POLICY: CasePolicy = { levels: 3, slaHours: 24, slaHoursSpecial: 48, explanationDays: 10, appealDays: 15, panelSize: 3 };

export interface CaseState {
  status: CaseStatus;
  medins_id: string;
  /** review level being worked on (1-based) while in_review */
  level: number;
  special: boolean;
  findings: CaseFinding[];
  deadlines: { explanation: string | null; review: string | null; appeal: string | null };
  /** who approved each level (index 0 = level 1) */
  approvals: { level: number; by: string; at: string }[];
  escalations: { level: number; at: string }[];
  appeal: { by: string; at: string; reason: string; evidence: Attachment[]; findings: string[] } | null;
  reReviewer: string | null;
  panel: { members: string[]; votes: { by: string; vote: 'uphold' | 'overturn'; reason: string }[] } | null;
  /** the fixed deduction once final (fen) */
  deduction: Fen | null;
}

export type Role = 'auditor' | 'hospital' | 'system';

interface Base {
  at: string;
  by: string;
}

export type CaseEvent =
  | (Base & { type: 'notify' })
  | (Base & { type: 'explain'; finding: string; text: string; attachments?: Attachment[] })
  | (Base & { type: 'submit_explanations' })
  | (Base & { type: 'explanation_deadline_passed' })
  | (Base & { type: 'decide'; finding: string; outcome: Outcome; amount?: Fen; reason: string })
  | (Base & { type: 'approve_level' })
  | (Base & { type: 'return_level'; reason: string })
  | (Base & { type: 'escalate' })
  | (Base & { type: 'appeal'; findings: string[]; reason: string; evidence: Attachment[] })
  | (Base & { type: 'appeal_deadline_passed' })
  | (Base & { type: 'assign_re_review'; reviewer: string })
  | (Base & { type: 're_review'; results: { finding: string; outcome: 'upheld' | 'overturned' | 'partial'; amount?: Fen }[]; reason: string })
  | (Base & { type: 'refer_to_panel'; members: string[]; reason: string })
  | (Base & { type: 'panel_vote'; vote: 'uphold' | 'overturn'; reason: string })
  | (Base & { type: 'close' });

export type CaseEventType = CaseEvent['type'];

/** Which events each status accepts: the state chart as data (tested exhaustively). */
export const ACCEPTS: Record<CaseStatus, readonly CaseEventType[]> = {
  draft: ['notify'],
  awaiting_explanation: ['explain', 'submit_explanations', 'explanation_deadline_passed'],
  in_review: ['decide', 'approve_level', 'return_level', 'escalate'],
  decided: ['appeal', 'appeal_deadline_passed'],
  appealed: ['assign_re_review'],
  appeal_review: ['re_review', 'refer_to_panel'],
  panel_review: ['panel_vote'],
  final: ['close'],
  closed: [],
};

export function newCase(medinsId: string, findings: Omit<CaseFinding, 'explanation' | 'decision' | 'appealed' | 'appealResult'>[], opts: { special?: boolean } = {}): CaseState {
  const ids = new Set<string>();
  for (const f of findings) {
    if (ids.has(f.id)) throw new FundGuardError('E_INPUT_INVALID', `finding ${f.id} appears twice in the case`);
    ids.add(f.id);
    if (!Number.isSafeInteger(f.amount) || f.amount < 0) throw new FundGuardError('E_INPUT_INVALID', `finding ${f.id}: amount must be whole fen ≥ 0`);
  }
  return {
    status: 'draft', medins_id: medinsId, level: 0, special: opts.special ?? false,
    findings: findings.map((f) => ({ ...f, explanation: null, decision: null, appealed: false, appealResult: null })),
    deadlines: { explanation: null, review: null, appeal: null }, approvals: [], escalations: [], appeal: null, reReviewer: null, panel: null, deduction: null,
  };
}

const illegal = (s: CaseState, e: CaseEvent, why: string) =>
  new FundGuardError('E_ILLEGAL_TRANSITION', `审核单状态 ${s.status} 下不能执行 ${e.type}: ${why}`);

const addHours = addHoursIso;
const addDays = (iso: string, d: number) => addHours(iso, d * 24);

/** The deduction a finding contributes: the final word of the chain (appeal result, else decision; reminders never). */
export function findingDeduction(f: CaseFinding): Fen {
  if (f.severity === 'reminder') return 0;
  if (f.appealResult) return f.appealResult.amount;
  if (!f.decision) return 0;
  return f.decision.outcome === 'rejected' ? 0 : f.decision.amount;
}

export function caseDeduction(s: CaseState): Fen {
  return s.findings.reduce((sum, f) => sum + findingDeduction(f), 0);
}

/** The next state after `e`, or an E_ILLEGAL_TRANSITION error. `now`-dependent checks use the event's `at`. */
export function transition(s: CaseState, e: CaseEvent, policy: CasePolicy = DEFAULT_CASE_POLICY): CaseState {
  if (!ACCEPTS[s.status].includes(e.type)) throw illegal(s, e, `allowed here: ${ACCEPTS[s.status].join(', ') || '(none: the case is closed)'}`);
  const find = (id: string) => {
    const f = s.findings.find((x) => x.id === id);
    if (!f) throw illegal(s, e, `no finding ${id} in this case`);
    return f;
  };
  const withFinding = (id: string, patch: Partial<CaseFinding>): CaseFinding[] => s.findings.map((f) => (f.id === id ? { ...f, ...patch } : f));
  const reviewDeadline = (at: string) => addHours(at, s.special ? policy.slaHoursSpecial : policy.slaHours);
  const startReview = (at: string): CaseState => ({ ...s, status: 'in_review', level: 1, deadlines: { ...s.deadlines, review: reviewDeadline(at) } });

  switch (e.type) {
    case 'notify': {
      const needsExplanation = s.findings.some((f) => f.severity === 'suspicious');
      if (!needsExplanation) return startReview(e.at);
      return { ...s, status: 'awaiting_explanation', deadlines: { ...s.deadlines, explanation: addDays(e.at, policy.explanationDays) } };
    }
    case 'explain': {
      const f = find(e.finding);
      if (s.deadlines.explanation && e.at > s.deadlines.explanation) throw illegal(s, e, `the explanation deadline ${s.deadlines.explanation} has passed`);
      if (!e.text.trim()) throw illegal(s, e, 'an explanation needs text');
      return { ...s, findings: withFinding(f.id, { explanation: { by: e.by, at: e.at, text: e.text, attachments: e.attachments ?? [] } }) };
    }
    case 'submit_explanations':
      return startReview(e.at);
    case 'explanation_deadline_passed':
      if (s.deadlines.explanation && e.at < s.deadlines.explanation) throw illegal(s, e, `the deadline ${s.deadlines.explanation} has not passed`);
      return startReview(e.at);
    case 'decide': {
      const f = find(e.finding);
      let amount: Fen;
      if (e.outcome === 'confirmed') amount = f.amount;
      else if (e.outcome === 'rejected') amount = 0;
      else {
        if (e.amount === undefined || !Number.isSafeInteger(e.amount) || e.amount <= 0 || e.amount >= f.amount) {
          throw illegal(s, e, `a partial confirmation needs an amount between 0 and ${f.amount} fen (exclusive)`);
        }
        amount = e.amount;
      }
      if (!e.reason.trim() && e.outcome !== 'confirmed') throw illegal(s, e, 'rejecting or reducing a finding needs a reason');
      return { ...s, findings: withFinding(f.id, { decision: { outcome: e.outcome, amount, by: e.by, at: e.at, reason: e.reason, level: s.level } }) };
    }
    case 'approve_level': {
      const undecided = s.findings.filter((f) => f.severity !== 'reminder' && !f.decision);
      if (s.level === 1 && undecided.length) throw illegal(s, e, `findings without a decision: ${undecided.map((f) => f.id).join(', ')}`);
      // 三级审核: one person may not approve two levels of the same case.
      if (s.approvals.some((a) => a.by === e.by)) throw illegal(s, e, `${e.by} already approved level ${s.approvals.find((a) => a.by === e.by)!.level}; each level needs another reviewer`);
      const approvals = [...s.approvals, { level: s.level, by: e.by, at: e.at }];
      if (s.level >= policy.levels) {
        return { ...s, status: 'decided', approvals, deadlines: { ...s.deadlines, review: null, appeal: addDays(e.at, policy.appealDays) }, deduction: caseDeduction(s) };
      }
      return { ...s, level: s.level + 1, approvals, deadlines: { ...s.deadlines, review: reviewDeadline(e.at) } };
    }
    case 'return_level': {
      if (s.level <= 1) throw illegal(s, e, 'level 1 cannot return the case further');
      if (!e.reason.trim()) throw illegal(s, e, 'returning needs a reason');
      return { ...s, level: s.level - 1, approvals: s.approvals.filter((a) => a.level < s.level - 1), deadlines: { ...s.deadlines, review: reviewDeadline(e.at) } };
    }
    case 'escalate':
      if (!s.deadlines.review || e.at <= s.deadlines.review) throw illegal(s, e, `level ${s.level} is not overdue (due ${s.deadlines.review})`);
      if (s.escalations.some((x) => x.level === s.level && x.at >= s.deadlines.review!)) throw illegal(s, e, `level ${s.level} was already escalated`);
      return { ...s, escalations: [...s.escalations, { level: s.level, at: e.at }] };
    case 'appeal': {
      if (s.deadlines.appeal && e.at > s.deadlines.appeal) throw illegal(s, e, `the appeal deadline ${s.deadlines.appeal} has passed`);
      if (!e.findings.length) throw illegal(s, e, 'name the findings appealed');
      if (!e.reason.trim()) throw illegal(s, e, 'an appeal needs a reason');
      for (const id of e.findings) {
        const f = find(id);
        if (!f.appealable) throw illegal(s, e, `finding ${id} (rule ${f.rule_id}) is not appealable`);
        if (findingDeduction(f) === 0) throw illegal(s, e, `finding ${id} deducts nothing`);
      }
      return {
        ...s, status: 'appealed', appeal: { by: e.by, at: e.at, reason: e.reason, evidence: e.evidence, findings: [...e.findings] },
        findings: s.findings.map((f) => (e.findings.includes(f.id) ? { ...f, appealed: true } : f)),
      };
    }
    case 'appeal_deadline_passed':
      if (s.deadlines.appeal && e.at < s.deadlines.appeal) throw illegal(s, e, `the deadline ${s.deadlines.appeal} has not passed`);
      return { ...s, status: 'final', deduction: caseDeduction(s) };
    case 'assign_re_review': {
      // 申诉复核 by a different reviewer than any who decided or approved the case.
      const involved = new Set([...s.approvals.map((a) => a.by), ...s.findings.flatMap((f) => (f.decision ? [f.decision.by] : []))]);
      if (involved.has(e.reviewer)) throw illegal(s, e, `${e.reviewer} took part in the original decision; the re-review needs a different reviewer`);
      return { ...s, status: 'appeal_review', reReviewer: e.reviewer };
    }
    case 're_review': {
      if (e.by !== s.reReviewer) throw illegal(s, e, `only the assigned reviewer ${s.reReviewer} may re-review`);
      const appealed = new Set(s.appeal!.findings);
      const covered = new Set(e.results.map((r) => r.finding));
      const missing = [...appealed].filter((id) => !covered.has(id));
      if (missing.length) throw illegal(s, e, `results missing for appealed findings ${missing.join(', ')}`);
      let findings = s.findings;
      for (const r of e.results) {
        if (!appealed.has(r.finding)) throw illegal(s, e, `finding ${r.finding} was not appealed`);
        const f = find(r.finding);
        const before = findingDeduction(f);
        const amount = r.outcome === 'upheld' ? before : r.outcome === 'overturned' ? 0 : r.amount ?? -1;
        if (r.outcome === 'partial' && (!Number.isSafeInteger(amount) || amount <= 0 || amount >= before)) throw illegal(s, e, `finding ${r.finding}: a partial result needs an amount between 0 and ${before} fen (exclusive)`);
        findings = findings.map((x) => (x.id === r.finding ? { ...x, appealResult: { outcome: r.outcome, amount, by: e.by, at: e.at, reason: e.reason } } : x));
      }
      const next = { ...s, findings };
      return { ...next, status: 'final', deduction: caseDeduction(next) };
    }
    case 'refer_to_panel': {
      if (e.by !== s.reReviewer) throw illegal(s, e, `only the assigned reviewer ${s.reReviewer} may refer the dispute`);
      const members = [...new Set(e.members)];
      if (members.length !== policy.panelSize) throw illegal(s, e, `a panel has ${policy.panelSize} different members`);
      const involved = new Set([...s.approvals.map((a) => a.by), ...s.findings.flatMap((f) => (f.decision ? [f.decision.by] : []))]);
      const conflicted = members.filter((m) => involved.has(m));
      if (conflicted.length) throw illegal(s, e, `${conflicted.join(', ')} took part in the original decision`);
      return { ...s, status: 'panel_review', panel: { members, votes: [] } };
    }
    case 'panel_vote': {
      const panel = s.panel!;
      if (!panel.members.includes(e.by)) throw illegal(s, e, `${e.by} is not on the panel`);
      if (panel.votes.some((v) => v.by === e.by)) throw illegal(s, e, `${e.by} has already voted`);
      const votes = [...panel.votes, { by: e.by, vote: e.vote, reason: e.reason }];
      const uphold = votes.filter((v) => v.vote === 'uphold').length;
      const overturn = votes.length - uphold;
      const majority = Math.floor(policy.panelSize / 2) + 1;
      if (uphold < majority && overturn < majority) return { ...s, panel: { ...panel, votes } };
      const outcome = uphold >= majority ? 'upheld' : 'overturned';
      const findings = s.findings.map((f) =>
        f.appealed ? { ...f, appealResult: { outcome, amount: outcome === 'upheld' ? findingDeduction(f) : 0, by: 'panel', at: e.at, reason: votes.map((v) => `${v.by}: ${v.vote}`).join('; ') } as CaseFinding['appealResult'] } : f,
      );
      const next = { ...s, findings, panel: { ...panel, votes } };
      return { ...next, status: 'final', deduction: caseDeduction(next) };
    }
    case 'close':
      return { ...s, status: 'closed' };
  }
}

/** Applies events in order (replaying a case's history). */
export function replay(initial: CaseState, events: readonly CaseEvent[], policy: CasePolicy = DEFAULT_CASE_POLICY): CaseState {
  return events.reduce((st, ev) => transition(st, ev, policy), initial);
}
