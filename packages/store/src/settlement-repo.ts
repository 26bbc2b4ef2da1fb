import { sql } from 'drizzle-orm';
import type { Accumulators } from '@fundguard/core';
import type { Database, Db } from './database.ts';

export interface PolicySetRow {
  id: number;
  region: string;
  year: number;
  insutype: string;
  scenario: string;
  version: string;
  cap_group: string;
  effective_from: string;
  effective_to: string;
  body: Record<string, unknown>;
  created_by: string;
  created_at: string;
}

/** Year-to-date figures as settlement.md names them, in fen. */
export type StoredAccumulators = Accumulators;

export interface SettlementRow {
  setl_id: string;
  idempotency_key: string;
  request_hash: string;
  mdtrt_id: string;
  patn_id: string;
  medins_id: string;
  year: number;
  cap_group: string;
  policy_set_id: number;
  settled_at: string;
  medfee_fen: number;
  hifp_fen: number;
  hifmi_fen: number;
  fund_pay_fen: number;
  psn_part_fen: number;
  acc_before: StoredAccumulators;
  acc_after: StoredAccumulators;
  result: Record<string, unknown>;
  actor: string;
  status: 'settled' | 'reversed';
  reversal_key: string | null;
  reversed_at: string | null;
  reversed_by: string | null;
  reversal_reason: string | null;
}

const ISO = (col: string) => sql.raw(`to_char(${col} at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`);
const POLICY_COLUMNS = sql`id, region, year, insutype, scenario, version, cap_group, to_char(effective_from, 'YYYY-MM-DD') as effective_from,
  to_char(effective_to, 'YYYY-MM-DD') as effective_to, body, created_by, ${ISO('created_at')} as created_at`;
const SETTLEMENT_COLUMNS = sql`setl_id, idempotency_key, request_hash, mdtrt_id, patn_id, medins_id, year, cap_group, policy_set_id,
  ${ISO('settled_at')} as settled_at, medfee_fen, hifp_fen, hifmi_fen, fund_pay_fen, psn_part_fen, acc_before, acc_after, result, actor, status,
  reversal_key, ${ISO('reversed_at')} as reversed_at, reversed_by, reversal_reason`;

/** A month as a half-open timestamp range in the region's clock (UTC here; the national data carries no zone). */
const monthRange = (month: string) => {
  const [y, m] = month.split('-').map(Number);
  return { from: `${month}-01T00:00:00Z`, to: `${m === 12 ? y + 1 : y}-${String(m === 12 ? 1 : m + 1).padStart(2, '0')}-01T00:00:00Z` };
};

/** Policy parameter sets, year-to-date accumulators and stateful settlements. */
export class SettlementRepo {
  constructor(private readonly database: Database) {}

  /** Stores a set; the same (region, insutype, scenario, year, version) again returns the stored row unchanged. */
  async insertPolicySet(tx: Db, p: Omit<PolicySetRow, 'id'>): Promise<{ row: PolicySetRow; created: boolean }> {
    const inserted = await this.database.rows<PolicySetRow>(sql`
      insert into policy_sets (region, year, insutype, scenario, version, cap_group, effective_from, effective_to, body, created_by, created_at)
      values (${p.region}, ${p.year}, ${p.insutype}, ${p.scenario}, ${p.version}, ${p.cap_group}, ${p.effective_from}::date, ${p.effective_to}::date,
        ${JSON.stringify(p.body)}::jsonb, ${p.created_by}, ${p.created_at}::timestamptz)
      on conflict (region, insutype, scenario, year, version) do nothing returning ${POLICY_COLUMNS}`, tx);
    if (inserted[0]) return { row: inserted[0], created: true };
    const existing = await this.database.rows<PolicySetRow>(sql`select ${POLICY_COLUMNS} from policy_sets
      where region = ${p.region} and insutype = ${p.insutype} and scenario = ${p.scenario} and year = ${p.year} and version = ${p.version}`, tx);
    return { row: existing[0], created: false };
  }

