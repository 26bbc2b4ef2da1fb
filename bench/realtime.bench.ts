/**
 * Real-time audit latency (issue 5): a 3101 request with 1 patient, a current encounter of 40 orders and 3 history
 * encounters, against national-sample plus 2 000 generated rules, served by this process over loopback; the load
 * comes from child processes: a constant-rate open-loop generator (constant-rate.mjs) for 300 req/s (3101) and
 * 200 req/s (3102, which stores), autocannon (and wrk when installed) for the maximum sustained throughput; on
 * PGlite and PostgreSQL, and on PostgreSQL with several API processes. Each 3102 request names a patient and
 * encounters of its own (distinct.mjs), as 3102 traffic from many doctors does. Baseline in the same run: GET
 * /healthz at the same rate (the HTTP stack's own latency on this machine).
 */
import { execFile, spawn } from 'node:child_process';
import { once } from 'node:events';
import { createServer, type AddressInfo } from 'node:net';
import { scratchPostgres } from '@fundguard/store/testing.ts';
import { promisify } from 'node:util';
const execFileAsync = promisify(execFile);
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { generate, KINDS, parseFsiAuditData, seededRng, toImportShape, type PatientEncounter, type Rule } from '@fundguard/core';
import { distinctBody } from './distinct.mjs';
import type { Database } from '@fundguard/store';
import { onBothBackends } from './backends.ts';
import { FundGuard, SecretBox } from '@fundguard/service';
import { buildApp } from '@fundguard/api';

const here = dirname(fileURLToPath(import.meta.url));
const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const dir = mkdtempSync(join(tmpdir(), 'fg-bench-rt-'));

// The request: one patient, 3 history encounters, a current inpatient encounter with 40 orders.
const records = [...generate({ encounters: 400, seed: 'rt' })];
const patientId = records.find((r, i) => records.filter((x) => x.record.patient.patn_id === r.record.patient.patn_id).length >= 1 && i > 10)!.record.patient.patn_id;
const mine = records.filter((r) => r.record.patient.patn_id === patientId).map((r) => r.record.encounter);
const inpatient = records.map((r) => r.record.encounter).find((e) => e.med_mdtrt_type === '2' && e.fsi_order_dtos.length >= 40)!;
const history = [...mine, ...records.map((r) => r.record.encounter)].filter((e) => e.mdtrt_id !== inpatient.mdtrt_id).slice(0, 3)
  .map((e) => ({ ...e, patn_id: patientId }));
const current = { ...inpatient, patn_id: patientId, mdtrt_id: 'ZYBENCH0001', fsi_order_dtos: inpatient.fsi_order_dtos.slice(0, 40) };
const patient = records.find((r) => r.record.patient.patn_id === patientId)!.record.patient;
const encounterJson = (e: typeof current) => {
  const { patn_id: _p, patn_name: _n, gend: _g, brdy: _b, poolarea: _a, ...enc } = toImportShape({ patient, encounter: e }) as Record<string, unknown>;
  return enc;
};
const body = (infno: string) => JSON.stringify({
  infno, msgid: 'BENCH', fixmedins_code: current.medins_id,
  input: { data: { syscode: 'HIS', trig_scen: '5', patient_dtos: [{ ...patient, curr_mdtrt_id: current.mdtrt_id, fsi_encounter_dtos: [...history.map(encounterJson), encounterJson(current)] }] } },
});

// 2 000 generated rules over national-style codes (as in the engine benchmark).
const rng = seededRng('rt-rules');
const codes = [...new Set(records.flatMap((r) => r.record.encounter.fsi_order_dtos.map((l) => l.hilist_code)))];
const rules: Rule[] = Array.from({ length: 2000 }, (_, i) => {
  const kind = (['gender', 'age', 'institution_level', 'setting', 'quantity', 'frequency', 'stacking', 'duplicate'] as const)[i % 8];
  const items = [rng.next() < 0.05 ? codes[rng.int(codes.length)] : `X${String(i).padStart(12, '0')}`];
  const params: Record<string, unknown> = { gender: { allow: '2' }, age: { min_years: 70 }, institution_level: { min_level: 3 }, setting: { allow: ['outpatient'] },
    quantity: { max: 3, window: 'day' }, frequency: { max: 5, window: 'month' }, stacking: { max_distinct: 1, window: 'day' }, duplicate: { window: 'day' } }[kind];
  return { id: `G${i}`, name: `生成规则${i}`, kind, category: 'QUANTITY', severity: 'suspicious', items, params } as Rule;
});
void KINDS;

/** The request body in a file, for the load generators (one file per body). */
function payloadFile(payload: string): string {
  const file = join(dir, `body-${payload.length}.json`);
  writeFileSync(file, payload);
  return file;
}

