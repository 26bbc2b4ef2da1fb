import { createHash } from 'node:crypto';
import {
  allowedEvents, blockedEvents, CASE_ROLES, REVIEWER_ROLES, CASE_STATUSES, caseDeduction, DEFAULT_CASE_POLICY, EVENT_ROLES, FundGuardError, involvedIn, newCase, transition,
  type Attachment, type CaseDirectory, type CaseEvent, type CaseEventType, type CasePolicy, type CaseRole, type CaseState, type Severity,
} from '@fundguard/core';
import { sql } from 'drizzle-orm';
import { CasesRepo, type CaseFilter, type CaseRow, type FindingRow } from '@fundguard/store';
import type { Actor, Role } from '../auth/roles.ts';
import type { ServiceContext } from '../context.ts';

const caseRole = (r: Role): CaseRole | null => ((CASE_ROLES as readonly string[]).includes(r) ? (r as CaseRole) : null);

const READ_ROLES: readonly Role[] = ['admin', 'auditor', 'supervisor', 'hospital'];
const SEVERITY_WEIGHT: Record<Severity, number> = { violation: 1, suspicious: 0.6, reminder: 0 };
export const MAX_ATTACHMENT_BYTES = 20 * 1024 * 1024;

/** A client's event: `by` and `at` are set by the service from the actor and the clock, never taken from the request. */
export type CaseCommand = CaseEvent extends infer E ? (E extends CaseEvent ? Omit<E, 'by' | 'at'> : never) : never;

export interface CaseView {
  id: string;
  medins_id: string;
  month: string;
  status: string;
  level: number;
  special: boolean;
  /** yuan */
  proposed: number;
  /** yuan */
  deduction: number | null;
  /** internal risk score: null for hospitals, who never see it */
  risk: number | null;
  finding_count: number;
  due_at: string | null;
  /** the running level's deadline (due_at) has passed */
  overdue: boolean;
  state: CaseState;
  version: number;
  created_at: string;
  updated_at: string;
}

const yuan = (fen: number) => fen / 100;
const yuanOrNull = (fen: number | null) => (fen === null ? null : fen / 100);

/** The case state as JSON for people: every amount in yuan (the machine keeps whole fen). */
export function stateInYuan(s: CaseState): CaseState {
  return {
    ...s,
    deduction: yuanOrNull(s.deduction),
    findings: s.findings.map((f) => ({
      ...f, amount: yuan(f.amount),
      decision: f.decision && { ...f.decision, amount: yuan(f.decision.amount) },
      appealResult: f.appealResult && { ...f.appealResult, amount: yuan(f.appealResult.amount) },
    })),
  };
}

/** A stored event as JSON: `amount` (decide, re-review results) in yuan. */
function eventInYuan(ev: Record<string, unknown>): Record<string, unknown> {
  const out = { ...ev };
  if (typeof out.amount === 'number') out.amount = yuan(out.amount);
  if (Array.isArray(out.results)) out.results = out.results.map((r: Record<string, unknown>) => (typeof r.amount === 'number' ? { ...r, amount: yuan(r.amount) } : r));
  return out;
}

/** A finding row as JSON: `amount` in yuan, with its case. */
export type FindingJson = Omit<FindingRow, 'amount_fen'> & { amount: number };
const findingJson = ({ amount_fen, ...f }: FindingRow): FindingJson => ({ ...f, amount: yuan(amount_fen) });

export interface CaseJson extends CaseView {
  findings: FindingJson[];
  events: { seq: number; type: string; actor: string; at: string; event: Record<string, unknown> }[];
  /** the events the requesting actor may send now (the console shows only these) */
  allowed: CaseEventType[];
  /** the events the actor's role could send in this status but the actor may not now, each with why (in Chinese) */
  unavailable: { type: CaseEventType; reason: string }[];
}

/** A department reviewer (科室初审) sees only the findings its department billed. */
const deptOf = (actor: Actor): string | null => (actor.role === 'hospital' && actor.deptCodg ? actor.deptCodg : null);

/** A case row as JSON for `actor`: amounts in yuan; the internal risk score only for the agency; a department's own findings only. */
function view(r: CaseRow, actor: Actor, now: string): CaseView {
  const dept = deptOf(actor);
  const state = r.state as CaseState;
  const scoped = dept ? { ...state, findings: state.findings.filter((f) => f.dept_codg === dept) } : state;
  return {
    id: r.id, medins_id: r.medins_id, month: r.month, status: r.status, level: r.level, special: r.special, proposed: yuan(r.proposed_fen),
    deduction: yuanOrNull(r.deduction_fen), risk: actor.role === 'hospital' ? null : r.risk, finding_count: r.finding_count, due_at: r.due_at,
    overdue: r.due_at !== null && r.due_at < now,
    state: stateInYuan(scoped), version: r.version, created_at: r.created_at, updated_at: r.updated_at,
  };
}

