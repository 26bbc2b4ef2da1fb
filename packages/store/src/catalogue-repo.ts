import { sql } from 'drizzle-orm';
import type { CatalogueEntry } from '@fundguard/core';
import type { Database, Db } from './database.ts';
import { OPEN_FROM, OPEN_TO } from './schema.ts';

const fromSentinel = (d: string | null) => d ?? OPEN_FROM;
const toSentinel = (d: string | null) => d ?? OPEN_TO;

/** The effective-dated, per-region catalogue (catalogue.md) and the code groups it declares. */
export class CatalogueRepo {
  constructor(private readonly database: Database) {}

  /** Set-based upsert by (hilist_code, region, effective_from); group memberships of those rows are replaced. */
  async upsertMany(tx: Db, entries: readonly CatalogueEntry[], importId: number | null): Promise<{ inserted: number; updated: number }> {
    if (entries.length === 0) return { inserted: 0, updated: 0 };
    const payload = JSON.stringify(entries.map((e) => ({
      c: e.hilist_code, n: e.hilist_name, t: e.hilist_type, l: e.hilist_lv, sp: e.selfpay_prop, pc: e.price_cap, u: e.unit,
      lt: e.limit_text, g: e.group_codes, r: e.region, f: fromSentinel(e.effective_from), to: toSentinel(e.effective_to),
    })));
    const res = await this.database.rows<{ inserted: boolean }>(sql`
      insert into catalogue_entries as ce (hilist_code, hilist_name, hilist_type, hilist_lv, selfpay_prop, price_cap_fen, unit, limit_text,
        group_codes, region, effective_from, effective_to, import_id, updated_at)
      select c, n, t, l, sp, pc, u, lt, coalesce(array(select json_array_elements_text(g)), '{}'), r, f::date, "to"::date, ${importId}, now()
      from json_to_recordset(${payload}::json) as x(c text, n text, t text, l text, sp float8, pc bigint, u text, lt text, g json, r text, f text, "to" text)
      on conflict (hilist_code, region, effective_from) do update set
        hilist_name = excluded.hilist_name, hilist_type = excluded.hilist_type, hilist_lv = excluded.hilist_lv,
        selfpay_prop = excluded.selfpay_prop, price_cap_fen = excluded.price_cap_fen, unit = excluded.unit,
        limit_text = excluded.limit_text, group_codes = excluded.group_codes, effective_to = excluded.effective_to,
        import_id = excluded.import_id, updated_at = now()
      returning (xmax = 0) as inserted`, tx);
    const groupRows = entries.flatMap((e) => e.group_codes.map((g) => ({ g, c: e.hilist_code, r: e.region })));
    const codes = JSON.stringify(entries.map((e) => ({ c: e.hilist_code, r: e.region })));
    await this.database.rows(sql`
      delete from code_groups cg using json_to_recordset(${codes}::json) as x(c text, r text)
      where cg.hilist_code = x.c and cg.region = x.r`, tx);
    if (groupRows.length) {
      await this.database.rows(sql`
        insert into code_groups (group_name, hilist_code, region)
        select distinct g, c, r from json_to_recordset(${JSON.stringify(groupRows)}::json) as x(g text, c text, r text)
        on conflict do nothing`, tx);
    }
    const inserted = res.filter((r) => r.inserted).length;
    return { inserted, updated: res.length - inserted };
  }

  /** The entry in force on `day` for `region` (an exact region beats `*`), or null. */
  async find(code: string, day: string, region = '*'): Promise<CatalogueEntry | null> {
    const rows = await this.database.rows<Record<string, unknown>>(sql`
      select ${SELECT_COLUMNS} from catalogue_entries
      where hilist_code = ${code} and effective_from <= ${day}::date and ${day}::date < effective_to
        and (region = '*' or region = ${region})
      order by (region = '*') asc, effective_from desc limit 1`);
    return rows[0] ? toEntry(rows[0]) : null;
  }

