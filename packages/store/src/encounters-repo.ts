import { createHash } from 'node:crypto';
import { sql, type SQL } from 'drizzle-orm';
import { DEFAULT_SCREEN_PARAMS, FundGuardError, summariseEncounter, type Encounter, type PatientEncounter } from '@fundguard/core';

/** What the screens need of an encounter's lines, kept beside it so that screening never re-reads the lines. */
export interface StoredScreenSummary {
  bed: string[];
  main_dx: string;
  drug_fen: number;
  codes: string[];
  bed_days: number;
  ghost_days: number;
  ghost_fen: number;
  items: [string, number][];
}

function storedScreenSummary(pe: PatientEncounter): StoredScreenSummary {
  const s = summariseEncounter(pe);
  return {
    bed: DEFAULT_SCREEN_PARAMS.ghost_bed.bed_code_prefixes, main_dx: s.main_dx, drug_fen: s.drug_fen, codes: [...s.codes], bed_days: s.bed_days,
    ghost_days: s.ghost_days, ghost_fen: s.ghost_fen, items: s.items.map(([c, n]) => [c, n]),
  };
}
import { escapeCopyText, type Database, type Db } from './database.ts';

/** 统筹区 of an encounter (rule-pack.md §1): first 6 digits of medins_admdvs, else the patient's poolarea. */
export function encounterRegion(pe: PatientEncounter): string {
  return (pe.encounter.medins_admdvs || pe.patient.poolarea).slice(0, 6);
}

/** order lines per insert statement (JSON of a few MB) */
const LINES_PER_STATEMENT = 20_000;

/** Writes that commit in the same statement as stored encounters: data-modifying statements, and a notification. */
export interface AlongsideWrites {
  /**
   * Data-modifying statements, each given the condition its rows must meet (`where`): in insertNew it holds once the
   * encounters' locks are taken, so that nothing is written before them (a row written first could deadlock with
   * a replaceMany that holds a lock and writes the same row).
   */
  statements?: ((where: SQL) => SQL)[];
  /** pg_notify, delivered when the statement's transaction commits (PostgreSQL only) */
  notify?: { channel: string; payload: string } | null;
}

/**
 * The advisory locks of the encounters' lock buckets, taken in order, as a one-row relation. Encounters map to 16
 * buckets (a lock per encounter would exhaust the lock table on a 100 000-encounter import).
 */
function bucketLocks(idsJson: string): SQL {
  return sql`(select count(pg_advisory_xact_lock(4243000 + b)) as n from (
    select distinct hashtext(x) & 15 as b from json_array_elements_text(${idsJson}::json) as t(x) order by b) s)`;
}

/** Every lock bucket, in order: a bulk load touches them all (a few hundred encounters already do). */
const ALL_BUCKET_LOCKS = sql`select count(pg_advisory_xact_lock(4243000 + b)) from generate_series(0, 15) as g(b)`;

/** One replaced encounter, as the audit log records it: who owned it before and after, and both versions' digests. */
export interface Replacement {
  mdtrt_id: string;
  old_medins_id: string;
  medins_id: string;
  old_digest: string;
  new_digest: string;
}

/**
 * SHA-256 of an encounter's institution, person, total and detail document; the stored form (STORED_DIGEST) and an
 * incoming one (encounterDigest) give the same value for the same encounter, so an unchanged re-import shows equal digests.
 */
const STORED_DIGEST = sql`encode(sha256(convert_to(e.medins_id || '|' || e.patn_id || '|' || coalesce(e.medfee_sumamt::text, '') || '|' || coalesce(e.detail_doc, ''), 'UTF8')), 'hex')`;
export function encounterDigest(e: Encounter): string {
  return createHash('sha256').update(`${e.medins_id}|${e.patn_id}|${e.medfee_sumamt ?? ''}|${JSON.stringify(detailArrays(e))}`).digest('hex');
}

/** Patients, encounters and their lines. Writes are set-based (JSON record sets), in the caller's transaction or, for insertNew, one statement. */
export class EncountersRepo {
  constructor(private readonly database: Database) {}

