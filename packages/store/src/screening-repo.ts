import { sql } from 'drizzle-orm';
import type { CareEncounter, DeathRecord, DrugPurchase, Lead, PeerState, ScreenEncounter } from '@fundguard/core';
import { dayNumber, institutionLevel } from '@fundguard/core';
import type { Database, Db } from './database.ts';
import type { StoredScreenSummary } from './encounters-repo.ts';

export interface ScreeningRunRow {
  id: number;
  status: 'running' | 'done' | 'failed';
  params: Record<string, unknown>;
  total_institutions: number;
  done_institutions: number;
  encounters: number;
  leads: number;
  actor: string;
  error: string | null;
  started_at: string;
  finished_at: string | null;
}

export interface LeadRow extends Omit<Lead, 'amount_at_risk_fen'> {
  run_id: number;
  amount_at_risk_fen: number;
}

export interface ScreenScope {
  from: string;
  to: string;
  region?: string;
  medins_id?: string;
}

const ISO = (col: string) => sql.raw(`to_char(${col} at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`);
const RUN_COLUMNS = sql`id, status, params, total_institutions, done_institutions, encounters, leads, actor, error, ${ISO('started_at')} as started_at, ${ISO('finished_at')} as finished_at`;
const scopeWhere = (s: ScreenScope) => sql`adm_date >= ${s.from}::timestamp and adm_date < ${s.to}::timestamp
  and (${s.region ?? null}::text is null or region = ${s.region ?? null}) and (${s.medins_id ?? null}::text is null or medins_id = ${s.medins_id ?? null})`;

interface CareRow { mdtrt_id: string; patn_id: string; medins_id: string; type: string; adm: string; dscg: string | null; last_line: string; total: number }
/** The columns of a CareEncounter, over `encounters e` (the latest line day: a stay without dscg_date ends there). */
const CARE_COLUMNS = sql`e.mdtrt_id, e.patn_id, e.medins_id, e.med_mdtrt_type as type, to_char(e.adm_date, 'YYYY-MM-DD') as adm, to_char(e.dscg_date, 'YYYY-MM-DD') as dscg,
  to_char(coalesce((select max(coalesce(ol.drord_begn_date, e.adm_date)) from order_lines ol where ol.mdtrt_id = e.mdtrt_id), e.adm_date), 'YYYY-MM-DD') as last_line, e.lines_sumamt as total`;
const careEncounter = (r: CareRow): CareEncounter => ({
  mdtrt_id: r.mdtrt_id, patn_id: r.patn_id, medins_id: r.medins_id, type: r.type, adm: dayNumber(r.adm), dscg: r.dscg ? dayNumber(r.dscg) : null, last_line: dayNumber(r.last_line), total_fen: Number(r.total),
});

/** Screening runs, their leads, region parameters, and the set-based encounter summaries the screens read. */
export class ScreeningRepo {
  constructor(private readonly database: Database) {}

  async institutions(scope: ScreenScope): Promise<{ medins_id: string; encounters: number }[]> {
    return this.database.rows(sql`select medins_id, count(*)::int as encounters from encounters where ${scopeWhere(scope)} group by medins_id order by medins_id`);
  }

