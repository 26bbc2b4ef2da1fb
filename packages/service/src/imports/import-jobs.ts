import { FundGuardError, type FieldIssue } from '@fundguard/core';
import { sql } from 'drizzle-orm';
import { boundInstitution, type Actor } from '../auth/roles.ts';
import type { ServiceContext } from '../context.ts';
import { executorGone } from '../run-lease.ts';
import type { ImportKind, ImportProgress, ImportReport } from './import-service.ts';
import type { TabularFormat } from './records.ts';

/** Uploads larger than this run as import jobs (202 and progress) instead of one long request; FUNDGUARD_IMPORT_JOB_MB. */
export const IMPORT_JOB_BYTES = Number(process.env.FUNDGUARD_IMPORT_JOB_MB ?? 10) * 1024 * 1024;

export type ImportStatus = 'validating' | 'applying' | 'applied' | 'failed' | 'interrupted';

/** What GET /api/v1/imports/{id} answers. */
export interface ImportJobView {
  id: number;
  kind: string;
  file_name: string;
  format: string;
  status: ImportStatus;
  /** all-or-nothing: until status is applied nothing of the file is visible; failed or interrupted changed nothing */
  mode: 'all-or-nothing';
  actor: string;
  bytes: number;
  bytes_read: number;
  /** records read and validated so far */
  records_validated: number;
  /** records written so far inside the import's transaction (visible when it commits) */
  records_applied: number;
  /** records in the file once known (after validation), else null */
  records: number | null;
  /** 0–100 */
  percent: number;
  /** seconds left, estimated from the progress so far; null when unknown or finished */
  eta_seconds: number | null;
  started_at: string;
  finished_at: string | null;
  /** the import's report once applied */
  report: ImportReport | null;
  /** why it failed: the import's error (code, message, line errors: first 100 and the total) */
  error: { code: string; message: string; issues: FieldIssue[]; total: number } | null;
}

interface Live {
  row: { kind: string; file_name: string; format: string; actor: string; bytes: number; started_at: string };
  /** the institution of who started it (null: an agency user); a caller bound to another institution sees 404 */
  institution: string | null;
  progress: ImportProgress;
  startedMs: number;
  status: ImportStatus;
  lastWrite: number;
  writing: boolean;
  error?: ImportJobView['error'];
}

const INTERRUPTED = '导入进程已停止，未导入任何数据（全部或全不）；请重新导入该文件 (interrupted: the process running the import stopped; nothing was applied, all-or-nothing; import the file again)';

/**
 * Imports as jobs (issue 20): the row in `imports` is made first (status validating), the import runs in the
 * background of this process, and its progress is kept here (every answer) and in the row (about once a second, for
 * the other processes and after a restart). An import is all-or-nothing: a job whose process stopped changed nothing
 * and is marked interrupted by failInterrupted; it is run again by importing the file again.
 */
export class ImportJobs {
  private readonly live = new Map<number, Live>();
  /** the jobs of this process, for close() and tests */
  private readonly running = new Map<number, Promise<void>>();

  constructor(private readonly ctx: ServiceContext) {}

  /**
   * Starts an import job and answers its id at once; `run` is the import (ImportService) with the job's row.
   * `cleanup` runs when it ends either way (the spooled upload).
   */
  async start(kind: ImportKind, actor: Actor, file: { name: string; format: TabularFormat; bytes: number }, run: (importId: number, onProgress: (p: ImportProgress) => void) => Promise<ImportReport>, cleanup: () => void = () => undefined): Promise<{ id: number; done: Promise<void> }> {
    let id: number;
    try {
      [{ id }] = await this.ctx.database.rows<{ id: number }>(sql`
        insert into imports (kind, file_name, format, status, actor, started_at, bytes, executor, heartbeat_at)
        values (${kind}, ${file.name}, ${file.format}, 'validating', ${actor.id}, ${this.ctx.nowIso()}::timestamptz, ${file.bytes}, ${this.ctx.executorId}, ${this.ctx.nowIso()}::timestamptz)
        returning id`);
    } catch (e) {
      cleanup();
      throw e;
    }
    const live: Live = {
      row: { kind, file_name: file.name, format: file.format, actor: actor.id, bytes: file.bytes, started_at: this.ctx.nowIso().slice(0, 19) + 'Z' },
      institution: boundInstitution(actor), progress: { phase: 'validate', done: 0, total: 0, validated: 0, applied: 0, bytes: 0 }, startedMs: Date.now(), status: 'validating', lastWrite: 0, writing: false };
    this.live.set(id, live);
    const onProgress = (p: ImportProgress) => {
      live.progress = p;
      if (live.status === 'validating' && p.phase === 'apply') live.status = 'applying';
      const now = Date.now();
      if (live.writing || now - live.lastWrite < 1000) return;
      live.lastWrite = now;
      live.writing = true;
      // Outside the import's transaction, on another connection (PGlite: queued until the session is free); never
      // over a final status.
      this.ctx.database.rows(sql`
        update imports set status = ${live.status}, validated = ${p.validated ?? 0}, applied = ${p.applied ?? 0}, bytes_read = ${p.bytes ?? 0}, heartbeat_at = ${this.ctx.nowIso()}::timestamptz
        where id = ${id} and status in ('validating', 'applying')`).catch(() => undefined).finally(() => (live.writing = false));
    };
    const done = (async () => {
      try {
        await run(id, onProgress);
        live.status = 'applied';
      } catch (e) {
        const err = e instanceof FundGuardError
          ? { code: e.code, message: e.message, issues: e.issues, total: e.total ?? e.issues.length }
          : { code: 'E_INTERNAL', message: `the import failed: ${(e as Error).message}`, issues: [], total: 0 };
        live.error = err;
        live.status = 'failed';
        await this.ctx.database.rows(sql`
          update imports set status = 'failed', error_count = ${err.total}, report = ${JSON.stringify({ error: err })}::jsonb, finished_at = ${this.ctx.nowIso()}::timestamptz
          where id = ${id} and status in ('validating', 'applying')`).catch(() => undefined);
      } finally {
        cleanup();
        this.running.delete(id);
        // The row has the outcome; the live figures are no longer needed.
        this.live.delete(id);
      }
    })();
    this.running.set(id, done);
    return { id, done };
  }

