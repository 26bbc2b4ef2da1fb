import { sql } from 'drizzle-orm';
import type { Database } from './database.ts';

export interface NormalisationCount {
  medins_id: string;
  field: string;
  variant: string;
  count: number;
}

export interface NormalisationReportRow extends NormalisationCount {
  first_day: string;
  last_day: string;
  last_msgid: string;
  last_at: string;
}

/** written this long after the first queued count at most */
export const NORMALISATION_FLUSH_MS = 1000;

/**
 * The harmless HIS variants the real-time audit normalised (audit-api.md §1), per institution, field, variant and day.
 * Counts are summed in memory and written together (one upsert a second at most): the 3101 answer never waits on them.
 */
export class NormalisationsRepo {
  private pending = new Map<string, NormalisationCount & { day: string; last_msgid: string; last_at: string }>();
  private timer: ReturnType<typeof setTimeout> | null = null;
  private flushing: Promise<void> = Promise.resolve();
  /** told when a write fails (the counts are kept for the next flush) */
  onFlushError: (e: Error) => void = () => undefined;

  constructor(private readonly database: Database) {}

  /** Queues one call's counts; `day` is the call's (Beijing) date, `at` its ISO instant. */
  record(counts: readonly NormalisationCount[], call: { day: string; msgid: string; at: string }): void {
    if (!counts.length) return;
    for (const c of counts) {
      const k = `${c.medins_id}\u0000${c.field}\u0000${c.variant}\u0000${call.day}`;
      const prev = this.pending.get(k);
      if (prev) {
        prev.count += c.count;
        prev.last_msgid = call.msgid;
        prev.last_at = call.at;
      } else this.pending.set(k, { ...c, day: call.day, last_msgid: call.msgid, last_at: call.at });
    }
    if (this.pending.size >= 1000) void this.flush();
    else if (!this.timer) {
      this.timer = setTimeout(() => void this.flush(), NORMALISATION_FLUSH_MS);
      this.timer.unref?.();
    }
  }

  flush(): Promise<void> {
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = null;
    }
    const rows = [...this.pending.values()];
    this.pending = new Map();
    this.flushing = this.flushing.then(async () => {
      if (!rows.length) return;
      try {
        await this.database.rows(sql`
          insert into his_normalisations (medins_id, field, variant, day, count, last_msgid, last_at)
          select medins_id, field, variant, day::date, count, last_msgid, last_at::timestamptz
          from json_to_recordset(${JSON.stringify(rows)}::json) as x(medins_id text, field text, variant text, day text, count bigint, last_msgid text, last_at text)
          on conflict (medins_id, field, variant, day) do update set count = his_normalisations.count + excluded.count,
            last_msgid = case when excluded.last_at >= his_normalisations.last_at then excluded.last_msgid else his_normalisations.last_msgid end,
            last_at = greatest(his_normalisations.last_at, excluded.last_at)`);
      } catch (e) {
        for (const r of rows) {
          const k = `${r.medins_id}\u0000${r.field}\u0000${r.variant}\u0000${r.day}`;
          const now = this.pending.get(k);
          if (now) now.count += r.count;
          else this.pending.set(k, r);
        }
        this.onFlushError(e as Error);
      }
    });
    return this.flushing;
  }

  /**
   * The report: per institution, field and variant over the days [from, to] (inclusive, either open), most frequent
   * first; `medinsId` narrows it to one institution (a hospital user sees only its own).
   */
  async report(q: { from?: string | null; to?: string | null; medinsId?: string | null; limit?: number }): Promise<NormalisationReportRow[]> {
    return this.database.rows<NormalisationReportRow>(sql`
      select medins_id, field, variant, sum(count)::float8 as count, min(day)::text as first_day, max(day)::text as last_day,
        (array_agg(last_msgid order by last_at desc))[1] as last_msgid, to_char(max(last_at) at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') as last_at
      from his_normalisations
      where (${q.from ?? null}::date is null or day >= ${q.from ?? null}::date) and (${q.to ?? null}::date is null or day <= ${q.to ?? null}::date)
        and (${q.medinsId ?? null}::text is null or medins_id = ${q.medinsId ?? null}::text)
      group by medins_id, field, variant
      order by sum(count) desc, medins_id, field, variant
      limit ${q.limit ?? 500}`);
  }
}
