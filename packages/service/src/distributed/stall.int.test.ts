import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { generate } from '@fundguard/core';
import { scratchPostgres } from '@fundguard/store/testing.ts';
import { FundGuard } from '../fundguard.ts';
import { natsConfigFromEnv, WorkQueue, type NatsConfig } from './work-queue.ts';
import { RUN_STALL_WARN_MS } from '../batch/stall.ts';
import { DashboardService } from '../dashboard.ts';

const NATS_URL = process.env.FUNDGUARD_NATS_URL_TEST ?? 'nats://127.0.0.1:4222';
const admin = { id: 'admin', role: 'admin' as const };
const config = (extra: Partial<NatsConfig> = {}): NatsConfig => ({ ...natsConfigFromEnv({ FUNDGUARD_NATS_URL: NATS_URL })!, ...extra });

/** true when NATS answers; skipped otherwise, failed under REQUIRE_NATS=1 */
async function needNats(t: TestContext): Promise<boolean> {
  try {
    const q = await WorkQueue.open(config({ stream: `FG_PROBE_${randomBytes(3).toString('hex')}` }));
    await q.destroy();
    await q.close();
    return true;
  } catch {
    if (process.env.REQUIRE_NATS === '1') throw new Error(`NATS with JetStream is required (REQUIRE_NATS=1) but ${NATS_URL} is unreachable`);
    t.skip(`NATS not reachable at ${NATS_URL}`);
    return false;
  }
}

test('a distributed run whose tasks no worker takes gets a warning in its status and the log after the configured time', { timeout: 120_000 }, async (t) => {
  if (!(await needNats(t))) return;
  const pg = await scratchPostgres();
  const q = await WorkQueue.open(config({ stream: `FG_STALL_${randomBytes(4).toString('hex').toUpperCase()}` }));
  let now = new Date('2026-11-23T08:00:00Z');
  const fg = new FundGuard(pg.database, { clock: () => now, work: q });
  try {
    await pg.database.transaction((tx) => fg.ctx.encounters.replaceMany(tx, [...generate({ encounters: 40, seed: 'stall', from: '2024-01-01', to: '2024-06-01' })].map((g) => g.record), { importId: null, source: 'test' }));
    await fg.rules.reload();
    await fg.packs.upload(admin, JSON.parse(readFileSync(new URL('../../../../rules/national-sample/pack.json', import.meta.url), 'utf8')), { activate: true });
    const warned = new Promise<{ run: number; warning: string }>((r) => (fg.runs.onWarning = (run, warning) => r({ run, warning })));
    const run = await fg.runs.start(admin, { from: '2024-01-01', to: '2025-01-01' }, { patientsPerChunk: 10 }); // no worker runs
    const fresh = await fg.runs.batch.status(run.id);
    assert.equal(fresh.status, 'running');
    assert.equal(fresh.warning, null, 'no warning before the configured time');
    now = new Date(now.getTime() + RUN_STALL_WARN_MS + 1000);
    const s = await fg.runs.batch.status(run.id);
    assert.equal(s.done_chunks, 0);
    assert.match(s.warning ?? '', /no progress.*fundguard worker.*FUNDGUARD_NATS_STREAM/);
    const told = await warned; // the coordinator (polling every 250 ms) logs it
    assert.equal(told.run, run.id);
    const listed = (await new DashboardService(fg.ctx).runs(admin)) as { id: number; warning: string | null }[];
    assert.match(listed.find((r) => r.id === run.id)!.warning ?? '', /no progress/, 'the console list shows it too');
    await fg.runs.batch.cancel(admin, run.id);
    await fg.runs.done(run.id);
  } finally {
    await fg.runs.stop();
    await q.destroy();
    await q.close();
    await pg.drop();
  }
});

test('a distributed screening run that no worker takes gets a warning in its status and the log after the configured time', { timeout: 120_000 }, async (t) => {
  if (!(await needNats(t))) return;
  const pg = await scratchPostgres();
  const q = await WorkQueue.open(config({ stream: `FG_SSTALL_${randomBytes(4).toString('hex').toUpperCase()}` }));
  let now = new Date('2026-11-23T08:00:00Z');
  const fg = new FundGuard(pg.database, { clock: () => now, work: q });
  let runId = 0;
  try {
    await pg.database.transaction((tx) => fg.ctx.encounters.replaceMany(tx, [...generate({ encounters: 40, seed: 'sstall', from: '2024-01-01', to: '2024-06-01' })].map((g) => g.record), { importId: null, source: 'test' }));
    const warned = new Promise<{ run: number; warning: string }>((r) => (fg.screening.onWarning = (run, warning) => r({ run, warning })));
    runId = (await fg.screening.start(admin, { from: '2024-01-01', to: '2025-01-01' })).id; // no worker runs
    const fresh = await fg.screening.run(admin, runId);
    assert.equal(fresh.status, 'running');
    assert.equal(fresh.warning, null, 'no warning before the configured time');
    now = new Date(now.getTime() + RUN_STALL_WARN_MS + 1000);
    const s = await fg.screening.run(admin, runId);
    assert.equal(s.done_institutions, 0);
    assert.match(s.warning ?? '', /no progress: no institution screened since 2026-11-23T08:00:00Z.*fundguard worker.*FUNDGUARD_NATS_STREAM/);
    assert.match((await fg.screening.runs(admin)).find((r) => r.id === runId)!.warning ?? '', /no progress/, 'the list shows it too');
    const told = await warned; // the coordinator (polling every 250 ms) logs it
    assert.equal(told.run, runId);
  } finally {
    if (runId) {
      await fg.screening.repo.fail(runId, 'test over', now.toISOString());
      await fg.screening.done(runId);
    }
    await q.destroy();
    await q.close();
    await pg.drop();
  }
});

test('ack wait and max deliver are one setting per deployment: a process with other values is refused, the consumer is left as it was', { timeout: 60_000 }, async (t) => {
  if (!(await needNats(t))) return;
  const stream = `FG_CFG_${randomBytes(4).toString('hex').toUpperCase()}`;
  const first = await WorkQueue.open(config({ stream, ackWaitMs: 60_000, maxDeliver: 10 }));
  try {
    await assert.rejects(WorkQueue.open(config({ stream, ackWaitMs: 30_000, maxDeliver: 10 })), (e: Error & { code?: string }) => e.code === 'E_CONFLICT' && /FUNDGUARD_NATS_ACK_WAIT_MS=60000/.test(e.message));
    await assert.rejects(WorkQueue.open(config({ stream, ackWaitMs: 60_000, maxDeliver: 3 })), (e: Error & { code?: string }) => e.code === 'E_CONFLICT');
    const same = await WorkQueue.open(config({ stream, ackWaitMs: 60_000, maxDeliver: 10 }));
    assert.equal(same.createdStream, false);
    await same.close();
    // A deliberate change for the whole deployment; then the old value is the one refused.
    const changed = await WorkQueue.open(config({ stream, ackWaitMs: 30_000, maxDeliver: 10, reconfigure: true }));
    await changed.close();
    await assert.rejects(WorkQueue.open(config({ stream, ackWaitMs: 60_000, maxDeliver: 10 })), (e: Error & { code?: string }) => e.code === 'E_CONFLICT' && /FUNDGUARD_NATS_ACK_WAIT_MS=30000/.test(e.message));
  } finally {
    await first.destroy();
    await first.close();
  }
});
