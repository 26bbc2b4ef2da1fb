import { sql } from 'drizzle-orm';
import { FundGuardError } from '@fundguard/core';
import { requireEncounterScope, type Actor, type Role } from './auth/roles.ts';
import type { ServiceContext } from './context.ts';
import { stallWarningSql } from './batch/stall.ts';

/** Roles that see the dashboard; hospitals see their own institution only. */
const DASHBOARD_ROLES: readonly Role[] = ['admin', 'auditor', 'supervisor', 'rule_admin', 'hospital'];

export interface DashboardQuery {
  /** first month, YYYY-MM (inclusive) */
  from?: string;
  /** last month, YYYY-MM (inclusive) */
  to?: string;
  medinsId?: string;
  /** recompute now instead of serving cached figures (the console's refresh button) */
  fresh?: boolean;
}

export interface Amounts {
  findings: number;
  /** fen */
  amount: number;
}

export interface DashboardSummary {
  scope: { from: string | null; to: string | null; medins_id: string | null };
  /** when these figures were computed (they are cached: see DashboardService) */
  generated_at: string;
  totals: Amounts & { encounters: number; medfee: number; hifp_pay: number; cases: number; proposed: number; deducted: number };
  by_month: (Amounts & { month: string; encounters: number; medfee: number; hifp_pay: number })[];
  by_rule: (Amounts & { rule_id: string; rule_name: string; category: string })[];
  by_category: (Amounts & { category: string })[];
  by_institution: (Amounts & { medins_id: string; medins_name: string })[];
  by_department: (Amounts & { medins_id: string; dept_codg: string })[];
  cases_by_status: { status: string; cases: number; proposed: number; deducted: number }[];
  /** 协议管理指标 per institution (encounters admitted in the range); shares are 0–1, null without a denominator */
  agreement: AgreementKpis[];
  /** the agreement's limit on 目录外/丙类 (hilist_lv 03) fees as a share of all line fees */
  agreement_limits: { class_c_share: number };
}

export interface AgreementKpis {
  medins_id: string;
  medins_name: string;
  inpatient: number;
  outpatient: number;
  /** 次均费用 (fen): Σ lines_sumamt / encounters, by inpatient (med_mdtrt_type 2) and the rest */
  inpatient_avg_fee: number | null;
  outpatient_avg_fee: number | null;
  /** 平均住院日: discharged inpatient stays, discharge day − admission day (a same-day stay counts 1) */
  avg_los: number | null;
  /** 药占比: lines with hilist_type 1xx / all lines (by sumamt) */
  drug_share: number | null;
  /** 自费比例: Σ ownpay_amt / Σ sumamt of the lines */
  ownpay_share: number | null;
  /** 目录外/丙类费用占比: lines with hilist_lv 03 / all lines (by sumamt) */
  class_c_share: number | null;
  /** class_c_share above the agreement's limit */
  over_limit: boolean;
}

/** 协议管理: 目录外/丙类费用占比 ≤ 15 % */
export const CLASS_C_LIMIT = 0.15;

const MONTH = /^\d{4}-\d{2}$/;
const FRESH_MS = 30_000;
const STALE_MS = 600_000;

/**
 * Read-only aggregates for the console's dashboard. Every figure is grouped in SQL (one pass per grouping over the
 * findings that became cases and over encounters' stored totals), never summed row by row in JS. Results are cached
 * per scope: fresh for 30 s, then served stale for up to 10 min while one refresh runs in the background, so that
 * reloading a dashboard over millions of rows does not wait on the scan (1 M encounters: ~1.3 s on PGlite).
 * Amounts are integer fen.
 */
export class DashboardService {
  private readonly cache = new Map<string, { at: number; value: DashboardSummary; refreshing?: boolean }>();

  constructor(private readonly ctx: ServiceContext) {}