  /**
   * Stores encounters, replacing any stored encounter with the same mdtrt_id (idempotent re-import).
   * Returns what was replaced (old and new institution and digests), for the audit log. `alongside` writes commit in
   * the same statement as the inserts (no round trips of their own).
   *
   * Ownership is checked before anything is written: with `owner` (the caller's institution) a stored encounter of
   * another institution is never replaced, and without `allowInstitutionChange` no replacement moves an encounter to
   * another institution (an administrator's correction is explicit). Either refusal is an E_CONFLICT that names the
   * record; the caller's transaction then changes nothing.
   */
  async replaceMany(tx: Db, items: readonly PatientEncounter[], opts: { importId: number | null; source: string; alongside?: AlongsideWrites; owner?: string | null; allowInstitutionChange?: boolean }): Promise<Replacement[]> {
    if (items.length === 0) return [];
    const ids = JSON.stringify(items.map((i) => i.encounter.mdtrt_id));
    // Two writers of the same encounter (concurrent 3102 calls, an import beside them) take turns: without this
    // both would delete, then both insert, and one would fail on the primary key. The lock is its own statement:
    // the statement after it must take its snapshot once the previous holder has committed.
    await this.database.rows(sql`select count(*) from ${bucketLocks(ids)} as lk`, tx);
    const existing = await this.database.rows<{ mdtrt_id: string; medins_id: string; digest: string }>(sql`
      select e.mdtrt_id, e.medins_id, ${STORED_DIGEST} as digest from encounters e join json_array_elements_text(${ids}::json) as x(id) on e.mdtrt_id = x.id`, tx);
    const replacements: Replacement[] = [];
    if (existing.length) {
      const incoming = new Map(items.map((i) => [i.encounter.mdtrt_id, i.encounter]));
      for (const old of existing) {
        const next = incoming.get(old.mdtrt_id)!;
        replacements.push(checkReplacement(old, next.medins_id, encounterDigest(next), opts));
      }
      await this.deleteStored(tx, existing.map((r) => r.mdtrt_id));
    }
    for (const statement of this.insertStatements(items, opts)) await this.database.rows(statement, tx);
    return replacements;
  }

  /** The stored encounters and everything of theirs, in one statement. */
  private async deleteStored(tx: Db, ids: readonly string[]): Promise<void> {
    const ex = JSON.stringify(ids);
    await this.database.rows(sql`
      with ${sql.join(['order_lines', 'diagnoses', 'operations', 'lab_results'].map((table) => sql`
        ${sql.identifier(`del_${table}`)} as (delete from ${sql.identifier(table)} t using json_array_elements_text(${ex}::json) as x(id) where t.mdtrt_id = x.id)`), sql`, `)}
      delete from encounters t using json_array_elements_text(${ex}::json) as x(id) where t.mdtrt_id = x.id`, tx);
  }

  /**
   * Creates a staging table for a bulk load (temporary: it lives as long as the bulk session's connection, and a
   * killed process leaves nothing behind). Rows go in with COPY (stagingRow), then applyStaged moves them.
   */
  async createStaging(db: Db, name: string): Promise<void> {
    await this.database.rows(sql.raw(`create temp table ${name} (${STAGE_COLUMNS.map(([c, t]) => `${c} ${t}`).join(', ')})`), db);
  }

  async dropStaging(db: Db, name: string): Promise<void> {
    await this.database.rows(sql.raw(`drop table if exists ${name}`), db);
  }

  /** Takes every writer lock bucket (see bucketLocks) for the rest of the transaction: call once before applyStaged. */
  async lockAllForBulk(tx: Db): Promise<void> {
    await this.database.rows(ALL_BUCKET_LOCKS, tx);
  }

  /**
   * Moves the staged encounters of lines [fromLine, toLine) into the tables, set-based, with replaceMany's rules: a
   * stored encounter with the same mdtrt_id is replaced (ownership checked the same way before anything of the range
   * is written), and what was replaced is returned for the audit log. Runs in the caller's transaction after
   * lockAllForBulk.
   */
  async applyStaged(tx: Db, staging: string, fromLine: number, toLine: number, opts: { importId: number | null; source: string; owner?: string | null; allowInstitutionChange?: boolean; linesCopied?: boolean }): Promise<Replacement[]> {
    const stg = sql.raw(staging);
    const range = sql`s.line >= ${fromLine} and s.line < ${toLine}`;
    const existing = await this.database.rows<{ mdtrt_id: string; medins_id: string; digest: string; new_medins_id: string; new_digest: string }>(sql`
      select e.mdtrt_id, e.medins_id, ${STORED_DIGEST} as digest, s.mi as new_medins_id,
        encode(sha256(convert_to(s.mi || '|' || s.pid || '|' || coalesce(s.mf::text, '') || '|' || coalesce(s.doc::text, ''), 'UTF8')), 'hex') as new_digest
      from ${stg} s join encounters e on e.mdtrt_id = s.id where ${range} order by s.line`, tx);
    const replacements = existing.map((old) => checkReplacement(old, old.new_medins_id, old.new_digest, opts));
    if (existing.length) await this.deleteStored(tx, existing.map((r) => r.mdtrt_id));
    // Patients: the latest line wins for name/birth/sex (a later encounter carries the current record), as in insertStatements.
    const ctes = [sql`
      p as (insert into patients (patn_id, patn_name, gend, brdy, poolarea, updated_at)
      select distinct on (s.pid) s.pid, s.pn, s.pg, s.pb::date, s.pa, now() from ${stg} s where ${range} order by s.pid, s.line desc
      on conflict (patn_id) do update set patn_name = excluded.patn_name, gend = excluded.gend, brdy = excluded.brdy, poolarea = excluded.poolarea, updated_at = now())`,
    sql`src as (select s.*, s.doc::jsonb as dj from ${stg} s where ${range})`,
    // With `linesCopied` the caller COPYs the order lines (orderLineRows) right after: reading them out of the
    // documents was half of this statement's time.
    ...insertCtes(sql`true`, opts).filter((_, i) => !(opts.linesCopied && i === 1))];
    await this.database.rows(sql`with ${sql.join(ctes, sql`, `)} select 1`, tx);
    return replacements;
  }