  /** The set in force on `day`: the latest effective_from on or before it, and of those the newest upload. */
  async policyInForce(q: { region: string; insutype: string; scenario: string; day: string }, tx?: Db): Promise<PolicySetRow | null> {
    const rows = await this.database.rows<PolicySetRow>(sql`select ${POLICY_COLUMNS} from policy_sets
      where region = ${q.region} and insutype = ${q.insutype} and scenario = ${q.scenario}
        and effective_from <= ${q.day}::date and ${q.day}::date < effective_to
      order by effective_from desc, id desc limit 1`, tx);
    return rows[0] ?? null;
  }

  /** policyInForce for several questions in one query: the answers in order (null where no set is in force). */
  async policiesInForce(qs: readonly { region: string; insutype: string; scenario: string; day: string }[], tx?: Db): Promise<(PolicySetRow | null)[]> {
    const rows = await this.database.rows<PolicySetRow & { qi: number }>(sql`select distinct on (q.qi) q.qi, ${POLICY_COLUMNS}
      from jsonb_to_recordset(${JSON.stringify(qs.map((q, qi) => ({ qi, qregion: q.region, qinsutype: q.insutype, qscenario: q.scenario, qday: q.day })))}::jsonb)
        as q(qi int, qregion text, qinsutype text, qscenario text, qday date)
      join policy_sets on region = q.qregion and insutype = q.qinsutype and scenario = q.qscenario and effective_from <= q.qday and q.qday < effective_to
      order by q.qi, effective_from desc, id desc`, tx);
    const out: (PolicySetRow | null)[] = qs.map(() => null);
    for (const { qi, ...row } of rows) out[qi] = row as PolicySetRow;
    return out;
  }

  async listPolicySets(q: { region?: string; year?: number } = {}): Promise<PolicySetRow[]> {
    return this.database.rows<PolicySetRow>(sql`select ${POLICY_COLUMNS} from policy_sets
      where (${q.region ?? null}::text is null or region = ${q.region ?? null}) and (${q.year ?? null}::int is null or year = ${q.year ?? null})
      order by region, year, insutype, scenario, effective_from, id`);
  }

  /**
   * The person's figures for a year and cap group, with both rows locked until the transaction ends: settlements
   * and reversals of one person and year are serialised here, whichever process makes them.
   */
  async lockAccumulators(tx: Db, patnId: string, year: number, capGroup: string, at: string): Promise<StoredAccumulators> {
    // An upsert that updates nothing still locks the row (existing or new) until the transaction ends.
    const y = await this.database.rows<{ admissions: number; catastrophic_base_fen: number; catastrophic_paid_fen: number }>(sql`
      insert into accumulators_year (patn_id, year, updated_at) values (${patnId}, ${year}, ${at}::timestamptz)
      on conflict (patn_id, year) do update set patn_id = excluded.patn_id
      returning admissions, catastrophic_base_fen, catastrophic_paid_fen`, tx);
    const c = await this.database.rows<{ fund_paid_fen: number; deductible_met_fen: number }>(sql`
      insert into accumulators_cap (patn_id, year, cap_group, updated_at) values (${patnId}, ${year}, ${capGroup}, ${at}::timestamptz)
      on conflict (patn_id, year, cap_group) do update set patn_id = excluded.patn_id
      returning fund_paid_fen, deductible_met_fen`, tx);
    return {
      admissions: y[0].admissions, catastrophic_base: y[0].catastrophic_base_fen, catastrophic_paid: y[0].catastrophic_paid_fen,
      fund_paid: c[0].fund_paid_fen, deductible_met: c[0].deductible_met_fen,
    };
  }

  async writeAccumulators(tx: Db, patnId: string, year: number, capGroup: string, a: StoredAccumulators, at: string): Promise<void> {
    await this.database.rows(sql`with y as (update accumulators_year set admissions = ${a.admissions}, catastrophic_base_fen = ${a.catastrophic_base},
        catastrophic_paid_fen = ${a.catastrophic_paid}, updated_at = ${at}::timestamptz where patn_id = ${patnId} and year = ${year})
      update accumulators_cap set fund_paid_fen = ${a.fund_paid}, deductible_met_fen = ${a.deductible_met},
      updated_at = ${at}::timestamptz where patn_id = ${patnId} and year = ${year} and cap_group = ${capGroup}`, tx);
  }

