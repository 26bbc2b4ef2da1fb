import { sql, type SQL } from 'drizzle-orm';
import { errorCode, isConnectionError, type Database, type Db } from './database.ts';

export interface WarningRow {
  jr_id: string;
  stage: string;
  pack: string;
  pack_version: string;
  rule_id: string;
  rule_name: string;
  sev_deg: string;
  patn_id: string;
  mdtrt_id: string;
  medins_id: string;
  dept_codg: string;
  dr_codg: string;
  vola_amt_fen: number;
  /** the result row as returned to the caller */
  result: unknown;
}

export interface CallRow {
  infno: string;
  msgid: string;
  key_actor: string;
  envelope: unknown;
  infcode: number;
  err_msg: string | null;
  results: number;
  received_at: string;
  ms: number;
}

/** queued call-log rows and 3101 warnings are written this long after the first of them at most */
export const FLUSH_DELAY_MS = 200;
/** a background write that failed for want of the database is tried again this long after */
export const RETRY_DELAY_MS = 1000;
/** queued rows (warnings and call-log rows each) beyond which new ones are dropped and counted, not queued */
export const DEFAULT_QUEUE_MAX = Number(process.env.FUNDGUARD_WRITE_QUEUE_MAX ?? 20_000);

/** The background writer's figures, for /readyz and /metrics. */
export interface WriterStats {
  /** warnings and call-log rows waiting to be written */
  queued_warnings: number;
  queued_calls: number;
  queue_max: number;
  written_warnings: number;
  written_calls: number;
  /** rows the database refused (a bad row is set aside alone, the rest of its batch is written) */
  failed_warnings: number;
  failed_calls: number;
  /** rows dropped because the queue was full */
  dropped_warnings: number;
  dropped_calls: number;
  /** writes that failed as a whole (database unreachable) and were kept for a retry */
  retried_writes: number;
  last_error: { code: string; at: string } | null;
}

/** What the writer tells its owner (the server logs it): never row values, only what failed and how many. */
export type WriterEvent =
  | { kind: 'rows_refused'; table: 'realtime_warnings' | 'fsi_calls'; rows: number; code: string; error: Error }
  | { kind: 'write_retried'; table: 'realtime_warnings' | 'fsi_calls'; rows: number; code: string; error: Error }
  | { kind: 'queue_full'; table: 'realtime_warnings' | 'fsi_calls'; rows: number };

type StampedWarning = WarningRow & { created_at: string };

/** Warnings returned by 3101/3102 and the call log. */
export class RealtimeRepo {
  private buffer: CallRow[] = [];
  private warningBuffer: StampedWarning[] = [];
  /** told when a background write fails; the server logs it */
  onFlushError: (e: Error, event?: WriterEvent) => void = () => undefined;
  private timer: ReturnType<typeof setTimeout> | null = null;
  private flushing: Promise<void> = Promise.resolve();
  private readonly counts = { written_warnings: 0, written_calls: 0, failed_warnings: 0, failed_calls: 0, dropped_warnings: 0, dropped_calls: 0, retried_writes: 0 };
  private lastError: WriterStats['last_error'] = null;

  constructor(private readonly database: Database, readonly queueMax: number = DEFAULT_QUEUE_MAX) {}

  stats(): WriterStats {
    return { queued_warnings: this.warningBuffer.length, queued_calls: this.buffer.length, queue_max: this.queueMax, ...this.counts, last_error: this.lastError };
  }

  /**
   * Queues a call-log row; rows are written together every 200 ms (or 500 at a time). The log is for tracing an
   * integration, so it stays out of the answer's critical path; `flush()` on shutdown writes what is queued.
   */
  logCall(c: CallRow): void {
    if (this.buffer.length >= this.queueMax) return this.overflow('fsi_calls', 1);
    this.buffer.push(c);
    this.schedule(this.buffer.length >= 500);
  }

  /**
   * Queues 3101 warnings to be written with the next flush (≤ 200 ms): a 事前 answer does not wait for a commit.
   * 3103 feedback flushes first, so a warning is always found by the feedback that names it. A write the database
   * could not take at all (unreachable) is retried; a row it refuses is set aside alone and counted, and the rest
   * are written (one bad row must not hold back every later warning). The queue is bounded: beyond `queueMax`
   * new rows are dropped and counted.
   */
  queueWarnings(rows: readonly WarningRow[], at: string): void {
    const room = Math.max(0, this.queueMax - this.warningBuffer.length);
    for (const r of rows.slice(0, room)) this.warningBuffer.push({ ...r, created_at: at });
    if (rows.length > room) this.overflow('realtime_warnings', rows.length - room);
    this.schedule(this.warningBuffer.length >= 500);
  }

  private overflow(table: 'realtime_warnings' | 'fsi_calls', rows: number): void {
    if (table === 'fsi_calls') this.counts.dropped_calls += rows;
    else this.counts.dropped_warnings += rows;
    this.onFlushError(new Error(`${table}: write queue full (${this.queueMax}), ${rows} row(s) dropped`), { kind: 'queue_full', table, rows });
  }

  private schedule(now: boolean, delay = FLUSH_DELAY_MS): void {
    if (now) void this.flush();
    else if (!this.timer) {
      this.timer = setTimeout(() => void this.flush(), delay);
      this.timer.unref?.();
    }
  }

