import { FundGuardError } from '../errors.ts';
import type { Fen } from '../model/money.ts';
import { addHoursIso, parseTimestamp } from '../model/dates.ts';

/**
 * The life of an audit case (审核单): findings of one institution and month, from proposal to a fixed deduction.
 *
 *   draft ─notify→ awaiting_explanation (科室初审 → 医保办复审) ─submit/deadline→ in_review(初审 → 复审 → 终审) ─approve last level→ decided
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
  /** the department that billed it (科室初审 is this department's); '' or absent: none known, the 医保办 answers it */
  dept_codg?: string;
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
  /**
   * Which roles sign each of the agency's levels (index 0 = level 1 初审): configuration. Default auditor → auditor (another
   * person: one person never signs two levels) → supervisor. An administrator may sign any level (operations).
   */
  levelRoles?: readonly (readonly CaseRole[])[];
}

export const DEFAULT_LEVEL_ROLES: readonly (readonly CaseRole[])[] = [['auditor'], ['auditor'], ['supervisor']];
export const DEFAULT_CASE_POLICY: CasePolicy = { levels: 3, slaHours: 24, slaHoursSpecial: 48, explanationDays: 10, appealDays: 15, panelSize: 3, levelRoles: DEFAULT_LEVEL_ROLES };

/** The roles that may sign agency level `level` under `policy` (admin always may). */
export function levelSigners(policy: CasePolicy, level: number): readonly CaseRole[] {
  const roles = policy.levelRoles?.[level - 1];
  return roles ? [...new Set<CaseRole>([...roles, 'admin'])] : REVIEWER_ROLES;
}

/**
 * The hospital's own two levels on a case with 可疑 findings (domain.md §4, 001): 科室初审 — each department that billed a
 * 可疑 finding explains its findings and submits — then 医保办复审 — the hospital's insurance office checks the
 * departments' answers and either returns them (with a reason) or submits the case to the agency. Each level has its
 * deadline (24 h, 48 h for a special case). `first_pass`: the office accepted the departments' first answer (内部审核合格率).
 */
export interface HospitalReview {
  /** 1 科室初审, 2 医保办复审 */
  level: 1 | 2;
  /** departments with 可疑 findings (their reviewers answer level 1) */
  departments: string[];
  /** departments that finished level 1 */
  submitted: string[];
  /** the running level's deadline */
  due: string;
  returns: { at: string; by: string; reason: string; departments: string[] }[];
  passed: { at: string; by: string; first_pass: boolean } | null;
}

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
  /**
   * What the notice told the hospital: whether an explanation is asked for. A case with only 违规 findings says so
   * explicitly (no explanation step) instead of skipping the step silently. Absent on cases notified before it existed.
   */
  notice?: { at: string; explanation_required: boolean; message: string } | null;
  /** why a supervisor marked the case special (48 h per level) */
  specialReason?: string;
  /** the hospital's 科室初审 → 医保办复审 on 可疑 findings (absent on cases notified before it existed, or without 可疑 findings) */
  hospitalReview?: HospitalReview | null;
  /**
   * Who works the running agency level (004 rotation): claimed by a reviewer or assigned by a supervisor (from the
   * eligible users, by hand or round-robin). While set, only that person decides and signs the level; a supervisor can
   * always reassign. Cleared when the level moves.
   */
  assignee?: { user: string; level: number; by: string; at: string; how: 'claim' | 'assign' | 'rotation' } | null;
  /** 整改: the hospital's record of the rectification of a confirmed deduction (整改率 = rectified / found) */
  rectification?: { by: string; at: string; text: string } | null;
}

/** Roles that take part in a case (the service's roles of the same names). */
export type CaseRole = 'admin' | 'auditor' | 'supervisor' | 'hospital';
export const CASE_ROLES: readonly CaseRole[] = ['admin', 'auditor', 'supervisor', 'hospital'];
export const OUTCOMES: readonly Outcome[] = ['confirmed', 'rejected', 'partial'];
export type AppealOutcome = 'upheld' | 'overturned' | 'partial';
export const APPEAL_OUTCOMES: readonly AppealOutcome[] = ['upheld', 'overturned', 'partial'];
export type Vote = 'uphold' | 'overturn';
export const VOTES: readonly Vote[] = ['uphold', 'overturn'];

interface Base {
  at: string;
  by: string;
  /** the actor's role, set by the service; when present the machine checks it against EVENT_ROLES */
  role?: CaseRole;
  /** a hospital actor's department binding, set by the service: a department reviewer (科室); absent: the 医保办 */
  dept?: string;
}

/**
 * The people who may be named to a case (re-reviewer, panel member): active users with a reviewer role.
 * Given by the service from the users it knows; the machine never names someone outside it.
 */
export interface CaseDirectory {
  reviewers: readonly string[];
  /** each reviewer's role, when known: a level's assignee must hold a role that signs that level */
  roles?: Readonly<Record<string, CaseRole>>;
}

