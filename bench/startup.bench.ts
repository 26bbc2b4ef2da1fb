/**
 * Start-up of what a newcomer meets (issue 20, items 1–3), the compiled build (bin/fundguard.mjs) beside the same-run
 * baselines: `node -e 0` and the TypeScript sources run through tsx (the old path, still `npm run dev`).
 *   - `fundguard --help`, `fundguard audit` of a 1-line file, `rules validate`: median wall time of BENCH_REPEAT runs,
 *     interleaved (old, new, node -e 0) so that a busy machine slows all three alike;
 *   - `fundguard serve` on a fresh embedded data dir with the demo: time to the URL, sign-in working, /readyz 200
 *     (everything loaded), with the slowest /healthz answer meanwhile; then a restart on the existing dir: /readyz 200.
 *   - `fundguard worker` on a scratch PostgreSQL and the local NATS: time to "worker ready" (BENCH_WORKER=0 skips it).
 * BENCH_SERVE=0 skips the server part. Aims (idle machine): --help ≤ 0.3 s and ≤ 3× node -e 0; audit of 1 line
 * ≤ 0.6 s; restart ready ≤ 3 s; sign-in ≤ 10 s after the URL; demo loaded ≤ 30 s.
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { serverStaleReason, buildServer } from '../scripts/build-server.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const BIN = join(root, 'bin', 'fundguard.mjs');
const SRC = join(root, 'packages', 'cli', 'src', 'main.ts');
const REPEAT = Number(process.env.BENCH_REPEAT ?? 7);
const PORT = Number(process.env.BENCH_PORT ?? 8185);

if (serverStaleReason()) await buildServer();
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) / 2)];
const time = (args: string[]) => {
  const t = performance.now();
  const r = spawnSync(process.execPath, args, { stdio: 'ignore', cwd: root });
  if (r.status !== 0) throw new Error(`${args.join(' ')}: exit ${r.status}`);
  return (performance.now() - t) / 1000;
};

const dir = mkdtempSync(join(tmpdir(), 'fg-startup-'));
const one = join(dir, 'one.jsonl');
spawnSync(process.execPath, [BIN, 'generate', '--encounters', '1', '--seed', 'bench', '--out', one], { stdio: 'ignore' });
const cases: Record<string, string[]> = {
  help: ['--help'],
  audit_1_line: ['audit', one, '--rules', join(root, 'rules', 'national-sample'), '--catalogue', `${one}.catalogue.csv`],
  rules_validate: ['rules', 'validate', join(root, 'rules', 'xian-basic')],
};
const cli: Record<string, unknown> = {};
const nodeRuns: number[] = [];
for (const [name, args] of Object.entries(cases)) {
  const oldRuns: number[] = [];
  const newRuns: number[] = [];
  for (let i = 0; i < REPEAT; i++) {
    oldRuns.push(time(['--import', 'tsx', SRC, ...args]));
    newRuns.push(time([BIN, ...args]));
    nodeRuns.push(time(['-e', '0']));
  }
  cli[name] = { compiled_s: +median(newRuns).toFixed(3), tsx_baseline_s: +median(oldRuns).toFixed(3) };
}
const node0 = median(nodeRuns);
(cli.help as Record<string, unknown>).ratio_to_node_e_0 = +((cli.help as { compiled_s: number }).compiled_s / node0).toFixed(2);

async function serve(dataDir: string, label: string): Promise<Record<string, unknown>> {
  const t0 = performance.now();
  const s = () => +((performance.now() - t0) / 1000).toFixed(2);
  const child = spawn(process.execPath, ['--max-semi-space-size=32', BIN, 'serve'], {
    env: { ...process.env, PORT: String(PORT), FUNDGUARD_DATA_DIR: dataDir, FUNDGUARD_DEMO: '1', LOG_LEVEL: 'warn' },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let out = '';
  const r: Record<string, unknown> = { label };
  child.stdout!.on('data', (d: Buffer) => {
    out += d.toString();
    if (r.url_printed_s === undefined && out.includes('accepting connections')) r.url_printed_s = s();
  });
  const base = `http://127.0.0.1:${PORT}`;
  let maxHealth = 0;
  try {
    for (;;) {
      if (performance.now() - t0 > 600_000) throw new Error(`${label}: not ready within 600 s`);
      const h0 = performance.now();
      const health = await fetch(`${base}/healthz`, { signal: AbortSignal.timeout(30_000) }).then((x) => x.status, () => 0);
      if (health === 200) {
        maxHealth = Math.max(maxHealth, performance.now() - h0);
        r.healthz_first_s ??= s();
      }
      if (r.sign_in_s === undefined && health === 200) {
        const login = await fetch(`${base}/api/v1/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'auditor', password: 'fundguard-demo' }) }).then((x) => x.status, () => 0);
        if (login === 200) r.sign_in_s = s();
      }
      const ready = await fetch(`${base}/readyz`, { signal: AbortSignal.timeout(30_000) }).then((x) => x.status, () => 0);
      if (ready === 200) {
        r.readyz_200_s = s();
        break;
      }
      await new Promise((res) => setTimeout(res, 100));
    }
    r.healthz_slowest_ms = Math.round(maxHealth);
  } finally {
    child.kill('SIGTERM');
    await new Promise((res) => child.once('exit', res));
  }
  return r;
}

/**
 * `fundguard worker` from spawn to its "worker ready" line (NATS stream and consumer bound, database open, rules
 * loaded), on a scratch PostgreSQL with the migrations applied (as beside a running server), median of 3.
 */
