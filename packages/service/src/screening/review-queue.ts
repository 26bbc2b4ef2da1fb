import { sql } from 'drizzle-orm';
import { encounterRisk, FundGuardError, type RiskSignal } from '@fundguard/core';
import { requirePermission, type Actor } from '../auth/roles.ts';
import type { ServiceContext } from '../context.ts';

export interface QueueBuild {
  from: string;
  to: string;
  /** findings of this batch audit run */
  audit_run_id?: number;
  /** leads of this screening run */
  screening_run_id?: number;
  /** encounters below this risk (0–100) are auto-passed, and recorded as such */
  threshold: number;
  medins_id?: string;
}

export interface QueueItem {
  mdtrt_id: string;
  medins_id: string;
  patn_id: string;
  month: string;
  risk: number;
  factors: unknown;
  amount_fen: number;
  status: 'queued' | 'assigned' | 'auto_passed' | 'reviewed';
  assigned_to: string | null;
  assigned_on: string | null;
  outcome: string | null;
}

const DAY = /^\d{4}-\d{2}-\d{2}$/;
const COLUMNS = sql`mdtrt_id, medins_id, patn_id, month, risk, factors, amount_fen, status, assigned_to, to_char(assigned_on, 'YYYY-MM-DD') as assigned_on, outcome`;

/**
 * The risk-ranked review queue (screening.md): every encounter of the period gets a risk from its rule findings and
 * screening leads; below the threshold it is auto-passed (recorded with the threshold); reviewers take work from the
 * top, at most their daily capacity each; the backlog says how long the queue takes at that capacity.
 */
export class ReviewQueueService {
  constructor(private readonly ctx: ServiceContext, readonly capacityPerDay = Number(process.env.FUNDGUARD_REVIEW_CAPACITY ?? 40)) {}