/** autocannon in a child process; awaited asynchronously so that this process keeps serving. */
async function cannon(url: string, payload: string | null, opts: { rate?: number; connections: number }): Promise<Record<string, number>> {
  const args = [join(here, '..', 'node_modules', 'autocannon', 'autocannon.js'), '-j', '-d', String(SECONDS), '-c', String(opts.connections)];
  if (opts.rate) args.push('-R', String(opts.rate));
  if (payload) {
    args.push('-m', 'POST', '-H', 'content-type=application/json', '-H', `authorization=Bearer ${key}`, '-i', payloadFile(payload));
  }
  args.push(url);
  const r = await execFileAsync(process.execPath, args, { encoding: 'utf8', maxBuffer: 64 << 20 });
  const j = JSON.parse(r.stdout);
  return {
    rps: Math.round(j.requests.average), p50_ms: j.latency.p50, p95_ms: j.latency.p97_5 ?? j.latency.p95, p99_ms: j.latency.p99, max_ms: j.latency.max,
    non2xx: j.non2xx, errors: j.errors, timeouts: j.timeouts,
  };
}

/**
 * The maximum throughput again with wrk (C, one thread) when it is installed (`apt-get install wrk`): autocannon is a
 * Node process that takes much of a core at these rates on this 2-core machine, which the server then lacks.
 */
async function wrkMax(url: string, payload: string, connections: number): Promise<Record<string, number> | null> {
  if (!existsSync('/usr/bin/wrk')) return null;
  const bodyFile = payloadFile(payload);
  const script = join(dir, 'wrk.lua');
  writeFileSync(script, `wrk.method = "POST"\nwrk.body = io.open(${JSON.stringify(bodyFile)}):read("*a")\nwrk.headers["Content-Type"] = "application/json"\nwrk.headers["Authorization"] = "Bearer ${key}"\n`);
  const r = await execFileAsync('/usr/bin/wrk', ['-t1', `-c${connections}`, `-d${SECONDS}s`, '--latency', '-s', script, url], { encoding: 'utf8' });
  const ms = (p: string) => {
    const m = new RegExp(`^\\s+${p}%\\s+([\\d.]+)(us|ms|s)`, 'm').exec(r.stdout);
    return m ? Math.round(Number(m[1]) * ({ us: 0.001, ms: 1, s: 1000 } as Record<string, number>)[m[2]] * 10) / 10 : NaN;
  };
  const non2xx = /Non-2xx or 3xx responses: (\d+)/.exec(r.stdout);
  return { rps: Math.round(Number(/Requests\/sec:\s+([\d.]+)/.exec(r.stdout)![1])), p50_ms: ms('50'), p99_ms: ms('99'), non2xx: non2xx ? Number(non2xx[1]) : 0 };
}

/**
 * Stores the earlier encounters of every body variant constant-rate.mjs will send (enough for SECONDS at 200 req/s),
 * parsed exactly as the API parses them: a 3102 then writes only its current encounter, as in a hospital where each
 * patient's earlier encounters arrived with earlier calls.
 */
async function storeDistinctHistory(fg: FundGuard): Promise<void> {
  const template = body('3102');
  const count = Math.ceil(200 * SECONDS * 1.5) + 500;
  for (let from = 0; from < count; from += 500) {
    const slice: PatientEncounter[] = [];
    for (let i = from; i < Math.min(count, from + 500); i++) {
      const [p] = parseFsiAuditData(JSON.parse(distinctBody(template, i)).input.data).patients;
      for (const e of p.encounters) if (e.mdtrt_id !== p.curr_mdtrt_id) slice.push({ patient: p.patient, encounter: e });
    }
    await fg.database.transaction((tx) => fg.ctx.encounters.replaceMany(tx, slice, { importId: null, source: 'bench' }));
  }
}

/**
 * Before measuring, 3 s of each call at a moderate rate, not reported: a server that has just started compiles its
 * hot paths and opens its database connections under the first load (seconds of slow answers), which a server in
 * service has long done. The 3102 warm-up names patients outside the measured variants. The saturating runs
 * (maximum throughput) come last: the warnings they leave PostgreSQL to write and vacuum would weigh on runs after them.
 */
async function warmUp(base: string): Promise<void> {
  await steady(`${base}/api/v1/fsi/3101`, body('3101'), { rate: 200, connections: 20, seconds: 3 });
  await steady(`${base}/api/v1/fsi/3102`, body('3102'), { rate: 100, connections: 20, seconds: 3, distinct: true, first: 1_000_000 });
}

/** Latency at a constant rate (constant-rate.mjs): what a fixed request rate gives, unlike autocannon's -R bursts. */
async function steady(url: string, payload: string | null, opts: { rate: number; connections: number; distinct?: boolean; first?: number; seconds?: number }): Promise<Record<string, number>> {
  const r = await execFileAsync(process.execPath, [join(here, 'constant-rate.mjs'), url, payload ? payloadFile(payload) : '-', key, String(opts.seconds ?? SECONDS), String(opts.connections), String(opts.rate), ...(opts.distinct ? [`distinct:${opts.first ?? 0}`] : [])], { encoding: 'utf8', maxBuffer: 64 << 20 });
  return JSON.parse(r.stdout);
}

