/**
 * Import while auditing (issue 17 item 6): on the embedded database (file-backed PGlite, as `npm start` runs), 3101 at
 * a constant rate and GET /healthz every 50 ms, first without an import (the baseline, same run), then while a
 * ~BENCH_IMPORT_MB (default 100) MB encounter import runs as a job (POST /api/v1/encounters, 202, polled to its end).
 * Both load generators are child processes (constant-rate.mjs), so their clocks are not the server's event loop.
 * Aims: 3101 p99 ≤ 100 ms and /healthz max ≤ 100 ms during the import.
 * Knobs: BENCH_IMPORT_MB, BENCH_RATE (3101 per second, default 50), BENCH_SECONDS (each phase, default 30: make it
 * cover the import), BENCH_DISTINCT=1 (each 3101 a different patient: history never cached, every call reads the
 * database — the hardest case; default 0: one patient's orders again and again, as a doctor's session sends them).
 */
import { execFile } from 'node:child_process';
import { createReadStream, createWriteStream, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { once } from 'node:events';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { generate, toImportShape } from '@fundguard/core';
import { openDatabase } from '@fundguard/store';
import { FundGuard, SecretBox } from '@fundguard/service';
import { buildApp } from '@fundguard/api';

const execFileAsync = promisify(execFile);
const here = dirname(fileURLToPath(import.meta.url));
const MB = Number(process.env.BENCH_IMPORT_MB ?? 100);
const RATE = Number(process.env.BENCH_RATE ?? 50);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 30);
const DISTINCT = process.env.BENCH_DISTINCT === '1';
const dir = mkdtempSync(join(tmpdir(), 'fg-bench-iwa-'));
const bodyFile = join(dir, 'body.json');
writeFileSync(bodyFile, readFileSync(join(here, '..', '..', 'shared', 'examples', '3101-request-envelope.json'), 'utf8'));
const round = (x: number, d = 1) => Math.round(x * 10 ** d) / 10 ** d;

// The import file: generated encounters up to the size asked for.
const file = join(dir, 'encounters.jsonl');
const out = createWriteStream(file);
let encounters = 0;
let lines = 0;
let bytes = 0;
for (const g of generate({ encounters: 10_000_000, seed: 'bench-import-while-auditing' })) {
  const text = JSON.stringify(toImportShape(g.record)) + '\n';
  bytes += Buffer.byteLength(text);
  encounters++;
  lines += g.record.encounter.fsi_order_dtos.length;
  if (!out.write(text)) await once(out, 'drain');
  if (bytes >= MB * 1048576) break;
}
out.end();
await once(out, 'finish');

type Result = Record<string, unknown>;
async function steady(url: string, key: string, rate: number, seconds: number, payload: string | null, distinct = false): Promise<Result> {
  const args = [join(here, 'constant-rate.mjs'), url, payload ?? '-', key, String(seconds), '20', String(rate), ...(distinct ? ['distinct'] : [])];
  const r = await execFileAsync(process.execPath, args, { encoding: 'utf8', maxBuffer: 64 << 20 });
  const j = JSON.parse(r.stdout) as Result;
  return { rps: j.rps, p50_ms: j.p50_ms, p99_ms: j.p99_ms, max_ms: j.max_ms, non2xx: j.non2xx, errors: j.errors, timeouts: j.timeouts, slowest_ms_by_second: j.slowest_ms_by_second };
}

const database = await openDatabase({ dataDir: join(dir, 'pglite') });
const fg = new FundGuard(database, { secrets: new SecretBox('bench') });
await fg.rules.reload();
const admin = { id: 'admin', role: 'admin' as const };
await fg.packs.upload(admin, JSON.parse(readFileSync(join(here, '..', 'rules', 'national-sample', 'pack.json'), 'utf8')), { activate: true });
const key = (await fg.keys.create(admin, { role: 'integration' })).key;
const adminKey = (await fg.keys.create(admin, { role: 'admin' })).key;
const app = await buildApp({ fg });
await app.listen({ port: 0, host: '127.0.0.1' });
const base = `http://127.0.0.1:${(app.server.address() as { port: number }).port}`;
const auditUrl = `${base}/api/v1/fsi/3101`;
const phase = () => Promise.all([steady(auditUrl, key, RATE, SECONDS, bodyFile, DISTINCT), steady(`${base}/healthz`, key, 20, SECONDS, null)]);
try {
  await steady(auditUrl, key, RATE, 3, bodyFile, DISTINCT); // warm-up, not reported
  const [baseline3101, baselineHealthz] = await phase();
  // The import as a person starts it: the file streamed to the API, answered 202, followed to its end.
  const t0 = performance.now();
  const importDone = (async () => {
    const res = await fetch(`${base}/api/v1/encounters?name=encounters.jsonl`, {
      method: 'POST', headers: { authorization: `Bearer ${adminKey}`, 'content-type': 'application/x-ndjson' },
      body: createReadStream(file) as unknown as BodyInit, duplex: 'half',
    } as RequestInit);
    const posted = (await res.json()) as { import_id?: number; records?: number };
    const uploadS = (performance.now() - t0) / 1000;
    if (res.status !== 202) return { status: res.status, upload_seconds: round(uploadS), body: posted };
    let job: { status: string; records: number | null } = { status: 'validating', records: null };
    while (job.status === 'validating' || job.status === 'applying') {
      await new Promise((r) => setTimeout(r, 250));
      job = (await (await fetch(`${base}/api/v1/imports/${posted.import_id}`, { headers: { authorization: `Bearer ${adminKey}` } })).json()) as typeof job;
    }
    return { status: job.status, records: job.records, upload_seconds: round(uploadS), seconds: round((performance.now() - t0) / 1000) };
  })();
  const [during3101, duringHealthz] = await phase();
  const imported = await importDone;
  process.stdout.write(`${JSON.stringify({
    bench: 'import-while-auditing', backend: 'pglite', import_mb: round(statSync(file).size / 1048576), encounters, lines, rate_3101: RATE, seconds_per_phase: SECONDS, distinct_patients: DISTINCT,
    aims: { p99_ms_3101_during_import: 100, healthz_max_ms: 100 },
    import: { ...imported, covered_by_phase: typeof imported.seconds === 'number' && imported.seconds <= SECONDS },
    without_import: { '3101': baseline3101, healthz: baselineHealthz },
    during_import: { '3101': during3101, healthz: duringHealthz },
  })}\n`);
} finally {
  await app.close();
  await fg.close();
  rmSync(dir, { recursive: true, force: true });
}
