import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { sql } from 'drizzle-orm';
import { openDatabase, readLock } from './database.ts';

test('an embedded data directory is owned by one opener; a second gets a clear error, never silent loss', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'fg-lock-'));
  try {
    const first = await openDatabase({ dataDir: dir });
    assert.equal(readLock(dir)!.pid, process.pid);
    await assert.rejects(openDatabase({ dataDir: dir }), (e: Error & { code?: string }) => {
      assert.equal(e.code, 'E_LOCKED');
      assert.match(e.message, new RegExp(`in use by process ${process.pid}`));
      return true;
    });
    await first.rows(sql`insert into patients (patn_id) values ('P1')`);
    await first.close();
    assert.equal(existsSync(join(dir, 'fundguard.lock')), false, 'close() releases the lock');
    // The data survived and the directory can be opened again.
    const again = await openDatabase({ dataDir: dir });
    assert.deepEqual(await again.rows(sql`select patn_id from patients`), [{ patn_id: 'P1' }]);
    await again.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a stale lock left by a dead process is taken over', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'fg-lock-'));
  try {
    // A pid that is certainly dead: a child that has exited.
    const dead = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))']).stdout.toString();
    writeFileSync(join(dir, 'fundguard.lock'), JSON.stringify({ pid: Number(dead), host: (await import('node:os')).hostname(), started: 'x' }));
    const db = await openDatabase({ dataDir: dir });
    assert.equal(readLock(dir)!.pid, process.pid);
    await db.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('migrations are applied at start-up and readiness reports them', async () => {
  const db = await openDatabase({ dataDir: 'memory' });
  try {
    assert.equal(await db.ready(), true);
    const tables = await db.rows<{ t: string }>(sql`select table_name as t from information_schema.tables where table_schema = 'public' order by 1`);
    for (const t of ['api_keys', 'audit_log', 'catalogue_entries', 'code_groups', 'diagnoses', 'encounters', 'lab_results', 'list_entries', 'operations', 'order_lines', 'patients', 'rule_pack_versions', 'rule_packs', 'users']) {
      assert.ok(tables.some((r) => r.t === t), `table ${t}`);
    }
  } finally {
    await db.close();
  }
});