  async summary(actor: Actor, q: DashboardQuery = {}): Promise<DashboardSummary> {
    if (!DASHBOARD_ROLES.includes(actor.role)) throw new FundGuardError('E_FORBIDDEN', `role ${actor.role} may not read the dashboard`);
    for (const [k, v] of [['from', q.from], ['to', q.to]] as const) {
      if (v !== undefined && !MONTH.test(v)) throw new FundGuardError('E_INPUT_INVALID', `${k} must be YYYY-MM`, [{ field: k, value: v, reason: 'YYYY-MM' }]);
    }
    const medins = actor.role === 'hospital' ? actor.institutionId || '\u0000' : q.medinsId ?? null;
    const from = q.from ?? null;
    const to = q.to ?? null;
    const key = JSON.stringify([medins, from, to]);
    const hit = this.cache.get(key);
    const now = this.ctx.clock().getTime();
    if (hit && !q.fresh && now - hit.at < FRESH_MS) return hit.value;
    if (hit && !q.fresh && now - hit.at < STALE_MS) {
      if (!hit.refreshing) {
        hit.refreshing = true;
        this.compute(medins, from, to, key).catch(() => (hit.refreshing = false));
      }
      return hit.value;
    }
    return this.compute(medins, from, to, key);
  }

  private async compute(medins: string | null, from: string | null, to: string | null, key: string): Promise<DashboardSummary> {
    const db = this.ctx.database;
    // Findings that were opened as cases: one row per (run, rule, encounter), so re-runs and impact replays do not count twice.
    const f = sql`findings f where f.case_id is not null
      and (${medins}::text is null or f.medins_id = ${medins})
      and (${from}::text is null or f.month >= ${from}) and (${to}::text is null or f.month <= ${to})`;
    const num = (v: unknown) => Number(v ?? 0);
    const amounts = <T extends Record<string, unknown>>(rows: T[]) => rows.map((r) => ({ ...r, findings: num(r.findings), amount: num(r.amount) }));

    const byMonthF = await db.rows<{ month: string; findings: number; amount: number }>(sql`
      select f.month, count(*)::int as findings, coalesce(sum(f.amount_fen), 0)::float8 as amount from ${f} group by f.month`);
    // Fund use from the encounters' stored totals (lines_sumamt, hifp_pay), by month of admission.
    const fromDay = from ? `${from}-01 00:00:00` : null;
    const toDay = to ? nextMonth(to) : null;
    const byMonthE = await db.rows<{ month: string; encounters: number; medfee: number; hifp_pay: number }>(sql`
      select to_char(e.adm_date, 'YYYY-MM') as month, count(*)::int as encounters, coalesce(sum(e.lines_sumamt), 0)::float8 as medfee,
        coalesce(sum(e.hifp_pay), 0)::float8 as hifp_pay
      from encounters e
      where (${medins}::text is null or e.medins_id = ${medins})
        and (${fromDay}::timestamp is null or e.adm_date >= ${fromDay}::timestamp) and (${toDay}::timestamp is null or e.adm_date < ${toDay}::timestamp)
      group by 1`);
    const months = new Map<string, DashboardSummary['by_month'][number]>();
    const month = (m: string) => {
      let r = months.get(m);
      if (!r) months.set(m, (r = { month: m, findings: 0, amount: 0, encounters: 0, medfee: 0, hifp_pay: 0 }));
      return r;
    };
    for (const r of byMonthF) Object.assign(month(r.month), { findings: num(r.findings), amount: num(r.amount) });
    for (const r of byMonthE) Object.assign(month(r.month), { encounters: num(r.encounters), medfee: num(r.medfee), hifp_pay: num(r.hifp_pay) });
    const by_month = [...months.values()].sort((a, b) => a.month.localeCompare(b.month));

    const by_rule = amounts(await db.rows<{ rule_id: string; rule_name: string; category: string; findings: number; amount: number }>(sql`
      select f.rule_id, max(f.rule_name) as rule_name, max(f.category) as category, count(*)::int as findings, coalesce(sum(f.amount_fen), 0)::float8 as amount
      from ${f} group by f.rule_id order by amount desc, f.rule_id limit 15`));
    const by_category = amounts(await db.rows<{ category: string; findings: number; amount: number }>(sql`
      select f.category, count(*)::int as findings, coalesce(sum(f.amount_fen), 0)::float8 as amount from ${f} group by f.category order by amount desc`));
    // Names come from one encounter of each of the top institutions (index encounters_institution), not from a scan.
    const by_institution = amounts(await db.rows<{ medins_id: string; medins_name: string; findings: number; amount: number }>(sql`
      with top as (select f.medins_id, count(*)::int as findings, coalesce(sum(f.amount_fen), 0)::float8 as amount from ${f}
        group by f.medins_id order by amount desc, f.medins_id limit 15)
      select top.*, coalesce((select e.medins_name from encounters e where e.medins_id = top.medins_id and e.medins_name <> '' limit 1), '') as medins_name
      from top order by amount desc, medins_id`));
    const by_department = amounts(await db.rows<{ medins_id: string; dept_codg: string; findings: number; amount: number }>(sql`
      select f.medins_id, f.dept_codg, count(*)::int as findings, coalesce(sum(f.amount_fen), 0)::float8 as amount
      from ${f} group by f.medins_id, f.dept_codg order by amount desc, f.medins_id, f.dept_codg limit 15`));
    const cases_by_status = (await db.rows<{ status: string; cases: number; proposed: number; deducted: number }>(sql`
      select c.status, count(*)::int as cases, coalesce(sum(c.proposed_fen), 0)::float8 as proposed, coalesce(sum(c.deduction_fen), 0)::float8 as deducted
      from cases c where (${medins}::text is null or c.medins_id = ${medins})
        and (${from}::text is null or c.month >= ${from}) and (${to}::text is null or c.month <= ${to})
      group by c.status order by c.status`)).map((r) => ({ status: r.status, cases: num(r.cases), proposed: num(r.proposed), deducted: num(r.deducted) }));

    // 协议管理指标: encounters' stored totals and their lines, grouped per institution in one pass each.
    const ratio = (a: unknown, b: unknown) => (num(b) > 0 ? num(a) / num(b) : null);
    const agreementRows = await db.rows<{ medins_id: string; medins_name: string; inpatient: number; outpatient: number; inpatient_fee: number; outpatient_fee: number;
      avg_los: number | null; line_total: number; drug: number; ownpay: number; class_c: number }>(sql`
      with enc as (
        select e.mdtrt_id, e.medins_id, e.medins_name, e.med_mdtrt_type, e.lines_sumamt, e.adm_date, e.dscg_date from encounters e
        where (${medins}::text is null or e.medins_id = ${medins})
          and (${fromDay}::timestamp is null or e.adm_date >= ${fromDay}::timestamp) and (${toDay}::timestamp is null or e.adm_date < ${toDay}::timestamp)),
      per_enc as (
        select enc.medins_id, max(enc.medins_name) as medins_name,
          count(*) filter (where enc.med_mdtrt_type = '2')::int as inpatient, count(*) filter (where enc.med_mdtrt_type <> '2')::int as outpatient,
          coalesce(sum(enc.lines_sumamt) filter (where enc.med_mdtrt_type = '2'), 0)::float8 as inpatient_fee,
          coalesce(sum(enc.lines_sumamt) filter (where enc.med_mdtrt_type <> '2'), 0)::float8 as outpatient_fee,
          avg(greatest(enc.dscg_date::date - enc.adm_date::date, 1)) filter (where enc.med_mdtrt_type = '2' and enc.dscg_date is not null)::float8 as avg_los
        from enc group by enc.medins_id),
      per_line as (
        select enc.medins_id, coalesce(sum(o.sumamt), 0)::float8 as line_total,
          coalesce(sum(o.sumamt) filter (where o.hilist_type like '1%'), 0)::float8 as drug,
          coalesce(sum(o.ownpay_amt), 0)::float8 as ownpay,
          coalesce(sum(o.sumamt) filter (where o.hilist_lv = '03'), 0)::float8 as class_c
        from enc join order_lines o on o.mdtrt_id = enc.mdtrt_id group by enc.medins_id)
      select p.*, coalesce(l.line_total, 0) as line_total, coalesce(l.drug, 0) as drug, coalesce(l.ownpay, 0) as ownpay, coalesce(l.class_c, 0) as class_c
      from per_enc p left join per_line l on l.medins_id = p.medins_id order by p.medins_id limit 1000`);
    const agreement: AgreementKpis[] = agreementRows.map((r) => {
      const classC = ratio(r.class_c, r.line_total);
      const inpatientAvg = ratio(r.inpatient_fee, r.inpatient);
      const outpatientAvg = ratio(r.outpatient_fee, r.outpatient);
      return {
        medins_id: r.medins_id, medins_name: r.medins_name ?? '', inpatient: num(r.inpatient), outpatient: num(r.outpatient),
        inpatient_avg_fee: inpatientAvg === null ? null : Math.round(inpatientAvg), outpatient_avg_fee: outpatientAvg === null ? null : Math.round(outpatientAvg),
        avg_los: r.avg_los === null ? null : Math.round(num(r.avg_los) * 10) / 10,
        drug_share: ratio(r.drug, r.line_total), ownpay_share: ratio(r.ownpay, r.line_total), class_c_share: classC,
        over_limit: classC !== null && classC > CLASS_C_LIMIT,
      };
    });

    const sum = <T,>(xs: T[], g: (x: T) => number) => xs.reduce((s, x) => s + g(x), 0);
    const value: DashboardSummary = {
      scope: { from, to, medins_id: medins },
      generated_at: this.ctx.nowIso(),
      totals: {
        findings: sum(by_month, (m) => m.findings), amount: sum(by_month, (m) => m.amount), encounters: sum(by_month, (m) => m.encounters),
        medfee: sum(by_month, (m) => m.medfee), hifp_pay: sum(by_month, (m) => m.hifp_pay),
        cases: sum(cases_by_status, (c) => c.cases), proposed: sum(cases_by_status, (c) => c.proposed), deducted: sum(cases_by_status, (c) => c.deducted),
      },
      by_month, by_rule, by_category, by_institution, by_department, cases_by_status,
      agreement, agreement_limits: { class_c_share: CLASS_C_LIMIT },
    };
    this.cache.set(key, { at: this.ctx.clock().getTime(), value });
    if (this.cache.size > 200) this.cache.delete(this.cache.keys().next().value!);
    return value;
  }

