import { sql } from 'drizzle-orm';
import type { ListEntry, ListKind, SubjectType } from '@fundguard/core';
import type { Database, Db } from './database.ts';
import { OPEN_FROM, OPEN_TO } from './schema.ts';

export interface StoredListEntry extends ListEntry {
  id: number;
  source: string;
  created_by: string;
  created_at: string;
}

/** 名单 (blacklist / suspended / watch). A re-imported (list, subject, effective_from) updates reason and end. */
export class ListsRepo {
  constructor(private readonly database: Database) {}

  async upsertMany(tx: Db, entries: readonly ListEntry[], source: string, actor: string): Promise<number> {
    if (entries.length === 0) return 0;
    const payload = JSON.stringify(entries.map((e) => ({
      l: e.list, st: e.subject_type, sc: e.subject_code, r: e.reason, f: e.effective_from ?? OPEN_FROM, t: e.effective_to ?? OPEN_TO,
    })));
    const rows = await this.database.rows(sql`
      insert into list_entries (list, subject_type, subject_code, reason, effective_from, effective_to, source, created_by)
      select l, st, sc, r, f::date, t::date, ${source}, ${actor} from json_to_recordset(${payload}::json) as x(l text, st text, sc text, r text, f text, t text)
      on conflict (list, subject_type, subject_code, effective_from) do update set reason = excluded.reason, effective_to = excluded.effective_to
      returning id`, tx);
    return rows.length;
  }

  /** Entries in force on `day` (all when day is omitted), optionally of one list or subject type. */
  async query(opts: { list?: ListKind; subjectType?: SubjectType; day?: string; limit?: number; offset?: number } = {}): Promise<StoredListEntry[]> {
    const rows = await this.database.rows<Record<string, unknown>>(sql`
      select id, list, subject_type, subject_code, reason, effective_from::text as effective_from, effective_to::text as effective_to,
        source, created_by, to_char(created_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') as created_at
      from list_entries
      where (${opts.list ?? null}::text is null or list = ${opts.list ?? null})
        and (${opts.subjectType ?? null}::text is null or subject_type = ${opts.subjectType ?? null})
        and (${opts.day ?? null}::date is null or (effective_from <= ${opts.day ?? null}::date and ${opts.day ?? null}::date < effective_to))
      order by list, subject_type, subject_code, effective_from
      limit ${opts.limit ?? 1000} offset ${opts.offset ?? 0}`);
    return rows.map((r) => ({
      id: Number(r.id),
      list: r.list as ListKind,
      subject_type: r.subject_type as SubjectType,
      subject_code: String(r.subject_code),
      reason: String(r.reason),
      effective_from: r.effective_from === OPEN_FROM ? null : String(r.effective_from),
      effective_to: r.effective_to === OPEN_TO ? null : String(r.effective_to),
      source: String(r.source),
      created_by: String(r.created_by),
      created_at: String(r.created_at),
    }));
  }
}
