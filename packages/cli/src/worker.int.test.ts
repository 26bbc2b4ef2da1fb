import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync, readdirSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { sql } from 'drizzle-orm';
import { generate, generatedCatalogue } from '@fundguard/core';
import { FundGuard, natsConfigFromEnv, WorkQueue, type NatsConfig } from '@fundguard/service';
import { scratchPostgres, TEST_PG_URL } from '@fundguard/store/testing.ts';

const root = new URL('../../../', import.meta.url).pathname;
const NATS_URL = process.env.FUNDGUARD_NATS_URL_TEST ?? 'nats://127.0.0.1:4222';
const admin = { id: 'admin', role: 'admin' as const };
const scope = { from: '2024-01-01', to: '2025-01-01' };

async function natsReachable(): Promise<boolean> {
  try {
    const q = await WorkQueue.open({ ...natsConfigFromEnv({ FUNDGUARD_NATS_URL: NATS_URL })!, stream: `FG_PROBE_${randomBytes(3).toString('hex')}` });
    await q.destroy();
    await q.close();
    return true;
  } catch {
    return false;
  }
}

function spawnWorker(env: Record<string, string>, name: string): { proc: ChildProcess; lines: string[]; started: Promise<void> } {
  const proc = spawn(process.execPath, ['--import', 'tsx', join(root, 'packages/cli/src/main.ts'), 'worker', '--name', name], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  const lines: string[] = [];
  let ready: () => void;
  const started = new Promise<void>((r) => { ready = r; });
  proc.stdout!.setEncoding('utf8').on('data', (d: string) => {
    lines.push(...d.split('\n').filter(Boolean));
    if (lines.some((l) => l.includes('worker ready'))) ready();
  });
  proc.stderr!.setEncoding('utf8').on('data', (d: string) => lines.push(`stderr: ${d}`));
  return { proc, lines, started };
}

const stopAll = async (ws: { proc: ChildProcess }[]) => {
  await Promise.all(ws.map((w) => new Promise<void>((r) => {
    if (w.proc.exitCode !== null || w.proc.signalCode) return r();
    w.proc.once('exit', () => r());
    w.proc.kill('SIGTERM');
  })));
};

test('batch audit and screening over NATS workers: identical findings with 1, 2 and 4 workers and in-process, identical leads; a worker killed mid-chunk loses nothing and duplicates nothing', { timeout: 300_000 }, async (t) => {
  if (!(await natsReachable())) {
    if (process.env.REQUIRE_NATS === '1') throw new Error(`NATS with JetStream is required (REQUIRE_NATS=1) but ${NATS_URL} is unreachable`);
    t.skip(`NATS not reachable at ${NATS_URL}`);
    return;
  }
  void TEST_PG_URL;
  const pg = await scratchPostgres();
  const queues: WorkQueue[] = [];
  const workers: { proc: ChildProcess; lines: string[] }[] = [];
  try {
    const base = new FundGuard(pg.database);
    await pg.database.transaction(async (tx) => {
      await base.ctx.catalogue.upsertMany(tx, generatedCatalogue(), null);
      await base.ctx.encounters.replaceMany(tx, [...generate({ encounters: 1200, seed: 'workers', from: '2024-01-01', to: '2024-12-01' })].map((g) => g.record), { importId: null, source: 'test' });
    });
    await base.rules.reload();
    for (const dir of readdirSync(join(root, 'rules'))) {
      const f = join(root, 'rules', dir, 'pack.json');
      if (existsSync(f)) await base.packs.upload(admin, JSON.parse(readFileSync(f, 'utf8')), { activate: true });
    }
    const findingsOf = async (runId: number) => (await pg.database.rows<{ k: string }>(sql`select pack || '|' || rule_id || '|' || mdtrt_id || '|' || amount_fen as k from findings where run_id = ${runId} order by 1`)).map((r) => r.k);
    const inProcess = await base.runs.start(admin, scope, { wait: true, patientsPerChunk: 60 });
    assert.equal(inProcess.status, 'done');
    const expected = await findingsOf(inProcess.id);
    assert.ok(expected.length > 50, `${expected.length} findings`);

    const queueFor = async (extra: Partial<NatsConfig> = {}) => {
      const q = await WorkQueue.open({ ...natsConfigFromEnv({ FUNDGUARD_NATS_URL: NATS_URL })!, stream: `FG_TEST_${randomBytes(4).toString('hex').toUpperCase()}`, ...extra });
      queues.push(q);
      return q;
    };
    const envFor = (q: WorkQueue, extra: Record<string, string> = {}) => ({ DATABASE_URL: pg.url!, FUNDGUARD_NATS_URL: NATS_URL, FUNDGUARD_NATS_STREAM: q.config.stream, FUNDGUARD_NATS_ACK_WAIT_MS: String(q.config.ackWaitMs), ...extra });

    for (const n of [1, 2, 4]) {
      const q = await queueFor();
      const ws = Array.from({ length: n }, (_, i) => spawnWorker(envFor(q), `w${n}-${i}`));
      workers.push(...ws);
      await Promise.all(ws.map((w) => w.started));
      const coordinator = new FundGuard(pg.database, { work: q });
      await coordinator.rules.reload();
      const run = await coordinator.runs.start(admin, scope, { patientsPerChunk: 60 });
      const done = await coordinator.runs.done(run.id);
      assert.equal(done.status, 'done', ws.flatMap((w) => w.lines).join('\n'));
      assert.deepEqual(await findingsOf(run.id), expected, `${n} workers`);
      const by = await pg.database.rows<{ worker: string }>(sql`select distinct worker from audit_run_chunks where run_id = ${run.id}`);
      assert.ok(by.every((b) => b.worker.startsWith(`w${n}-`)), JSON.stringify(by));
      if (n > 1) assert.ok(by.length > 1, `${n} workers shared the chunks: ${JSON.stringify(by)}`);
      await stopAll(ws);
    }

    // Screens partition by institution: the same leads from 2 workers as in-process.
    {
      const local = await base.screening.done((await base.screening.start(admin, scope)).id);
      const want = (await base.screening.leads(admin, { runId: local.id, limit: 100_000 })).items.map((l) => l.lead_id).sort();
      assert.ok(want.length > 10, `${want.length} leads`);
      const sq = await queueFor();
      const ws = [spawnWorker(envFor(sq), 's-0'), spawnWorker(envFor(sq), 's-1')];
      workers.push(...ws);
      await Promise.all(ws.map((w) => w.started));
      const coordinator = new FundGuard(pg.database, { work: sq });
      const run = await coordinator.screening.done((await coordinator.screening.start(admin, scope)).id);
      assert.equal(run.status, 'done', run.error ?? ws.flatMap((w) => w.lines).join('\n'));
      assert.equal(run.done_institutions, run.total_institutions);
      assert.deepEqual((await coordinator.screening.leads(admin, { runId: run.id, limit: 100_000 })).items.map((l) => l.lead_id).sort(), want);
      const parts = await pg.database.rows<{ worker: string }>(sql`select distinct worker from screening_parts where run_id = ${run.id}`);
      assert.equal(parts.length, 2, 'both workers screened institutions');
      await stopAll(ws);
    }

    // Kill -9 a worker in the middle of a chunk: after the ack wait, the chunk is redelivered and done elsewhere.
    const q = await queueFor({ ackWaitMs: 2000 });
    const slow = spawnWorker(envFor(q, { FUNDGUARD_FAULT_PAUSE_MS: '60000' }), 'doomed');
    workers.push(slow);
    await slow.started;
    const coordinator = new FundGuard(pg.database, { work: q });
    await coordinator.rules.reload();
    const run = await coordinator.runs.start(admin, scope, { patientsPerChunk: 300 });
    for (let i = 0; i < 200 && !slow.lines.some((l) => l.includes('chunk start')); i++) await new Promise((r) => setTimeout(r, 100));
    const taken = JSON.parse(slow.lines.find((l) => l.includes('chunk start'))!) as { chunk: number };
    slow.proc.kill('SIGKILL');
    const rescuer = spawnWorker(envFor(q), 'rescuer');
    workers.push(rescuer);
    const done = await coordinator.runs.done(run.id);
    assert.equal(done.status, 'done', rescuer.lines.join('\n'));
    assert.deepEqual(await findingsOf(run.id), expected, 'nothing lost, nothing twice');
    const chunk = await pg.database.rows<{ worker: string }>(sql`select worker from audit_run_chunks where run_id = ${run.id} and chunk_no = ${taken.chunk}`);
    assert.equal(chunk[0].worker, 'rescuer');
    assert.ok(rescuer.lines.some((l) => l.includes('"deliveries":2')), 'the killed chunk came back as a redelivery');
  } finally {
    await stopAll(workers);
    for (const q of queues) {
      await q.destroy();
      await q.close();
    }
    await pg.drop();
  }
});

test('an unreachable NATS is a clear error', async () => {
  await assert.rejects(WorkQueue.open({ ...natsConfigFromEnv({ FUNDGUARD_NATS_URL: 'nats://127.0.0.1:1' })!, stream: 'X' }), /NATS at nats:\/\/127\.0\.0\.1:1 is unreachable/);
});
