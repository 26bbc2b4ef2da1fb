import { sql } from 'drizzle-orm';
import { FundGuardError } from '@fundguard/core';
import type { Actor } from '../auth/roles.ts';
import type { ServiceContext } from '../context.ts';
import type { ActiveRules } from '../engine/active-rules.ts';
import { rulesEvaluator } from '../engine/batch-evaluator.ts';
import { BatchAuditService, type RunScope, type RunStatus } from './batch-audit.ts';
import { RulePacksRepo } from '@fundguard/store';
import type { WorkQueue } from '../distributed/work-queue.ts';
import { executorGone } from '../run-lease.ts';

export interface ImpactReport {
  run_active: number;
  run_draft: number;
  pack: string;
  draft_version: string;
  active_version: string | null;
  findings_added: number;
  findings_removed: number;
  amount_delta: number;
  by_rule: { rule_id: string; added: number; removed: number; amount_delta: number }[];
  by_institution: { medins_id: string; added: number; removed: number; amount_delta: number }[];
}

/**
 * Starts batch runs in this process (in the background: the caller gets the run id and follows progress) and
 * resumes runs a stopped process left unfinished. Impact replay runs a draft pack version against a past period
 * next to the active set and reports the difference before the draft is activated.
 */
export class RunService {
  readonly batch: BatchAuditService;
  private readonly running = new Map<number, Promise<RunStatus>>();

  private stopping = false;

  /** told once when a run this process coordinates stops making progress (stall.ts), and again if it stalls anew; the server logs it */
  onWarning: (runId: number, warning: string) => void = () => undefined;

  /** With a work queue, chunks go to `fundguard worker` processes over NATS and this process only coordinates. */
  constructor(private readonly ctx: ServiceContext, private readonly rules: ActiveRules, readonly work: WorkQueue | null = null) {
    this.batch = new BatchAuditService(ctx);
  }

  async start(actor: Actor, scope: RunScope, opts: { wait?: boolean; patientsPerChunk?: number } = {}): Promise<RunStatus> {
    const snap = this.rules.snapshot();
    if (!snap.packs.length) throw new FundGuardError('E_CONFLICT', 'no active rule pack: upload and activate one first');
    const id = await this.batch.plan(actor, scope, snap.versions, 'batch', opts.patientsPerChunk);
    const p = this.work ? this.distribute(id) : this.batch.execute(id, rulesEvaluator(snap, id));
    this.track(id, p);
    if (opts.wait) return p;
    return this.batch.status(id);
  }

  private track(id: number, p: Promise<RunStatus>): void {
    this.running.set(id, p);
    p.catch(() => undefined).finally(() => this.running.delete(id));
  }

  /** The completion of a run started by this process (its status now if it is not running here). */
  done(id: number): Promise<RunStatus> {
    return this.running.get(id) ?? this.batch.status(id);
  }

  /**
   * Resumes the runs whose executing process is gone (run-lease.ts), with the rules active now. Impact replays are
   * failed instead: each answered one request, with a draft pack that only that request had compiled.
   * At start-up and then periodically, so that runs of a process that died beside live ones are picked up too.
   */
  async resumeUnfinished(): Promise<number[]> {
    const resumed: number[] = [];
    const now = this.ctx.clock().getTime();
    for (const run of await this.batch.unfinishedRuns()) {
      if (this.running.has(run.id) || !executorGone(run, this.ctx.executorId, now)) continue;
      if (!(await this.batch.claim(run.id, run))) continue;
      if (run.kind === 'replay') {
        await this.batch.fail(run.id, 'interrupted: the process computing this impact replay stopped; request the replay again');
        continue;
      }
      this.track(run.id, this.work ? this.distribute(run.id) : this.batch.execute(run.id, rulesEvaluator(this.rules.snapshot(), run.id)));
      resumed.push(run.id);
    }
    return resumed;
  }

  /**
   * Distributed run: publishes the pending chunks (again, after a restart: the message ids and the chunks' done
   * marks make that harmless) and follows the chunks' done marks in the database until all are done.
   */
  private async distribute(id: number): Promise<RunStatus> {
    const run = await this.batch.status(id);
    await this.batch.heartbeat(id);
    await this.work!.publish((await this.batch.pendingChunks(id)).map((c) => ({ kind: 'audit' as const, run_id: id, chunk_no: c.chunk_no })));
    let beat = Date.now();
    let warned: string | null = null;
    for (;;) {
      if (Date.now() - beat > 5000) {
        // The coordinator is alive even while workers' chunks take long; if another process took the run over, stop.
        if (!(await this.batch.heartbeatIfExecutor(id))) return this.batch.status(id);
        beat = Date.now();
      }
      const s = await this.batch.status(id);
      if (s.status === 'cancelling') {
        await this.ctx.database.rows(sql`update audit_runs set status = 'cancelled', finished_at = ${this.ctx.nowIso()}::timestamptz where id = ${id}`);
        return this.batch.status(id);
      }
      if (['done', 'cancelled', 'failed'].includes(s.status)) return s;
      if (s.warning && !warned) this.onWarning(id, s.warning);
      warned = s.warning;
      if (s.done_chunks >= s.total_chunks) {
        await this.batch.finish(id, run.kind);
        return this.batch.status(id);
      }
      if (this.stopping) return s;
      await new Promise((r) => setTimeout(r, 250));
    }
  }