  /**
   * lockAccumulators for several people at once (a batch of settlements in one transaction): the year rows, then the
   * cap-group rows, each in a fixed order, so that batches and single settlements in other processes never deadlock.
   * Keys `patn_id␀year` and `patn_id␀year␀cap_group`; `created` lists the rows this call inserted.
   */
  async lockAccumulatorsMany(tx: Db, people: readonly { patn_id: string; year: number; cap_group: string }[], at: string): Promise<{
    years: Map<string, Pick<StoredAccumulators, 'admissions' | 'catastrophic_base' | 'catastrophic_paid'>>;
    caps: Map<string, Pick<StoredAccumulators, 'fund_paid' | 'deductible_met'>>;
    created: { years: { patn_id: string; year: number }[]; caps: { patn_id: string; year: number; cap_group: string }[] };
  }> {
    const ys = [...new Map(people.map((p) => [`${p.patn_id}\u0000${p.year}`, { patn_id: p.patn_id, year: p.year }])).values()];
    const cs = [...new Map(people.map((p) => [`${p.patn_id}\u0000${p.year}\u0000${p.cap_group}`, p])).values()];
    const y = await this.database.rows<{ patn_id: string; year: number; admissions: number; catastrophic_base_fen: number; catastrophic_paid_fen: number; inserted: boolean }>(sql`
      insert into accumulators_year (patn_id, year, updated_at)
      select x.patn_id, x.year, ${at}::timestamptz from jsonb_to_recordset(${JSON.stringify(ys)}::jsonb) as x(patn_id text, year int) order by x.patn_id, x.year
      on conflict (patn_id, year) do update set patn_id = excluded.patn_id
      returning patn_id, year, admissions, catastrophic_base_fen, catastrophic_paid_fen, (xmax = 0) as inserted`, tx);
    const c = await this.database.rows<{ patn_id: string; year: number; cap_group: string; fund_paid_fen: number; deductible_met_fen: number; inserted: boolean }>(sql`
      insert into accumulators_cap (patn_id, year, cap_group, updated_at)
      select x.patn_id, x.year, x.cap_group, ${at}::timestamptz from jsonb_to_recordset(${JSON.stringify(cs)}::jsonb) as x(patn_id text, year int, cap_group text)
      order by x.patn_id, x.year, x.cap_group
      on conflict (patn_id, year, cap_group) do update set patn_id = excluded.patn_id
      returning patn_id, year, cap_group, fund_paid_fen, deductible_met_fen, (xmax = 0) as inserted`, tx);
    return {
      years: new Map(y.map((r) => [`${r.patn_id}\u0000${r.year}`, { admissions: r.admissions, catastrophic_base: r.catastrophic_base_fen, catastrophic_paid: r.catastrophic_paid_fen }])),
      caps: new Map(c.map((r) => [`${r.patn_id}\u0000${r.year}\u0000${r.cap_group}`, { fund_paid: r.fund_paid_fen, deductible_met: r.deductible_met_fen }])),
      created: {
        years: y.filter((r) => r.inserted).map((r) => ({ patn_id: r.patn_id, year: r.year })),
        caps: c.filter((r) => r.inserted).map((r) => ({ patn_id: r.patn_id, year: r.year, cap_group: r.cap_group })),
      },
    };
  }

  /** A person's figures for a year: the per-year ones and one row per cap group. */
  async accumulators(patnId: string, year: number): Promise<{ admissions: number; catastrophic_base: number; catastrophic_paid: number; cap_groups: { cap_group: string; fund_paid: number; deductible_met: number }[] }> {
    const y = await this.database.rows<{ admissions: number; catastrophic_base_fen: number; catastrophic_paid_fen: number }>(sql`
      select admissions, catastrophic_base_fen, catastrophic_paid_fen from accumulators_year where patn_id = ${patnId} and year = ${year}`);
    const c = await this.database.rows<{ cap_group: string; fund_paid_fen: number; deductible_met_fen: number }>(sql`
      select cap_group, fund_paid_fen, deductible_met_fen from accumulators_cap where patn_id = ${patnId} and year = ${year} order by cap_group`);
    return {
      admissions: y[0]?.admissions ?? 0, catastrophic_base: y[0]?.catastrophic_base_fen ?? 0, catastrophic_paid: y[0]?.catastrophic_paid_fen ?? 0,
      cap_groups: c.map((r) => ({ cap_group: r.cap_group, fund_paid: r.fund_paid_fen, deductible_met: r.deductible_met_fen })),
    };
  }