let key = '';
/** The packs (national-sample + 2 000 generated rules), an integration key, and the 3102 variants' earlier encounters. */
async function prepare(db: Database): Promise<FundGuard> {
  const fg = new FundGuard(db, { secrets: new SecretBox('bench') });
  await fg.rules.reload();
  const admin = { id: 'admin', role: 'admin' as const };
  await fg.packs.upload(admin, JSON.parse(readFileSync(join(here, '..', 'rules', 'national-sample', 'pack.json'), 'utf8')), { activate: true });
  await fg.packs.upload(admin, { pack: 'generated-2000', version: '1', name: '生成规则', region: '*', effective_from: '2020-01-01', rules }, { activate: true });
  key = (await fg.keys.create(admin, { role: 'integration' })).key;
  await storeDistinctHistory(fg);
  return fg;
}

async function run(db: Database): Promise<Record<string, unknown>> {
  const fg = await prepare(db);
  const app = await buildApp({ fg });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const base = `http://127.0.0.1:${(app.server.address() as { port: number }).port}`;
  const check = await app.inject({ method: 'POST', url: '/api/v1/fsi/3101', headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' }, payload: body('3101') });
  if (check.statusCode !== 200) throw new Error(check.body);
  try {
    await warmUp(base);
    return {
      findings_per_call: check.json().output.result.length,
      baseline_healthz_300: await steady(`${base}/healthz`, null, { rate: 300, connections: 20 }),
      // One connection, one request at a time: the service time of a 3101 without queueing (compares code versions;
      // the rate-driven figures near saturation mostly measure the queue)
      call_3101_serial: await cannon(`${base}/api/v1/fsi/3101`, body('3101'), { connections: 1 }),
      call_3101_at_300: await steady(`${base}/api/v1/fsi/3101`, body('3101'), { rate: 300, connections: 20 }),
      call_3102_at_200: await steady(`${base}/api/v1/fsi/3102`, body('3102'), { rate: 200, connections: 20, distinct: true }),
      call_3101_at_300_autocannon_bursts: await cannon(`${base}/api/v1/fsi/3101`, body('3101'), { rate: 300, connections: 20 }),
      call_3101_max: await cannon(`${base}/api/v1/fsi/3101`, body('3101'), { connections: 32 }),
      call_3101_max_wrk: await wrkMax(`${base}/api/v1/fsi/3101`, body('3101'), 32),
    };
  } finally {
    await app.close();
  }
}

/**
 * The same load against `fundguard serve` with FUNDGUARD_API_PROCESSES=N (BENCH_API_PROCESSES, default 2) on a scratch
 * PostgreSQL: what a region deploys. Request logging off (LOG_LEVEL=warn) as in the in-process runs above.
 */
async function runCluster(processes: number): Promise<Record<string, unknown>> {
  const pg = await scratchPostgres();
  const fg = await prepare(pg.database);
  const port = await new Promise<number>((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const p = (s.address() as AddressInfo).port;
      s.close(() => resolve(p));
    });
  });
  const server = spawn(process.execPath, ['--max-semi-space-size=32', '--import', 'tsx', join(here, '..', 'packages', 'cli', 'src', 'main.ts'), 'serve'], {
    env: { ...process.env, DATABASE_URL: pg.url!, FUNDGUARD_API_PROCESSES: String(processes), PORT: String(port), FUNDGUARD_DEMO: '0', LOG_LEVEL: 'warn' },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let out = '';
  server.stdout!.on('data', (d) => (out += d));
  try {
    for (let i = 0; !out.includes('FundGuard API processes listening'); i++) {
      if (i > 600 || server.exitCode !== null) throw new Error(`the API processes did not start: ${out}`);
      await new Promise((r) => setTimeout(r, 100));
    }
    const base = `http://127.0.0.1:${port}`;
    await warmUp(base);
    return {
      processes,
      call_3101_at_300: await steady(`${base}/api/v1/fsi/3101`, body('3101'), { rate: 300, connections: 20 }),
      call_3102_at_200: await steady(`${base}/api/v1/fsi/3102`, body('3102'), { rate: 200, connections: 20, distinct: true }),
      call_3101_max: await cannon(`${base}/api/v1/fsi/3101`, body('3101'), { connections: 32 }),
      call_3101_max_wrk: await wrkMax(`${base}/api/v1/fsi/3101`, body('3101'), 32),
    };
  } finally {
    server.kill('SIGTERM');
    await once(server, 'exit');
    await fg.close();
    await pg.drop();
  }
}

const result: Record<string, unknown> = { bench: 'realtime', seconds_per_run: SECONDS, orders: current.fsi_order_dtos.length, history_encounters: history.length, rules: rules.length + 19, aims: { p99_ms_at_300: 25, max_rps: 1500, p99_ms_3102_at_200: 50 } };
Object.assign(result, await onBothBackends(dir, run));
if ((process.env.BENCH_BACKENDS ?? 'postgres').includes('postgres')) {
  result.postgres_api_processes = await runCluster(Number(process.env.BENCH_API_PROCESSES ?? 2)).catch((e) => ({ error: (e as Error).message }));
}
rmSync(dir, { recursive: true, force: true });
console.log(JSON.stringify(result));