  /** The job as GET /api/v1/imports/{id} shows it; another institution's import answers 404 like a missing one. */
  async get(actor: Actor, id: number): Promise<ImportJobView> {
    const bound = boundInstitution(actor);
    const running = this.live.get(id);
    // A job of this process answers from memory: on the embedded database its row waits while the import holds the session.
    if (running && (bound === null || running.institution === bound)) return this.view(id, { ...running.row, status: running.status, bytes_read: 0, validated: 0, applied: 0, records: 0, finished_at: null, report: null }, running);
    const [row] = await this.ctx.database.rows<{
      id: number; kind: string; file_name: string; format: string; status: ImportStatus; actor: string; bytes: number; bytes_read: number; validated: number;
      applied: number; records: number; started_at: string; finished_at: string | null; report: Record<string, unknown> | null;
    }>(sql`
      select id, kind, file_name, format, status, actor, bytes, bytes_read, validated, applied, records, report,
        to_char(started_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') as started_at,
        to_char(finished_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') as finished_at
      from imports i
      where id = ${id} and (${bound}::text is null
        or i.actor in (select u.username from users u where u.institution_id = ${bound} union all select 'key:' || k.key_id from api_keys k where k.institution_id = ${bound}))`);
    if (!row) throw new FundGuardError('E_NOT_FOUND', `no import ${id}`);
    return this.view(id, row, this.live.get(id));
  }

  private view(id: number, row: {
    kind: string; file_name: string; format: string; status: ImportStatus; actor: string; bytes: number; bytes_read: number; validated: number;
    applied: number; records: number; started_at: string; finished_at: string | null; report: Record<string, unknown> | null;
  }, live: Live | undefined): ImportJobView {
    const p = live?.progress;
    const status: ImportStatus = live && (row.status === 'validating' || row.status === 'applying') ? live.status : row.status;
    const finished = status === 'applied' || status === 'failed' || status === 'interrupted';
    const validated = p?.validated ?? row.validated;
    const applied = p?.applied ?? row.applied;
    const bytesRead = p?.bytes ?? row.bytes_read;
    const records = status === 'applied' ? row.records : p && p.phase === 'apply' && p.total ? p.total : null;
    // Reading and validating is about two thirds of an import's time, applying the rest (PostgreSQL applies while it reads).
    const readShare = row.bytes ? Math.min(1, bytesRead / row.bytes) : 0;
    const applyShare = records ? Math.min(1, applied / records) : 0;
    const fraction = finished ? 1 : this.ctx.database.kind === 'postgres' ? Math.max(readShare * 0.95, applyShare) : readShare * 0.65 + applyShare * 0.35;
    const elapsed = live ? (Date.now() - live.startedMs) / 1000 : 0;
    const eta = !finished && live && fraction > 0.02 ? Math.round((elapsed * (1 - fraction)) / fraction) : null;
    const rep = row.report as { error?: ImportJobView['error'] } & Partial<ImportReport> | null;
    return {
      id, kind: row.kind, file_name: row.file_name, format: row.format, status, mode: 'all-or-nothing', actor: row.actor, bytes: row.bytes,
      bytes_read: finished && status === 'applied' ? row.bytes : bytesRead, records_validated: status === 'applied' ? row.records : validated,
      records_applied: status === 'applied' ? row.records : applied, records, percent: Math.floor(fraction * 100), eta_seconds: eta,
      started_at: row.started_at, finished_at: row.finished_at,
      report: status === 'applied' && rep ? stripReport(rep) : null,
      error: status === 'failed' ? rep?.error ?? live?.error ?? { code: 'E_INTERNAL', message: 'the import failed', issues: [], total: 0 }
        : status === 'interrupted' ? { code: 'E_INTERRUPTED', message: INTERRUPTED, issues: [], total: 0 } : null,
    };
  }

  /**
   * Jobs whose process is gone (run-lease.ts: a process of this host that exited, or no heartbeat for the lease time)
   * are marked interrupted: nothing of them was applied (their transaction never committed). Returns their ids.
   */
  async failInterrupted(): Promise<number[]> {
    const rows = await this.ctx.database.rows<{ id: number; executor: string | null; heartbeat_at: string | null }>(sql`
      select id, executor, to_char(heartbeat_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') as heartbeat_at from imports where status in ('validating', 'applying')`);
    const now = this.ctx.clock().getTime();
    const gone = rows.filter((r) => !this.running.has(r.id) && executorGone({ executor: r.executor, heartbeat_at: r.heartbeat_at }, this.ctx.executorId, now));
    for (const r of gone) {
      await this.ctx.database.rows(sql`
        update imports set status = 'interrupted', report = ${JSON.stringify({ reason: INTERRUPTED })}::jsonb, finished_at = ${this.ctx.nowIso()}::timestamptz
        where id = ${r.id} and status in ('validating', 'applying')`);
    }
    return gone.map((r) => r.id);
  }

  /** Waits for this process's jobs to end (tests, shutdown). */
  async idle(): Promise<void> {
    await Promise.all([...this.running.values()]);
  }
}

function stripReport(r: Partial<ImportReport> & { replaced_ids?: unknown }): ImportReport {
  const { replaced_ids: _ids, ...rest } = r;
  return rest as ImportReport;
}