  /**
   * Stores encounters believed new (none of their mdtrt_ids stored) in one statement — one round trip, no
   * transaction of its own — taking the same locks as replaceMany. Returns false, having changed nothing, when one
   * of them was stored after all (a primary key conflict) or it lost a deadlock; the caller then uses replaceMany.
   * 3102's common case.
   */
  async insertNew(items: readonly PatientEncounter[], opts: { source: string; alongside?: AlongsideWrites }): Promise<boolean> {
    if (items.length === 0) return true;
    const statements = this.insertStatements(items, { ...opts, importId: null }, { waitForLocks: true });
    if (statements.length > 1) return false;
    try {
      await this.database.rows(statements[0]);
      return true;
    } catch (e) {
      // 23505: stored meanwhile; 40P01: chosen to break a deadlock with a writer that takes its locks batch by batch
      // (a multi-batch import) — either way nothing was written, and replaceMany waits its turn.
      const code = (e as { code?: string }).code;
      if (code === '23505' || code === '40P01') return false;
      throw e;
    }
  }

  /**
   * The inserts of encounters, their patients and details (data-modifying CTEs: most of a 3102's database time was
   * per-statement overhead). The details travel once, as the encounters' detail
   * documents (stored as sent), and the line, diagnosis, operation and lab rows are read out of them by the server.
   * Encounters go in groups of at most LINES_PER_STATEMENT lines, one statement each, so that a statement's JSON stays
   * a few MB whatever the batch size; the writes `alongside` join the first. With `waitForLocks` (a statement
   * outside replaceMany's transaction) each statement takes its encounters' bucket locks itself, and every write in
   * it waits for them (an InitPlan is evaluated before the first row): a replaceMany holding one has committed by
   * then, and its rows make the statement fail on the key instead of both writing.
   */
  private insertStatements(items: readonly PatientEncounter[], opts: { importId: number | null; source: string; alongside?: AlongsideWrites }, { waitForLocks = false } = {}): SQL[] {
    const gate = waitForLocks ? sql`(select count(*) from lk) >= 0` : sql`true`;
    const statements: SQL[] = [];
    for (let from = 0; from < items.length;) {
      let to = from + 1;
      for (let lines = items[from].encounter.fsi_order_dtos.length; to < items.length && lines + items[to].encounter.fsi_order_dtos.length <= LINES_PER_STATEMENT; to++) {
        lines += items[to].encounter.fsi_order_dtos.length;
      }
      const group = items.slice(from, to);
      from = to;
      const ctes = waitForLocks ? [sql`lk as (select 1 from ${bucketLocks(JSON.stringify(group.map((i) => i.encounter.mdtrt_id)))} as b)`] : [];
      // Patients: the latest import wins for name/birth/sex (a later encounter carries the current record).
      const patients = new Map(group.map((i) => [i.patient.patn_id, i.patient]));
      // Upserted in patn_id order: two writers of the same patients lock their rows in one order (no deadlock).
      const patientRows = [...patients.values()].sort((a, b) => (a.patn_id < b.patn_id ? -1 : a.patn_id > b.patn_id ? 1 : 0));
      ctes.push(sql`
        p as (insert into patients (patn_id, patn_name, gend, brdy, poolarea, updated_at)
        select id, n, g, b::date, p, now() from json_to_recordset(${JSON.stringify(patientRows.map((p) => ({ id: p.patn_id, n: p.patn_name, g: p.gend, b: p.brdy, p: p.poolarea })))}::json)
          as x(id text, n text, g text, b text, p text) where ${gate}
        on conflict (patn_id) do update set patn_name = excluded.patn_name, gend = excluded.gend, brdy = excluded.brdy, poolarea = excluded.poolarea, updated_at = now())`);
      const enc = group.map(encounterRow);
      // `doc json` keeps the document's text exactly as sent (json, unlike jsonb, is stored verbatim); `dj` is it parsed
      // once for reading the rows out (jsonb: element access by position without re-parsing).
      ctes.push(sql`
        src as (select x.*, x.doc::jsonb as dj from json_to_recordset(${JSON.stringify(enc)}::json) as x(${sql.raw(SRC_COLUMNS.map(([c, t]) => `${c} ${t}`).join(', '))}))`);
      ctes.push(...insertCtes(gate, opts));
      let last = sql`select 1`;
      if (statements.length === 0) {
        (opts.alongside?.statements ?? []).forEach((st, i) => ctes.push(sql`${sql.identifier(`alongside_${i}`)} as (${st(gate)})`));
        const notify = opts.alongside?.notify;
        if (notify) last = sql`select pg_notify(${notify.channel}, ${notify.payload})`;
      }
      statements.push(sql`with ${sql.join(ctes, sql`, `)} ${last}`);
    }
    return statements;
  }

