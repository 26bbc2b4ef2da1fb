import { createHash } from 'node:crypto';
import {
  caseDeduction, DEFAULT_CASE_POLICY, FundGuardError, newCase, transition,
  type Attachment, type CaseEvent, type CaseEventType, type CasePolicy, type CaseState, type Severity,
} from '@fundguard/core';
import { CasesRepo, type CaseFilter, type CaseRow, type FindingRow } from '@fundguard/store';
import type { Actor, Role } from '../auth/roles.ts';
import type { ServiceContext } from '../context.ts';

/** Who may send which event. Hospitals act only on their own institution's cases (checked separately). */
const EVENT_ROLES: Record<CaseEventType, readonly Role[]> = {
  notify: ['admin', 'auditor'],
  explain: ['hospital'],
  submit_explanations: ['hospital'],
  explanation_deadline_passed: ['admin'],
  decide: ['admin', 'auditor'],
  approve_level: ['admin', 'auditor', 'supervisor'],
  return_level: ['admin', 'auditor', 'supervisor'],
  escalate: ['admin'],
  appeal: ['hospital'],
  appeal_deadline_passed: ['admin'],
  assign_re_review: ['admin', 'supervisor'],
  re_review: ['admin', 'auditor', 'supervisor'],
  refer_to_panel: ['admin', 'auditor', 'supervisor'],
  panel_vote: ['admin', 'auditor', 'supervisor'],
  close: ['admin', 'auditor'],
};

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
  proposed: number;
  deduction: number | null;
  risk: number;
  finding_count: number;
  due_at: string | null;
  state: CaseState;
  version: number;
  created_at: string;
  updated_at: string;
}

function view(r: CaseRow): CaseView {
  return {
    id: r.id, medins_id: r.medins_id, month: r.month, status: r.status, level: r.level, special: r.special, proposed: r.proposed_fen / 100,
    deduction: r.deduction_fen === null ? null : r.deduction_fen / 100, risk: r.risk, finding_count: r.finding_count, due_at: r.due_at,
    state: r.state as CaseState, version: r.version, created_at: r.created_at, updated_at: r.updated_at,
  };
}