  /**
   * One institution's encounters of the period as the screens see them (core `summariseEncounter`, computed in SQL
   * so that the lines never leave the database): totals, drug totals and units, the item-code set of inpatient
   * stays, and bed days with and without care (a drug or service line other than the bed fee).
   */
  async summaries(scope: ScreenScope, medinsId: string, bedCodePrefixes: readonly string[]): Promise<ScreenEncounter[]> {
    const bedKey = JSON.stringify([...bedCodePrefixes]);
    const rows = await this.database.rows<{
      mdtrt_id: string; patn_id: string; medins_id: string; medins_lv: string; dept: string; dr_codg: string; inpatient: boolean; adm: string; dscg: string | null;
      household: string; address: string; total: number; ss: StoredScreenSummary | null;
    }>(sql`select mdtrt_id, patn_id, medins_id, medins_lv, coalesce(nullif(dscg_dept_codg, ''), adm_dept_codg) as dept, dr_codg, med_mdtrt_type = '2' as inpatient,
        to_char(adm_date, 'YYYY-MM-DD') as adm, to_char(dscg_date, 'YYYY-MM-DD') as dscg, ext_household_id as household, ext_address as address,
        lines_sumamt as total, screen_summary as ss
      from encounters where medins_id = ${medinsId} and ${scopeWhere(scope)}`);
    const out: ScreenEncounter[] = [];
    const missing: string[] = [];
    for (const r of rows) {
      // Summaries written on import use the default bed codes; other codes, or rows from before summaries, are recomputed from the lines.
      if (!r.ss || JSON.stringify(r.ss.bed) !== bedKey) { missing.push(r.mdtrt_id); continue; }
      out.push({
        mdtrt_id: r.mdtrt_id, patn_id: r.patn_id, medins_id: r.medins_id, level: institutionLevel(r.medins_lv), dept: r.dept, dr_codg: r.dr_codg,
        inpatient: r.inpatient, adm: dayNumber(r.adm), dscg: r.dscg ? dayNumber(r.dscg) : null, main_dx: r.ss.main_dx, total_fen: Number(r.total),
        drug_fen: r.ss.drug_fen, household: r.household, address: r.address, codes: r.ss.codes, bed_days: r.ss.bed_days, ghost_days: r.ss.ghost_days,
        ghost_fen: r.ss.ghost_fen, items: r.ss.items,
      });
    }
    if (missing.length) out.push(...await this.summariesFromLines(scope, medinsId, bedCodePrefixes, missing));
    return out;
  }

  /** The same summaries computed from the stored lines in SQL (for other bed codes, or encounters stored before summaries). */
  async summariesFromLines(scope: ScreenScope, medinsId: string, bedCodePrefixes: readonly string[], only: readonly string[]): Promise<ScreenEncounter[]> {
    const bed = bedCodePrefixes.map((p) => `${p.replace(/[\\%_]/g, (c) => `\\${c}`)}%`);
    const rows = await this.database.rows<{
      mdtrt_id: string; patn_id: string; medins_id: string; medins_lv: string; dept: string; dr_codg: string; inpatient: boolean; adm: string; dscg: string | null;
      main_dx: string; household: string; address: string; total: number | null; drug: number | null; codes: string[] | null; bed_days: number | null;
      ghost_days: number | null; ghost_fen: number | null; item_codes: string[] | null; item_units: number[] | null;
    }>(sql`
      with e as materialized (
        select mdtrt_id, patn_id, medins_id, medins_lv, coalesce(nullif(dscg_dept_codg, ''), adm_dept_codg) as dept, dr_codg,
          med_mdtrt_type = '2' as inpatient, adm_date, to_char(adm_date, 'YYYY-MM-DD') as adm, to_char(dscg_date, 'YYYY-MM-DD') as dscg,
          dscg_main_dise_codg as main_dx, ext_household_id as household, ext_address as address
        from encounters where medins_id = ${medinsId} and ${scopeWhere(scope)}
          and mdtrt_id in (select json_array_elements_text(${JSON.stringify(only)}::json))
      ), lines as materialized (
        select ol.mdtrt_id, e.inpatient, ol.hilist_code, ol.hilist_type, ol.cnt, ol.sumamt, coalesce(ol.drord_begn_date, e.adm_date)::date as d,
          ol.hilist_code like any(array(select json_array_elements_text(${JSON.stringify(bed)}::json))) as bed
        from e join order_lines ol on ol.mdtrt_id = e.mdtrt_id
      ), per_day as (
        select mdtrt_id, d, coalesce(sum(sumamt) filter (where bed), 0) as bed_fen,
          bool_or(not bed and (hilist_type like '1%' or hilist_type like '2%')) as care
        from lines where inpatient group by mdtrt_id, d
      ), days as (
        select mdtrt_id, count(*) filter (where bed_fen > 0)::int as bed_days, count(*) filter (where bed_fen > 0 and not care)::int as ghost_days,
          coalesce(sum(bed_fen) filter (where bed_fen > 0 and not care), 0)::bigint as ghost_fen
        from per_day group by mdtrt_id
      ), totals as (
        select mdtrt_id, sum(sumamt)::bigint as total, coalesce(sum(sumamt) filter (where hilist_type like '1%'), 0)::bigint as drug,
          array_agg(distinct hilist_code) filter (where inpatient) as codes
        from lines group by mdtrt_id
      ), units as (
        select mdtrt_id, array_agg(hilist_code order by hilist_code) as item_codes, array_agg(units order by hilist_code) as item_units
        from (select mdtrt_id, hilist_code, sum(cnt)::float8 as units from lines where hilist_type like '1%' and hilist_type <> '102' group by 1, 2) x
        group by mdtrt_id
      )
      select e.mdtrt_id, e.patn_id, e.medins_id, e.medins_lv, e.dept, e.dr_codg, e.inpatient, e.adm, e.dscg, e.household, e.address,
        coalesce(nullif(e.main_dx, ''), (select dise_codg from diagnoses dg where dg.mdtrt_id = e.mdtrt_id and dg.maindise_flag order by seq limit 1), '') as main_dx,
        t.total, t.drug, t.codes, d.bed_days, d.ghost_days, d.ghost_fen, u.item_codes, u.item_units
      from e left join totals t on t.mdtrt_id = e.mdtrt_id left join days d on d.mdtrt_id = e.mdtrt_id left join units u on u.mdtrt_id = e.mdtrt_id`);
    return rows.map((r) => ({
      mdtrt_id: r.mdtrt_id, patn_id: r.patn_id, medins_id: r.medins_id, level: institutionLevel(r.medins_lv), dept: r.dept, dr_codg: r.dr_codg,
      inpatient: r.inpatient, adm: dayNumber(r.adm), dscg: r.dscg ? dayNumber(r.dscg) : null, main_dx: r.main_dx, total_fen: Number(r.total ?? 0),
      drug_fen: Number(r.drug ?? 0), household: r.household, address: r.address, codes: (r.codes ?? []).sort(), bed_days: r.bed_days ?? 0,
      ghost_days: r.ghost_days ?? 0, ghost_fen: Number(r.ghost_fen ?? 0),
      items: (r.item_codes ?? []).map((c, i) => [c, Number(r.item_units![i])] as const),
    }));
  }

