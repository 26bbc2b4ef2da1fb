/**
 * `fundguard audit` end to end (issue 20 item 5): the compiled CLI (bin/fundguard.mjs) on a generated JSONL file of
 * BENCH_AUDIT_ENCOUNTERS (default 20 000) encounters with injected violations, against the shipped packs and the
 * generated catalogue, with one thread and with the default threads (both cores). Baseline in the same run: a node
 * process that reads the same file line by line and JSON.parses each line on one thread (nothing else). Wall times,
 * median of BENCH_REPEAT (default 3) interleaved runs, so that a busy machine slows all alike. Aim: default threads
 * ≤ 1.5 × the JSON-parse baseline. Also the old path's cost in the same run: one thread with no encounter kept in memory
 * (FUNDGUARD_AUDIT_MEMORY_MB=0: every line parsed twice, as the two-pass audit did). The outputs of all runs must be
 * the same bytes (same_output).
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { serverStaleReason, buildServer } from '../scripts/build-server.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const BIN = join(root, 'bin', 'fundguard.mjs');
const N = Number(process.env.BENCH_AUDIT_ENCOUNTERS ?? 20_000);
const REPEAT = Number(process.env.BENCH_REPEAT ?? 3);

if (serverStaleReason()) await buildServer();
const dir = mkdtempSync(join(tmpdir(), 'fg-cli-audit-'));
const file = join(dir, 'enc.jsonl');
const out = join(dir, 'findings.jsonl');
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) / 2)];
const run = (args: string[], env: Record<string, string> = {}) => {
  const t = performance.now();
  const r = spawnSync(process.execPath, args, { stdio: ['ignore', 'ignore', 'pipe'], cwd: root, env: { ...process.env, FUNDGUARD_NO_BUILD: '1', ...env }, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`${args.join(' ')}: exit ${r.status} ${r.stderr}`);
  return (performance.now() - t) / 1000;
};
// The baseline: read the file in 1 MB blocks, split at LF, JSON.parse each line — nothing else, one thread.
const BASELINE = `
const fs = require('node:fs');
const fd = fs.openSync(process.argv[1], 'r');
const block = Buffer.allocUnsafe(1 << 20);
let carry = Buffer.alloc(0), n, lines = 0;
while ((n = fs.readSync(fd, block, 0, block.length, null)) > 0) {
  const data = carry.length ? Buffer.concat([carry, block.subarray(0, n)]) : block.subarray(0, n);
  let s = 0;
  for (let nl = data.indexOf(10); nl !== -1; nl = data.indexOf(10, s)) { JSON.parse(data.toString('utf8', s, nl)); lines++; s = nl + 1; }
  carry = Buffer.from(data.subarray(s));
}
if (carry.length) { JSON.parse(carry.toString('utf8')); lines++; }
`;

try {
  spawnSync(process.execPath, [BIN, 'generate', '--encounters', String(N), '--seed', 'cli-audit', '--out', file, '--rate', 'all=0.02'], { stdio: 'ignore', env: { ...process.env, FUNDGUARD_NO_BUILD: '1' } });
  const rules = ['national-sample', 'xian-basic', 'national-catalogue'].flatMap((p) => ['--rules', join(root, 'rules', p)]);
  const audit = (threads?: number) => [BIN, 'audit', file, ...rules, '--catalogue', `${file}.catalogue.csv`, '--out', out, ...(threads ? ['--threads', String(threads)] : [])];
  const base: number[] = [];
  const one: number[] = [];
  const auto: number[] = [];
  const twice: number[] = [];
  let shaTwice = '';
  let shaOne = '';
  let shaAuto = '';
  const sha = () => createHash('sha256').update(readFileSync(out)).digest('hex');
  const load = loadavg()[0];
  for (let i = 0; i < REPEAT; i++) {
    base.push(run(['-e', BASELINE, file]));
    one.push(run(audit(1)));
    shaOne = sha();
    auto.push(run(audit()));
    shaAuto = sha();
    twice.push(run(audit(1), { FUNDGUARD_AUDIT_MEMORY_MB: '0' }));
    shaTwice = sha();
  }
  const findings = readFileSync(out, 'utf8').split('\n').filter(Boolean).length;
  const b = median(base);
  const a = median(auto);
  console.log(JSON.stringify({
    bench: 'cli-audit', encounters: N, file_mb: +(statSync(file).size / 1048576).toFixed(1), findings, load_average_1m: +load.toFixed(2),
    json_parse_baseline_s: +b.toFixed(2), audit_one_thread_s: +median(one).toFixed(2), audit_default_threads_s: +a.toFixed(2),
    audit_parsed_twice_one_thread_s: +median(twice).toFixed(2),
    ratio_one_thread: +(median(one) / b).toFixed(2), ratio_default_threads: +(a / b).toFixed(2), ratio_parsed_twice: +(median(twice) / b).toFixed(2),
    same_output: shaOne === shaAuto && shaOne === shaTwice, output_sha256: shaAuto.slice(0, 16),
    aims: { ratio_default_threads: 1.5 },
  }));
} finally {
  rmSync(dir, { recursive: true, force: true });
}