  flush(): Promise<void> {
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = null;
    }
    const rows = this.buffer;
    this.buffer = [];
    const warnings = this.warningBuffer;
    this.warningBuffer = [];
    this.flushing = this.flushing.then(async () => {
      const keptWarnings = await this.writeIsolating('realtime_warnings', warnings, (batch) => this.writeWarnings(batch));
      const keptCalls = await this.writeIsolating('fsi_calls', rows, (batch) => this.database.rows(callsInsert(batch)).then(() => undefined));
      // Kept rows (the database was unreachable) go back to the head of the queue, within its bound, and are retried.
      if (keptWarnings.length) this.warningBuffer.unshift(...this.fit('realtime_warnings', keptWarnings, this.warningBuffer.length));
      if (keptCalls.length) this.buffer.unshift(...this.fit('fsi_calls', keptCalls, this.buffer.length));
      if (keptWarnings.length || keptCalls.length) this.schedule(false, RETRY_DELAY_MS);
    });
    return this.flushing;
  }

  private fit<T>(table: 'realtime_warnings' | 'fsi_calls', kept: T[], queued: number): T[] {
    const room = Math.max(0, this.queueMax - queued);
    if (kept.length > room) this.overflow(table, kept.length - room);
    return kept.slice(0, room);
  }

  /**
   * Writes a batch; when the database refuses it, halves it until the refused rows stand alone, writes the rest and
   * sets those aside (counted, told without their values). Returns the rows to keep for a retry: all of them when the
   * database could not be reached.
   */
  private async writeIsolating<T>(table: 'realtime_warnings' | 'fsi_calls', batch: T[], write: (rows: T[]) => Promise<void>): Promise<T[]> {
    if (!batch.length) return [];
    try {
      await write(batch);
      if (table === 'fsi_calls') this.counts.written_calls += batch.length;
      else this.counts.written_warnings += batch.length;
      return [];
    } catch (e) {
      const code = errorCode(e);
      this.lastError = { code, at: new Date().toISOString() };
      if (isConnectionError(e)) {
        this.counts.retried_writes++;
        this.onFlushError(e as Error, { kind: 'write_retried', table, rows: batch.length, code, error: e as Error });
        return batch;
      }
      if (batch.length === 1) {
        if (table === 'fsi_calls') this.counts.failed_calls++;
        else this.counts.failed_warnings++;
        this.onFlushError(e as Error, { kind: 'rows_refused', table, rows: 1, code, error: e as Error });
        return [];
      }
      const half = Math.ceil(batch.length / 2);
      return [...(await this.writeIsolating(table, batch.slice(0, half), write)), ...(await this.writeIsolating(table, batch.slice(half), write))];
    }
  }

  async insertWarnings(rows: readonly WarningRow[], at: string, tx?: Db): Promise<void> {
    await this.writeWarnings(rows.map((r) => ({ ...r, created_at: at })), tx);
  }

  /** The insert of a 3102's warnings as a statement to run with its encounters (EncountersRepo's `alongside`). */
  warningsStatement(rows: readonly WarningRow[], at: string): (where: SQL) => SQL {
    const stamped = rows.map((r) => ({ ...r, created_at: at }));
    return (where) => warningsInsert(stamped, where);
  }

  /** One statement for the warnings of a 3102 and for the queued 3101 ones. */
  private async writeWarnings(rows: readonly StampedWarning[], tx?: Db): Promise<void> {
    if (!rows.length) return;
    await this.database.rows(warningsInsert(rows), tx);
  }

  async insertCall(c: CallRow): Promise<void> {
    await this.database.rows(sql`
      insert into fsi_calls (infno, msgid, key_actor, envelope, infcode, err_msg, results, received_at, ms)
      values (${c.infno}, ${c.msgid}, ${c.key_actor}, ${JSON.stringify(c.envelope)}::jsonb, ${c.infcode}, ${c.err_msg}, ${c.results}, ${c.received_at}::timestamptz, ${c.ms})`);
  }
}

function callsInsert(rows: readonly CallRow[]): SQL {
  return sql`
    insert into fsi_calls (infno, msgid, key_actor, envelope, infcode, err_msg, results, received_at, ms)
    select infno, msgid, key_actor, envelope, infcode, err_msg, results, received_at::timestamptz, ms
    from json_to_recordset(${JSON.stringify(rows)}::json) as x(infno text, msgid text, key_actor text, envelope jsonb, infcode int, err_msg text, results int, received_at text, ms int)`;
}

/** A jr_id written twice keeps the first. */
function warningsInsert(rows: readonly (WarningRow & { created_at: string })[], where: SQL = sql`true`): SQL {
  return sql`
    insert into realtime_warnings (jr_id, stage, pack, pack_version, rule_id, rule_name, sev_deg, patn_id, mdtrt_id, medins_id, dept_codg, dr_codg, vola_amt_fen, result, created_at)
    select jr_id, stage, pack, pack_version, rule_id, rule_name, sev_deg, patn_id, mdtrt_id, medins_id, dept_codg, dr_codg, vola_amt_fen, result, created_at::timestamptz
    from json_to_recordset(${JSON.stringify(rows)}::json) as x(jr_id text, stage text, pack text, pack_version text, rule_id text, rule_name text, sev_deg text,
      patn_id text, mdtrt_id text, medins_id text, dept_codg text, dr_codg text, vola_amt_fen bigint, result jsonb, created_at text)
    where ${where}
    on conflict (jr_id) do nothing`;
}