  /**
   * OVERLAPPING_CARE's candidates: the inpatient stays in scope, and every encounter of the same person at another
   * institution admitted before the stay ends and not discharged before it began (core decides exactly). A stay
   * without dscg_date ends on the day of its latest line (`last_line`).
   */
  async careOverlapCandidates(scope: ScreenScope): Promise<CareEncounter[]> {
    const rows = await this.database.rows<CareRow>(sql`
      with stays as materialized (
        select e.mdtrt_id, e.patn_id, e.medins_id, e.adm_date::date as adm,
          coalesce(e.dscg_date::date, (select max(coalesce(ol.drord_begn_date, e.adm_date))::date from order_lines ol where ol.mdtrt_id = e.mdtrt_id), e.adm_date::date) as end_day
        from encounters e where e.med_mdtrt_type = '2' and ${scopeWhere(scope)}
      ), pairs as materialized (
        select s.mdtrt_id as stay, o.mdtrt_id as other from stays s join encounters o on o.patn_id = s.patn_id and o.medins_id <> s.medins_id
          and o.adm_date::date < s.end_day and (o.dscg_date is null or o.dscg_date::date > s.adm)
      )
      select ${CARE_COLUMNS} from encounters e where e.mdtrt_id in (select stay from pairs union select other from pairs)`);
    return rows.map(careEncounter);
  }

  /** AFTER_DEATH's inputs: the people on the `list` list (date of death = effective_from) and their encounters in scope admitted after it. */
  async afterDeathCandidates(scope: ScreenScope, list: string): Promise<{ deaths: DeathRecord[]; encounters: CareEncounter[] }> {
    const deaths = await this.database.rows<{ patn_id: string; day: string; source: string }>(sql`
      select subject_code as patn_id, to_char(effective_from, 'YYYY-MM-DD') as day, reason as source from list_entries
      where list = ${list} and subject_type = 'patient' order by subject_code, effective_from, id`);
    if (!deaths.length) return { deaths: [], encounters: [] };
    const rows = await this.database.rows<CareRow>(sql`
      with d as (select subject_code as patn_id, min(effective_from) as day from list_entries where list = ${list} and subject_type = 'patient' group by subject_code)
      select ${CARE_COLUMNS} from encounters e join d on d.patn_id = e.patn_id
      where e.adm_date::date > d.day and ${scopeWhere(scope)}`);
    return { deaths: deaths.map((d) => ({ patn_id: d.patn_id, day: dayNumber(d.day), source: d.source })), encounters: rows.map(careEncounter) };
  }

