import { sql, type SQL } from 'drizzle-orm';

/**
 * A running run with no chunk finished for this long gets a warning in its status (and the coordinator logs it):
 * with NATS, tasks that no worker takes (no worker running, or one on a mistyped stream) would otherwise show
 * "running 0 of N" forever. FUNDGUARD_RUN_STALL_WARN_MS, default 2 minutes (twice the default ack wait).
 */
export const RUN_STALL_WARN_MS = Number(process.env.FUNDGUARD_RUN_STALL_WARN_MS ?? 120_000);

/** The warning expression: null, or why the run seems stuck, given when it last progressed and what it waits for. */
function noProgressSql(now: Date, stallMs: number, unfinished: SQL, last: SQL, what: string): SQL {
  const cutoff = new Date(now.getTime() - stallMs).toISOString();
  return sql`case when r.status = 'running' and ${unfinished} and ${last} < ${cutoff}::timestamptz
    then ${`无进展 no progress: no ${what} since `} || to_char(${last} at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"')
      || ' — are "fundguard worker" processes running, with the same FUNDGUARD_NATS_STREAM as the server?' end`;
}

/** The `warning` column of a query over `audit_runs r`: null, or why the run seems stuck. Computed, so every process sees it. */
export function stallWarningSql(now: Date, stallMs = RUN_STALL_WARN_MS): SQL {
  return noProgressSql(now, stallMs, sql`r.done_chunks < r.total_chunks`,
    sql`coalesce((select max(c.done_at) from audit_run_chunks c where c.run_id = r.id), r.started_at)`, 'chunk finished');
}

/**
 * The same for a distributed screening run (`screening_runs r`): no institution's part written for the configured
 * time. Only where screening is distributed: an in-process run is worked by the process that answers, and a dead
 * process's run is failed by the run lease.
 */
export function screeningStallWarningSql(now: Date, stallMs = RUN_STALL_WARN_MS): SQL {
  return noProgressSql(now, stallMs, sql`r.done_institutions < r.total_institutions`,
    sql`coalesce((select max(p.done_at) from screening_parts p where p.run_id = r.id), r.started_at)`, 'institution screened');
}
