import { createHash } from 'node:crypto';
import { sql } from 'drizzle-orm';
import { FundGuardError, type PatientEncounter } from '@fundguard/core';
import type { FindingRow } from '@fundguard/store';
import { stallWarningSql } from './stall.ts';
import { CasesRepo } from '@fundguard/store';
import type { Actor } from '../auth/roles.ts';
import type { ServiceContext } from '../context.ts';
import type { RunLease } from '../run-lease.ts';

/** Which encounters a run audits (period by admission date, [from, to)), optionally one region or institution. */
export interface RunScope {
  from: string;
  to: string;
  region?: string;
  medins_id?: string;
}

/** One finding as the evaluator reports it (the audit-api.md §3 row plus what the case workflow needs). */
export interface EvaluatedFinding {
  pack: string;
  pack_version: string;
  rule_id: string;
  rule_name: string;
  category: string;
  severity: 'violation' | 'suspicious' | 'reminder';
  appealable: boolean;
  mdtrt_id: string;
  amount_fen: number;
  /** the audit-api.md §3 result row */
  result: Record<string, unknown>;
}

/**
 * Evaluates one patient's encounters at stage post: `current` are the encounters in the run's scope, the others
 * are history. Must be deterministic: a re-run chunk must give the same findings (resume after a crash).
 */
export type BatchEvaluator = (patient: PatientEncounter['patient'], encounters: readonly PatientEncounter[], current: ReadonlySet<string>) => EvaluatedFinding[];

export interface RunStatus {
  id: number;
  kind: string;
  status: 'running' | 'cancelling' | 'cancelled' | 'done' | 'failed';
  params: RunScope;
  pack_versions: unknown;
  total_chunks: number;
  done_chunks: number;
  encounters: number;
  findings: number;
  error: string | null;
  /** a running run with no progress for a while (stall.ts) */
  warning: string | null;
  started_at: string;
  finished_at: string | null;
}

interface ChunkData {
  byPatient: Map<string, PatientEncounter[]>;
  inScope: Set<string>;
}

export const PATIENTS_PER_CHUNK = Number(process.env.FUNDGUARD_CHUNK_PATIENTS ?? 500);

/** Deterministic finding id: the same run, pack, rule and encounter always give the same id (idempotent writes). */
export function findingId(runId: number, f: Pick<EvaluatedFinding, 'pack' | 'rule_id' | 'mdtrt_id'>): string {
  return `F${runId}-${createHash('sha256').update(`${f.pack}\u0000${f.rule_id}\u0000${f.mdtrt_id}`).digest('hex').slice(0, 20)}`;
}

/**
 * Batch audit (事后审核) as a resumable job. A run is planned into chunks of patients (history locality: all of a
 * patient's encounters are in one chunk); each chunk's findings and its `done` mark commit in one transaction, so a
 * crash loses at most the chunk in flight, and resuming redoes exactly the unfinished chunks with identical results.
 * Chunks are plain rows (run id, chunk number, patient ids) so worker processes can take them unchanged.
 */
export class BatchAuditService {
  private readonly cases: CasesRepo;
  /** set on shutdown: runs stop after the chunk in flight and stay `running`, to be resumed by the next process */
  stopping = false;

  constructor(private readonly ctx: ServiceContext) {
    this.cases = new CasesRepo(ctx.database);
  }