  /**
   * Refreshes the planner's statistics after a bulk write: a batch run started right after a large import would
   * otherwise plan its look-ups on empty-table estimates (measured: 2.3× slower) until autovacuum gets to it.
   */
  async refreshStatistics(): Promise<void> {
    if (this.database.kind === 'postgres') {
      await this.database.rows(sql`analyze encounters, order_lines, diagnoses, patients`);
      return;
    }
    // PGlite runs a statement on the caller's thread: one table at a time (the database gives the thread back between
    // statements, database.ts shareTheEventLoop), and the lines by the columns the queries join and filter on (the
    // whole table's sample stalled /healthz for a second).
    for (const statement of [sql`analyze encounters`, sql`analyze order_lines (mdtrt_id, seq, hilist_code)`, sql`analyze diagnoses`, sql`analyze patients`]) {
      await this.database.rows(statement);
    }
  }

  async get(mdtrtId: string): Promise<PatientEncounter | null> {
    const r = await this.load(sql`e.mdtrt_id = ${mdtrtId}`);
    return r[0] ?? null;
  }

  /** A patient's stored encounters admitted in [from, to) (days), in admission order: history for the engine. */
  forPatient(patnId: string, range: { from?: string; to?: string } = {}): Promise<PatientEncounter[]> {
    return this.load(sql`e.patn_id = ${patnId} and (${range.from ?? null}::date is null or e.adm_date >= ${range.from ?? null}::date)
      and (${range.to ?? null}::date is null or e.adm_date < ${range.to ?? null}::date)`);
  }

  async count(): Promise<number> {
    const r = await this.database.rows<{ n: number }>(sql`select count(*)::int as n from encounters`);
    return r[0].n;
  }

  /** Loads whole encounters matching a condition on `encounters e`, ordered by patient and admission. */
  async load(where: ReturnType<typeof sql>, tx?: Db): Promise<PatientEncounter[]> {
    // One query: the lines, diagnoses, operations and labs come from the encounter's detail document, not the rows.
    const rows = await this.database.rows<Record<string, unknown>>(sql`
      select ${ENCOUNTER_COLUMNS}, e.adm_date::text as adm_date_t, e.dscg_date::text as dscg_date_t, e.setl_time::text as setl_time_t,
        e.detail_doc, p.patn_name, p.gend, p.brdy::text as brdy_t, p.poolarea
      from encounters e left join patients p on p.patn_id = e.patn_id
      where ${where} order by e.patn_id, e.adm_date, e.mdtrt_id`, tx);
    return rows.map((r) => {
      const pe = rowToEncounter(r);
      readDetailDoc(pe.encounter, String(r.detail_doc));
      return pe;
    });
  }
}

/**
 * The detail document: [lines, diagnoses, operations, labs], each a list of value arrays in the field orders below
 * (migration 0010 builds the same arrays in SQL from the rows). Dates are already canonical text.
 */