  /** The entries in force on `day` for many codes at once (one query); codes without one are absent. */
  async findMany(codes: readonly string[], day: string, region = '*'): Promise<Map<string, CatalogueEntry>> {
    if (!codes.length) return new Map();
    const rows = await this.database.rows<Record<string, unknown>>(sql`
      select distinct on (hilist_code) ${SELECT_COLUMNS} from catalogue_entries
      where hilist_code in (select json_array_elements_text(${JSON.stringify([...new Set(codes)])}::json))
        and effective_from <= ${day}::date and ${day}::date < effective_to and (region = '*' or region = ${region})
      order by hilist_code, (region = '*') asc, effective_from desc`);
    return new Map(rows.map((r) => { const e = toEntry(r); return [e.hilist_code, e]; }));
  }

  /** findMany for several questions (codes, day, region) in one query: the answers in order. */
  async findManyAt(qs: readonly { codes: readonly string[]; day: string; region: string }[]): Promise<Map<string, CatalogueEntry>[]> {
    const out = qs.map(() => new Map<string, CatalogueEntry>());
    const asked = qs.map((q, qi) => ({ qi, qday: q.day, qregion: q.region, qcodes: [...new Set(q.codes)] })).filter((q) => q.qcodes.length);
    if (!asked.length) return out;
    const rows = await this.database.rows<Record<string, unknown> & { qi: number }>(sql`
      select distinct on (q.qi, hilist_code) q.qi, ${SELECT_COLUMNS}
      from jsonb_to_recordset(${JSON.stringify(asked)}::jsonb) as q(qi int, qday date, qregion text, qcodes jsonb)
      join catalogue_entries on hilist_code in (select jsonb_array_elements_text(q.qcodes))
        and effective_from <= q.qday and q.qday < effective_to and (region = '*' or region = q.qregion)
      order by q.qi, hilist_code, (region = '*') asc, effective_from desc`);
    for (const r of rows) {
      const e = toEntry(r);
      out[r.qi].set(e.hilist_code, e);
    }
    return out;
  }

  /** Every row (all dates and regions), ordered by code; for compiling engine lookups. */
  async all(): Promise<CatalogueEntry[]> {
    const rows = await this.database.rows<Record<string, unknown>>(sql`select ${SELECT_COLUMNS} from catalogue_entries order by hilist_code, region, effective_from`);
    return rows.map(toEntry);
  }

  async count(): Promise<number> {
    const r = await this.database.rows<{ n: number }>(sql`select count(*)::int as n from catalogue_entries`);
    return r[0].n;
  }

  /** Group name → member codes (from catalogue group_codes). */
  async groups(): Promise<Map<string, string[]>> {
    const rows = await this.database.rows<{ group_name: string; codes: string[] }>(sql`
      select group_name, array_agg(distinct hilist_code order by hilist_code) as codes from code_groups group by group_name order by group_name`);
    return new Map(rows.map((r) => [r.group_name, r.codes]));
  }
}

const SELECT_COLUMNS = sql.raw(`hilist_code, hilist_name, hilist_type, hilist_lv, selfpay_prop, price_cap_fen, unit, limit_text, group_codes, region,
  effective_from::text as effective_from, effective_to::text as effective_to`);

function toEntry(r: Record<string, unknown>): CatalogueEntry {
  const from = String(r.effective_from);
  const to = String(r.effective_to);
  return {
    hilist_code: String(r.hilist_code),
    hilist_name: String(r.hilist_name),
    hilist_type: String(r.hilist_type),
    hilist_lv: String(r.hilist_lv),
    selfpay_prop: r.selfpay_prop === null ? null : Number(r.selfpay_prop),
    price_cap: r.price_cap_fen === null ? null : Number(r.price_cap_fen),
    unit: String(r.unit),
    limit_text: String(r.limit_text),
    group_codes: (r.group_codes as string[]) ?? [],
    region: String(r.region),
    effective_from: from === OPEN_FROM ? null : from,
    effective_to: to === OPEN_TO ? null : to,
  };
}