  async build(actor: Actor, b: QueueBuild): Promise<{ encounters: number; queued: number; auto_passed: number; cases_boosted: number }> {
    requirePermission(actor, 'queue.build');
    if (!DAY.test(b.from ?? '') || !DAY.test(b.to ?? '') || b.to <= b.from) throw new FundGuardError('E_INPUT_INVALID', 'from and to: YYYY-MM-DD, to after from');
    if (typeof b.threshold !== 'number' || b.threshold < 0 || b.threshold > 100) throw new FundGuardError('E_INPUT_INVALID', 'threshold: a risk between 0 and 100', [{ field: 'threshold', value: b.threshold, reason: '0–100' }]);
    const db = this.ctx.database;
    const scope = sql`e.adm_date >= ${b.from}::timestamp and e.adm_date < ${b.to}::timestamp and (${b.medins_id ?? null}::text is null or e.medins_id = ${b.medins_id ?? null})`;
    const findings = b.audit_run_id === undefined ? [] : await db.rows<{ id: string; mdtrt_id: string; rule_id: string; severity: string; amount_fen: number }>(sql`
      select f.id, f.mdtrt_id, f.rule_id, f.severity, f.amount_fen from findings f join encounters e on e.mdtrt_id = f.mdtrt_id where f.run_id = ${b.audit_run_id} and ${scope}`);
    const leads = b.screening_run_id === undefined ? [] : await db.rows<{ lead_id: string; category: string; score: number; mdtrt_id: string }>(sql`
      select l.lead_id, l.category, l.score, m.mdtrt_id from leads l cross join lateral unnest(l.mdtrt_ids) as m(mdtrt_id)
      join encounters e on e.mdtrt_id = m.mdtrt_id where l.run_id = ${b.screening_run_id} and ${scope}`);
    const signals = new Map<string, RiskSignal[]>();
    const push = (id: string, s: RiskSignal) => (signals.get(id) ?? signals.set(id, []).get(id)!).push(s);
    for (const f of findings) push(f.mdtrt_id, { kind: 'finding', id: f.id, rule_id: f.rule_id, severity: f.severity, amount_fen: Number(f.amount_fen) });
    for (const l of leads) push(l.mdtrt_id, { kind: 'lead', id: l.lead_id, category: l.category, score: l.score });
    const rows = [...signals].map(([mdtrt_id, s]) => ({ mdtrt_id, ...encounterRisk(s) }));
    const at = this.ctx.nowIso();
    return db.transaction(async (tx) => {
      // A rebuild replaces what has not been worked on; assigned and reviewed items keep their state.
      await db.rows(sql`delete from review_queue q using encounters e where q.mdtrt_id = e.mdtrt_id and q.status in ('queued', 'auto_passed') and ${scope}`, tx);
      for (let i = 0; i < rows.length; i += 2000) {
        await db.rows(sql`insert into review_queue (mdtrt_id, medins_id, patn_id, month, risk, factors, amount_fen, status, threshold, built_at, audit_run_id, screening_run_id)
          select e.mdtrt_id, e.medins_id, e.patn_id, to_char(coalesce(e.setl_time, e.adm_date), 'YYYY-MM'), x.risk, x.factors, e.lines_sumamt,
            case when x.risk < ${b.threshold} then 'auto_passed' else 'queued' end, ${b.threshold}, ${at}::timestamptz, ${b.audit_run_id ?? null}::bigint, ${b.screening_run_id ?? null}::bigint
          from jsonb_to_recordset(${JSON.stringify(rows.slice(i, i + 2000))}::jsonb) as x(mdtrt_id text, risk float8, factors jsonb)
          join encounters e on e.mdtrt_id = x.mdtrt_id
          on conflict (mdtrt_id) do nothing`, tx);
      }
      // Encounters with no signal at all: risk 0, auto-passed, recorded.
      await db.rows(sql`insert into review_queue (mdtrt_id, medins_id, patn_id, month, risk, factors, amount_fen, status, threshold, built_at, audit_run_id, screening_run_id)
        select e.mdtrt_id, e.medins_id, e.patn_id, to_char(coalesce(e.setl_time, e.adm_date), 'YYYY-MM'), 0, '[]'::jsonb, e.lines_sumamt,
          case when 0 < ${b.threshold} then 'auto_passed' else 'queued' end, ${b.threshold}, ${at}::timestamptz, ${b.audit_run_id ?? null}::bigint, ${b.screening_run_id ?? null}::bigint
        from encounters e where ${scope} on conflict (mdtrt_id) do nothing`, tx);
      const counts = await db.rows<{ status: string; n: number }>(sql`select q.status, count(*)::int as n from review_queue q join encounters e on e.mdtrt_id = q.mdtrt_id
        where ${scope} group by q.status`, tx);
      // Cases rank by their findings' risk × (1 + the strongest lead on their encounters).
      const boosted = b.screening_run_id === undefined ? [] : await db.rows(sql`update cases c set lead_boost = x.boost from (
          select f.case_id, max(l.score) / 100.0 as boost from findings f join leads l on l.run_id = ${b.screening_run_id} and f.mdtrt_id = any(l.mdtrt_ids)
          where f.case_id is not null group by f.case_id) x
        where c.id = x.case_id returning c.id`, tx);
      await this.ctx.auditLog.append(tx, [{ actor: actor.id, action: 'queue.build', entityType: 'review_queue', entityId: `${b.from}/${b.to}`, at, detail: { ...b } }]);
      const n = (s: string) => counts.find((c) => c.status === s)?.n ?? 0;
      return { encounters: counts.reduce((s, c) => s + c.n, 0), queued: n('queued'), auto_passed: n('auto_passed'), cases_boosted: boosted.length };
    });
  }

  /** Takes the highest-risk queued items for the reviewer, up to what is left of their capacity today. */
  async next(actor: Actor, want = 10): Promise<{ items: QueueItem[]; capacity: number; taken_today: number }> {
    requirePermission(actor, 'queue.work');
    const today = this.ctx.nowIso().slice(0, 10);
    const db = this.ctx.database;
    return db.transaction(async (tx) => {
      // one reviewer's takes are serialised, so two tabs cannot both fill the day's capacity
      await db.rows(sql`select pg_advisory_xact_lock(hashtext(${`queue:${actor.id}`}))`, tx);
      const taken = (await db.rows<{ n: number }>(sql`select count(*)::int as n from review_queue where assigned_to = ${actor.id} and assigned_on = ${today}::date`, tx))[0].n;
      const room = Math.max(0, Math.min(want, this.capacityPerDay - taken));
      if (!room) return { items: [], capacity: this.capacityPerDay, taken_today: taken };
      const items = await db.rows<QueueItem>(sql`update review_queue set status = 'assigned', assigned_to = ${actor.id}, assigned_on = ${today}::date
        where mdtrt_id in (select mdtrt_id from review_queue where status = 'queued' order by risk desc, amount_fen desc, mdtrt_id limit ${room} for update skip locked)
        returning ${COLUMNS}`, tx);
      items.sort((a, b) => b.risk - a.risk || b.amount_fen - a.amount_fen);
      return { items, capacity: this.capacityPerDay, taken_today: taken + items.length };
    });
  }

