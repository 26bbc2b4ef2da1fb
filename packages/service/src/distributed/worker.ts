import { hostname } from 'node:os';
import { FundGuardError, type CompiledPack } from '@fundguard/core';
import { RulePacksRepo } from '@fundguard/store';
import type { FundGuard } from '../fundguard.ts';
import { rulesEvaluator } from '../engine/batch-evaluator.ts';
import type { BatchEvaluator } from '../batch/batch-audit.ts';
import type { WorkQueue, WorkTask } from './work-queue.ts';

export interface WorkerOptions {
  name?: string;
  log?: (msg: string, data?: Record<string, unknown>) => void;
  /** fault-injection for tests: pause this long after loading a chunk, before committing it */
  pauseBeforeCommitMs?: number;
}

/**
 * `fundguard worker`: takes chunk tasks from the work queue and runs them exactly as the in-process path does
 * (BatchAuditService.runChunk), with the pack versions the run was planned with. A chunk's findings and its done
 * mark commit in one transaction and finding ids are deterministic, so a redelivered chunk (its worker died before
 * the ack) adds nothing twice.
 */
export async function startWorker(fg: FundGuard, work: WorkQueue, opts: WorkerOptions = {}): Promise<{ name: string; stop: () => Promise<void>; done: Promise<void> }> {
  const name = opts.name ?? `${hostname()}:${process.pid}`;
  const log = opts.log ?? (() => undefined);
  const evaluators = new Map<number, Promise<BatchEvaluator>>();
  const packs = new RulePacksRepo(fg.database);

  // The run's own pack versions, compiled once per run: a worker started after an activation still audits with
  // the versions the run was planned with.
  const evaluatorFor = (runId: number, versions: { pack: string; version: string }[]) => {
    let e = evaluators.get(runId);
    if (!e) {
      e = (async () => {
        const snap = fg.rules.snapshot();
        const same = versions.length === snap.versions.length && versions.every((v) => snap.versions.some((s) => s.pack === v.pack && s.version === v.version));
        if (same) return rulesEvaluator(snap, runId);
        const compiled: CompiledPack[] = [];
        for (const v of versions) {
          const row = await packs.version(v.pack, v.version);
          if (!row) throw new FundGuardError('E_NOT_FOUND', `run ${runId} names pack ${v.pack}@${v.version}, which is not stored`);
          compiled.push(fg.rules.compile(row.content));
        }
        return rulesEvaluator(snap, runId, compiled);
      })();
      evaluators.set(runId, e);
      if (evaluators.size > 20) evaluators.delete(evaluators.keys().next().value!);
    }
    return e;
  };

  const handler = async (task: WorkTask, info: { deliveries: number }) => {
    if (task.kind === 'screen') {
      const t0 = Date.now();
      await fg.screening.screenPart(task.run_id, task.medins_id, name);
      log('institution screened', { run: task.run_id, medins_id: task.medins_id, ms: Date.now() - t0, worker: name });
      return;
    }
    if (task.kind !== 'audit') throw new FundGuardError('E_INPUT_INVALID', `this worker does not know tasks of kind ${(task as { kind: string }).kind}`);
    const run = await fg.runs.batch.status(task.run_id);
    if (run.status !== 'running') return; // done, cancelled or failed: nothing to do, the task is acked
    const chunk = await fg.runs.batch.chunk(task.run_id, task.chunk_no);
    if (!chunk || chunk.status === 'done') return;
    const evaluate = await evaluatorFor(task.run_id, run.pack_versions as { pack: string; version: string }[]);
    const t0 = Date.now();
    log('chunk start', { run: task.run_id, chunk: task.chunk_no, deliveries: info.deliveries, worker: name });
    if (opts.pauseBeforeCommitMs) await new Promise((r) => setTimeout(r, opts.pauseBeforeCommitMs));
    const findings = await fg.runs.batch.runChunk(task.run_id, task.chunk_no, chunk.patient_ids, run.params, evaluate, name);
    log('chunk done', { run: task.run_id, chunk: task.chunk_no, findings, ms: Date.now() - t0, worker: name });
  };
  const consumer = await work.consume(handler, {
    onGiveUp: async (task, e) => {
      if (task.kind === 'audit') await fg.runs.batch.fail(task.run_id, `chunk ${task.chunk_no} failed ${work.config.maxDeliver} times: ${e.message}`);
      else await fg.screening.repo.fail(task.run_id, `institution ${task.medins_id} failed ${work.config.maxDeliver} times: ${e.message}`, fg.ctx.nowIso());
    },
    onError: (e) => log('task failed', { error: e.message, worker: name }),
  });
  // A worker that created its stream may have a name the server does not use: it would wait for tasks forever.
  log('worker ready', { worker: name, stream: work.config.stream, ...(work.createdStream ? { warning: `stream ${work.config.stream} did not exist and was created: check that FUNDGUARD_NATS_STREAM is the server's` } : {}) });
  return { name, stop: consumer.stop, done: consumer.done };
}