export type CaseEvent =
  | (Base & { type: 'notify' })
  | (Base & { type: 'explain'; finding: string; text: string; attachments?: Attachment[] })
  | (Base & { type: 'submit_explanations' })
  | (Base & { type: 'dept_submit' })
  | (Base & { type: 'office_return'; reason: string; departments?: string[] })
  | (Base & { type: 'rectify'; text: string })
  | (Base & { type: 'claim' })
  | (Base & { type: 'assign'; reviewer: string; rotation?: boolean })
  | (Base & { type: 'explanation_deadline_passed' })
  | (Base & { type: 'decide'; finding: string; outcome: Outcome; amount?: Fen; reason?: string })
  | (Base & { type: 'approve_level'; level?: number })
  | (Base & { type: 'return_level'; reason: string })
  | (Base & { type: 'escalate' })
  | (Base & { type: 'mark_special'; reason: string })
  | (Base & { type: 'appeal'; findings: string[]; reason: string; evidence: Attachment[] })
  | (Base & { type: 'appeal_deadline_passed' })
  | (Base & { type: 'assign_re_review'; reviewer: string })
  | (Base & { type: 're_review'; results: { finding: string; outcome: AppealOutcome; amount?: Fen }[]; reason: string })
  | (Base & { type: 'refer_to_panel'; members: string[]; reason: string })
  | (Base & { type: 'panel_vote'; vote: Vote; reason?: string })
  | (Base & { type: 'close' });

export type CaseEventType = CaseEvent['type'];

/** Which events each status accepts: the state chart as data (tested exhaustively). */
export const ACCEPTS: Record<CaseStatus, readonly CaseEventType[]> = {
  draft: ['notify'],
  awaiting_explanation: ['explain', 'dept_submit', 'office_return', 'submit_explanations', 'explanation_deadline_passed', 'mark_special'],
  in_review: ['decide', 'approve_level', 'return_level', 'escalate', 'mark_special', 'claim', 'assign'],
  decided: ['appeal', 'appeal_deadline_passed'],
  appealed: ['assign_re_review'],
  // A supervisor can always reassign: the re-reviewer in appeal review, the panel in panel review.
  appeal_review: ['re_review', 'refer_to_panel', 'assign_re_review'],
  panel_review: ['panel_vote', 'refer_to_panel'],
  final: ['close', 'rectify'],
  // A closed case takes nothing that changes the decision; the hospital may still record its rectification.
  closed: ['rectify'],
};

/** Who may send which event (scope — a hospital acts only on its own institution — is the service's check). */
export const EVENT_ROLES: Record<CaseEventType, readonly CaseRole[]> = {
  notify: ['admin', 'auditor'],
  explain: ['hospital'],
  submit_explanations: ['hospital'],
  dept_submit: ['hospital'],
  office_return: ['hospital'],
  rectify: ['hospital'],
  claim: ['admin', 'auditor', 'supervisor'],
  assign: ['admin', 'supervisor'],
  explanation_deadline_passed: ['admin'],
  decide: ['admin', 'auditor'],
  approve_level: ['admin', 'auditor', 'supervisor'],
  return_level: ['admin', 'auditor', 'supervisor'],
  escalate: ['admin'],
  mark_special: ['admin', 'supervisor'],
  appeal: ['hospital'],
  appeal_deadline_passed: ['admin'],
  assign_re_review: ['admin', 'supervisor'],
  re_review: ['admin', 'auditor', 'supervisor'],
  refer_to_panel: ['admin', 'auditor', 'supervisor'],
  panel_vote: ['admin', 'auditor', 'supervisor'],
  close: ['admin', 'auditor'],
};

/** Roles that may be named re-reviewer or panel member. */
export const REVIEWER_ROLES: readonly CaseRole[] = ['admin', 'auditor', 'supervisor'];

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

// ---- event shape: every field checked before the machine reads it ----------------------------------------

const MAX_TEXT = 4000;
const MAX_LIST = 1000;

/** Checks fields of one object; issues name the full path as sent (`results[0].outcome`). */
class FieldCheck {
  private constructor(private readonly o: Record<string, unknown>, private readonly prefix: string) {}
  static object(v: unknown, path: string): FieldCheck {
    if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new FundGuardError('E_FIELD_INVALID', `${path || '(event)'}: must be an object`, [{ field: path || '(event)', reason: 'must be an object' }]);
    return new FieldCheck(v as Record<string, unknown>, path ? `${path}.` : '');
  }
  private fail(code: 'E_FIELD_REQUIRED' | 'E_FIELD_INVALID', field: string, reason: string, value?: unknown): never {
    const full = this.prefix + field;
    throw new FundGuardError(code, `${full}: ${reason}`, [{ field: full, reason, ...(value === undefined ? {} : { value }) }]);
  }
  private present(field: string, optional: boolean): boolean {
    const v = this.o[field];
    if (v !== undefined && v !== null) return true;
    if (!optional) this.fail('E_FIELD_REQUIRED', field, 'required');
    return false;
  }
  str(field: string, opts: { optional?: boolean; nonEmpty?: boolean; max?: number } = {}): void {
    if (!this.present(field, !!opts.optional)) return;
    const v = this.o[field];
    if (typeof v !== 'string') this.fail('E_FIELD_INVALID', field, 'must be a string', v);
    if (opts.nonEmpty && !v.trim()) this.fail('E_FIELD_INVALID', field, 'must not be empty', v);
    if (v.length > (opts.max ?? MAX_TEXT)) this.fail('E_FIELD_INVALID', field, `at most ${opts.max ?? MAX_TEXT} characters`);
  }
  oneOf(field: string, values: readonly string[]): void {
    this.present(field, false);
    const v = this.o[field];
    if (typeof v !== 'string' || !values.includes(v)) this.fail('E_FIELD_INVALID', field, `must be one of ${values.join(', ')}`, v);
  }
  fen(field: string, optional: boolean): void {
    if (!this.present(field, optional)) return;
    const v = this.o[field];
    if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0) this.fail('E_FIELD_INVALID', field, 'must be whole fen ≥ 0', v);
  }
  int(field: string, optional: boolean): void {
    if (!this.present(field, optional)) return;
    const v = this.o[field];
    if (typeof v !== 'number' || !Number.isSafeInteger(v)) this.fail('E_FIELD_INVALID', field, 'must be a whole number', v);
  }
  list(field: string, item: (v: unknown, path: string) => void, opts: { optional?: boolean; nonEmpty?: boolean } = {}): void {
    if (!this.present(field, !!opts.optional)) return;
    const v = this.o[field];
    if (!Array.isArray(v)) this.fail('E_FIELD_INVALID', field, 'must be a list');
    if (opts.nonEmpty && v.length === 0) this.fail('E_FIELD_INVALID', field, 'must not be empty');
    if (v.length > MAX_LIST) this.fail('E_FIELD_INVALID', field, `at most ${MAX_LIST} items`);
    v.forEach((x, i) => item(x, `${this.prefix}${field}[${i}]`));
  }
}