/** The deadline that matters now, for the worklist's "due" column and filters. */
function currentDue(s: CaseState): string | null {
  switch (s.status) {
    case 'awaiting_explanation': {
      // the running hospital level's 24/48 h deadline, within the window for the whole answer
      const level = s.hospitalReview && !s.hospitalReview.passed ? s.hospitalReview.due : null;
      return level && s.deadlines.explanation && level < s.deadlines.explanation ? level : s.deadlines.explanation;
    }
    case 'in_review':
      return s.deadlines.review;
    case 'decided':
      return s.deadlines.appeal;
    case 'draft':
    case 'appealed':
    case 'appeal_review':
    case 'panel_review':
    case 'final':
    case 'closed':
      return null;
  }
}

/** Reviewer rotation (004): configuration. */
export interface RotationPolicy {
  /** leave out reviewers who signed or decided a case of the same institution in the previous period (month) */
  excludePreviousPeriod: boolean;
}
export const DEFAULT_ROTATION: RotationPolicy = { excludePreviousPeriod: true };

/** A user who may be assigned the running level, in round-robin order (never assigned first, then the longest ago). */
export interface EligibleReviewer {
  id: string;
  display_name: string;
  role: string;
  last_assigned_at: string | null;
}

/** 风险分 0–100 (one decimal) from the weighted exposure in yuan: see openFromRun. */
export const riskScore = (exposureYuan: number): number => Math.round(Math.min(100, 20 * Math.log10(1 + Math.max(0, exposureYuan))) * 10) / 10;

const previousMonth = (month: string) => {
  const [y, m] = month.split('-').map(Number);
  return m === 1 ? `${y - 1}-12` : `${y}-${String(m - 1).padStart(2, '0')}`;
};

/** Cases (审核单): opened from a run's findings per institution and month, moved only by recorded transitions. */
export class CaseService {
  readonly repo: CasesRepo;

  constructor(private readonly ctx: ServiceContext, private readonly policy: CasePolicy = DEFAULT_CASE_POLICY, private readonly rotationPolicy: RotationPolicy = DEFAULT_ROTATION) {
    this.repo = new CasesRepo(ctx.database);
  }

  /**
   * Hospitals see their own institution's cases once notified, a department reviewer only those with findings its
   * department billed; anything else answers exactly like a missing case.
   */
  private requireRead(actor: Actor, c: { id: string; medins_id: string; status: string; state?: unknown }): void {
    if (!READ_ROLES.includes(actor.role)) throw new FundGuardError('E_FORBIDDEN', `role ${actor.role} may not read cases`);
    if (actor.role === 'hospital' && (c.medins_id !== actor.institutionId || c.status === 'draft')) throw new FundGuardError('E_NOT_FOUND', `no case ${c.id}`);
    const dept = deptOf(actor);
    if (dept && !((c.state as CaseState | undefined)?.findings ?? []).some((f) => f.dept_codg === dept)) throw new FundGuardError('E_NOT_FOUND', `no case ${c.id}`);
  }

  /** Active users (and machine keys) with a reviewer role: the only people a case may name. */
  async directory(tx?: Parameters<CasesRepo['reviewers']>[0]): Promise<CaseDirectory> {
    const rows = await this.repo.reviewers(tx, this.ctx.nowIso());
    return { reviewers: rows.map((r) => r.id), roles: Object.fromEntries(rows.map((r) => [r.id, r.role as CaseRole])) };
  }

