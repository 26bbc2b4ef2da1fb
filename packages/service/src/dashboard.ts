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
  /** by the month of settlement, else admission (as findings); `partial`: the data covers only part of the month */
  by_month: (Amounts & { month: string; encounters: number; medfee: number; hifp_pay: number; partial: boolean })[];
  by_rule: (Amounts & { rule_id: string; rule_name: string; category: string })[];
  by_category: (Amounts & { category: string })[];
  by_institution: (Amounts & { medins_id: string; medins_name: string })[];
  by_department: (Amounts & { medins_id: string; dept_codg: string })[];
  cases_by_status: { status: string; cases: number; proposed: number; deducted: number }[];
  /** 协议管理指标 per institution (encounters admitted in the range); shares are 0–1, null without a denominator */
  agreement: AgreementKpis[];
  /** the agreement's limit on 目录外/丙类 (hilist_lv 03) fees as a share of all line fees */
  agreement_limits: { class_c_share: number };
  /** 内部审核合格率 and 整改率 per institution (cases of the months in range), each with the counts it is computed from */
  hospital_kpis: HospitalKpis[];
}

/** A rate with what it is computed from: numerator ÷ denominator (null without a denominator) against its target. */
export interface KpiRate {
  numerator: number;
  denominator: number;
  rate: number | null;
  target: number;
  /** rate ≥ target; null without a denominator */
  met: boolean | null;
  /** what the numerator and the denominator count */
  basis: string;
}

export interface HospitalKpis {
  medins_id: string;
  /** 内部审核合格率: cases whose 医保办复审 accepted the departments' first answer ÷ cases the 医保办 submitted (target ≥ 95 %) */
  first_pass: KpiRate;
  /** 整改率: final cases with a deduction whose rectification is recorded ÷ final cases with a deduction (target 100 %) */
  rectification: KpiRate;
}

/** Targets of domain.md §4 (001). */
export const FIRST_PASS_TARGET = 0.95;
export const RECTIFICATION_TARGET = 1;

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

export interface EncounterSearch {
  /** 就诊流水号 prefix, 人员编号, or a diagnosis code prefix or name part */
  q?: string;
  medinsId?: string;
  /** admission from (inclusive) and to (exclusive), YYYY-MM-DD */
  from?: string;
  to?: string;
  /** med_mdtrt_type: 1 outpatient, 2 inpatient */
  type?: string;
  /** only encounters with findings in cases */
  flagged?: boolean;
  limit?: number;
  offset?: number;
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
    // Fund use from the encounters' stored totals (lines_sumamt, hifp_pay), by the month findings use: settlement, else
    // admission. (By admission alone, a month holding only settlements — the last of a data set — showed no fund use.)
    const fromDay = from ? `${from}-01 00:00:00` : null;
    const toDay = to ? nextMonth(to) : null;
    const byMonthE = await db.rows<{ month: string; encounters: number; medfee: number; hifp_pay: number; first_day: string; last_day: string }>(sql`
      select to_char(coalesce(e.setl_time, e.adm_date), 'YYYY-MM') as month, count(*)::int as encounters, coalesce(sum(e.lines_sumamt), 0)::float8 as medfee,
        coalesce(sum(e.hifp_pay), 0)::float8 as hifp_pay,
        to_char(min(coalesce(e.setl_time, e.adm_date)), 'YYYY-MM-DD') as first_day, to_char(max(coalesce(e.setl_time, e.adm_date)), 'YYYY-MM-DD') as last_day
      from encounters e
      where (${medins}::text is null or e.medins_id = ${medins})
        and (${fromDay}::timestamp is null or coalesce(e.setl_time, e.adm_date) >= ${fromDay}::timestamp)
        and (${toDay}::timestamp is null or coalesce(e.setl_time, e.adm_date) < ${toDay}::timestamp)
      group by 1`);
    const months = new Map<string, DashboardSummary['by_month'][number]>();
    const month = (m: string) => {
      let r = months.get(m);
      if (!r) months.set(m, (r = { month: m, findings: 0, amount: 0, encounters: 0, medfee: 0, hifp_pay: 0, partial: false }));
      return r;
    };
    for (const r of byMonthF) Object.assign(month(r.month), { findings: num(r.findings), amount: num(r.amount) });
    for (const r of byMonthE) Object.assign(month(r.month), { encounters: num(r.encounters), medfee: num(r.medfee), hifp_pay: num(r.hifp_pay) });
    const by_month = [...months.values()].sort((a, b) => a.month.localeCompare(b.month));
    // The data's first and last months are partial when the data starts after the 3rd or ends before the month's last 3 days.
    if (byMonthE.length) {
      const firstDay = byMonthE.reduce((m, r) => (r.first_day < m ? r.first_day : m), byMonthE[0].first_day);
      const lastDay = byMonthE.reduce((m, r) => (r.last_day > m ? r.last_day : m), byMonthE[0].last_day);
      for (const r of by_month) {
        if (r.month === firstDay.slice(0, 7) && Number(firstDay.slice(8)) > 3) r.partial = true;
        if (r.month === lastDay.slice(0, 7) && Number(lastDay.slice(8)) < daysIn(r.month) - 2) r.partial = true;
        if (r.month < firstDay.slice(0, 7) || r.month > lastDay.slice(0, 7)) r.partial = true;
      }
    }

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