function detailArrays(e: Encounter): unknown[] {
  const doc: unknown[] = [
    e.fsi_order_dtos.map((l) => withStop(l.drord_stop_date, [l.rx_id, l.rxno, l.grpno, l.long_drord_flag, l.hilist_type, l.chrg_type, l.drord_bhvr, l.hilist_code, l.hilist_name,
      l.hilist_lv, l.hilist_pric, l.hosplist_code, l.hosplist_name, l.cnt, l.pric, l.sumamt, l.ownpay_amt, l.selfpay_amt, l.spec, l.spec_unt,
      l.drord_dept_codg, l.drord_dept_name, l.drord_dr_codg, l.drord_dr_name, l.drord_dr_profttl, l.curr_drord_flag, l.ext_days, l.ext_doses, l.drord_begn_date])),
    e.fsi_diagnose_dtos.map((d) => [d.dise_id, d.inout_dise_type, d.maindise_flag, d.dias_srt_no, d.dise_codg, d.dise_name, d.dise_date]),
    e.fsi_operation_dtos.map((o) => [o.setl_list_oprn_id, o.oprn_code, o.oprn_name, o.main_oprn_flag, o.oprn_date]),
    e.fsi_lab_dtos.map((x) => [x.lab_code, x.lab_name, x.rslt_val, x.rslt_unt, x.test_date]),
  ];
  // Missing evidence (audit-api.md §2) survives storage: batch audit of the encounter asks instead of accusing too.
  if (e.no_lab_dtos || e.no_ext_flags) doc.push([e.no_lab_dtos ? 1 : 0, e.no_ext_flags ? 1 : 0]);
  return doc;
}

/** drord_stop_date rides as a 30th element of a line's array, only when the line has one. */
function withStop(stop: string | null | undefined, arr: unknown[]): unknown[] {
  if (stop) arr.push(stop);
  return arr;
}

/** Fills an encounter's lines, diagnoses, operations and labs from its detail document (the reverse of detailArrays). */
function readDetailDoc(e: Encounter, text: string): void {
  const [lines, diags, ops, labs, missing] = JSON.parse(text) as unknown[][][];
  if (missing) {
    if ((missing as unknown[])[0]) e.no_lab_dtos = true;
    if ((missing as unknown[])[1]) e.no_ext_flags = true;
  }
  for (const l of lines) {
    e.fsi_order_dtos.push({
      ...(l[29] ? { drord_stop_date: String(l[29]) } : {}),
      rx_id: s(l[0]), rxno: s(l[1]), grpno: s(l[2]), long_drord_flag: s(l[3]), hilist_type: s(l[4]), chrg_type: s(l[5]), drord_bhvr: s(l[6]),
      hilist_code: s(l[7]), hilist_name: s(l[8]), hilist_lv: s(l[9]), hilist_pric: n(l[10]), hosplist_code: s(l[11]), hosplist_name: s(l[12]),
      cnt: Number(l[13]), pric: Number(l[14]), sumamt: Number(l[15]), ownpay_amt: Number(l[16]), selfpay_amt: Number(l[17]), spec: s(l[18]), spec_unt: s(l[19]),
      drord_dept_codg: s(l[20]), drord_dept_name: s(l[21]), drord_dr_codg: s(l[22]), drord_dr_name: s(l[23]), drord_dr_profttl: n(l[24]),
      curr_drord_flag: Boolean(l[25]), ext_days: n(l[26]), ext_doses: n(l[27]), drord_begn_date: tsText(l[28]),
    });
  }
  for (const d of diags) e.fsi_diagnose_dtos.push({
    dise_id: s(d[0]), inout_dise_type: s(d[1]), maindise_flag: Boolean(d[2]), dias_srt_no: n(d[3]), dise_codg: s(d[4]), dise_name: s(d[5]),
    dise_date: (d[6] as string | null) ?? null,
  });
  for (const o of ops) e.fsi_operation_dtos.push({
    setl_list_oprn_id: s(o[0]), oprn_code: s(o[1]), oprn_name: s(o[2]), main_oprn_flag: Boolean(o[3]), oprn_date: (o[4] as string | null) ?? null,
  });
  for (const x of labs) e.fsi_lab_dtos.push({ lab_code: s(x[0]), lab_name: s(x[1]), rslt_val: Number(x[2]), rslt_unt: s(x[3]), test_date: tsText(x[4]) });
}

const s = (v: unknown): string => (v === null || v === undefined ? '' : String(v));
const n = (v: unknown): number | null => (v === null || v === undefined ? null : Number(v));
/** timestamp::text gives 'YYYY-MM-DD HH:MM:SS' (no fraction for whole seconds), which is our format. */
const tsText = (v: unknown): string | null => (v === null || v === undefined ? null : String(v).slice(0, 19));

const ENCOUNTER_COLUMNS = sql.raw(['mdtrt_id', 'patn_id', 'medins_id', 'medins_name', 'medins_admdvs', 'medins_type', 'medins_lv', 'wardarea_codg', 'wardno', 'bedno',
  'dscg_main_dise_codg', 'dscg_main_dise_name', 'dr_codg', 'adm_dept_codg', 'adm_dept_name', 'dscg_dept_codg', 'dscg_dept_name', 'med_mdtrt_type', 'med_type',
  'matn_stas', 'medfee_sumamt', 'ownpay_amt', 'selfpay_amt', 'insutype', 'reim_flag', 'out_setl_flag', 'ext_flags', 'setl_id', 'hifp_pay', 'psn_pay',
  'ext_household_id', 'ext_address'].map((c) => `e.${c}`).join(', '));

