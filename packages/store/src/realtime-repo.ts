import { sql, type SQL } from 'drizzle-orm';
import type { Database, Db } from './database.ts';

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

/** Warnings returned by 3101/3102 and the call log. */
export class RealtimeRepo {
  private buffer: CallRow[] = [];
  private warningBuffer: (WarningRow & { created_at: string })[] = [];
  /** told when a background write fails; its rows stay queued for the next flush */
  onFlushError: (e: Error) => void = () => undefined;
  private timer: ReturnType<typeof setTimeout> | null = null;
  private flushing: Promise<void> = Promise.resolve();

  constructor(private readonly database: Database) {}

  /**
   * Queues a call-log row; rows are written together every 200 ms (or 500 at a time). The log is for tracing an
   * integration, so it stays out of the answer's critical path; `flush()` on shutdown writes what is queued.
   */
  logCall(c: CallRow): void {
    this.buffer.push(c);
    if (this.buffer.length >= 500) void this.flush();
    else if (!this.timer) {
      this.timer = setTimeout(() => void this.flush(), FLUSH_DELAY_MS);
      this.timer.unref?.();
    }
  }

  /**
   * Queues 3101 warnings to be written with the next flush (≤ 200 ms): a 事前 answer does not wait for a commit.
   * 3103 feedback flushes first, so a warning is always found by the feedback that names it; a failed write keeps
   * the rows queued and retries.
   */
  queueWarnings(rows: readonly WarningRow[], at: string): void {
    for (const r of rows) this.warningBuffer.push({ ...r, created_at: at });
    if (this.warningBuffer.length >= 500) void this.flush();
    else if (!this.timer) {
      this.timer = setTimeout(() => void this.flush(), FLUSH_DELAY_MS);
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
      if (warnings.length) {
        try {
          await this.writeWarnings(warnings);
        } catch (e) {
          this.warningBuffer.unshift(...warnings);
          this.onFlushError(e as Error);
        }
      }
      if (!rows.length) return;
      await this.database.rows(sql`
        insert into fsi_calls (infno, msgid, key_actor, envelope, infcode, err_msg, results, received_at, ms)
        select infno, msgid, key_actor, envelope, infcode, err_msg, results, received_at::timestamptz, ms
        from json_to_recordset(${JSON.stringify(rows)}::json) as x(infno text, msgid text, key_actor text, envelope jsonb, infcode int, err_msg text, results int, received_at text, ms int)`)
        .catch(() => undefined);
    });
    return this.flushing;
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
  private async writeWarnings(rows: readonly (WarningRow & { created_at: string })[], tx?: Db): Promise<void> {
    if (!rows.length) return;
    await this.database.rows(warningsInsert(rows), tx);
  }

  async insertCall(c: CallRow): Promise<void> {
    await this.database.rows(sql`
      insert into fsi_calls (infno, msgid, key_actor, envelope, infcode, err_msg, results, received_at, ms)
      values (${c.infno}, ${c.msgid}, ${c.key_actor}, ${JSON.stringify(c.envelope)}::jsonb, ${c.infcode}, ${c.err_msg}, ${c.results}, ${c.received_at}::timestamptz, ${c.ms})`);
  }
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