  /**
   * What a person's settlements of a year (not reversed) paid as deductible (起付线, every scenario: the accumulators
   * keep only the outpatient part, settlement.md step 9), in fen, and how many there are.
   */
  async deductiblePaid(patnId: string, year: number): Promise<{ fen: number; settlements: number }> {
    const [r] = await this.database.rows<{ fen: number; n: number }>(sql`
      select coalesce(sum(round(coalesce((result->>'act_pay_dedc')::numeric, 0) * 100)), 0)::float8 as fen, count(*)::int as n
      from settlements where patn_id = ${patnId} and year = ${year} and status = 'settled'`);
    return { fen: Number(r.fen), settlements: Number(r.n) };
  }

  /** The years (of service) of a person's settlements, newest first. */
  async yearsOf(patnId: string): Promise<number[]> {
    return (await this.database.rows<{ year: number }>(sql`select distinct year from settlements where patn_id = ${patnId} order by year desc`)).map((r) => Number(r.year));
  }

  async byIdempotencyKey(key: string, tx?: Db): Promise<SettlementRow | null> {
    return (await this.database.rows<SettlementRow>(sql`select ${SETTLEMENT_COLUMNS} from settlements where idempotency_key = ${key}`, tx))[0] ?? null;
  }

  /** byIdempotencyKey for several keys in one query. */
  async byIdempotencyKeys(keys: readonly string[], tx?: Db): Promise<Map<string, SettlementRow>> {
    const rows = await this.database.rows<SettlementRow>(sql`select ${SETTLEMENT_COLUMNS} from settlements
      where idempotency_key in (select jsonb_array_elements_text(${JSON.stringify(keys)}::jsonb))`, tx);
    return new Map(rows.map((r) => [r.idempotency_key, r]));
  }

  async byReversalKey(key: string, tx?: Db): Promise<SettlementRow | null> {
    return (await this.database.rows<SettlementRow>(sql`select ${SETTLEMENT_COLUMNS} from settlements where reversal_key = ${key}`, tx))[0] ?? null;
  }

  async get(setlId: string, tx?: Db, forUpdate = false): Promise<SettlementRow | null> {
    return (await this.database.rows<SettlementRow>(sql`select ${SETTLEMENT_COLUMNS} from settlements where setl_id = ${setlId} ${forUpdate ? sql`for update` : sql``}`, tx))[0] ?? null;
  }

  /** In one round trip: the settlement made with this idempotency key, and the encounter's live settlement. */
  async settlementChecks(key: string, mdtrtId: string, tx?: Db): Promise<{ byKey: SettlementRow | null; live: SettlementRow | null }> {
    const rows = await this.database.rows<SettlementRow & { by_key: boolean }>(sql`select ${SETTLEMENT_COLUMNS}, idempotency_key = ${key} as by_key from settlements
      where idempotency_key = ${key} or (mdtrt_id = ${mdtrtId} and status = 'settled')`, tx);
    return { byKey: rows.find((r) => r.by_key) ?? null, live: rows.find((r) => r.status === 'settled' && r.mdtrt_id === mdtrtId) ?? null };
  }

  /** settlementChecks for a batch: the settlements made with any of the keys, and the live settlements of any of the encounters. */
  async settlementChecksMany(tx: Db, keys: readonly string[], mdtrtIds: readonly string[]): Promise<SettlementRow[]> {
    return this.database.rows<SettlementRow>(sql`select ${SETTLEMENT_COLUMNS} from settlements
      where idempotency_key in (select jsonb_array_elements_text(${JSON.stringify(keys)}::jsonb))
        or (mdtrt_id in (select jsonb_array_elements_text(${JSON.stringify(mdtrtIds)}::jsonb)) and status = 'settled')`, tx);
  }