function rowToEncounter(r: Record<string, unknown>): PatientEncounter {
  const encounter: Encounter = {
    mdtrt_id: s(r.mdtrt_id), patn_id: s(r.patn_id), medins_id: s(r.medins_id), medins_name: s(r.medins_name), medins_admdvs: s(r.medins_admdvs),
    medins_type: s(r.medins_type), medins_lv: s(r.medins_lv), wardarea_codg: s(r.wardarea_codg), wardno: s(r.wardno), bedno: s(r.bedno),
    adm_date: tsText(r.adm_date_t)!, dscg_date: tsText(r.dscg_date_t), dscg_main_dise_codg: s(r.dscg_main_dise_codg), dscg_main_dise_name: s(r.dscg_main_dise_name),
    dr_codg: s(r.dr_codg), adm_dept_codg: s(r.adm_dept_codg), adm_dept_name: s(r.adm_dept_name), dscg_dept_codg: s(r.dscg_dept_codg),
    dscg_dept_name: s(r.dscg_dept_name), med_mdtrt_type: s(r.med_mdtrt_type), med_type: s(r.med_type), matn_stas: s(r.matn_stas),
    medfee_sumamt: n(r.medfee_sumamt), ownpay_amt: n(r.ownpay_amt), selfpay_amt: n(r.selfpay_amt), insutype: s(r.insutype), reim_flag: s(r.reim_flag),
    out_setl_flag: s(r.out_setl_flag), fsi_diagnose_dtos: [], fsi_operation_dtos: [], fsi_lab_dtos: [], ext_flags: (r.ext_flags as string[]) ?? [],
    fsi_order_dtos: [],
    settlement: r.setl_id ? { setl_id: s(r.setl_id), setl_time: tsText(r.setl_time_t), hifp_pay: n(r.hifp_pay), psn_pay: n(r.psn_pay) } : null,
    ext_household_id: s(r.ext_household_id), ext_address: s(r.ext_address),
  };
  return {
    patient: { patn_id: s(r.patn_id), patn_name: s(r.patn_name), gend: s(r.gend), brdy: (r.brdy_t as string | null) ?? null, poolarea: s(r.poolarea) },
    encounter,
  };
}

/**
 * The ownership rules of a replacement (replaceMany, applyStaged): with `owner` (the caller's institution) a stored
 * encounter of another institution is never replaced, and without `allowInstitutionChange` no replacement moves an
 * encounter to another institution. Either refusal is an E_CONFLICT that names the record.
 */
function checkReplacement(old: { mdtrt_id: string; medins_id: string; digest: string }, medinsId: string, newDigest: string, opts: { owner?: string | null; allowInstitutionChange?: boolean }): Replacement {
  const record = `mdtrt_id=${old.mdtrt_id}`;
  if (opts.owner != null && old.medins_id !== opts.owner) {
    throw new FundGuardError('E_CONFLICT', `${record}: 该就诊ID已被其他机构的就诊使用，不能覆盖 (an encounter with this mdtrt_id is stored for another institution)`,
      [{ record, field: 'mdtrt_id', value: old.mdtrt_id, reason: 'stored for another institution: a caller bound to an institution replaces only its own encounters' }]);
  }
  if (old.medins_id !== medinsId && !opts.allowInstitutionChange) {
    throw new FundGuardError('E_CONFLICT', `${record}: 不能把已存储的就诊改到另一机构 (medins_id ${medinsId}); 跨机构更正须由管理员明确操作`,
      [{ record, field: 'medins_id', value: medinsId, reason: 'would move a stored encounter to another institution: an administrator\'s explicit correction only' }]);
  }
  return { mdtrt_id: old.mdtrt_id, old_medins_id: old.medins_id, medins_id: medinsId, old_digest: old.digest, new_digest: newDigest };
}