  /**
   * DRUG_HOARDING's candidates: the drug lines (101/102) of encounters in scope, of the people and drugs that could
   * fire at all — bought at ≥ `institutions` institutions, or with more than `maxSupply` days of supply in the scope.
   */
  async drugPurchaseCandidates(scope: ScreenScope, institutions: number, maxSupply: number): Promise<DrugPurchase[]> {
    // One grouping pass with the purchases aggregated per group (a join back to the lines made a slow plan on PGlite).
    const groups = await this.database.rows<{ patn_id: string; hilist_code: string; p: [string, string, string, number | null, number][] }>(sql`
      select e.patn_id, ol.hilist_code,
        json_agg(json_build_array(e.mdtrt_id, e.medins_id, to_char(coalesce(ol.drord_begn_date, e.adm_date), 'YYYY-MM-DD'),
          case when ol.ext_days is not null then ol.ext_days when ol.spec_unt in ('日', '天', '日剂量') then ol.cnt end, ol.sumamt) order by e.mdtrt_id, ol.seq) as p
      from encounters e join order_lines ol on ol.mdtrt_id = e.mdtrt_id
      where ol.hilist_type in ('101', '102') and ${scopeWhere(scope)}
      group by e.patn_id, ol.hilist_code
      having count(distinct e.medins_id) >= ${institutions}
        or coalesce(sum(case when ol.ext_days is not null then ol.ext_days when ol.spec_unt in ('日', '天', '日剂量') then ol.cnt end), 0) > ${maxSupply}`);
    return groups.flatMap((g) => g.p.map(([mdtrt_id, medins_id, day, supply, amount]) => ({
      patn_id: g.patn_id, mdtrt_id, medins_id, hilist_code: g.hilist_code, day: dayNumber(day), supply_days: supply === null ? null : Number(supply), amount_fen: Number(amount),
    })));
  }

  /** `executor`: the process that executes or coordinates the run (its lease, renewed by `progress`) */
  async createRun(params: Record<string, unknown>, actor: string, at: string, totalInstitutions: number, executor: string): Promise<ScreeningRunRow> {
    const r = await this.database.rows<ScreeningRunRow>(sql`insert into screening_runs (status, params, total_institutions, actor, started_at, executor, heartbeat_at)
      values ('running', ${JSON.stringify(params)}::jsonb, ${totalInstitutions}, ${actor}, ${at}::timestamptz, ${executor}, ${at}::timestamptz) returning ${RUN_COLUMNS}`);
    return r[0];
  }

  async progress(id: number, done: number, encounters: number, at: string): Promise<void> {
    await this.database.rows(sql`update screening_runs set done_institutions = ${done}, encounters = ${encounters}, heartbeat_at = ${at}::timestamptz where id = ${id}`);
  }

  /** Running runs with their executors' leases. */
  async runningLeases(): Promise<{ id: number; executor: string | null; heartbeat_at: string | null }[]> {
    return this.database.rows(sql`select id, executor, ${ISO('heartbeat_at')} as heartbeat_at from screening_runs where status = 'running' order by id`);
  }

  async fail(id: number, error: string, at: string): Promise<void> {
    await this.database.rows(sql`update screening_runs set status = 'failed', error = ${error}, finished_at = ${at}::timestamptz where id = ${id} and status = 'running'`);
  }

  /** Writes all the run's leads and marks it done, in one transaction. */
  async finish(id: number, leadRows: readonly Lead[], at: string): Promise<void> {
    await this.database.transaction(async (tx) => {
      for (let i = 0; i < leadRows.length; i += 2000) {
        const part = leadRows.slice(i, i + 2000).map((l) => ({
          run_id: id, lead_id: l.lead_id, category: l.category, subject_type: l.subject_type, subject_ids: l.subject_ids, medins_id: l.medins_id, score: l.score,
          factors: l.factors, evidence: l.evidence, mdtrt_ids: [...new Set(l.evidence.map((e) => e.mdtrt_id))], amount_at_risk_fen: l.amount_at_risk_fen, summary: l.summary,
        }));
        await this.database.rows(sql`insert into leads (run_id, lead_id, category, subject_type, subject_ids, medins_id, score, factors, evidence, mdtrt_ids, amount_at_risk_fen, summary)
          select run_id, lead_id, category, subject_type, array(select jsonb_array_elements_text(subject_ids)), medins_id, score, factors, evidence,
            array(select jsonb_array_elements_text(mdtrt_ids)), amount_at_risk_fen, summary
          from jsonb_to_recordset(${JSON.stringify(part)}::jsonb) as x(run_id bigint, lead_id text, category text, subject_type text, subject_ids jsonb, medins_id text,
            score int, factors jsonb, evidence jsonb, mdtrt_ids jsonb, amount_at_risk_fen bigint, summary text)
          on conflict do nothing`, tx);
      }
      await this.database.rows(sql`update screening_runs set status = 'done', leads = ${leadRows.length}, done_institutions = total_institutions,
        finished_at = ${at}::timestamptz where id = ${id}`, tx);
    });
  }

