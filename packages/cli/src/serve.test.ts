import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { once } from 'node:events';
import { createServer, type AddressInfo } from 'node:net';
import { request } from 'node:http';
import { sql } from 'drizzle-orm';
import { testPostgres } from '@fundguard/store/testing.ts';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const MAIN = join(dirname(fileURLToPath(import.meta.url)), 'main.ts');
const root = new URL('../../../', import.meta.url);
const nationalSample = JSON.parse(readFileSync(new URL('rules/national-sample/pack.json', root), 'utf8'));
/** the contract's 3101 example with albumin given at 31 g/L: one INDICATION finding under national-sample */
const highAlbumin = JSON.parse(readFileSync(new URL('../shared/examples/3101-request-envelope.json', root), 'utf8'));
highAlbumin.input.data.patient_dtos[0].fsi_encounter_dtos[0].fsi_lab_dtos[0].rslt_val = '31';

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

testPostgres('serve with FUNDGUARD_API_PROCESSES=2: both processes answer on one port, a pack activated through one is used by both at once, a killed process is started again, SIGTERM stops all', async (scratch) => {
  const port = await freePort();
  const key = 'cluster-admin-key-123';
  const server = cli(['serve'], { DATABASE_URL: scratch.url!, FUNDGUARD_API_PROCESSES: '2', PORT: String(port), FUNDGUARD_DEMO: '0', FUNDGUARD_ADMIN_KEY: key, LOG_LEVEL: 'info' });
  let log = '';
  server.stdout!.on('data', (d) => (log += d));
  server.stderr!.on('data', (d) => (log += d));
  const exited = once(server, 'exit');
  const listeningPids = () => [...log.matchAll(/"pid":(\d+)[^\n]*"msg":"FundGuard listening"/g)].map((m) => Number(m[1]));
  const waitFor = async (what: string, check: () => boolean | Promise<boolean>) => {
    for (let i = 0; i < 600; i++) {
      if (await check()) return;
      if (server.exitCode !== null) throw new Error(`server exited: ${log}`);
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`not seen within 60 s: ${what}\n${log}`);
  };
  try {
    await waitFor('two API processes listening', () => listeningPids().length === 2);
    const [lead, replica] = listeningPids();
    const url = `http://127.0.0.1:${port}`;
    // A fresh connection per request: the cluster deals connections to the processes in turn.
    const post = (path: string, body: unknown) => postOnNewConnection(`${url}${path}`, key, body);
    const call3101 = async () => {
      const r = await post('/api/v1/fsi/3101', highAlbumin);
      assert.equal(r.status, 200);
      return ((await r.json()) as { output: { result: unknown[] } }).output.result.length;
    };
    assert.deepEqual(await Promise.all(Array.from({ length: 6 }, call3101)), [0, 0, 0, 0, 0, 0], 'no pack active yet');
    const up = await post('/api/v1/rule-packs?activate=true', nationalSample);
    assert.equal(up.status, 201, await up.text());
    // The process that activated it has it at once; the other within the NOTIFY's delivery. 3101 is answered by both.
    await waitFor('the pack in both processes', async () => (await Promise.all(Array.from({ length: 6 }, call3101))).every((n) => n === 1));
    // The HIS answers a warning at once; with connections dealt in turn the 3103 often reaches the other process,
    // which must wait for the first process's queued warnings (written within 200 ms) instead of calling it unknown.
    for (let i = 0; i < 4; i++) {
      const r = await post('/api/v1/fsi/3101', highAlbumin);
      const [warning] = ((await r.json()) as { output: { result: { jr_id: string }[] } }).output.result;
      const fb = await post('/api/v1/fsi/3103', { infno: '3103', input: { data: { warn_type: '1', warns: [{ warn_rslt_id: warning.jr_id, dspo_way: '1', dspo_way_rea: '病情需要' }] } } });
      assert.equal(fb.status, 200, await fb.text());
    }
    const servedBy = new Set([...log.matchAll(/"pid":(\d+)[^\n]*"route":"\/api\/v1\/fsi\/:infno"/g)].map((m) => Number(m[1])));
    assert.deepEqual([...servedBy].sort(), [lead, replica].sort(), 'both processes answered real-time calls');
    const listeners = await scratch.database.rows<{ n: number }>(sql`select count(*)::int as n from pg_stat_activity where datname = current_database() and query ilike 'listen %'`);
    assert.equal(listeners[0].n, 2, 'each process listens for the other\'s changes');

    process.kill(replica, 'SIGKILL');
    await waitFor('the killed process started again', () => listeningPids().length === 3);
    assert.ok(!listeningPids().slice(2).includes(replica) && listeningPids().includes(lead));
    assert.equal(await call3101(), 1);
  } finally {
    server.kill('SIGTERM');
    const [code] = (await exited) as [number | null];
    assert.equal(code, 0, log);
  }
}, { timeout: 180_000 });

/** POST on a connection of its own (fetch would reuse one, and the cluster deals out connections, not requests). */
function postOnNewConnection(url: string, key: string, body: unknown): Promise<{ status: number; text(): Promise<string>; json(): Promise<unknown> }> {
  const payload = JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const req = request(url, { method: 'POST', agent: false, headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload), connection: 'close' } }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (d) => (text += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text: async () => text, json: async () => JSON.parse(text) }));
    });
    req.on('error', reject);
    req.end(payload);
  });
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as AddressInfo;
      s.close(() => resolve(port));
    });
    s.on('error', reject);
  });
}
