import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { scratchPostgres } from '@fundguard/store/testing.ts';
import { FundGuard } from '../fundguard.ts';
import { SYSTEM_ACTOR } from '../auth/roles.ts';

const dir = mkdtempSync(join(tmpdir(), 'fg-import-jobs-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const example = JSON.parse(readFileSync(new URL('../../../../../shared/examples/3101-request-envelope.json', import.meta.url), 'utf8'));
const { fsi_encounter_dtos, ...patientFields } = example.input.data.patient_dtos[0];
const encLine = { ...patientFields, ...fsi_encounter_dtos[0] };
const file = join(dir, 'enc.jsonl');
writeFileSync(file, Array.from({ length: 300 }, (_, i) => JSON.stringify({ ...encLine, mdtrt_id: `K${i}`, patn_id: `PK${i % 40}` })).join('\n') + '\n');
const FIXTURE = new URL('./kill-child.fixture.ts', import.meta.url).pathname;

/** Runs the fixture (which kills itself mid-apply); returns the id of the import it started. */
function killedImport(args: string[]): number {
  const r = spawnSync(process.execPath, ['--import', 'tsx', FIXTURE, file, ...args], { encoding: 'utf8', timeout: 120_000, env: process.env });
  assert.equal(r.signal, 'SIGKILL', `the child was to kill itself mid-import: status ${r.status}, ${r.stderr}`);
  const id = Number(r.stdout.trim().split('\n')[0]);
  assert.ok(id > 0, r.stdout);
  return id;
}

/** After the kill: the job is marked interrupted with its reason, nothing of it is stored, and the file imports again. */
async function afterKill(fg: FundGuard, id: number): Promise<void> {
  assert.deepEqual(await fg.importJobs.failInterrupted(), [id]);
  const job = await fg.importJobs.get(SYSTEM_ACTOR, id);
  assert.equal(job.status, 'interrupted');
  assert.equal(job.error?.code, 'E_INTERRUPTED');
  assert.match(job.error!.message, /nothing was applied/);
  assert.equal(await fg.ctx.encounters.count(), 0, 'a killed import leaves nothing applied');
  assert.equal((await fg.database.rows<{ n: number }>((await import('drizzle-orm')).sql`select count(*)::int as n from order_lines`))[0].n, 0);
  assert.deepEqual(await fg.importJobs.failInterrupted(), [], 'marked once');
  const again = await fg.importJobs.start('encounters', SYSTEM_ACTOR, { name: 'again.jsonl', format: 'jsonl', bytes: 1 }, (jobId, onProgress) =>
    fg.imports.importEncounters({ path: file, name: 'again.jsonl', format: 'jsonl' }, SYSTEM_ACTOR, onProgress, undefined, { importId: jobId }));
  await again.done;
  assert.equal((await fg.importJobs.get(SYSTEM_ACTOR, again.id)).status, 'applied');
  assert.equal(await fg.ctx.encounters.count(), 300);
}

test('[pglite] an import job killed mid-apply leaves nothing applied, is marked interrupted at the next start and runs again', { timeout: 240_000 }, async () => {
  const dataDir = join(dir, 'pglite');
  const id = killedImport(['--data-dir', dataDir]);
  const fg = await FundGuard.open({ dataDir });
  try {
    await afterKill(fg, id);
  } finally {
    await fg.close();
  }
});

test('[postgres] an import job killed mid-apply leaves nothing applied, is marked interrupted and runs again', { timeout: 240_000 }, async (t) => {
  let s;
  try {
    s = await scratchPostgres();
  } catch (e) {
    if (process.env.REQUIRE_POSTGRES === '1') throw e;
    t.skip('PostgreSQL not reachable');
    return;
  }
  const url = s.url!;
  await s.database.close();
  try {
    const id = killedImport(['--url', url]);
    const fg = await FundGuard.open({ url });
    try {
      await afterKill(fg, id);
    } finally {
      await fg.close();
    }
  } finally {
    await s.drop().catch(() => undefined);
  }
});