  /**
   * Writes a batch of settlements in one statement: the new rows, each touched year and cap-group row with its final
   * figures, and the removal of accumulator rows the batch created but did not use (all of that person's settlements refused).
   */
  async storeBatch(tx: Db, b: {
    rows: readonly Omit<SettlementRow, 'status' | 'reversal_key' | 'reversed_at' | 'reversed_by' | 'reversal_reason'>[];
    years: readonly { patn_id: string; year: number; a: Pick<StoredAccumulators, 'admissions' | 'catastrophic_base' | 'catastrophic_paid'>; at: string }[];
    caps: readonly { patn_id: string; year: number; cap_group: string; a: Pick<StoredAccumulators, 'fund_paid' | 'deductible_met'>; at: string }[];
    dropYears: readonly { patn_id: string; year: number }[];
    dropCaps: readonly { patn_id: string; year: number; cap_group: string }[];
  }): Promise<void> {
    const yj = JSON.stringify(b.years.map((y) => ({ patn_id: y.patn_id, year: y.year, admissions: y.a.admissions, cb: y.a.catastrophic_base, cp: y.a.catastrophic_paid, at: y.at })));
    const cj = JSON.stringify(b.caps.map((c) => ({ patn_id: c.patn_id, year: c.year, cap_group: c.cap_group, fp: c.a.fund_paid, dm: c.a.deductible_met, at: c.at })));
    await this.database.rows(sql`
      with s as (
        insert into settlements (setl_id, idempotency_key, request_hash, mdtrt_id, patn_id, medins_id, year, cap_group, policy_set_id, settled_at, medfee_fen,
          hifp_fen, hifmi_fen, fund_pay_fen, psn_part_fen, acc_before, acc_after, result, actor, status)
        select setl_id, idempotency_key, request_hash, mdtrt_id, patn_id, medins_id, year, cap_group, policy_set_id, settled_at::timestamptz, medfee_fen,
          hifp_fen, hifmi_fen, fund_pay_fen, psn_part_fen, acc_before, acc_after, result, actor, 'settled'
        from jsonb_to_recordset(${JSON.stringify(b.rows)}::jsonb) as x(setl_id text, idempotency_key text, request_hash text, mdtrt_id text, patn_id text, medins_id text,
          year int, cap_group text, policy_set_id bigint, settled_at text, medfee_fen bigint, hifp_fen bigint, hifmi_fen bigint, fund_pay_fen bigint, psn_part_fen bigint,
          acc_before jsonb, acc_after jsonb, result jsonb, actor text)),
      y as (update accumulators_year a set admissions = x.admissions, catastrophic_base_fen = x.cb, catastrophic_paid_fen = x.cp, updated_at = x.at::timestamptz
        from jsonb_to_recordset(${yj}::jsonb) as x(patn_id text, year int, admissions int, cb bigint, cp bigint, at text) where a.patn_id = x.patn_id and a.year = x.year),
      c as (update accumulators_cap a set fund_paid_fen = x.fp, deductible_met_fen = x.dm, updated_at = x.at::timestamptz
        from jsonb_to_recordset(${cj}::jsonb) as x(patn_id text, year int, cap_group text, fp bigint, dm bigint, at text)
        where a.patn_id = x.patn_id and a.year = x.year and a.cap_group = x.cap_group),
      dy as (delete from accumulators_year a using jsonb_to_recordset(${JSON.stringify(b.dropYears)}::jsonb) as x(patn_id text, year int)
        where a.patn_id = x.patn_id and a.year = x.year)
      delete from accumulators_cap a using jsonb_to_recordset(${JSON.stringify(b.dropCaps)}::jsonb) as x(patn_id text, year int, cap_group text)
        where a.patn_id = x.patn_id and a.year = x.year and a.cap_group = x.cap_group`, tx);
  }

  async insert(tx: Db, s: Omit<SettlementRow, 'status' | 'reversal_key' | 'reversed_at' | 'reversed_by' | 'reversal_reason'>): Promise<void> {
    await this.database.rows(sql`
      insert into settlements (setl_id, idempotency_key, request_hash, mdtrt_id, patn_id, medins_id, year, cap_group, policy_set_id, settled_at, medfee_fen,
        hifp_fen, hifmi_fen, fund_pay_fen, psn_part_fen, acc_before, acc_after, result, actor, status)
      values (${s.setl_id}, ${s.idempotency_key}, ${s.request_hash}, ${s.mdtrt_id}, ${s.patn_id}, ${s.medins_id}, ${s.year}, ${s.cap_group}, ${s.policy_set_id},
        ${s.settled_at}::timestamptz, ${s.medfee_fen}, ${s.hifp_fen}, ${s.hifmi_fen}, ${s.fund_pay_fen}, ${s.psn_part_fen}, ${JSON.stringify(s.acc_before)}::jsonb,
        ${JSON.stringify(s.acc_after)}::jsonb, ${JSON.stringify(s.result)}::jsonb, ${s.actor}, 'settled')`, tx);
  }