  /** The findings of one encounter (for its detail page) and the patient's other encounters, within the actor's scope. */
  async encounterContext(actor: Actor, mdtrtId: string): Promise<{ findings: unknown[]; history: unknown[] }> {
    // the role first: a refusal must not depend on whether the encounter exists
    if (!['admin', 'auditor', 'supervisor', 'hospital', 'insured'].includes(actor.role)) throw new FundGuardError('E_FORBIDDEN', `role ${actor.role} may not read encounters`);
    const enc = (await this.ctx.database.rows<{ medins_id: string; patn_id: string }>(sql`select medins_id, patn_id from encounters where mdtrt_id = ${mdtrtId}`))[0];
    if (!enc) throw new FundGuardError('E_NOT_FOUND', `no encounter ${mdtrtId}`);
    requireEncounterScope(actor, { ...enc, mdtrt_id: mdtrtId });
    // Latest run first, so that the page shows the newest finding of each rule.
    const findings = await this.ctx.database.rows(sql`
      select f.id, f.run_id, f.pack, f.pack_version, f.rule_id, f.rule_name, f.category, f.severity, f.amount_fen, f.case_id, f.result
      from findings f join audit_runs r on r.id = f.run_id
      where f.mdtrt_id = ${mdtrtId} and r.kind <> 'replay' order by f.run_id desc, f.amount_fen desc limit 200`);
    const medins = actor.role === 'hospital' ? actor.institutionId ?? '' : null;
    const history = await this.ctx.database.rows(sql`
      select e.mdtrt_id, e.medins_id, e.medins_name, to_char(e.adm_date, 'YYYY-MM-DD') as adm_date, to_char(e.dscg_date, 'YYYY-MM-DD') as dscg_date,
        e.med_mdtrt_type, e.dscg_main_dise_name, e.lines_sumamt::float8 as lines_sumamt, e.line_count,
        (select count(*)::int from findings f where f.mdtrt_id = e.mdtrt_id and f.case_id is not null) as findings
      from encounters e where e.patn_id = ${enc.patn_id} and (${medins}::text is null or e.medins_id = ${medins})
      order by e.adm_date desc limit 50`);
    return { findings, history };
  }

  /** Recent batch runs (not impact replays) with progress, newest first. */
  async runs(actor: Actor, limit = 50): Promise<unknown[]> {
    if (!['admin', 'auditor', 'supervisor', 'rule_admin'].includes(actor.role)) throw new FundGuardError('E_FORBIDDEN', `role ${actor.role} may not list runs`);
    return this.ctx.database.rows(sql`
      select id, kind, status, params, total_chunks, done_chunks, encounters, findings, actor, error, ${stallWarningSql(this.ctx.clock())} as warning,
        to_char(started_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') as started_at,
        to_char(finished_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') as finished_at,
        (select count(*)::int from cases c where c.id like 'CASE-%-R' || r.id::text) as cases
      from audit_runs r order by id desc limit ${limit}`);
  }
}

function nextMonth(m: string): string {
  const [y, mo] = m.split('-').map(Number);
  const ny = mo === 12 ? y + 1 : y;
  const nm = mo === 12 ? 1 : mo + 1;
  return `${ny}-${String(nm).padStart(2, '0')}-01 00:00:00`;
}