/** The deadline that matters now, for the worklist's "due" column and filters. */
function currentDue(s: CaseState): string | null {
  switch (s.status) {
    case 'awaiting_explanation':
      return s.deadlines.explanation;
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

/** Cases (审核单): opened from a run's findings per institution and month, moved only by recorded transitions. */
export class CaseService {
  readonly repo: CasesRepo;

  constructor(private readonly ctx: ServiceContext, private readonly policy: CasePolicy = DEFAULT_CASE_POLICY) {
    this.repo = new CasesRepo(ctx.database);
  }

  private requireRead(actor: Actor, c: { medins_id: string }): void {
    if (!READ_ROLES.includes(actor.role)) throw new FundGuardError('E_FORBIDDEN', `role ${actor.role} may not read cases`);
    if (actor.role === 'hospital' && c.medins_id !== actor.institutionId) throw new FundGuardError('E_FORBIDDEN', 'this case belongs to another institution');
  }

  /**
   * Groups a run's unassigned 违规/可疑 findings into one case per institution and month. Risk = proposed amount
   * (yuan) × severity weight × (1 + the institution's deducted cases in the past 12 months / 5).
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
        const state = newCase(medins_id, g.map((f) => ({ id: f.id, rule_id: f.rule_id, severity: f.severity as Severity, appealable: f.appealable, amount: f.amount_fen })));
        const history = await this.repo.priorDeductedCases(tx, medins_id, month);
        const weighted = g.reduce((s, f) => s + f.amount_fen * SEVERITY_WEIGHT[f.severity as Severity], 0) / 100;
        const risk = Math.round(weighted * (1 + history / 5) * 100) / 100;
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

  async get(actor: Actor, id: string): Promise<CaseView & { findings: FindingRow[]; events: unknown[] }> {
    const row = await this.repo.get(id);
    if (!row) throw new FundGuardError('E_NOT_FOUND', `no case ${id}`);
    this.requireRead(actor, row);
    return { ...view(row), findings: await this.repo.findingsOfCase(id), events: await this.repo.events(id) };
  }

  async list(actor: Actor, filter: CaseFilter): Promise<{ items: CaseView[]; total: number }> {
    if (!READ_ROLES.includes(actor.role)) throw new FundGuardError('E_FORBIDDEN', `role ${actor.role} may not read cases`);
    const scoped = actor.role === 'hospital' ? { ...filter, medinsId: actor.institutionId ?? '\u0000' } : filter;
    const r = await this.repo.list(scoped);
    return { items: r.items.map(view), total: r.total };
  }

  /** Applies one event: permission and scope, the state machine, then state + event + audit log in one transaction. */
  async apply(actor: Actor, id: string, command: CaseCommand, expectedVersion?: number): Promise<CaseView> {
    if (!EVENT_ROLES[command.type]?.includes(actor.role)) throw new FundGuardError('E_FORBIDDEN', `role ${actor.role} may not ${command.type}`);
    const at = this.ctx.nowIso();
    const event = { ...command, by: actor.id, at } as CaseEvent;
    const updated = await this.ctx.database.transaction(async (tx) => {
      const row = await this.repo.get(id, tx, true);
      if (!row) throw new FundGuardError('E_NOT_FOUND', `no case ${id}`);
      this.requireRead(actor, row);
      if (expectedVersion !== undefined && expectedVersion !== row.version) {
        throw new FundGuardError('E_CONFLICT', `case ${id} changed meanwhile (version ${row.version}, expected ${expectedVersion}); reload it`);
      }
      if ((event.type === 'explain' || event.type === 'appeal') && (event.type === 'explain' ? event.attachments ?? [] : event.evidence).length) {
        const cited = event.type === 'explain' ? event.attachments ?? [] : event.evidence;
        for (const a of cited) {
          const stored = await this.repo.getAttachment(id, a.sha256, tx);
          if (!stored) throw new FundGuardError('E_INPUT_INVALID', `attachment ${a.sha256} is not uploaded to case ${id}`, [{ field: 'attachments', value: a.sha256, reason: 'upload it first' }]);
        }
      }
      const next = transition(row.state as CaseState, event, this.policy);
      const seq = await this.repo.appendEvent(tx, id, event);
      await this.repo.update(tx, { id, status: next.status, level: next.level, deduction_fen: next.deduction, due_at: currentDue(next), state: next, updated_at: at });
      await this.ctx.auditLog.append(tx, [{
        actor: actor.id, action: `case.${event.type}`, entityType: 'case', entityId: id, at,
        detail: { seq, from: row.status, to: next.status, level: next.level, deduction_fen: next.deduction, reason: 'reason' in event ? event.reason : undefined },
      }]);
      return (await this.repo.get(id, tx))!;
    });
    return view(updated);
  }

  /** Stores an attachment (content addressed by SHA-256); cite it by checksum in explain/appeal events. */
  async attach(actor: Actor, id: string, file: { name: string; contentType: string; content: Buffer }): Promise<Attachment> {
    if (file.content.length === 0) throw new FundGuardError('E_INPUT_INVALID', 'the attachment is empty');
    if (file.content.length > MAX_ATTACHMENT_BYTES) throw new FundGuardError('E_INPUT_INVALID', `attachments are limited to ${MAX_ATTACHMENT_BYTES / 1048576} MB`);
    const row = await this.repo.get(id);
    if (!row) throw new FundGuardError('E_NOT_FOUND', `no case ${id}`);
    this.requireRead(actor, row);
    const sha256 = createHash('sha256').update(file.content).digest('hex');
    const at = this.ctx.nowIso();
    await this.ctx.database.transaction(async (tx) => {
      await this.repo.putAttachment(tx, { sha256, caseId: id, name: file.name, contentType: file.contentType, bytes: file.content.length, contentBase64: file.content.toString('base64'), by: actor.id, at });
      await this.ctx.auditLog.append(tx, [{ actor: actor.id, action: 'case.attach', entityType: 'case', entityId: id, at, detail: { name: file.name, sha256, bytes: file.content.length } }]);
    });
    return { name: file.name, sha256, bytes: file.content.length };
  }

  async attachment(actor: Actor, id: string, sha256: string): Promise<{ name: string; contentType: string; content: Buffer }> {
    const row = await this.repo.get(id);
    if (!row) throw new FundGuardError('E_NOT_FOUND', `no case ${id}`);
    this.requireRead(actor, row);
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
