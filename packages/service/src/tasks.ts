import { sql } from 'drizzle-orm';
import { DEFAULT_CASE_POLICY, FundGuardError, levelSigners, type CaseRole } from '@fundguard/core';
import type { Actor } from './auth/roles.ts';
import type { ServiceContext } from './context.ts';

/** One thing for the signed-in person to do, with its deadline. */
export interface Task {
  /** case | review | run | import */
  kind: 'case' | 'review' | 'run' | 'import';
  /** what to do: notify, review, explain (科室初审), office_review (医保办复审), appeal, rectify, assign_re_review, re_review, panel_vote, review_encounter, claim, failed_run, failed_import */
  action: string;
  id: string;
  /** institution of the case or encounter */
  medins_id: string | null;
  /** the case's status, or the item's */
  status: string;
  /** fen at stake, when known */
  amount_fen: number | null;
  due_at: string | null;
  overdue: boolean;
  /** console path that opens it */
  link: string;
  /** a case in review: who claimed or was assigned its running level */
  assignee?: string | null;
}

const LIMIT = 500;

/**
 * 待办: what the signed-in person can act on now, across cases (by status, level, re-reviewer, panel and the
 * institution's own cases), the review queue (their claimed encounters; the queue to claim for supervisors) and
 * failed runs and imports of the last week, each with its deadline; overdue first, then by deadline.
 */
export class TaskService {
  constructor(private readonly ctx: ServiceContext) {}

