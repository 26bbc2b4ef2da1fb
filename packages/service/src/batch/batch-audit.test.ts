import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { sql } from 'drizzle-orm';
import { openDatabase, type Database } from '@fundguard/store';
import { testBothBackends } from '@fundguard/store/testing.ts';
import { ServiceContext } from '../context.ts';
import { BatchAuditService } from './batch-audit.ts';
import { FundGuard } from '../fundguard.ts';
import { THIS_HOST } from '../run-lease.ts';
import { over500, syntheticEncounters } from './test-fixtures.ts';

const admin = { id: 'admin', role: 'admin' as const };
const scope = { from: '2024-01-01', to: '2024-03-01' };

async function seed(db: Database, patients: number, perPatient: number) {
  const ctx = new ServiceContext(db);
  const all = syntheticEncounters(patients, perPatient);
  await db.transaction((tx) => ctx.encounters.replaceMany(tx, all, { importId: null, source: 'test' }));
  return all;
}

const findingSet = async (db: Database) =>
  (await db.rows<{ id: string; amount_fen: number; mdtrt_id: string }>(sql`select id, amount_fen, mdtrt_id from findings order by id`)).map((r) => `${r.id}:${r.mdtrt_id}:${r.amount_fen}`);

testBothBackends('batch run: chunked by patient, progress, period scope, history kept out of findings, idempotent re-run', async (db) => {
  const all = await seed(db, 30, 3);
  const svc = new BatchAuditService(new ServiceContext(db));
  const runId = await svc.plan(admin, scope, [{ pack: 'test', version: '1' }], 'batch', 7);
  const progress: number[] = [];
  const done = await svc.execute(runId, over500, { onChunk: (s) => progress.push(s.done_chunks) });
  assert.equal(done.status, 'done');
  assert.equal(done.total_chunks, 5);
  assert.deepEqual(progress, [1, 2, 3, 4, 5]);
  const inScope = all.filter((pe) => pe.encounter.adm_date < '2024-03-01');
  assert.equal(done.encounters, inScope.length);
  const expected = inScope.filter((pe) => pe.encounter.fsi_order_dtos.some((l) => l.sumamt > 50000)).length;
  assert.equal(done.findings, expected);
  const rows = await findingSet(db);
  assert.equal(rows.length, expected);
  // Re-running a finished chunk writes nothing new.
  const chunk = (await db.rows<{ patient_ids: string[] }>(sql`select patient_ids from audit_run_chunks where run_id = ${runId} and chunk_no = 0`))[0];
  await db.rows(sql`update audit_run_chunks set status = 'pending' where run_id = ${runId} and chunk_no = 0`);
  await svc.runChunk(runId, 0, chunk.patient_ids, scope, over500, 'again');
  assert.deepEqual(await findingSet(db), rows);
});

testBothBackends('cancel stops a run between chunks', async (db) => {
  await seed(db, 10, 1);
  const svc = new BatchAuditService(new ServiceContext(db));
  const runId = await svc.plan(admin, scope, [], 'batch', 2);
  // One chunk done, then a cancel arrives: the run stops at the next chunk boundary.
  const first = (await db.rows<{ patient_ids: string[] }>(sql`select patient_ids from audit_run_chunks where run_id = ${runId} and chunk_no = 0`))[0];
  await svc.runChunk(runId, 0, first.patient_ids, scope, over500, 'test');
  await svc.cancel(admin, runId);
  const s = await svc.execute(runId, over500);
  assert.equal(s.status, 'cancelled');
  assert.equal(s.done_chunks, 1);
  assert.equal(s.total_chunks, 5);
});

test('kill -9 in the middle of a run, then resume: identical findings, no duplicates', { timeout: 180_000 }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'fg-crash-'));
  const cleanDir = join(dir, 'clean');
  const crashDir = join(dir, 'crash');
  try {
    // The same data and plan in two databases; one runs cleanly, the other is killed mid-run and resumed.
    for (const d of [cleanDir, crashDir]) {
      const db = await openDatabase({ dataDir: d });
      await seed(db, 60, 3);
      await new BatchAuditService(new ServiceContext(db)).plan(admin, scope, [], 'batch', 5);
      await db.close();
    }
    const clean = await openDatabase({ dataDir: cleanDir });
    await new BatchAuditService(new ServiceContext(clean)).execute(1, over500);
    const expected = await findingSet(clean);
    await clean.close();

    const child = spawn(process.execPath, ['--import', 'tsx', join(dirname(fileURLToPath(import.meta.url)), 'crash-child.ts'), crashDir], { stdio: ['ignore', 'pipe', 'inherit'] });
    const exited = once(child, 'exit');
    child.stdout.on('data', (d: Buffer) => {
      if (/chunk [3-9]\//.test(d.toString())) child.kill('SIGKILL');
    });
    const [code, signal] = await exited;
    assert.equal(signal, 'SIGKILL', `the child was killed mid-run (exit ${code})`);
    const crashed = await openDatabase({ dataDir: crashDir });
    const svc = new BatchAuditService(new ServiceContext(crashed));
    const before = await svc.status(1);
    assert.ok(before.done_chunks < before.total_chunks, `the run was interrupted (${before.done_chunks}/${before.total_chunks})`);
    assert.deepEqual(await svc.unfinished(), [1]);
    const after = await svc.execute(1, over500);
    assert.equal(after.status, 'done');
    assert.deepEqual(await findingSet(crashed), expected);
    await crashed.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

testBothBackends('resuming takes over only runs whose executor is gone: a dead process\'s batch run is resumed, a live process\'s run is left to it, an orphaned impact replay is failed', async (db) => {
  await seed(db, 12, 2);
  const fg = new FundGuard(db);
  await fg.packs.upload(admin, JSON.parse(readFileSync(new URL('../../../../rules/national-sample/pack.json', import.meta.url), 'utf8')), { activate: true });
  const versions = fg.rules.snapshot().versions;
  const orphan = await fg.runs.batch.plan(admin, scope, versions, 'batch', 5);
  const alive = await fg.runs.batch.plan(admin, scope, versions, 'batch', 5);
  const replay = await fg.runs.batch.plan(admin, scope, versions, 'replay', 5);
  const setExecutor = (id: number, executor: string) => db.rows(sql`update audit_runs set executor = ${executor}, heartbeat_at = now() where id = ${id}`);
  await setExecutor(orphan, `${THIS_HOST}/4194399/dead`); // no such process
  await setExecutor(alive, `${THIS_HOST}/${process.ppid}/live`); // our parent: alive, progress just now
  await setExecutor(replay, `${THIS_HOST}/4194399/dead`);

  // A claim is a compare-and-set on executor and heartbeat: progress after the read makes it fail.
  const [lease] = (await fg.runs.batch.unfinishedRuns()).filter((r) => r.id === orphan);
  await db.rows(sql`update audit_runs set heartbeat_at = heartbeat_at + interval '1 second' where id = ${orphan}`);
  assert.equal(await fg.runs.batch.claim(orphan, lease), false);

  assert.deepEqual(await fg.runs.resumeUnfinished(), [orphan]);
  assert.equal((await fg.runs.done(orphan)).status, 'done');
  assert.equal((await fg.runs.batch.status(alive)).status, 'running');
  const failed = await fg.runs.batch.status(replay);
  assert.deepEqual([failed.status, /interrupted/.test(failed.error ?? '')], ['failed', true]);
  assert.deepEqual(await fg.runs.resumeUnfinished(), [], 'nothing left to take over');
});