  /** Plans a run: a row for the run and one per chunk. Returns the run id; nothing is evaluated yet. */
  async plan(actor: Actor, scope: RunScope, packVersions: unknown, kind = 'batch', patientsPerChunk = PATIENTS_PER_CHUNK): Promise<number> {
    const allowed = kind === 'replay' ? ['admin', 'auditor', 'rule_admin'] : ['admin', 'auditor'];
    if (!allowed.includes(actor.role)) throw new FundGuardError('E_FORBIDDEN', `role ${actor.role} may not start ${kind} runs`);
    if (!(scope.from < scope.to)) throw new FundGuardError('E_FIELD_INVALID', 'the period needs from < to', [{ field: 'to', value: scope.to, reason: 'must be after from' }]);
    const at = this.ctx.nowIso();
    return this.ctx.database.transaction(async (tx) => {
      const [{ id }] = await this.ctx.database.rows<{ id: number }>(sql`
        insert into audit_runs (kind, status, params, pack_versions, actor, started_at, executor, heartbeat_at)
        values (${kind}, 'running', ${JSON.stringify(scope)}::jsonb, ${JSON.stringify(packVersions)}::jsonb, ${actor.id}, ${at}::timestamptz,
          ${this.ctx.executorId}, ${at}::timestamptz) returning id`, tx);
      const patients = await this.ctx.database.rows<{ patn_id: string }>(sql`
        select distinct patn_id from encounters where ${this.scopeSql(scope)} order by patn_id`, tx);
      const chunks: { r: number; c: number; p: string[] }[] = [];
      for (let i = 0; i < patients.length; i += patientsPerChunk) chunks.push({ r: id, c: chunks.length, p: patients.slice(i, i + patientsPerChunk).map((x) => x.patn_id) });
      if (chunks.length) {
        await this.ctx.database.rows(sql`
          insert into audit_run_chunks (run_id, chunk_no, patient_ids) select r, c, p from json_to_recordset(${JSON.stringify(chunks)}::json) as x(r bigint, c int, p jsonb)`, tx);
      }
      await this.ctx.database.rows(sql`update audit_runs set total_chunks = ${chunks.length} where id = ${id}`, tx);
      await this.ctx.auditLog.append(tx, [{ actor: actor.id, action: `run.${kind}.start`, entityType: 'audit_run', entityId: String(id), at, detail: { scope, chunks: chunks.length, patients: patients.length } }]);
      return id;
    });
  }

  private scopeSql(scope: RunScope) {
    return sql`adm_date >= ${scope.from}::date and adm_date < ${scope.to}::date
      and (${scope.region ?? null}::text is null or region = ${scope.region ?? null})
      and (${scope.medins_id ?? null}::text is null or medins_id = ${scope.medins_id ?? null})`;
  }

  /**
   * Runs the unfinished chunks of a run (a fresh run or one interrupted by a crash), in order, until done or
   * cancelled. `onChunk` reports progress after each committed chunk.
   */
  async execute(runId: number, evaluate: BatchEvaluator, opts: { onChunk?: (s: RunStatus) => void; worker?: string } = {}): Promise<RunStatus> {
    const run = await this.status(runId);
    if (['done', 'cancelled'].includes(run.status)) return run;
    const scope = run.params;
    await this.heartbeat(runId); // this process executes it now
    try {
      // While one chunk is evaluated, the next one's encounters are already being read: the database works on the
      // other core instead of waiting (a chunk in memory twice at most).
      let prefetched: { chunkNo: number; data: Promise<ChunkData> } | null = null;
      for (;;) {
        if (this.stopping) return this.status(runId);
        const current = (await this.ctx.database.rows<{ status: string; executor: string | null }>(sql`select status, executor from audit_runs where id = ${runId}`))[0];
        if (current.executor !== this.ctx.executorId) return this.status(runId); // taken over: this process was thought gone
        if (current.status === 'cancelling') {
          await this.ctx.database.rows(sql`update audit_runs set status = 'cancelled', finished_at = ${this.ctx.nowIso()}::timestamptz where id = ${runId}`);
          return this.status(runId);
        }
        const next = await this.ctx.database.rows<{ chunk_no: number; patient_ids: string[] }>(sql`
          select chunk_no, patient_ids from audit_run_chunks where run_id = ${runId} and status <> 'done' order by chunk_no limit 2`);
        if (!next.length) break;
        const data = prefetched?.chunkNo === next[0].chunk_no ? prefetched.data : this.loadChunk(next[0].patient_ids, scope);
        prefetched = next[1] ? { chunkNo: next[1].chunk_no, data: this.loadChunk(next[1].patient_ids, scope) } : null;
        prefetched?.data.catch(() => undefined); // its error, if any, is met when that chunk is run
        await this.runLoadedChunk(runId, next[0].chunk_no, await data, evaluate, opts.worker ?? 'in-process');
        opts.onChunk?.(await this.status(runId));
      }
      await this.finish(runId, run.kind);
    } catch (e) {
      await this.ctx.database.rows(sql`update audit_runs set status = 'failed', error = ${(e as Error).message} where id = ${runId}`);
      throw e;
    }
    return this.status(runId);
  }