const nested = (v: unknown, path: string) => FieldCheck.object(v, path);
const idItem = (what: string) => (v: unknown, path: string) => {
  if (typeof v !== 'string' || !v.trim() || v.length > 200) throw new FundGuardError('E_FIELD_INVALID', `${path}: must be ${what}`, [{ field: path, value: v, reason: `must be ${what}` }]);
};

const attachmentItem = (v: unknown, path: string) => {
  const c = nested(v, path);
  c.str('name', { nonEmpty: true, max: 200 });
  c.str('sha256', { nonEmpty: true, max: 64 });
  c.fen('bytes', false);
};

/**
 * Checks an event's fields against its type (E_FIELD_REQUIRED / E_FIELD_INVALID naming the field) and returns
 * it typed. The API validates the same shapes by schema; this is the machine's own guard for every other caller.
 */
export function checkEvent(raw: unknown): CaseEvent {
  const c = FieldCheck.object(raw, '');
  c.oneOf('type', Object.keys(EVENT_ROLES));
  c.str('by', { nonEmpty: true, max: 200 });
  c.str('at', { nonEmpty: true, max: 40 });
  const e = raw as CaseEvent;
  // One spelling (…T…sssZ) so that string order is time order for every deadline comparison.
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/.test(e.at) || 'reason' in parseTimestamp(e.at.slice(0, 19))) {
    throw new FundGuardError('E_FIELD_INVALID', 'at: must be an ISO UTC timestamp', [{ field: 'at', value: e.at, reason: 'must be an ISO UTC timestamp' }]);
  }
  if (e.role !== undefined) c.oneOf('role', CASE_ROLES);
  c.str('dept', { optional: true, nonEmpty: true, max: 200 });
  switch (e.type) {
    case 'notify':
    case 'claim':
    case 'submit_explanations':
    case 'dept_submit':
    case 'explanation_deadline_passed':
    case 'escalate':
    case 'appeal_deadline_passed':
    case 'close':
      break;
    case 'explain':
      c.str('finding', { nonEmpty: true, max: 200 });
      c.str('text', { nonEmpty: true });
      c.list('attachments', attachmentItem, { optional: true });
      break;
    case 'decide':
      c.str('finding', { nonEmpty: true, max: 200 });
      c.oneOf('outcome', OUTCOMES);
      c.fen('amount', e.outcome !== 'partial');
      c.str('reason', { optional: e.outcome === 'confirmed', nonEmpty: e.outcome !== 'confirmed' });
      break;
    case 'approve_level':
      c.int('level', true);
      break;
    case 'return_level':
    case 'mark_special':
      c.str('reason', { nonEmpty: true });
      break;
    case 'office_return':
      c.str('reason', { nonEmpty: true });
      c.list('departments', idItem('a department code'), { optional: true, nonEmpty: true });
      break;
    case 'rectify':
      c.str('text', { nonEmpty: true });
      break;
    case 'appeal':
      c.list('findings', idItem('a finding id'), { nonEmpty: true });
      c.str('reason', { nonEmpty: true });
      c.list('evidence', attachmentItem);
      break;
    case 'assign_re_review':
      c.str('reviewer', { nonEmpty: true, max: 200 });
      break;
    case 'assign':
      c.str('reviewer', { nonEmpty: true, max: 200 });
      if ((raw as { rotation?: unknown }).rotation !== undefined && typeof (raw as { rotation?: unknown }).rotation !== 'boolean') {
        throw new FundGuardError('E_FIELD_INVALID', 'rotation: must be true or false', [{ field: 'rotation', reason: 'must be true or false' }]);
      }
      break;
    case 're_review':
      c.list('results', (v, path) => {
        const r = nested(v, path);
        r.str('finding', { nonEmpty: true, max: 200 });
        r.oneOf('outcome', APPEAL_OUTCOMES);
        r.fen('amount', (v as { outcome: string }).outcome !== 'partial');
      }, { nonEmpty: true });
      c.str('reason', { nonEmpty: true });
      break;
    case 'refer_to_panel':
      c.list('members', idItem('a user name'), { nonEmpty: true });
      c.str('reason', { nonEmpty: true });
      break;
    case 'panel_vote':
      c.oneOf('vote', VOTES);
      c.str('reason', { optional: true });
      break;
    default:
      throw new FundGuardError('E_FIELD_INVALID', 'type: unknown event', [{ field: 'type', reason: 'unknown event' }]);
  }
  return e;
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
export function transition(s: CaseState, raw: CaseEvent, policy: CasePolicy = DEFAULT_CASE_POLICY, directory: CaseDirectory | null = null): CaseState {
  const e = checkEvent(raw);
  if (e.role !== undefined && !EVENT_ROLES[e.type].includes(e.role)) throw new FundGuardError('E_FORBIDDEN', `role ${e.role} may not ${e.type}`);
  if (!ACCEPTS[s.status].includes(e.type)) throw illegal(s, e, `allowed here: ${ACCEPTS[s.status].join(', ') || '(none: the case is closed)'}`);
  const find = (id: string) => {
    const f = s.findings.find((x) => x.id === id);
    if (!f) throw illegal(s, e, `no finding ${id} in this case`);
    return f;
  };
  const withFinding = (id: string, patch: Partial<CaseFinding>): CaseFinding[] => s.findings.map((f) => (f.id === id ? { ...f, ...patch } : f));
  const involved = involvedIn(s);
  /** A person named to the case: known to the directory as an active reviewer, and not one who decided or approved it. */
  const nameable = (who: string, as: string) => {
    if (directory && !directory.reviewers.includes(who)) throw illegal(s, e, `${who} is not an active user with a reviewer role; pick ${as} from the list of eligible users`);
    if (involved.has(who)) throw illegal(s, e, `${who} took part in the original decision; the ${as} must be a different reviewer`);
  };
  const reviewDeadline = (at: string) => addHours(at, s.special ? policy.slaHoursSpecial : policy.slaHours);
  const hr = s.hospitalReview ?? null;
  const startReview = (at: string): CaseState => ({ ...s, status: 'in_review', level: 1, deadlines: { ...s.deadlines, review: reviewDeadline(at) } });

  switch (e.type) {
    case 'notify': {
      const suspicious = s.findings.filter((f) => f.severity === 'suspicious').length;
      if (!suspicious) {
        const notice = { at: e.at, explanation_required: false, message: '本审核单仅含违规明细，无需说明，直接进入医保部门审核；对审核结果可在决定后申诉' };
        return { ...startReview(e.at), notice };
      }
      const explanation = addDays(e.at, policy.explanationDays);
      // 科室初审 by the departments that billed the 可疑 findings; without a known department the 医保办 answers directly.
      const departments = [...new Set(s.findings.filter((f) => f.severity === 'suspicious' && f.dept_codg).map((f) => f.dept_codg!))].sort();
      const hospitalReview: HospitalReview = { level: departments.length ? 1 : 2, departments, submitted: [], due: reviewDeadline(e.at), returns: [], passed: null };
      const first = departments.length ? `请科室（${departments.join('、')}）于 ${hospitalReview.due} 前完成科室初审，医保办复审后` : '请医保办';
      const notice = { at: e.at, explanation_required: true, message: `本审核单含可疑明细 ${suspicious} 条，${first}于 ${explanation} 前逐条说明并提交医保部门` };
      return { ...s, status: 'awaiting_explanation', notice, hospitalReview, deadlines: { ...s.deadlines, explanation } };
    }
    case 'explain': {
      const f = find(e.finding);
      if (s.deadlines.explanation && e.at > s.deadlines.explanation) throw illegal(s, e, `the explanation deadline ${s.deadlines.explanation} has passed`);
      if (!e.text.trim()) throw illegal(s, e, 'an explanation needs text');
      if (hr && e.dept !== undefined) {
        // 科室初审: a department answers its own findings, while its level runs and before it submitted
        if ((f.dept_codg ?? '') !== e.dept) throw illegal(s, e, `finding ${f.id} was billed by ${f.dept_codg || '(no department)'}, not by department ${e.dept}`);
        if (hr.level !== 1) throw illegal(s, e, '科室初审已结束，医保办复审中 (the department level is over)');
        if (hr.submitted.includes(e.dept)) throw illegal(s, e, `department ${e.dept} has already submitted its answers`);
      }
      return { ...s, findings: withFinding(f.id, { explanation: { by: e.by, at: e.at, text: e.text, attachments: e.attachments ?? [] } }) };
    }
    case 'dept_submit': {
      if (!hr) throw illegal(s, e, 'this case has no department level');
      if (e.dept === undefined) throw illegal(s, e, 'only a department reviewer submits the department level');
      if (hr.level !== 1) throw illegal(s, e, '科室初审已结束，医保办复审中 (the department level is over)');
      if (!hr.departments.includes(e.dept)) throw illegal(s, e, `department ${e.dept} has no 可疑 finding in this case`);
      if (hr.submitted.includes(e.dept)) throw illegal(s, e, `department ${e.dept} has already submitted its answers`);
      const submitted = [...hr.submitted, e.dept].sort();
      const done = hr.departments.every((d) => submitted.includes(d));
      return { ...s, hospitalReview: { ...hr, submitted, ...(done ? { level: 2 as const, due: reviewDeadline(e.at) } : {}) } };
    }
    case 'office_return': {
      if (!hr) throw illegal(s, e, 'this case has no department level');
      if (e.dept !== undefined) throw illegal(s, e, 'only the 医保办 returns answers to a department');
      if (hr.level !== 2) throw illegal(s, e, '科室初审尚未完成 (the department level is still running)');
      if (!hr.departments.length) throw illegal(s, e, 'no department answered this case (its 可疑 findings have no department)');
      const back = e.departments ?? hr.departments;
      const unknown = back.filter((d) => !hr.departments.includes(d));
      if (unknown.length) throw illegal(s, e, `departments ${unknown.join(', ')} have no 可疑 finding in this case`);
      return {
        ...s, hospitalReview: {
          ...hr, level: 1, submitted: hr.submitted.filter((d) => !back.includes(d)), due: reviewDeadline(e.at),
          returns: [...hr.returns, { at: e.at, by: e.by, reason: e.reason, departments: [...back].sort() }],
        },
      };
    }
    case 'submit_explanations': {
      if (!hr) return startReview(e.at);
      // 医保办复审 ends the hospital's levels; while the departments' level runs only an overdue one may be taken over.
      if (e.dept !== undefined) throw illegal(s, e, 'the 医保办 submits the hospital\'s answers to the agency; a department submits its level with dept_submit');
      if (hr.level === 1 && e.at <= hr.due) throw illegal(s, e, `科室初审进行中，${hr.due} 前由科室提交 (the departments' level runs until ${hr.due})`);
      return { ...startReview(e.at), hospitalReview: { ...hr, passed: { at: e.at, by: e.by, first_pass: hr.level === 2 && hr.returns.length === 0 } } };
    }
    case 'explanation_deadline_passed':
      if (s.deadlines.explanation && e.at < s.deadlines.explanation) throw illegal(s, e, `the deadline ${s.deadlines.explanation} has not passed`);
      return startReview(e.at);
    case 'decide': {
      const f = find(e.finding);
      if (s.assignee && s.assignee.level === s.level && s.assignee.user !== e.by) throw illegal(s, e, `level ${s.level} is assigned to ${s.assignee.user}`);
      let amount: Fen;
      if (e.outcome === 'confirmed') amount = f.amount;
      else if (e.outcome === 'rejected') amount = 0;
      else {
        if (e.amount === undefined || !Number.isSafeInteger(e.amount) || e.amount <= 0 || e.amount >= f.amount) {
          throw illegal(s, e, `a partial confirmation needs an amount between 0 and ${f.amount} fen (exclusive)`);
        }
        amount = e.amount;
      }
      const reason = e.reason ?? '';
      if (!reason.trim() && e.outcome !== 'confirmed') throw illegal(s, e, 'rejecting or reducing a finding needs a reason');
      return { ...s, findings: withFinding(f.id, { decision: { outcome: e.outcome, amount, by: e.by, at: e.at, reason, level: s.level } }) };
    }
    case 'approve_level': {
      if (e.level !== undefined && e.level !== s.level) throw illegal(s, e, `the case is at level ${s.level}, not level ${e.level}`);
      const signers = levelSigners(policy, s.level);
      if (e.role !== undefined && !signers.includes(e.role)) throw illegal(s, e, `level ${s.level} is signed by ${signers.filter((r) => r !== 'admin').join('/')}, not by ${e.role}`);
      if (s.assignee && s.assignee.level === s.level && s.assignee.user !== e.by) throw illegal(s, e, `level ${s.level} is assigned to ${s.assignee.user}`);
      const undecided = s.findings.filter((f) => f.severity !== 'reminder' && !f.decision);
      if (s.level === 1 && undecided.length) throw illegal(s, e, `findings without a decision: ${undecided.map((f) => f.id).join(', ')}`);
      // 三级审核: one person may not approve two levels of the same case.
      if (s.approvals.some((a) => a.by === e.by)) throw illegal(s, e, `${e.by} already approved level ${s.approvals.find((a) => a.by === e.by)!.level}; each level needs another reviewer`);
      const approvals = [...s.approvals, { level: s.level, by: e.by, at: e.at }];
      if (s.level >= policy.levels) {
        return { ...s, status: 'decided', approvals, assignee: null, deadlines: { ...s.deadlines, review: null, appeal: addDays(e.at, policy.appealDays) }, deduction: caseDeduction(s) };
      }
      return { ...s, level: s.level + 1, approvals, assignee: null, deadlines: { ...s.deadlines, review: reviewDeadline(e.at) } };
    }
    case 'return_level': {
      if (s.level <= 1) throw illegal(s, e, 'level 1 cannot return the case further');
      if (!e.reason.trim()) throw illegal(s, e, 'returning needs a reason');
      return { ...s, level: s.level - 1, approvals: s.approvals.filter((a) => a.level < s.level - 1), assignee: null, deadlines: { ...s.deadlines, review: reviewDeadline(e.at) } };
    }
    case 'mark_special': {
      // 特殊病例: a supervisor gives the levels 48 h instead of 24 h, with a reason; the running level's deadline moves too.
      if (s.special) throw illegal(s, e, 'the case is already marked special');
      const extra = policy.slaHoursSpecial - policy.slaHours;
      const review = s.deadlines.review ? addHours(s.deadlines.review, extra) : null;
      const hospitalReview = hr && !hr.passed ? { ...hr, due: addHours(hr.due, extra) } : hr;
      return { ...s, special: true, specialReason: e.reason, deadlines: { ...s.deadlines, review }, ...(s.hospitalReview !== undefined ? { hospitalReview } : {}) };
    }
    case 'escalate':
      if (!s.deadlines.review || e.at <= s.deadlines.review) throw illegal(s, e, `level ${s.level} is not overdue (due ${s.deadlines.review})`);
      if (s.escalations.some((x) => x.level === s.level && x.at >= s.deadlines.review!)) throw illegal(s, e, `level ${s.level} was already escalated`);
      return { ...s, escalations: [...s.escalations, { level: s.level, at: e.at }] };
    case 'appeal': {
      if (e.dept !== undefined) throw illegal(s, e, 'the hospital appeals through its 医保办');
      if (s.deadlines.appeal && e.at > s.deadlines.appeal) throw illegal(s, e, `the appeal deadline ${s.deadlines.appeal} has passed`);
      if (!e.findings.length) throw illegal(s, e, 'name the findings appealed');
      if (!e.reason.trim()) throw illegal(s, e, 'an appeal needs a reason');
      if (directory && !directory.reviewers.some((r) => !involved.has(r))) {
        throw illegal(s, e, '没有未参与本案审核的审核人员可以复核申诉，请医保部门先增加审核人员 (no reviewer left who took no part in the decision)');
      }
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
      // 申诉复核 by a different reviewer than any who decided or approved the case; a supervisor may reassign it.
      nameable(e.reviewer, 're-reviewer');
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
      const lead = e.role === 'supervisor' || e.role === 'admin';
      if (s.status === 'panel_review' && !lead) throw illegal(s, e, 'only a supervisor may replace the panel');
      if (s.status === 'appeal_review' && e.by !== s.reReviewer && !lead) throw illegal(s, e, `only the assigned reviewer ${s.reReviewer} may refer the dispute`);
      const members = [...new Set(e.members)];
      if (members.length !== policy.panelSize) throw illegal(s, e, `a panel has ${policy.panelSize} different members`);
      const conflicted = members.filter((m) => involved.has(m));
      if (conflicted.length) throw illegal(s, e, `${conflicted.join(', ')} took part in the original decision`);
      if (s.reReviewer && members.includes(s.reReviewer)) throw illegal(s, e, `${s.reReviewer} is the re-reviewer who referred the dispute`);
      for (const m of members) nameable(m, 'panel member');
      // A replaced panel keeps the votes of members who stay on it.
      const votes = (s.panel?.votes ?? []).filter((v) => members.includes(v.by));
      return { ...s, status: 'panel_review', panel: { members, votes } };
    }
    case 'panel_vote': {
      const panel = s.panel!;
      if (!panel.members.includes(e.by)) throw illegal(s, e, `${e.by} is not on the panel`);
      if (panel.votes.some((v) => v.by === e.by)) throw illegal(s, e, `${e.by} has already voted`);
      const votes = [...panel.votes, { by: e.by, vote: e.vote, reason: e.reason ?? '' }];
      const uphold = votes.filter((v) => v.vote === 'uphold').length;
      const overturn = votes.filter((v) => v.vote === 'overturn').length;
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
    case 'claim': {
      // 领取: a reviewer who may sign this level and has signed none of this case takes it
      const signers = levelSigners(policy, s.level);
      if (e.role !== undefined && !signers.includes(e.role)) throw illegal(s, e, `level ${s.level} is signed by ${signers.filter((r) => r !== 'admin').join('/')}, not by ${e.role}`);
      if (s.approvals.some((a) => a.by === e.by)) throw illegal(s, e, `${e.by} already approved a level of this case`);
      if (s.assignee && s.assignee.level === s.level) throw illegal(s, e, `level ${s.level} is already assigned to ${s.assignee.user}`);
      return { ...s, assignee: { user: e.by, level: s.level, by: e.by, at: e.at, how: 'claim' } };
    }
    case 'assign': {
      // 分派: a supervisor names the reviewer of the running level, from the eligible users (never free text)
      if (directory && !directory.reviewers.includes(e.reviewer)) throw illegal(s, e, `${e.reviewer} is not an active user with a reviewer role; pick from the list of eligible users`);
      const role = directory?.roles?.[e.reviewer];
      const signers = levelSigners(policy, s.level);
      if (role && !signers.includes(role)) throw illegal(s, e, `${e.reviewer} (${role}) may not sign level ${s.level}: it is signed by ${signers.filter((r) => r !== 'admin').join('/')}`);
      if (s.approvals.some((a) => a.by === e.reviewer)) throw illegal(s, e, `${e.reviewer} already approved a level of this case; each level needs another reviewer`);
      return { ...s, assignee: { user: e.reviewer, level: s.level, by: e.by, at: e.at, how: e.rotation ? 'rotation' : 'assign' } };
    }
    case 'rectify':
      if (e.dept !== undefined) throw illegal(s, e, 'the 医保办 records the rectification');
      if (!(s.deduction && s.deduction > 0)) throw illegal(s, e, 'nothing was found to rectify (no deduction)');
      if (s.rectification) throw illegal(s, e, `the rectification was recorded at ${s.rectification.at}`);
      return { ...s, rectification: { by: e.by, at: e.at, text: e.text } };
  }
}

/** Who decided or approved the case: they may not re-review it or sit on its panel. */
export function involvedIn(s: CaseState): Set<string> {
  return new Set([...s.approvals.map((a) => a.by), ...s.findings.flatMap((f) => (f.decision ? [f.decision.by] : []))]);
}

/**
 * The events `actor` may send now (the case page shows only these). Coarse where a payload decides (an explanation
 * needs a finding, a re-review its results) but exact on who: level approvers, the re-reviewer, panel members.
 */
export function allowedEvents(s: CaseState, actor: { id: string; role: CaseRole; dept?: string | null }, now: string, policy: CasePolicy = DEFAULT_CASE_POLICY, directory: CaseDirectory | null = null): CaseEventType[] {
  const involved = involvedIn(s);
  const hr = s.hospitalReview ?? null;
  const dept = actor.dept ?? null;
  const assignedToOther = !!s.assignee && s.assignee.level === s.level && s.assignee.user !== actor.id;
  const lead = actor.role === 'supervisor' || actor.role === 'admin';
  const ok = (t: CaseEventType): boolean => {
    switch (t) {
      case 'decide':
        return !assignedToOther;
      case 'notify':
      case 'close':
        return true;
      case 'submit_explanations':
        return !hr || (dept === null && (hr.level === 2 || now > hr.due));
      case 'dept_submit':
        return !!hr && dept !== null && hr.level === 1 && hr.departments.includes(dept) && !hr.submitted.includes(dept);
      case 'office_return':
        return !!hr && dept === null && hr.level === 2 && hr.departments.length > 0;
      case 'rectify':
        return dept === null && !!s.deduction && s.deduction > 0 && !s.rectification;
      case 'explain':
        if (hr && dept !== null && !(hr.level === 1 && !hr.submitted.includes(dept) && s.findings.some((f) => f.dept_codg === dept && f.severity === 'suspicious'))) return false;
        return !s.deadlines.explanation || now <= s.deadlines.explanation;
      case 'explanation_deadline_passed':
        return !!s.deadlines.explanation && now >= s.deadlines.explanation;
      case 'approve_level':
        return levelSigners(policy, s.level).includes(actor.role) && !s.approvals.some((a) => a.by === actor.id) && !assignedToOther
          && (s.level !== 1 || s.findings.every((f) => f.severity === 'reminder' || f.decision));
      case 'claim':
        return levelSigners(policy, s.level).includes(actor.role) && !s.approvals.some((a) => a.by === actor.id) && !(s.assignee && s.assignee.level === s.level);
      case 'assign':
        return true;
      case 'return_level':
        return s.level > 1;
      case 'mark_special':
        return !s.special;
      case 'escalate':
        return !!s.deadlines.review && now > s.deadlines.review && !s.escalations.some((x) => x.level === s.level && x.at >= s.deadlines.review!);
      case 'appeal':
        return dept === null && (!s.deadlines.appeal || now <= s.deadlines.appeal) && s.findings.some((f) => f.appealable && findingDeduction(f) > 0)
          && (!directory || directory.reviewers.some((r) => !involved.has(r)));
      case 'appeal_deadline_passed':
        return !!s.deadlines.appeal && now >= s.deadlines.appeal;
      case 'assign_re_review':
        return !directory || directory.reviewers.some((r) => !involved.has(r));
      case 're_review':
        return actor.id === s.reReviewer;
      case 'refer_to_panel':
        return s.status === 'panel_review' ? lead : actor.id === s.reReviewer || lead;
      case 'panel_vote':
        return !!s.panel && s.panel.members.includes(actor.id) && !s.panel.votes.some((v) => v.by === actor.id);
    }
  };
  return ACCEPTS[s.status].filter((t) => EVENT_ROLES[t].includes(actor.role) && ok(t));
}

const ROLE_NAMES: Record<CaseRole, string> = { admin: '系统管理员', auditor: '审核员', supervisor: '稽核科（主管）', hospital: '医院' };

/**
 * Why `actor` may not send the events its role could send in this status (the case page says why a button is missing),
 * in Chinese for people. Events of other roles are not listed: they are not this person's to take.
 */
export function blockedEvents(s: CaseState, actor: { id: string; role: CaseRole; dept?: string | null }, now: string, policy: CasePolicy = DEFAULT_CASE_POLICY, directory: CaseDirectory | null = null): { type: CaseEventType; reason: string }[] {
  const allowed = new Set(allowedEvents(s, actor, now, policy, directory));
  const hr = s.hospitalReview ?? null;
  const dept = actor.dept ?? null;
  const why = (t: CaseEventType): string => {
    switch (t) {
      case 'explain':
        if (s.deadlines.explanation && now > s.deadlines.explanation) return `说明期限 ${s.deadlines.explanation} 已过`;
        if (hr && dept !== null && hr.submitted.includes(dept)) return '本科室已提交科室初审';
        if (hr && dept !== null && hr.level !== 1) return '科室初审已结束，医保办复审中';
        return '本科室在本审核单中没有可疑明细';
      case 'dept_submit':
        if (!hr || dept === null) return '科室初审由开单科室的审核人员提交';
        if (hr.level !== 1) return '科室初审已结束，医保办复审中';
        if (hr.submitted.includes(dept)) return '本科室已提交科室初审';
        return '本科室在本审核单中没有可疑明细';
      case 'office_return':
        if (dept !== null) return '只有医保办可以退回科室';
        if (hr && hr.level === 1) return `科室初审进行中（截止 ${hr.due}）`;
        return '本审核单的可疑明细没有开单科室，无可退回';
      case 'submit_explanations':
        if (dept !== null) return '由医保办复审后提交医保部门；科室请提交科室初审';
        return hr ? `科室初审进行中（截止 ${hr.due}），科室提交后医保办才能复审提交` : '';
      case 'explanation_deadline_passed':
        return `说明期限 ${s.deadlines.explanation ?? ''} 尚未届满`;
      case 'approve_level': {
        const signers = levelSigners(policy, s.level).filter((r) => r !== 'admin');
        if (!levelSigners(policy, s.level).includes(actor.role)) return `第 ${s.level} 级由${signers.map((r) => ROLE_NAMES[r]).join('或')}审核`;
        const mine = s.approvals.find((a) => a.by === actor.id);
        if (mine) return `您已通过第 ${mine.level} 级，每一级须由不同人员审核`;
        if (s.assignee && s.assignee.level === s.level && s.assignee.user !== actor.id) return `第 ${s.level} 级已分派给 ${s.assignee.user}`;
        const open = s.findings.filter((f) => f.severity !== 'reminder' && !f.decision).length;
        return open ? `尚有 ${open} 条疑点未作审核结论` : '';
      }
      case 'return_level':
        return '第 1 级不能再退回';
      case 'mark_special':
        return '已标记为特殊病例';
      case 'escalate':
        return s.deadlines.review ? `本级尚未超时（截止 ${s.deadlines.review}）或已督办` : '没有进行中的审核级别';
      case 'appeal':
        if (dept !== null) return '申诉由医保办提出';
        if (s.deadlines.appeal && now > s.deadlines.appeal) return `申诉期限 ${s.deadlines.appeal} 已过`;
        if (!s.findings.some((f) => f.appealable && findingDeduction(f) > 0)) return '没有可申诉的扣款明细';
        return '没有未参与本案审核的审核人员可以复核申诉，请医保部门先增加审核人员';
      case 'appeal_deadline_passed':
        return `申诉期限 ${s.deadlines.appeal ?? ''} 尚未届满`;
      case 'assign_re_review':
        return '没有未参与本案审核的审核人员可以指派';
      case 're_review':
        return `只有指定的复核人 ${s.reReviewer ?? ''} 可以复核`;
      case 'refer_to_panel':
        return s.status === 'panel_review' ? '只有稽核科（主管）可以更换合议组' : `只有复核人 ${s.reReviewer ?? ''} 或稽核科（主管）可以提交合议`;
      case 'panel_vote':
        return s.panel?.members.includes(actor.id) ? '您已投票' : '您不是本案合议组成员';
      case 'rectify':
        if (dept !== null) return '整改情况由医保办登记';
        if (s.rectification) return `已于 ${s.rectification.at} 登记整改`;
        return '本审核单没有扣款，无需整改';
      case 'claim': {
        if (!levelSigners(policy, s.level).includes(actor.role)) return `第 ${s.level} 级由${levelSigners(policy, s.level).filter((r) => r !== 'admin').map((r) => ROLE_NAMES[r]).join('或')}审核`;
        if (s.approvals.some((a) => a.by === actor.id)) return '您已审核本单的其他级别';
        return s.assignee?.user === actor.id ? '' : `第 ${s.level} 级已由 ${s.assignee?.user ?? ''} 领取或分派`;
      }
      case 'decide':
        return s.assignee ? `第 ${s.level} 级已分派给 ${s.assignee.user}` : '';
      case 'notify':
      case 'assign':
      case 'close':
        return '';
    }
  };
  // A department reviewer and the 医保办 are different parts of the hospital: neither is told about the other's steps.
  const officeOnly: CaseEventType[] = ['office_return', 'submit_explanations', 'rectify', 'appeal'];
  const notMine = (t: CaseEventType) => actor.role === 'hospital' && (dept === null ? t === 'dept_submit' : officeOnly.includes(t));
  return ACCEPTS[s.status].filter((t) => EVENT_ROLES[t].includes(actor.role) && !allowed.has(t) && !notMine(t)).map((t) => ({ type: t, reason: why(t) })).filter((x) => x.reason);
}

/** Applies events in order (replaying a case's history). */
export function replay(initial: CaseState, events: readonly CaseEvent[], policy: CasePolicy = DEFAULT_CASE_POLICY, directory: CaseDirectory | null = null): CaseState {
  return events.reduce((st, ev) => transition(st, ev, policy, directory), initial);
}
