import { closeSync, openSync, readSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { getHeapStatistics } from 'node:v8';
import { Worker } from 'node:worker_threads';
import { IssueList, type CompiledPack } from '@fundguard/core';
import { encodingError, type TextEncoding } from '@fundguard/service/imports/lines.ts';
import type { Progress } from '../progress.ts';
import { AuditShard, type BatchResult, type ChunkResult, type ChunkTask, type EncounterRef, type ShardSetup } from './shard.ts';
import type { WorkerRequest } from './worker.ts';

/**
 * `fundguard audit` of a file: every line is read, decoded, parsed and normalised once (pass 1, in chunks of lines
 * spread over the threads), the encounters stay in memory in the thread that parsed them while they fit the memory
 * budget (beyond it only their place in the file is kept and they are parsed again when evaluated), then each
 * patient is evaluated with all of their encounters in the file (pass 2), in batches by the chunk of the patient's
 * first encounter, and the findings are written in order of the patients' first appearance — the same bytes
 * whatever the number of threads. The main thread is shard 0 and also reads the file and writes the output.
 */

const CHUNK_BYTES = 1 << 20;
/** chunks or batches queued per worker: enough to keep it busy while the main thread works on its own share */
const IN_FLIGHT = 3;
/** heap bytes of a normalised encounter per byte of its JSON line (measured on generated data: a 118 MB file kept whole
 * cost 100 MB more RSS than none kept, ≈ 0.9; twice that for a margin) */
const HEAP_PER_BYTE = 2;
/** files below this are audited in one thread: starting a worker costs more than it saves */
export const SMALL_FILE = 4 << 20;

/** Threads for a file of `size` bytes: 1 for small files, else the cores (at most 4). */
export function defaultThreads(size: number): number {
  return size < SMALL_FILE ? 1 : Math.max(1, Math.min(4, availableParallelism()));
}

/**
 * Bytes of encounter JSON each shard keeps parsed: FUNDGUARD_AUDIT_MEMORY_MB (all threads together) when set, else a
 * quarter of a thread's heap limit.
 */
export function shardBudget(threads: number): number {
  const mb = process.env.FUNDGUARD_AUDIT_MEMORY_MB;
  if (mb !== undefined && mb !== '' && Number.isFinite(Number(mb))) return Math.max(0, (Number(mb) * 1048576) / threads);
  return getHeapStatistics().heap_size_limit / 4 / HEAP_PER_BYTE;
}

/**
 * Starts a worker thread: the compiled build's entry beside the bundle (scripts/build-server.mjs), else the source,
 * with tsx registered in the thread first (a worker does not inherit the main thread's loader hooks).
 */
function startWorker(workerData: unknown): Worker {
  const dist = (globalThis as { fundguardDist?: string }).fundguardDist;
  if (dist) return new Worker(new URL('audit-worker.mjs', dist), { workerData });
  const tsx = import.meta.resolve('tsx/esm/api');
  const source = new URL('./worker.ts', import.meta.url).href;
  return new Worker(`import(${JSON.stringify(tsx)}).then((t) => { t.register(); return import(${JSON.stringify(source)}); });`, { eval: true, workerData });
}

/** A worker thread and the answers it owes, in order (a worker answers its messages in the order it gets them). */
class WorkerShard {
  private readonly worker: Worker;
  private readonly waiting: { resolve: (v: unknown) => void; reject: (e: Error) => void }[] = [];
  private failure: Error | null = null;
  private readonly freed: (() => void)[] = [];

  constructor(setup: ShardSetup, readonly index: number) {
    this.worker = startWorker({ setup, index });
    this.worker.on('message', (m: { type: string; result?: unknown; message?: string }) => {
      if (m.type === 'ready') return;
      if (m.type === 'error') return this.fail(new Error(`audit worker ${index}: ${m.message}`));
      this.waiting.shift()?.resolve(m.result);
      this.freed.shift()?.();
    });
    this.worker.on('error', (e) => this.fail(e));
    this.worker.on('exit', (code) => {
      if (this.waiting.length) this.fail(new Error(`audit worker ${index} stopped (exit ${code})`));
    });
  }

  get inFlight(): number {
    return this.waiting.length;
  }

  call<T>(m: WorkerRequest, transfer: ArrayBuffer[] = []): Promise<T> {
    if (this.failure) return Promise.reject(this.failure);
    return new Promise<T>((resolve, reject) => {
      this.waiting.push({ resolve: resolve as (v: unknown) => void, reject });
      this.worker.postMessage(m, transfer);
    });
  }

  /** Resolves when one answer has come (or at once when none is owed). */
  async oneDone(): Promise<void> {
    if (!this.waiting.length) return;
    await new Promise<void>((r) => this.freed.push(r));
  }

  async close(): Promise<void> {
    if (this.failure) {
      await this.worker.terminate();
      return;
    }
    this.worker.postMessage({ type: 'close' } satisfies WorkerRequest);
    await new Promise((r) => this.worker.once('exit', r));
  }

  private fail(e: Error): void {
    this.failure ??= e;
    for (const w of this.waiting.splice(0)) w.reject(this.failure);
    for (const f of this.freed.splice(0)) f();
  }
}

/** The file in chunks of whole lines (the last may lack its LF), each in a buffer of its own (transferable). */
function* chunksOf(path: string): Generator<ChunkTask> {
  const fd = openSync(path, 'r');
  try {
    const block = Buffer.allocUnsafe(CHUNK_BYTES);
    let carry: Buffer = Buffer.alloc(0);
    let start = 0;
    let line = 1;
    let id = 0;
    for (;;) {
      const n = readSync(fd, block, 0, CHUNK_BYTES, null);
      if (n === 0) break;
      const data = carry.length ? Buffer.concat([carry, block.subarray(0, n)]) : block.subarray(0, n);
      const last = data.lastIndexOf(0x0a);
      if (last === -1) {
        carry = Buffer.from(data);
        continue;
      }
      const bytes = new Uint8Array(last + 1);
      bytes.set(data.subarray(0, last + 1));
      const firstLine = line;
      for (let i = bytes.indexOf(0x0a); i !== -1; i = bytes.indexOf(0x0a, i + 1)) line++;
      yield { id: id++, firstLine, start, bytes }; // the bytes may be transferred (detached) meanwhile
      start += last + 1;
      carry = Buffer.from(data.subarray(last + 1));
    }
    if (carry.length) {
      const bytes = new Uint8Array(carry.length);
      bytes.set(carry);
      yield { id, firstLine: line, start, bytes };
    }
  } finally {
    closeSync(fd);
  }
}

const firstOf = (...lines: number[]) => lines.reduce((m, x) => (x && (!m || x < m) ? x : m), 0);

/** The error readTextLines would have stopped at: the first undecodable line, or the first whose encoding differs from the first non-ASCII line. */
function checkEncoding(name: string, results: readonly ChunkResult[]): void {
  let decided: { encoding: TextEncoding; line: number } | null = null;
  for (const r of results) {
    if (!decided) {
      const first = firstOf(r.firstInvalid, r.firstUtf8, r.firstGbk);
      if (!first) continue;
      if (first === r.firstInvalid) throw encodingError(name, first, 'invalid');
      decided = { encoding: first === r.firstUtf8 ? 'utf-8' : 'gbk', line: first };
    }
    const other = decided.encoding === 'utf-8' ? r.firstGbk : r.firstUtf8;
    const bad = firstOf(r.firstInvalid, other);
    if (bad) throw bad === r.firstInvalid ? encodingError(name, bad, 'invalid') : encodingError(name, bad, decided.encoding === 'utf-8' ? 'gbk' : 'utf-8', decided);
  }
}

const nextTurn = () => new Promise<void>((r) => setImmediate(r));

/**
 * Runs the audit of `setup.path` with `threads` threads (the main one included), writing findings through `write`.
 * Bad input (encoding, JSON, fields) throws before anything is written, naming every line and field as the
 * single-pass reader did.
 */
export async function auditFile(setup: ShardSetup, compiled: CompiledPack[], threads: number, write: (text: string) => Promise<void>, bar: Progress): Promise<void> {
  const main = new AuditShard(setup, 0, compiled);
  const workers = Array.from({ length: Math.max(0, threads - 1) }, (_, i) => new WorkerShard(setup, i + 1));
  let failed: Error | null = null;
  const watch = <T>(p: Promise<T>, then: (v: T) => void) => p.then(then, (e: Error) => void (failed ??= e));
  try {
    // Pass 1: parse every line once.
    const results: ChunkResult[] = [];
    const owner: number[] = [];
    const pending: Promise<void>[] = [];
    for (const task of chunksOf(setup.path)) {
      if (failed) throw failed;
      const w = workers.reduce<WorkerShard | null>((best, x) => (x.inFlight < IN_FLIGHT && (!best || x.inFlight < best.inFlight) ? x : best), null);
      if (w) {
        owner[task.id] = w.index;
        pending.push(watch(w.call<ChunkResult>({ type: 'parse', task }, [task.bytes.buffer as ArrayBuffer]), (r) => void (results[r.id] = r)));
      } else {
        owner[task.id] = 0;
        results[task.id] = main.parse(task);
        await nextTurn(); // let the workers' answers in
      }
    }
    await Promise.all(pending);
    if (failed) throw failed;

    checkEncoding(setup.name, results);
    const errors = new IssueList();
    for (const r of results) {
      errors.addAll(r.errors);
      errors.count += r.errorCount - r.errors.length;
    }
    if (!errors.empty) throw errors.toError('E_INPUT_INVALID', `${setup.name}: bad input, nothing audited`);

    // Pass 2: each patient with all of their encounters, batched by the chunk of their first encounter.
    const byPatient = new Map<string, EncounterRef[]>();
    const batches: EncounterRef[][][] = results.map(() => []);
    let total = 0;
    for (const r of results) {
      for (let i = 0; i < r.pids.length; i++) {
        const ref: EncounterRef = [owner[r.id], r.id, i, r.starts[i], r.lens[i]];
        const list = byPatient.get(r.pids[i]);
        if (list) list.push(ref);
        else {
          const fresh = [ref];
          byPatient.set(r.pids[i], fresh);
          batches[r.id].push(fresh);
        }
      }
      total += r.pids.length;
      r.pids.length = 0;
    }
    byPatient.clear();
    const texts: (string | undefined)[] = new Array(batches.length);
    let written = 0;
    let done = 0;
    const take = (r: BatchResult) => {
      texts[r.id] = r.text;
      done += r.encounters;
    };
    const flush = async () => {
      while (written < texts.length && texts[written] !== undefined) {
        const t = texts[written]!;
        texts[written++] = '';
        if (t) await write(t);
      }
      bar.update(done, total);
    };
    const evaluating: Promise<void>[] = [];
    for (let b = 0; b < batches.length; b++) {
      if (failed) throw failed;
      const patients = batches[b];
      batches[b] = [];
      if (!patients.length) texts[b] = '';
      else if (owner[b] === 0) {
        take(main.evaluate({ id: b, patients }));
        await nextTurn();
      } else {
        const w = workers[owner[b] - 1];
        while (w.inFlight >= IN_FLIGHT) await w.oneDone();
        evaluating.push(watch(w.call<BatchResult>({ type: 'evaluate', task: { id: b, patients } }), take));
      }
      await flush();
    }
    await Promise.all(evaluating);
    if (failed) throw failed;
    await flush();
  } finally {
    main.close();
    await Promise.all(workers.map((w) => w.close()));
  }
}