  /**
   * Who may be assigned the running agency level (分派): active people (not machine keys) with a role that signs that
   * level, who signed no level of this case, and — rotation, configurable — who did not review the same institution
   * in the previous period; in round-robin order. The console's picker and the rotation use this one list.
   */
  async eligibleForLevel(actor: Actor, id: string): Promise<EligibleReviewer[]> {
    if (!['admin', 'supervisor'].includes(actor.role)) throw new FundGuardError('E_FORBIDDEN', `role ${actor.role} may not assign reviewers`);
    const row = await this.load(actor, id);
    const state = row.state as CaseState;
    if (state.status !== 'in_review') throw new FundGuardError('E_ILLEGAL_TRANSITION', `审核单状态 ${state.status} 下没有可分派的审核级别 (only a case in review has a level to assign)`);
    const roles: readonly string[] = this.policy.levelRoles?.[state.level - 1] ?? REVIEWER_ROLES;
    const signed = new Set(state.approvals.map((a) => a.by));
    let excluded = new Set<string>();
    if (this.rotationPolicy.excludePreviousPeriod) {
      const prior = await this.ctx.database.rows<{ state: CaseState }>(sql`select state from cases where medins_id = ${row.medins_id} and month = ${previousMonth(row.month)}`);
      excluded = new Set(prior.flatMap((c) => [...c.state.approvals.map((a) => a.by), ...c.state.findings.flatMap((f) => (f.decision ? [f.decision.by] : []))]));
    }
    const last = new Map((await this.ctx.database.rows<{ who: string; at: string }>(sql`
      select coalesce(event->>'reviewer', actor) as who, to_char(max(at) at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') as at
      from case_events where type in ('assign', 'claim') group by 1`)).map((r) => [r.who, r.at]));
    return (await this.repo.reviewers(undefined, this.ctx.nowIso()))
      .filter((r) => !r.id.startsWith('key:') && roles.includes(r.role) && !signed.has(r.id) && !excluded.has(r.id))
      .map((r) => ({ ...r, last_assigned_at: last.get(r.id) ?? null }))
      .sort((a, b) => (a.last_assigned_at ?? '').localeCompare(b.last_assigned_at ?? '') || a.id.localeCompare(b.id));
  }

  /** Round-robin (004): assigns the running level to the first eligible reviewer; refused with the reason when none is left. */
  async assignByRotation(actor: Actor, id: string): Promise<CaseView> {
    const [next] = await this.eligibleForLevel(actor, id);
    if (!next) throw new FundGuardError('E_ILLEGAL_TRANSITION', '没有符合轮换条件的审核人员（均已审核本单其他级别，或上一期审核过该机构）：请增加审核人员，或手工分派');
    return this.apply(actor, id, { type: 'assign', reviewer: next.id, rotation: true });
  }

  /** The people `actor` may name re-reviewer or panel member of a case: active reviewers who took no part in it. */
  async eligible(actor: Actor, id: string): Promise<{ id: string; display_name: string; role: string }[]> {
    if (!['admin', 'auditor', 'supervisor'].includes(actor.role)) throw new FundGuardError('E_FORBIDDEN', `role ${actor.role} may not assign reviewers`);
    const row = await this.load(actor, id);
    const state = row.state as CaseState;
    const involved = involvedIn(state);
    return (await this.repo.reviewers(undefined, this.ctx.nowIso())).filter((r) => !involved.has(r.id) && r.id !== state.reReviewer);
  }

  private actions(actor: Actor, state: CaseState, directory: CaseDirectory): Pick<CaseJson, 'allowed' | 'unavailable'> {
    const role = caseRole(actor.role);
    if (!role) return { allowed: [], unavailable: [] };
    const who = { id: actor.id, role, dept: deptOf(actor) };
    const now = this.ctx.nowIso();
    return { allowed: allowedEvents(state, who, now, this.policy, directory), unavailable: blockedEvents(state, who, now, this.policy, directory) };
  }

  /**
   * Groups a run's unassigned 违规/可疑 findings into one case per institution and month. Risk score (风险分, 0–100):
   * 20 × log10(1 + exposure), exposure = proposed yuan × severity weight × (1 + the institution's deducted cases in the
   * past 12 months / 5) — ¥9 → 20, ¥99 → 40, ¥999 → 60, ¥9 999 → 80, ¥99 999 and above → 100. A score, not an amount,
   * and in the same order as the exposure it comes from.
   */
  async openFromRun(actor: Actor, runId: number, opts: { medinsId?: string } = {}): Promise<string[]> {
    if (!['admin', 'auditor'].includes(actor.role)) throw new FundGuardError('E_FORBIDDEN', `role ${actor.role} may not open cases`);
    const at = this.ctx.nowIso();
    return this.ctx.database.transaction(async (tx) => {
      const rows = await this.repo.unassignedFindings(tx, runId, opts.medinsId);
      const groups = new Map<string, FindingRow[]>();
      for (const f of rows) {
        const key = `${f.medins_id}\u0000${f.month}`;
        let g = groups.get(key);
        if (!g) groups.set(key, (g = []));
        g.push(f);
      }
      const ids: string[] = [];
      for (const g of groups.values()) {
        const { medins_id, month } = g[0];
        const id = `CASE-${medins_id}-${month}-R${runId}`;
        const state = newCase(medins_id, g.map((f) => ({ id: f.id, rule_id: f.rule_id, severity: f.severity as Severity, appealable: f.appealable, amount: f.amount_fen, dept_codg: f.dept_codg })));
        const history = await this.repo.priorDeductedCases(tx, medins_id, month);
        const weighted = g.reduce((s, f) => s + f.amount_fen * SEVERITY_WEIGHT[f.severity as Severity], 0) / 100;
        const risk = riskScore(weighted * (1 + history / 5));
        await this.repo.insertCase(tx, {
          id, medins_id, month, status: state.status, level: 0, special: false, proposed_fen: g.reduce((s, f) => s + f.amount_fen, 0), deduction_fen: null,
          risk, finding_count: g.length, due_at: null, state, created_at: at, updated_at: at,
        });
        await this.repo.assignFindings(tx, id, g.map((f) => f.id));
        await this.ctx.auditLog.append(tx, [{ actor: actor.id, action: 'case.open', entityType: 'case', entityId: id, at, detail: { run_id: runId, findings: g.length, risk } }]);
        ids.push(id);
      }
      return ids;
    });
  }