  async markReversed(tx: Db, setlId: string, r: { key: string; at: string; by: string; reason: string }): Promise<void> {
    await this.database.rows(sql`update settlements set status = 'reversed', reversal_key = ${r.key}, reversed_at = ${r.at}::timestamptz,
      reversed_by = ${r.by}, reversal_reason = ${r.reason} where setl_id = ${setlId}`, tx);
  }

  async list(q: { patnId?: string; medinsId?: string; year?: number; limit?: number; offset?: number }): Promise<SettlementRow[]> {
    return this.database.rows<SettlementRow>(sql`select ${SETTLEMENT_COLUMNS} from settlements
      where (${q.patnId ?? null}::text is null or patn_id = ${q.patnId ?? null})
        and (${q.medinsId ?? null}::text is null or medins_id = ${q.medinsId ?? null})
        and (${q.year ?? null}::int is null or year = ${q.year ?? null})
      order by settled_at desc, setl_id limit ${q.limit ?? 100} offset ${q.offset ?? 0}`);
  }

  /**
   * The money of an institution's month (月度结算单): settlements made in the month, reversals made in the month
   * (of whatever month's settlements), deductions that became final in the month, and fines decided in it.
   */
  async monthFigures(medinsId: string, month: string): Promise<{
    settled: { count: number; medfee_fen: number; hifp_fen: number; hifmi_fen: number; fund_pay_fen: number; psn_part_fen: number };
    reversed: { count: number; medfee_fen: number; hifp_fen: number; hifmi_fen: number; fund_pay_fen: number; psn_part_fen: number };
    deductions: { case_id: string; month: string; deduction_fen: number; final_at: string }[];
    fines: { case_id: string; kind: string; fine_fen: number; basis: string; at: string }[];
  }> {
    const { from, to } = monthRange(month);
    const sums = (col: string) => sql`count(*)::int as count, coalesce(sum(medfee_fen), 0)::bigint as medfee_fen, coalesce(sum(hifp_fen), 0)::bigint as hifp_fen,
      coalesce(sum(hifmi_fen), 0)::bigint as hifmi_fen, coalesce(sum(fund_pay_fen), 0)::bigint as fund_pay_fen, coalesce(sum(psn_part_fen), 0)::bigint as psn_part_fen
      from settlements where medins_id = ${medinsId} and ${sql.raw(col)} >= ${from}::timestamptz and ${sql.raw(col)} < ${to}::timestamptz`;
    type Sums = { count: number; medfee_fen: number; hifp_fen: number; hifmi_fen: number; fund_pay_fen: number; psn_part_fen: number };
    const num = (r: Sums): Sums => Object.fromEntries(Object.entries(r).map(([k, v]) => [k, Number(v)])) as Sums;
    const settled = num((await this.database.rows<Sums>(sql`select ${sums('settled_at')}`))[0]);
    const reversed = num((await this.database.rows<Sums>(sql`select ${sums('reversed_at')}`))[0]);
    const deductions = await this.database.rows<{ case_id: string; month: string; deduction_fen: number; final_at: string }>(sql`
      select id as case_id, month, coalesce(deduction_fen, 0) as deduction_fen, ${ISO('final_at')} as final_at from cases
      where medins_id = ${medinsId} and final_at >= ${from}::timestamptz and final_at < ${to}::timestamptz and coalesce(deduction_fen, 0) > 0 order by final_at, id`);
    const fines = await this.database.rows<{ case_id: string; kind: string; fine_fen: number; basis: string; at: string }>(sql`
      select case_id, kind, fine_fen, basis, ${ISO('at')} as at from penalties
      where medins_id = ${medinsId} and at >= ${from}::timestamptz and at < ${to}::timestamptz and revoked_at is null order by at, id`);
    return { settled, reversed, deductions, fines };
  }
}