  /** Shutdown: runs stop after their chunk in flight (a safe point) and are resumed by the next start. */
  async stop(): Promise<void> {
    this.batch.stopping = true;
    this.stopping = true;
    await Promise.allSettled([...this.running.values()]);
  }

  async impact(actor: Actor, pack: string, draftVersion: string, scope: RunScope): Promise<ImpactReport> {
    const repo = new RulePacksRepo(this.ctx.database);
    const draft = await repo.version(pack, draftVersion);
    if (!draft) throw new FundGuardError('E_NOT_FOUND', `no version ${draftVersion} of pack ${pack}`);
    const snap = this.rules.snapshot();
    const draftPack = this.rules.compile(draft.content);
    const activePacks = snap.packs;
    const withDraft = [...activePacks.filter((p) => p.id !== pack), draftPack];
    const activeVersion = snap.versions.find((v) => v.pack === pack)?.version ?? null;
    const runActive = await this.batch.plan(actor, scope, snap.versions, 'replay');
    await this.batch.execute(runActive, rulesEvaluator(snap, runActive, activePacks));
    const runDraft = await this.batch.plan(actor, scope, [...snap.versions.filter((v) => v.pack !== pack), { pack, version: draftVersion }], 'replay');
    await this.batch.execute(runDraft, rulesEvaluator(snap, runDraft, withDraft));
    // Compare by (pack, rule, encounter): finding ids differ between runs by design.
    const rows = await this.ctx.database.rows<{ rule_id: string; medins_id: string; in_a: boolean; in_b: boolean; amt_a: number; amt_b: number }>(sql`
      with a as (select pack, rule_id, mdtrt_id, medins_id, amount_fen from findings where run_id = ${runActive}),
           b as (select pack, rule_id, mdtrt_id, medins_id, amount_fen from findings where run_id = ${runDraft})
      select coalesce(a.rule_id, b.rule_id) as rule_id, coalesce(a.medins_id, b.medins_id) as medins_id,
        a.rule_id is not null as in_a, b.rule_id is not null as in_b, coalesce(a.amount_fen, 0)::float8 as amt_a, coalesce(b.amount_fen, 0)::float8 as amt_b
      from a full outer join b on a.pack = b.pack and a.rule_id = b.rule_id and a.mdtrt_id = b.mdtrt_id
      where a.rule_id is null or b.rule_id is null or a.amount_fen <> b.amount_fen`);
    const agg = (key: 'rule_id' | 'medins_id') => {
      const m = new Map<string, { added: number; removed: number; amount_delta: number }>();
      for (const r of rows) {
        const e = m.get(r[key]) ?? { added: 0, removed: 0, amount_delta: 0 };
        if (!r.in_a) e.added++;
        if (!r.in_b) e.removed++;
        e.amount_delta += (r.amt_b - r.amt_a) / 100;
        m.set(r[key], e);
      }
      return [...m.entries()].map(([k, v]) => ({ [key]: k, ...v, amount_delta: Math.round(v.amount_delta * 100) / 100 })).sort((x, y) => Math.abs(y.amount_delta) - Math.abs(x.amount_delta));
    };
    const report: ImpactReport = {
      run_active: runActive, run_draft: runDraft, pack, draft_version: draftVersion, active_version: activeVersion,
      findings_added: rows.filter((r) => !r.in_a).length, findings_removed: rows.filter((r) => !r.in_b).length,
      amount_delta: Math.round(rows.reduce((s, r) => s + r.amt_b - r.amt_a, 0)) / 100,
      by_rule: agg('rule_id') as ImpactReport['by_rule'], by_institution: agg('medins_id') as ImpactReport['by_institution'],
    };
    await this.ctx.auditLog.appendNow([{ actor: actor.id, action: 'rule_pack.impact', entityType: 'rule_pack', entityId: `${pack}@${draftVersion}`, at: this.ctx.nowIso(), detail: { ...report, by_rule: undefined, by_institution: undefined } }]);
    return report;
  }
}