async function workerReady(): Promise<Record<string, unknown>> {
  const { scratchPostgres } = await import('@fundguard/store/testing.ts');
  const pg = await scratchPostgres();
  const stream = `FG_BENCH_START_${process.pid}`;
  const runs: number[] = [];
  try {
    for (let i = 0; i < 3; i++) {
      const t0 = performance.now();
      const child = spawn(process.execPath, [BIN, 'worker'], {
        env: { ...process.env, DATABASE_URL: pg.url!, FUNDGUARD_NATS_URL: process.env.FUNDGUARD_NATS_URL ?? 'nats://127.0.0.1:4222', FUNDGUARD_NATS_STREAM: stream, FUNDGUARD_SECRET_KEY: 'bench-startup-secret-key-0123456789' },
        stdio: ['ignore', 'pipe', 'inherit'],
      });
      let out = '';
      await new Promise<void>((resolve, reject) => {
        child.stdout!.on('data', (d: Buffer) => {
          out += d.toString();
          if (out.includes('worker ready')) resolve();
        });
        child.once('exit', (code) => reject(new Error(`worker exited ${code} before ready: ${out}`)));
      });
      runs.push((performance.now() - t0) / 1000);
      child.kill('SIGTERM');
      await new Promise((res) => child.once('exit', res));
    }
    return { ready_s: +median(runs).toFixed(2), runs_s: runs.map((x) => +x.toFixed(2)) };
  } catch (e) {
    return { error: (e as Error).message.slice(0, 300) };
  } finally {
    await pg.drop();
    // the stream the workers created
    const { WorkQueue, natsConfigFromEnv } = await import('@fundguard/service');
    const q = await WorkQueue.open({ ...natsConfigFromEnv({ FUNDGUARD_NATS_URL: process.env.FUNDGUARD_NATS_URL ?? 'nats://127.0.0.1:4222' })!, stream }).catch(() => null);
    await q?.destroy();
    await q?.close();
  }
}
const worker = process.env.BENCH_WORKER === '0' ? null : await workerReady();

const server: Record<string, unknown>[] = [];
if (process.env.BENCH_SERVE !== '0') {
  const data = join(dir, 'data');
  server.push(await serve(data, 'first start, demo'));
  server.push(await serve(data, 'restart, existing data dir'));
}
writeFileSync(join(dir, 'done'), '');
rmSync(dir, { recursive: true, force: true });
console.log(JSON.stringify({ node_e_0_s: +node0.toFixed(3), repeat: REPEAT, cli, worker, server }));
