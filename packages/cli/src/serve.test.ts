import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { once } from 'node:events';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const MAIN = join(dirname(fileURLToPath(import.meta.url)), 'main.ts');

function cli(args: string[], env: Record<string, string>): ChildProcess {
  return spawn(process.execPath, ['--import', 'tsx', MAIN, ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
}

async function output(p: ChildProcess): Promise<{ code: number | null; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  p.stdout!.on('data', (d) => (stdout += d));
  p.stderr!.on('data', (d) => (stderr += d));
  const [code] = (await once(p, 'exit')) as [number | null];
  return { code, stdout, stderr };
}

/** Waits until the server has written its URL into the lock file (it does so once it listens). */
async function waitForLockUrl(dir: string, server: ChildProcess): Promise<string> {
  for (;;) {
    if (server.exitCode !== null) throw new Error('server exited early');
    try {
      const lock = JSON.parse(readFileSync(join(dir, 'fundguard.lock'), 'utf8'));
      if (lock.url) return lock.url;
    } catch {
      /* not written yet */
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}

test('serve: owns the data dir, CLI work goes through it, a second server is refused, SIGTERM shuts down cleanly', { timeout: 120_000 }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'fg-serve-'));
  const env = { FUNDGUARD_DATA_DIR: dir, PORT: '0', FUNDGUARD_DEMO: '0', FUNDGUARD_ADMIN_KEY: 'test-admin-key-123', LOG_LEVEL: 'warn' };
  const server = cli(['serve'], env);
  const serverOut = output(server);
  try {
    const url = await waitForLockUrl(dir, server);
    const health = await fetch(`${url}/healthz`);
    assert.equal(health.status, 200);
    assert.equal((await (await fetch(`${url}/api/v1/me`, { headers: { authorization: 'Bearer test-admin-key-123' } })).json()).role, 'admin');

    const second = await output(cli(['serve'], env));
    assert.equal(second.code, 2);
    assert.match(second.stderr, /E_LOCKED.*in use by process/);

    const csv = join(dir, '..', `${Date.now()}-cat.csv`);
    writeFileSync(csv, 'hilist_code,hilist_name,hilist_type,hilist_lv\nX1,药,101,01\n');
    const imported = await output(cli(['import', 'catalogue', csv], env));
    rmSync(csv);
    assert.equal(imported.code, 0, imported.stderr);
    assert.equal(JSON.parse(imported.stdout).records, 1);
    const entry = await fetch(`${url}/api/v1/catalogue/X1`, { headers: { authorization: 'Bearer test-admin-key-123' } });
    assert.equal((await entry.json()).hilist_name, '药', 'the import reached the running server');

    server.kill('SIGTERM');
    const done = await serverOut;
    assert.equal(done.code, 0, done.stderr);
    assert.equal(existsSync(join(dir, 'fundguard.lock')), false, 'the lock is released on shutdown');
  } finally {
    if (server.exitCode === null) server.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  }
});

test('import with bad input exits 2 and names file, line and field', { timeout: 60_000 }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'fg-cli-'));
  try {
    const csv = join(dir, 'bad.csv');
    writeFileSync(csv, 'hilist_code,hilist_name,hilist_type,hilist_lv\nX1,药,101,05\n');
    const r = await output(cli(['import', 'catalogue', csv], { FUNDGUARD_DATA_DIR: join(dir, 'data') }));
    assert.equal(r.code, 2);
    assert.match(r.stderr, /bad\.csv line 2 hilist_code=X1: hilist_lv: must be one of 01, 02, 03 \(value "05"\)/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