  async list(actor: Actor): Promise<{ items: Task[]; total: number; overdue: number }> {
    if (actor.role === 'integration' || actor.role === 'insured') throw new FundGuardError('E_FORBIDDEN', `role ${actor.role} has no tasks`);
    const db = this.ctx.database;
    const now = this.ctx.clock().toISOString();
    const me = actor.id;
    const tasks: Task[] = [];
    const iso = (v: unknown) => (v ? new Date(String(v)).toISOString() : null);
    const push = (t: Omit<Task, 'overdue'>) => tasks.push({ ...t, overdue: !!t.due_at && t.due_at < now });

    type CaseRow = { id: string; medins_id: string; status: string; level: number; proposed_fen: number; state: {
      deadlines?: Record<string, string | null>; approvals?: { by: string }[]; reReviewer?: string | null; panel?: { members: string[]; votes: { by: string }[] } | null;
      hospitalReview?: { level: 1 | 2; departments: string[]; submitted: string[]; due: string; passed: unknown } | null; deduction?: number | null; rectification?: unknown;
      assignee?: { user: string; level: number } | null;
    } };
    const cases = (where: ReturnType<typeof sql>) => db.rows<CaseRow>(sql`select id, medins_id, status, level, proposed_fen::float8 as proposed_fen, state from cases where ${where} order by due_at nulls last, id limit ${LIMIT}`);
    const add = (rows: CaseRow[], action: (c: CaseRow) => string | null, due: (c: CaseRow) => string | null | undefined) => {
      for (const c of rows) {
        const a = action(c);
        const assignee = c.state.assignee && c.state.assignee.level === c.level ? c.state.assignee.user : null;
        if (a) push({ kind: 'case', action: a, id: c.id, medins_id: c.medins_id, status: c.status, amount_fen: Number(c.proposed_fen), due_at: iso(due(c)), link: `/cases/${encodeURIComponent(c.id)}`, ...(c.status === 'in_review' ? { assignee } : {}) });
      }
    };
    if (actor.role === 'hospital' && actor.deptCodg) {
      // 科室初审: the department's answers while its level runs
      const dept = actor.deptCodg;
      add(await cases(sql`medins_id = ${actor.institutionId ?? '\u0000'} and status = 'awaiting_explanation' and state->'hospitalReview'->'departments' @> jsonb_build_array(${dept}::text)`),
        (c) => (c.state.hospitalReview?.level === 1 && !c.state.hospitalReview.submitted.includes(dept) ? 'explain' : null), (c) => c.state.hospitalReview?.due);
    } else if (actor.role === 'hospital') {
      const own = actor.institutionId ?? '\u0000';
      // 医保办: its review once the departments answered (or a case without departments), appeals, rectification
      add(await cases(sql`medins_id = ${own} and status in ('awaiting_explanation', 'decided', 'final', 'closed')`), (c) => {
        const hr = c.state.hospitalReview;
        if (c.status === 'awaiting_explanation') return !hr ? 'explain' : hr.level === 2 ? 'office_review' : null;
        if (c.status === 'decided') return 'appeal';
        return (c.state.deduction ?? 0) > 0 && !c.state.rectification ? 'rectify' : null;
      }, (c) => (c.status === 'awaiting_explanation' ? c.state.hospitalReview?.due ?? c.state.deadlines?.explanation : c.status === 'decided' ? c.state.deadlines?.appeal : null));
    } else if (actor.role === 'auditor' || actor.role === 'supervisor' || actor.role === 'admin') {
      if (actor.role !== 'supervisor') add(await cases(sql`status = 'draft'`), () => 'notify', () => null);
      // Each level needs another reviewer: cases this person approved already wait on someone else.
      // A level is the task of those whose role signs it (and not of others once claimed or assigned); a supervisor
      // assigns the levels it does not sign itself.
      const lead = actor.role === 'supervisor' || actor.role === 'admin';
      add(await cases(sql`status = 'in_review'`), (c) => {
        if ((c.state.approvals ?? []).some((a) => a.by === me)) return null;
        const taken = c.state.assignee && c.state.assignee.level === c.level ? c.state.assignee.user : null;
        const signs = levelSigners(DEFAULT_CASE_POLICY, c.level).includes(actor.role as CaseRole);
        if (signs && (!taken || taken === me)) return 'review';
        return lead && !taken ? 'assign' : null;
      }, (c) => c.state.deadlines?.review);
      if (actor.role !== 'auditor') add(await cases(sql`status = 'appealed'`), () => 'assign_re_review', (c) => c.state.deadlines?.review);
      add(await cases(sql`status = 'appeal_review' and state->>'reReviewer' = ${me}`), () => 're_review', (c) => c.state.deadlines?.review);
      add(await cases(sql`status = 'panel_review'`), (c) => (c.state.panel?.members.includes(me) && !c.state.panel.votes.some((v) => v.by === me) ? 'panel_vote' : null), (c) => c.state.deadlines?.review);
    }

    if (actor.role !== 'hospital' && actor.role !== 'rule_admin') {
      const mine = await db.rows<{ mdtrt_id: string; medins_id: string; amount_fen: number; assigned_on: string | null }>(sql`
        select mdtrt_id, medins_id, amount_fen::float8 as amount_fen, assigned_on::text as assigned_on from review_queue where status = 'assigned' and assigned_to = ${me} order by risk desc limit ${LIMIT}`);
      // A claimed encounter is due by the end of the day after it was claimed.
      for (const r of mine) push({ kind: 'review', action: 'review_encounter', id: r.mdtrt_id, medins_id: r.medins_id, status: 'assigned', amount_fen: Number(r.amount_fen), due_at: r.assigned_on ? dayAfter(r.assigned_on) : null, link: `/encounters/${encodeURIComponent(r.mdtrt_id)}` });
      if (actor.role === 'supervisor' || actor.role === 'admin') {
        const [q] = await db.rows<{ n: number }>(sql`select count(*)::int as n from review_queue where status = 'queued'`);
        if (Number(q?.n)) push({ kind: 'review', action: 'claim', id: String(q.n), medins_id: null, status: 'queued', amount_fen: null, due_at: null, link: '/screening' });
      }
    }
    if (actor.role !== 'hospital') {
      const weekAgo = new Date(this.ctx.clock().getTime() - 7 * 86_400_000).toISOString();
      const runs = await db.rows<{ id: number; started_at: string }>(sql`select id, started_at::text as started_at from audit_runs where status = 'failed' and actor = ${me} and started_at >= ${weekAgo}::timestamptz order by id desc limit 20`);
      for (const r of runs) push({ kind: 'run', action: 'failed_run', id: String(r.id), medins_id: null, status: 'failed', amount_fen: null, due_at: null, link: '/runs' });
      const imports = await db.rows<{ id: number }>(sql`select id from imports where status = 'failed' and actor = ${me} and started_at >= ${weekAgo}::timestamptz order by id desc limit 20`);
      for (const r of imports) push({ kind: 'import', action: 'failed_import', id: String(r.id), medins_id: null, status: 'failed', amount_fen: null, due_at: null, link: '/runs' });
    }
    tasks.sort((a, b) => Number(b.overdue) - Number(a.overdue) || (a.due_at ?? '9').localeCompare(b.due_at ?? '9') || a.id.localeCompare(b.id));
    return { items: tasks, total: tasks.length, overdue: tasks.filter((t) => t.overdue).length };
  }
}

function dayAfter(d: string): string {
  const t = new Date(d.slice(0, 10) + 'T00:00:00Z');
  t.setUTCDate(t.getUTCDate() + 2);
  return t.toISOString();
}