/** The columns of an encounter as insertCtes reads them from `src` (short names keep a large statement's JSON small). */
const SRC_COLUMNS: readonly (readonly [string, string])[] = [
  ['id', 'text'], ['pid', 'text'], ['rg', 'text'], ['mi', 'text'], ['mn', 'text'], ['ma', 'text'], ['mt', 'text'], ['ml', 'text'], ['wa', 'text'],
  ['wn', 'text'], ['bn', 'text'], ['ad', 'text'], ['dd', 'text'], ['dmc', 'text'], ['dmn', 'text'], ['dr', 'text'], ['adc', 'text'], ['adn', 'text'],
  ['ddc', 'text'], ['ddn', 'text'], ['mmt', 'text'], ['mty', 'text'], ['ms', 'text'], ['mf', 'bigint'], ['oa', 'bigint'], ['sa', 'bigint'], ['it', 'text'],
  ['rf', 'text'], ['osf', 'text'], ['ef', 'json'], ['si', 'text'], ['st', 'text'], ['hp', 'bigint'], ['pp', 'bigint'], ['hh', 'text'], ['addr', 'text'],
  ['ls', 'bigint'], ['lc', 'int'], ['ss', 'jsonb'], ['doc', 'json'],
];

/** A staging table's columns: the file's line, the patient, then what `src` has. */
const STAGE_COLUMNS: readonly (readonly [string, string])[] = [
  ['line', 'int'], ['pn', 'text'], ['pg', 'text'], ['pb', 'text'], ['pa', 'text'], ...SRC_COLUMNS,
];
export const STAGE_COLUMN_NAMES: readonly string[] = STAGE_COLUMNS.map(([c]) => c);

function encounterRow(pe: PatientEncounter): Record<string, unknown> {
  const e = pe.encounter;
  return {
    id: e.mdtrt_id, pid: e.patn_id, rg: encounterRegion(pe), mi: e.medins_id, mn: e.medins_name, ma: e.medins_admdvs, mt: e.medins_type,
    ml: e.medins_lv, wa: e.wardarea_codg, wn: e.wardno, bn: e.bedno, ad: e.adm_date, dd: e.dscg_date, dmc: e.dscg_main_dise_codg,
    dmn: e.dscg_main_dise_name, dr: e.dr_codg, adc: e.adm_dept_codg, adn: e.adm_dept_name, ddc: e.dscg_dept_codg, ddn: e.dscg_dept_name,
    mmt: e.med_mdtrt_type, mty: e.med_type, ms: e.matn_stas, mf: e.medfee_sumamt, oa: e.ownpay_amt, sa: e.selfpay_amt, it: e.insutype,
    rf: e.reim_flag, osf: e.out_setl_flag, ef: e.ext_flags, si: e.settlement?.setl_id ?? null, st: e.settlement?.setl_time ?? null,
    hp: e.settlement?.hifp_pay ?? null, pp: e.settlement?.psn_pay ?? null, hh: e.ext_household_id, addr: e.ext_address,
    ls: e.fsi_order_dtos.reduce((s, l) => s + l.sumamt, 0), lc: e.fsi_order_dtos.length, ss: storedScreenSummary(pe), doc: detailArrays(e),
  };
}

/**
 * One encounter as a row of a staging table in COPY's text format (with its newline): the same values encounterRow
 * gives insertStatements, so that both paths store the same rows; `doc` is the detail document's exact text.
 */
export function stagingRow(pe: PatientEncounter, line: number): string {
  const r = encounterRow(pe);
  const p = pe.patient;
  const out: string[] = [String(line), escapeCopyText(p.patn_name), escapeCopyText(p.gend), escapeCopyText(p.brdy), escapeCopyText(p.poolarea)];
  for (const [c, t] of SRC_COLUMNS) {
    const v = r[c];
    out.push(t === 'json' || t === 'jsonb' ? escapeCopyText(v === null || v === undefined ? null : JSON.stringify(v)) : escapeCopyText(v as string | number | null));
  }
  return out.join('\t') + '\n';
}

/** order_lines' columns in the order of orderLineRows. */
export const ORDER_LINE_COLUMNS: readonly string[] = ['mdtrt_id', 'seq', 'rx_id', 'rxno', 'grpno', 'long_drord_flag', 'hilist_type', 'chrg_type', 'drord_bhvr',
  'hilist_code', 'hilist_name', 'hilist_lv', 'hilist_pric', 'hosplist_code', 'hosplist_name', 'cnt', 'pric', 'sumamt', 'ownpay_amt', 'selfpay_amt', 'spec',
  'spec_unt', 'drord_dept_codg', 'drord_dept_name', 'drord_dr_codg', 'drord_dr_name', 'drord_dr_profttl', 'curr_drord_flag', 'ext_days', 'ext_doses',
  'drord_begn_date'];

/**
 * An encounter's order lines as order_lines rows in COPY's text format: the values insertCtes reads out of the detail
 * document (the same detailArrays elements, as text; null as \N), so that both give the same rows.
 */