  private async load(actor: Actor, id: string): Promise<CaseRow> {
    // the role first: a refusal must not depend on whether the case exists
    if (!READ_ROLES.includes(actor.role)) throw new FundGuardError('E_FORBIDDEN', `role ${actor.role} may not read cases`);
    const row = await this.repo.get(id);
    if (!row) throw new FundGuardError('E_NOT_FOUND', `no case ${id}`);
    this.requireRead(actor, row);
    return row;
  }

  /** A case as JSON (amounts in yuan) with its findings, its history and the events `actor` may send now. */
  async get(actor: Actor, id: string): Promise<CaseJson> {
    const row = await this.load(actor, id);
    const events = await this.repo.events(id);
    const dept = deptOf(actor);
    return {
      ...view(row, actor, this.ctx.nowIso()), findings: (await this.repo.findingsOfCase(id)).filter((f) => !dept || f.dept_codg === dept).map(findingJson),
      events: events.map((e) => ({ ...e, event: eventInYuan(e.event as Record<string, unknown>) })),
      ...this.actions(actor, row.state as CaseState, await this.directory()),
    };
  }

  /** What a deduction notice is built from (amounts in fen), for a case the actor may read. */
  async forNotice(actor: Actor, id: string): Promise<{ id: string; medins_id: string; month: string; state: CaseState; findings: FindingRow[] }> {
    const row = await this.load(actor, id);
    return { id: row.id, medins_id: row.medins_id, month: row.month, state: row.state as CaseState, findings: await this.repo.findingsOfCase(id) };
  }

  async list(actor: Actor, filter: CaseFilter): Promise<{ items: CaseView[]; total: number }> {
    if (!READ_ROLES.includes(actor.role)) throw new FundGuardError('E_FORBIDDEN', `role ${actor.role} may not read cases`);
    let scoped = filter;
    if (actor.role === 'hospital') {
      // never a case that has not been notified to the hospital yet
      const status = (filter.status?.length ? filter.status : CASE_STATUSES).filter((x) => x !== 'draft');
      scoped = { ...filter, medinsId: actor.institutionId ?? '\u0000', status: status.length ? status : ['(none)'], ...(deptOf(actor) ? { deptCodg: deptOf(actor)! } : {}) };
    }
    const r = await this.repo.list(scoped);
    const now = this.ctx.nowIso();
    return { items: r.items.map((c) => view(c, actor, now)), total: r.total };
  }

  /** Applies one event: permission and scope, the state machine, then state + event + audit log in one transaction. */
  async apply(actor: Actor, id: string, command: CaseCommand, expectedVersion?: number): Promise<CaseView> {
    const role = caseRole(actor.role);
    if (typeof command !== 'object' || command === null || !Object.hasOwn(EVENT_ROLES, command.type)) {
      throw new FundGuardError('E_FIELD_INVALID', `type: must be one of ${Object.keys(EVENT_ROLES).join(', ')}`, [{ field: 'type', value: (command as { type?: unknown } | null)?.type, reason: 'unknown event' }]);
    }
    if (!role || !EVENT_ROLES[command.type].includes(role)) throw new FundGuardError('E_FORBIDDEN', `role ${actor.role} may not ${command.type}`);
    const at = this.ctx.nowIso();
    const dept = deptOf(actor);
    const event = { ...command, by: actor.id, role, ...(dept ? { dept } : {}), at } as CaseEvent;
    const updated = await this.ctx.database.transaction(async (tx) => {
      const row = await this.repo.get(id, tx, true);
      if (!row) throw new FundGuardError('E_NOT_FOUND', `no case ${id}`);
      this.requireRead(actor, row);
      if (expectedVersion !== undefined && expectedVersion !== row.version) {
        throw new FundGuardError('E_CONFLICT', `case ${id} changed meanwhile (version ${row.version}, expected ${expectedVersion}); reload it`);
      }
      const directory = await this.directory(tx);
      // The machine checks every field first: nothing below reads an unchecked one.
      const next = transition(row.state as CaseState, event, this.policy, directory);
      if (event.type === 'explain' || event.type === 'appeal') {
        const cited = event.type === 'explain' ? event.attachments ?? [] : event.evidence;
        for (const a of cited) {
          const stored = await this.repo.getAttachment(id, a.sha256, tx);
          if (!stored) throw new FundGuardError('E_INPUT_INVALID', `attachment ${a.sha256} is not uploaded to case ${id}`, [{ field: 'attachments', value: a.sha256, reason: 'upload it first' }]);
        }
      }
      const seq = await this.repo.appendEvent(tx, id, event);
      await this.repo.update(tx, { id, status: next.status, level: next.level, special: next.special, deduction_fen: next.deduction, due_at: currentDue(next), state: next, updated_at: at });
      await this.ctx.auditLog.append(tx, [{
        actor: actor.id, action: `case.${event.type}`, entityType: 'case', entityId: id, at,
        detail: { seq, from: row.status, to: next.status, level: next.level, deduction_fen: next.deduction, reason: 'reason' in event ? event.reason : undefined, role },
      }]);
      return (await this.repo.get(id, tx))!;
    });
    return view(updated, actor, at);
  }

