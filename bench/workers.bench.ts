/**
 * Distributed batch audit (issue 10): BENCH_WORKERS_ENCOUNTERS (default 100 000) generated encounters in a scratch
 * PostgreSQL, the shipped packs active; one batch run in-process (the baseline), then with 1 and with 2
 * `fundguard worker` processes over NATS JetStream. Reports encounters/s, per-worker throughput and the 2-worker
 * speed-up. Aim: ≥ 1.8× with 2 workers.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { sql } from 'drizzle-orm';
import { generate, generatedCatalogue, type PatientEncounter } from '@fundguard/core';
import { FundGuard, natsConfigFromEnv, WorkQueue } from '@fundguard/service';
import { scratchPostgres } from '@fundguard/store/testing.ts';

const N = Number(process.env.BENCH_WORKERS_ENCOUNTERS ?? 100_000);
const NATS_URL = process.env.FUNDGUARD_NATS_URL_TEST ?? 'nats://127.0.0.1:4222';
const root = new URL('../', import.meta.url).pathname;
const admin = { id: 'bench', role: 'admin' as const };
const scope = { from: '2000-01-01', to: '2100-01-01' };

const pg = await scratchPostgres();
const procs: ChildProcess[] = [];
const queues: WorkQueue[] = [];
try {
  const fg = new FundGuard(pg.database);
  await pg.database.transaction((tx) => fg.ctx.catalogue.upsertMany(tx, generatedCatalogue(), null));
  let batch: PatientEncounter[] = [];
  for (const g of generate({ encounters: N, seed: 'workers-bench' })) {
    batch.push(g.record);
    if (batch.length >= 5000) {
      const part = batch;
      batch = [];
      await pg.database.transaction((tx) => fg.ctx.encounters.replaceMany(tx, part, { importId: null, source: 'bench' }));
    }
  }
  if (batch.length) await pg.database.transaction((tx) => fg.ctx.encounters.replaceMany(tx, batch, { importId: null, source: 'bench' }));
  await pg.database.rows(sql`analyze`);
  await fg.rules.reload();
  for (const dir of readdirSync(join(root, 'rules'))) {
    const f = join(root, 'rules', dir, 'pack.json');
    if (existsSync(f)) await fg.packs.upload(admin, JSON.parse(readFileSync(f, 'utf8')), { activate: true });
  }
  const timed = async (f: FundGuard) => {
    const t = performance.now();
    const run = await f.runs.start(admin, scope);
    const done = await f.runs.done(run.id);
    const s = (performance.now() - t) / 1000;
    if (done.status !== 'done') throw new Error(`run ${run.id}: ${done.status} ${done.error ?? ''}`);
    return { seconds: Math.round(s * 10) / 10, encounters_per_s: Math.round(done.encounters / s), findings: done.findings };
  };
  const inProcess = await timed(fg);
  const distributed = async (workers: number) => {
    const q = await WorkQueue.open({ ...natsConfigFromEnv({ FUNDGUARD_NATS_URL: NATS_URL })!, stream: `FG_BENCH_${randomBytes(4).toString('hex').toUpperCase()}` });
    queues.push(q);
    const ready = Array.from({ length: workers }, (_, i) => new Promise<void>((resolve) => {
      const p = spawn(process.execPath, ['--import', 'tsx', join(root, 'packages/cli/src/main.ts'), 'worker', '--name', `b${workers}-${i}`], {
        env: { ...process.env, DATABASE_URL: pg.url!, FUNDGUARD_NATS_URL: NATS_URL, FUNDGUARD_NATS_STREAM: q.config.stream }, stdio: ['ignore', 'pipe', 'inherit'],
      });
      procs.push(p);
      p.stdout!.setEncoding('utf8').on('data', (d: string) => d.includes('worker ready') && resolve());
    }));
    await Promise.all(ready);
    const coordinator = new FundGuard(pg.database, { work: q });
    await coordinator.rules.reload();
    const r = await timed(coordinator);
    for (const p of procs.splice(0)) p.kill('SIGTERM');
    return { workers, ...r, per_worker_encounters_per_s: Math.round(r.encounters_per_s / workers) };
  };
  const one = await distributed(1);
  const two = await distributed(2);
  console.log(JSON.stringify({
    bench: 'workers', encounters: N, in_process: inProcess, one_worker: one, two_workers: two,
    speedup_2_vs_1: Math.round((two.encounters_per_s / one.encounters_per_s) * 100) / 100, aim: '≥ 1.8× with 2 workers', cores: (await import('node:os')).cpus().length,
  }));
} finally {
  for (const p of procs) p.kill('SIGTERM');
  for (const q of queues) {
    await q.destroy();
    await q.close();
  }
  await pg.drop();
}