    // 内部审核合格率 and 整改率 from the cases' recorded chain (core/src/cases: hospitalReview.passed, rectification).
    const kpiRows = await db.rows<{ medins_id: string; reviewed: number; first_pass: number; found: number; rectified: number }>(sql`
      select c.medins_id,
        count(*) filter (where c.state->'hospitalReview'->'passed' is not null and jsonb_typeof(c.state->'hospitalReview'->'passed') = 'object')::int as reviewed,
        count(*) filter (where (c.state->'hospitalReview'->'passed'->>'first_pass') = 'true')::int as first_pass,
        count(*) filter (where c.status in ('final', 'closed') and coalesce(c.deduction_fen, 0) > 0)::int as found,
        count(*) filter (where c.status in ('final', 'closed') and coalesce(c.deduction_fen, 0) > 0 and jsonb_typeof(c.state->'rectification') = 'object')::int as rectified
      from cases c where (${medins}::text is null or c.medins_id = ${medins})
        and (${from}::text is null or c.month >= ${from}) and (${to}::text is null or c.month <= ${to})
      group by c.medins_id order by c.medins_id limit 1000`);
    const rate = (n: number, d: number, target: number, basis: string): KpiRate => {
      const r = d > 0 ? n / d : null;
      return { numerator: n, denominator: d, rate: r, target, met: r === null ? null : r >= target, basis };
    };
    const hospital_kpis: HospitalKpis[] = kpiRows
      .map((r) => ({
        medins_id: r.medins_id,
        first_pass: rate(num(r.first_pass), num(r.reviewed), FIRST_PASS_TARGET, '医保办复审一次通过（未退回科室）的审核单 ÷ 医保办提交医保部门的审核单'),
        rectification: rate(num(r.rectified), num(r.found), RECTIFICATION_TARGET, '已登记整改的审核单 ÷ 终审有扣款的审核单'),
      }))
      .filter((k) => k.first_pass.denominator > 0 || k.rectification.denominator > 0);

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
      agreement, agreement_limits: { class_c_share: CLASS_C_LIMIT }, hospital_kpis,
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

  /**
   * 就诊查询: encounters by number (prefix), person number, diagnosis (code prefix or name), institution, admission
   * period (`to` exclusive), type and whether they have findings in cases; newest first, paged. Hospitals see their
   * institution's, the insured their own.
   */
  async searchEncounters(actor: Actor, q: EncounterSearch): Promise<{ items: unknown[]; total: number }> {
    if (!['admin', 'auditor', 'supervisor', 'hospital', 'insured'].includes(actor.role)) throw new FundGuardError('E_FORBIDDEN', `role ${actor.role} may not read encounters`);
    const day = /^\d{4}-\d{2}-\d{2}$/;
    for (const [k, v] of [['from', q.from], ['to', q.to]] as const) {
      if (v !== undefined && !day.test(v)) throw new FundGuardError('E_INPUT_INVALID', `${k}: YYYY-MM-DD`, [{ field: k, value: v, reason: 'YYYY-MM-DD' }]);
    }
    const medins = actor.role === 'hospital' ? actor.institutionId || '\u0000' : q.medinsId || null;
    const patn = actor.role === 'insured' ? actor.patnId || '\u0000' : null;
    const text = q.q?.trim() || null;
    const like = text ? `${text.replace(/[\\%_]/g, (c) => '\\' + c)}%` : null;
    const name = text ? `%${text.replace(/[\\%_]/g, (c) => '\\' + c)}%` : null;
    const where = sql`(${medins}::text is null or e.medins_id = ${medins}) and (${patn}::text is null or e.patn_id = ${patn})
      and (${q.from ?? null}::timestamp is null or e.adm_date >= ${q.from ?? null}::timestamp) and (${q.to ?? null}::timestamp is null or e.adm_date < ${q.to ?? null}::timestamp)
      and (${q.type ?? null}::text is null or e.med_mdtrt_type = ${q.type ?? null})
      and (${text}::text is null or e.mdtrt_id like ${like} or e.patn_id = ${text} or e.dscg_main_dise_codg like ${like} or e.dscg_main_dise_name like ${name})
      and (${q.flagged ?? false} = false or exists (select 1 from findings f where f.mdtrt_id = e.mdtrt_id and f.case_id is not null))`;
    const limit = Math.min(Math.max(q.limit ?? 20, 1), 200);
    const offset = Math.max(q.offset ?? 0, 0);
    const total = Number((await this.ctx.database.rows<{ n: number }>(sql`select count(*)::int as n from encounters e where ${where}`))[0]?.n ?? 0);
    const items = await this.ctx.database.rows(sql`
      select e.mdtrt_id, e.medins_id, e.medins_name, to_char(e.adm_date, 'YYYY-MM-DD') as adm_date, to_char(e.dscg_date, 'YYYY-MM-DD') as dscg_date,
        e.med_mdtrt_type, e.med_type, e.insutype, e.adm_dept_codg, e.adm_dept_name, e.dscg_main_dise_codg, e.dscg_main_dise_name, e.lines_sumamt::float8 as lines_sumamt, e.hifp_pay::float8 as hifp_pay,
        (select count(*)::int from findings f where f.mdtrt_id = e.mdtrt_id and f.case_id is not null) as findings
      from encounters e where ${where} order by e.adm_date desc, e.mdtrt_id limit ${limit} offset ${offset}`);
    return { items, total };
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

function daysIn(m: string): number {
  const [y, mo] = m.split('-').map(Number);
  return new Date(Date.UTC(y, mo, 0)).getUTCDate();
}

function nextMonth(m: string): string {
  const [y, mo] = m.split('-').map(Number);
  const ny = mo === 12 ? y + 1 : y;
  const nm = mo === 12 ? 1 : mo + 1;
  return `${ny}-${String(nm).padStart(2, '0')}-01 00:00:00`;
}