  /** Stores an attachment (content addressed by SHA-256); cite it by checksum in explain/appeal events. */
  async attach(actor: Actor, id: string, file: { name: string; contentType: string; content: Buffer }): Promise<Attachment> {
    if (file.content.length === 0) throw new FundGuardError('E_INPUT_INVALID', 'the attachment is empty');
    if (file.content.length > MAX_ATTACHMENT_BYTES) throw new FundGuardError('E_INPUT_INVALID', `attachments are limited to ${MAX_ATTACHMENT_BYTES / 1048576} MB`);
    await this.load(actor, id);
    const sha256 = createHash('sha256').update(file.content).digest('hex');
    const at = this.ctx.nowIso();
    await this.ctx.database.transaction(async (tx) => {
      await this.repo.putAttachment(tx, { sha256, caseId: id, name: file.name, contentType: file.contentType, bytes: file.content.length, contentBase64: file.content.toString('base64'), by: actor.id, at });
      await this.ctx.auditLog.append(tx, [{ actor: actor.id, action: 'case.attach', entityType: 'case', entityId: id, at, detail: { name: file.name, sha256, bytes: file.content.length } }]);
    });
    return { name: file.name, sha256, bytes: file.content.length };
  }

  async attachment(actor: Actor, id: string, sha256: string): Promise<{ name: string; contentType: string; content: Buffer }> {
    await this.load(actor, id);
    const a = await this.repo.getAttachment(id, sha256);
    if (!a) throw new FundGuardError('E_NOT_FOUND', `no attachment ${sha256} in case ${id}`);
    const content = Buffer.from(a.content, 'base64');
    if (createHash('sha256').update(content).digest('hex') !== sha256) throw new FundGuardError('E_INTERNAL', `attachment ${sha256} fails its checksum`);
    return { name: a.name, contentType: a.content_type, content };
  }

  /** Sweeps deadlines: explanation/appeal deadlines that passed move cases on; overdue review levels are escalated. */
  async sweepDeadlines(actor: Actor): Promise<{ moved: string[]; escalated: string[] }> {
    const now = this.ctx.nowIso();
    const due = await this.repo.list({ status: ['awaiting_explanation', 'in_review', 'decided'], dueBefore: now, limit: 10_000 });
    const moved: string[] = [];
    const escalated: string[] = [];
    for (const c of due.items) {
      const s = c.state as CaseState;
      // An overdue hospital level shows as overdue (due_at); only the end of the whole explanation window moves the case.
      if (s.status === 'awaiting_explanation' && s.deadlines.explanation && now < s.deadlines.explanation) continue;
      const type: CaseEventType | null = s.status === 'awaiting_explanation' ? 'explanation_deadline_passed' : s.status === 'decided' ? 'appeal_deadline_passed' : s.escalations.some((x) => x.level === s.level && x.at >= (s.deadlines.review ?? '')) ? null : 'escalate';
      if (!type) continue;
      await this.apply(actor, c.id, { type } as CaseCommand);
      (type === 'escalate' ? escalated : moved).push(c.id);
    }
    return { moved, escalated };
  }

  /** Sum of a case's deduction (fen) as the state machine computes it; exposed for statements. */
  static deductionOf(state: CaseState): number {
    return caseDeduction(state);
  }
}