export function orderLineRows(pe: PatientEncounter): string {
  const id = escapeCopyText(pe.encounter.mdtrt_id);
  const doc = detailArrays(pe.encounter)[0] as unknown[][];
  let out = '';
  for (let i = 0; i < doc.length; i++) {
    const v = doc[i];
    out += `${id}\t${i}`;
    for (let k = 0; k < 29; k++) {
      const x = v[k];
      out += '\t' + (x === null || x === undefined ? '\\N' : escapeCopyText(typeof x === 'string' ? x : String(x)));
    }
    out += '\n';
  }
  return out;
}

/**
 * The inserts of encounters and their details read from `src` (see insertStatements); `gate` is the condition every
 * write waits for. The element positions are detailArrays' field orders.
 */
function insertCtes(gate: SQL, opts: { importId: number | null; source: string }): SQL[] {
  return [sql`
    e as (insert into encounters (mdtrt_id, patn_id, region, medins_id, medins_name, medins_admdvs, medins_type, medins_lv, wardarea_codg, wardno, bedno,
      adm_date, dscg_date, dscg_main_dise_codg, dscg_main_dise_name, dr_codg, adm_dept_codg, adm_dept_name, dscg_dept_codg, dscg_dept_name,
      med_mdtrt_type, med_type, matn_stas, medfee_sumamt, ownpay_amt, selfpay_amt, insutype, reim_flag, out_setl_flag, ext_flags,
      setl_id, setl_time, hifp_pay, psn_pay, ext_household_id, ext_address, lines_sumamt, line_count, screen_summary, detail_doc, source, import_id, updated_at)
    select id, pid, rg, mi, mn, ma, mt, ml, wa, wn, bn, ad::timestamp, dd::timestamp, dmc, dmn, dr, adc, adn, ddc, ddn, mmt, mty, ms, mf, oa, sa, it, rf, osf,
      coalesce(array(select json_array_elements_text(ef)), '{}'), si, st::timestamp, hp, pp, hh, addr, ls, lc, ss, doc::text, ${opts.source}, ${opts.importId}, now()
    from src where ${gate})`,
  sql`
    l as (insert into order_lines (mdtrt_id, seq, rx_id, rxno, grpno, long_drord_flag, hilist_type, chrg_type, drord_bhvr, hilist_code, hilist_name,
      hilist_lv, hilist_pric, hosplist_code, hosplist_name, cnt, pric, sumamt, ownpay_amt, selfpay_amt, spec, spec_unt, drord_dept_codg, drord_dept_name,
      drord_dr_codg, drord_dr_name, drord_dr_profttl, curr_drord_flag, ext_days, ext_doses, drord_begn_date)
    select src.id, (d.n - 1)::int, d.v->>0, d.v->>1, d.v->>2, d.v->>3, d.v->>4, d.v->>5, d.v->>6, d.v->>7, d.v->>8, d.v->>9, (d.v->>10)::bigint, d.v->>11,
      d.v->>12, (d.v->>13)::float8, (d.v->>14)::bigint, (d.v->>15)::bigint, (d.v->>16)::bigint, (d.v->>17)::bigint, d.v->>18, d.v->>19, d.v->>20, d.v->>21,
      d.v->>22, d.v->>23, (d.v->>24)::int, (d.v->>25)::boolean, (d.v->>26)::float8, (d.v->>27)::float8, (d.v->>28)::timestamp
    from src cross join lateral jsonb_array_elements(src.dj->0) with ordinality as d(v, n) where ${gate})`,
  sql`
    d as (insert into diagnoses (mdtrt_id, seq, dise_id, inout_dise_type, maindise_flag, dias_srt_no, dise_codg, dise_name, dise_date)
    select src.id, (d.n - 1)::int, d.v->>0, d.v->>1, (d.v->>2)::boolean, (d.v->>3)::int, d.v->>4, d.v->>5, (d.v->>6)::date
    from src cross join lateral jsonb_array_elements(src.dj->1) with ordinality as d(v, n) where ${gate})`,
  sql`
    o as (insert into operations (mdtrt_id, seq, setl_list_oprn_id, oprn_code, oprn_name, main_oprn_flag, oprn_date)
    select src.id, (d.n - 1)::int, d.v->>0, d.v->>1, d.v->>2, (d.v->>3)::boolean, (d.v->>4)::date
    from src cross join lateral jsonb_array_elements(src.dj->2) with ordinality as d(v, n) where ${gate})`,
  sql`
    lab as (insert into lab_results (mdtrt_id, seq, lab_code, lab_name, rslt_val, rslt_unt, test_date)
    select src.id, (d.n - 1)::int, d.v->>0, d.v->>1, (d.v->>2)::float8, d.v->>3, (d.v->>4)::timestamp
    from src cross join lateral jsonb_array_elements(src.dj->3) with ordinality as d(v, n) where ${gate})`];
}