  /** Marks a run whose chunks are all done as done (once), in the audit log too. */
  async finish(runId: number, kind: string): Promise<void> {
    await this.ctx.database.transaction(async (tx) => {
      const r = await this.ctx.database.rows(sql`update audit_runs set status = 'done', finished_at = ${this.ctx.nowIso()}::timestamptz
        where id = ${runId} and status in ('running', 'cancelling') returning id`, tx);
      if (r.length) await this.ctx.auditLog.append(tx, [{ actor: 'system', action: `run.${kind}.done`, entityType: 'audit_run', entityId: String(runId), at: this.ctx.nowIso(), detail: {} }]);
    });
  }

  /** The chunks not yet done, in order. */
  async pendingChunks(runId: number): Promise<{ chunk_no: number; patient_ids: string[] }[]> {
    return this.ctx.database.rows(sql`select chunk_no, patient_ids from audit_run_chunks where run_id = ${runId} and status <> 'done' order by chunk_no`);
  }

  async chunk(runId: number, chunkNo: number): Promise<{ status: string; patient_ids: string[] } | null> {
    return (await this.ctx.database.rows<{ status: string; patient_ids: string[] }>(sql`select status, patient_ids from audit_run_chunks where run_id = ${runId} and chunk_no = ${chunkNo}`))[0] ?? null;
  }

  async fail(runId: number, error: string): Promise<void> {
    await this.ctx.database.rows(sql`update audit_runs set status = 'failed', error = ${error}, finished_at = ${this.ctx.nowIso()}::timestamptz where id = ${runId} and status in ('running', 'cancelling')`);
  }

  /** Evaluates one chunk and commits its findings with its done mark; safe to repeat (ids are deterministic). */
  async runChunk(runId: number, chunkNo: number, patientIds: readonly string[], scope: RunScope, evaluate: BatchEvaluator, worker: string): Promise<number> {
    return this.runLoadedChunk(runId, chunkNo, await this.loadChunk(patientIds, scope), evaluate, worker);
  }

  /** All encounters of the chunk's patients (those in scope are audited, the rest are history for wide windows), by patient. */
  private async loadChunk(patientIds: readonly string[], scope: RunScope): Promise<ChunkData> {
    const ids = JSON.stringify(patientIds);
    const [all, inScopeRows] = await Promise.all([
      this.ctx.encounters.load(sql`e.patn_id in (select json_array_elements_text(${ids}::json))`),
      this.ctx.database.rows<{ mdtrt_id: string }>(sql`select mdtrt_id from encounters where patn_id in (select json_array_elements_text(${ids}::json)) and ${this.scopeSql(scope)}`),
    ]);
    const byPatient = new Map<string, PatientEncounter[]>();
    for (const pe of all) {
      let list = byPatient.get(pe.patient.patn_id);
      if (!list) byPatient.set(pe.patient.patn_id, (list = []));
      list.push(pe);
    }
    return { byPatient, inScope: new Set(inScopeRows.map((r) => r.mdtrt_id)) };
  }

  private async runLoadedChunk(runId: number, chunkNo: number, { byPatient, inScope }: ChunkData, evaluate: BatchEvaluator, worker: string): Promise<number> {
    const rows: FindingRow[] = [];
    let evaluated = 0;
    for (const [, encounters] of byPatient) {
      // Let requests through between patients: a chunk must not hold the event loop for long.
      if (++evaluated % 50 === 0) await new Promise((r) => setImmediate(r));
      const current = new Set(encounters.filter((e) => inScope.has(e.encounter.mdtrt_id)).map((e) => e.encounter.mdtrt_id));
      if (!current.size) continue;
      const byId = new Map(encounters.map((e) => [e.encounter.mdtrt_id, e.encounter]));
      for (const f of evaluate(encounters[0].patient, encounters, current)) {
        const enc = byId.get(f.mdtrt_id);
        if (!enc) throw new FundGuardError('E_INTERNAL', `evaluator returned a finding for unknown encounter ${f.mdtrt_id}`);
        const flaggedRx = new Set(((f.result.judge_result_detail_dtos as { rx_id: string }[] | undefined) ?? []).map((d) => d.rx_id));
        const firstLine = enc.fsi_order_dtos.find((l) => flaggedRx.has(l.rx_id));
        rows.push({
          id: findingId(runId, f), run_id: runId, pack: f.pack, pack_version: f.pack_version, rule_id: f.rule_id, rule_name: f.rule_name, category: f.category,
          severity: f.severity, appealable: f.appealable, patn_id: enc.patn_id, mdtrt_id: f.mdtrt_id, medins_id: enc.medins_id,
          dept_codg: firstLine?.drord_dept_codg || enc.adm_dept_codg, dr_codg: firstLine?.drord_dr_codg || enc.dr_codg,
          month: (enc.settlement?.setl_time ?? enc.adm_date).slice(0, 7), amount_fen: f.amount_fen, result: f.result,
        });
      }
    }
    await this.ctx.database.transaction(async (tx) => {
      const claimed = await this.ctx.database.rows(sql`
        select 1 from audit_run_chunks where run_id = ${runId} and chunk_no = ${chunkNo} and status <> 'done' for update`, tx);
      if (!claimed.length) return; // another worker finished it meanwhile
      await this.cases.insertFindings(tx, rows);
      await this.ctx.database.rows(sql`
        update audit_run_chunks set status = 'done', encounters = ${inScope.size}, findings = ${rows.length}, worker = ${worker}, done_at = ${this.ctx.nowIso()}::timestamptz
        where run_id = ${runId} and chunk_no = ${chunkNo}`, tx);
      await this.ctx.database.rows(sql`
        update audit_runs set done_chunks = done_chunks + 1, encounters = encounters + ${inScope.size}, findings = findings + ${rows.length},
          heartbeat_at = ${this.ctx.nowIso()}::timestamptz where id = ${runId}`, tx);
    });
    return rows.length;
  }