  async run(id: number): Promise<ScreeningRunRow | null> {
    return (await this.database.rows<ScreeningRunRow>(sql`select ${RUN_COLUMNS} from screening_runs where id = ${id}`))[0] ?? null;
  }

  async runs(limit = 50): Promise<ScreeningRunRow[]> {
    return this.database.rows<ScreeningRunRow>(sql`select ${RUN_COLUMNS} from screening_runs order by id desc limit ${limit}`);
  }

  async leads(q: { runId: number; category?: string; medinsId?: string; minScore?: number; limit?: number; offset?: number }): Promise<{ total: number; items: LeadRow[] }> {
    const where = sql`run_id = ${q.runId} and (${q.category ?? null}::text is null or category = ${q.category ?? null})
      and (${q.medinsId ?? null}::text is null or medins_id = ${q.medinsId ?? null}) and score >= ${q.minScore ?? 0}`;
    const total = (await this.database.rows<{ n: number }>(sql`select count(*)::int as n from leads where ${where}`))[0].n;
    const items = await this.database.rows<LeadRow>(sql`select run_id, lead_id, category, subject_type, subject_ids, medins_id, score, factors, evidence,
      amount_at_risk_fen, summary from leads where ${where} order by score desc, amount_at_risk_fen desc, lead_id limit ${q.limit ?? 100} offset ${q.offset ?? 0}`);
    return { total, items };
  }

  /** Leads citing any of these encounters (for per-encounter risk). */
  async leadsForEncounters(runId: number, mdtrtIds: readonly string[]): Promise<{ lead_id: string; category: string; score: number; mdtrt_ids: string[] }[]> {
    if (!mdtrtIds.length) return [];
    return this.database.rows(sql`select lead_id, category, score, mdtrt_ids from leads where run_id = ${runId}
      and mdtrt_ids && array(select json_array_elements_text(${JSON.stringify(mdtrtIds)}::json))`);
  }

  /** One institution's part of a distributed run; a part written twice (a redelivered task) keeps the first. */
  async savePart(p: { run_id: number; medins_id: string; encounters: number; leads: readonly Lead[]; admissions: readonly ScreenEncounter[]; peers: PeerState; worker: string; at: string }): Promise<void> {
    await this.database.rows(sql`insert into screening_parts (run_id, medins_id, encounters, leads, admissions, peers, worker, done_at)
      values (${p.run_id}, ${p.medins_id}, ${p.encounters}, ${JSON.stringify(p.leads)}::jsonb, ${JSON.stringify(p.admissions)}::jsonb, ${JSON.stringify(p.peers)}::jsonb,
        ${p.worker}, ${p.at}::timestamptz) on conflict do nothing`);
  }

  async partsDone(runId: number): Promise<{ parts: number; encounters: number }> {
    const r = await this.database.rows<{ parts: number; encounters: number }>(sql`select count(*)::int as parts, coalesce(sum(encounters), 0)::int as encounters from screening_parts where run_id = ${runId}`);
    return r[0];
  }

  async parts(runId: number): Promise<{ medins_id: string; leads: Lead[]; admissions: ScreenEncounter[]; peers: PeerState; worker: string }[]> {
    return this.database.rows(sql`select medins_id, leads, admissions, peers, worker from screening_parts where run_id = ${runId} order by medins_id`);
  }

  async params(region: string): Promise<unknown | null> {
    return (await this.database.rows<{ params: unknown }>(sql`select params from screen_params where region = ${region}`))[0]?.params ?? null;
  }

  async setParams(tx: Db, region: string, params: unknown, by: string, at: string): Promise<void> {
    await this.database.rows(sql`insert into screen_params (region, params, updated_by, updated_at) values (${region}, ${JSON.stringify(params)}::jsonb, ${by}, ${at}::timestamptz)
      on conflict (region) do update set params = excluded.params, updated_by = excluded.updated_by, updated_at = excluded.updated_at`, tx);
  }
}