  async decide(actor: Actor, mdtrtId: string, outcome: 'pass' | 'refer', note = ''): Promise<QueueItem> {
    requirePermission(actor, 'queue.work');
    if (outcome !== 'pass' && outcome !== 'refer') throw new FundGuardError('E_INPUT_INVALID', 'outcome: pass or refer', [{ field: 'outcome', value: outcome, reason: 'pass or refer' }]);
    const at = this.ctx.nowIso();
    return this.ctx.database.transaction(async (tx) => {
      const r = await this.ctx.database.rows<QueueItem>(sql`update review_queue set status = 'reviewed', outcome = ${outcome}, decided_at = ${at}::timestamptz
        where mdtrt_id = ${mdtrtId} and status = 'assigned' and assigned_to = ${actor.id} returning ${COLUMNS}`, tx);
      if (!r[0]) throw new FundGuardError('E_CONFLICT', `${mdtrtId} is not assigned to ${actor.id}`);
      await this.ctx.auditLog.append(tx, [{ actor: actor.id, action: 'queue.decide', entityType: 'encounter', entityId: mdtrtId, at, detail: { outcome, note } }]);
      return r[0];
    });
  }

  async list(actor: Actor, q: { status?: string; medins_id?: string; limit?: number; offset?: number }): Promise<{ total: number; items: QueueItem[] }> {
    requirePermission(actor, 'queue.work');
    const where = sql`(${q.status ?? null}::text is null or status = ${q.status ?? null}) and (${q.medins_id ?? null}::text is null or medins_id = ${q.medins_id ?? null})`;
    const total = (await this.ctx.database.rows<{ n: number }>(sql`select count(*)::int as n from review_queue where ${where}`))[0].n;
    const items = await this.ctx.database.rows<QueueItem>(sql`select ${COLUMNS} from review_queue where ${where}
      order by risk desc, amount_fen desc, mdtrt_id limit ${q.limit ?? 100} offset ${q.offset ?? 0}`);
    return { total, items };
  }

  /** How much is waiting and how long it takes at the reviewers' capacity (reviewers: those who took work in the last 7 days, at least 1). */
  async backlog(actor: Actor): Promise<{ by_status: Record<string, number>; queued_amount_fen: number; queued_by_risk: { band: string; n: number }[]; reviewers: number; capacity_per_day: number; days_to_clear: number }> {
    requirePermission(actor, 'queue.work');
    const db = this.ctx.database;
    const today = this.ctx.nowIso().slice(0, 10);
    const status = await db.rows<{ status: string; n: number; amount: number }>(sql`select status, count(*)::int as n, coalesce(sum(amount_fen), 0)::bigint as amount from review_queue group by status`);
    const bands = await db.rows<{ band: string; n: number }>(sql`select case when risk >= 80 then '80–100' when risk >= 50 then '50–80' when risk >= 20 then '20–50' else '0–20' end as band,
      count(*)::int as n from review_queue where status = 'queued' group by 1 order by 1 desc`);
    const reviewers = Math.max(1, (await db.rows<{ n: number }>(sql`select count(distinct assigned_to)::int as n from review_queue where assigned_on > ${today}::date - 7`))[0].n);
    const queued = status.find((s) => s.status === 'queued')?.n ?? 0;
    return {
      by_status: Object.fromEntries(status.map((s) => [s.status, s.n])), queued_amount_fen: Number(status.find((s) => s.status === 'queued')?.amount ?? 0),
      queued_by_risk: bands, reviewers, capacity_per_day: this.capacityPerDay, days_to_clear: Math.ceil(queued / (reviewers * this.capacityPerDay)),
    };
  }
}