  async cancel(actor: Actor, runId: number): Promise<RunStatus> {
    if (!['admin', 'auditor'].includes(actor.role)) throw new FundGuardError('E_FORBIDDEN', `role ${actor.role} may not cancel runs`);
    await this.ctx.database.rows(sql`update audit_runs set status = 'cancelling' where id = ${runId} and status = 'running'`);
    await this.ctx.auditLog.appendNow([{ actor: actor.id, action: 'run.cancel', entityType: 'audit_run', entityId: String(runId), at: this.ctx.nowIso() }]);
    return this.status(runId);
  }

  async status(runId: number): Promise<RunStatus> {
    const rows = await this.ctx.database.rows<RunStatus>(sql`
      select id, kind, status, params, pack_versions, total_chunks, done_chunks, encounters, findings, error, ${stallWarningSql(this.ctx.clock())} as warning,
        to_char(started_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') as started_at, to_char(finished_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') as finished_at
      from audit_runs r where id = ${runId}`);
    if (!rows[0]) throw new FundGuardError('E_NOT_FOUND', `no audit run ${runId}`);
    return rows[0];
  }

  /** Runs not finished, whoever executes them. */
  async unfinished(): Promise<number[]> {
    return (await this.unfinishedRuns()).map((r) => r.id);
  }

  async unfinishedRuns(): Promise<({ id: number; kind: string } & RunLease)[]> {
    return this.ctx.database.rows(sql`select id, kind, executor, to_char(heartbeat_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') as heartbeat_at
      from audit_runs where status in ('running', 'cancelling') order by id`);
  }

  /** Records this process as the run's executor, alive now (at the start, and while coordinating workers). */
  async heartbeat(runId: number): Promise<void> {
    await this.ctx.database.rows(sql`update audit_runs set executor = ${this.ctx.executorId}, heartbeat_at = ${this.ctx.nowIso()}::timestamptz where id = ${runId}`);
  }

  /** A heartbeat while coordinating; false when the run has been taken over meanwhile (then stop coordinating it). */
  async heartbeatIfExecutor(runId: number): Promise<boolean> {
    const r = await this.ctx.database.rows(sql`update audit_runs set heartbeat_at = ${this.ctx.nowIso()}::timestamptz
      where id = ${runId} and executor = ${this.ctx.executorId} returning id`);
    return r.length === 1;
  }

  /**
   * Takes a run over from an executor that is gone; false when another process took it first or the executor showed
   * progress since it was read (compare-and-set on both).
   */
  async claim(runId: number, from: RunLease): Promise<boolean> {
    const r = await this.ctx.database.rows(sql`update audit_runs set executor = ${this.ctx.executorId}, heartbeat_at = ${this.ctx.nowIso()}::timestamptz
      where id = ${runId} and executor is not distinct from ${from.executor} and date_trunc('milliseconds', heartbeat_at) is not distinct from ${from.heartbeat_at}::timestamptz returning id`);
    return r.length === 1;
  }
}
