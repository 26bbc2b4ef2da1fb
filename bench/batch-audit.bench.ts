/**
 * Batch audit (事后, issue 6): BENCH_ENCOUNTERS (default 20 000) generated encounters stored, then one run of
 * the shipped packs over them — reading encounters, evaluating, writing findings — on PostgreSQL and PGlite.
 * Generated encounters stream into the store in slices (a 1 M run never holds them all in memory); memory during
 * the run is sampled after every chunk (peak and the figure at the end, to show it stays flat).
 * Baseline in the same run: the engine alone in memory on the first BENCH_BASELINE_ENCOUNTERS (default 20 000).
 * Aim ≥ 5 000 encounters/s on PostgreSQL. `BENCH_BACKENDS=postgres` measures PostgreSQL only.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { compilePack, evaluatePatient, generate, generatedCatalogue, type PatientEncounter } from '@fundguard/core';
import type { Database } from '@fundguard/store';
import { BatchAuditService, catalogueLookup, FundGuard, rulesEvaluator, SYSTEM_ACTOR } from '@fundguard/service';
import { onBothBackends } from './backends.ts';

const N = Number(process.env.BENCH_ENCOUNTERS ?? 20_000);
const BASELINE_N = Math.min(N, Number(process.env.BENCH_BASELINE_ENCOUNTERS ?? 20_000));
const SLICE = 2000;
const dir = mkdtempSync(join(tmpdir(), 'fg-bench-batch-'));
const packs = ['national-sample', 'xian-basic', 'national-catalogue'].map((p) => JSON.parse(readFileSync(new URL(`../rules/${p}/pack.json`, import.meta.url), 'utf8')));
const catalogue = generatedCatalogue();
const mb = (bytes: number) => Math.round(bytes / 1048576);

// Baseline: the engine alone, in memory, on the first BASELINE_N encounters (the generator is prefix-stable).
const baselineRecords: PatientEncounter[] = [...generate({ encounters: BASELINE_N, seed: 'batch' })].map((g) => g.record);
const compiled = packs.map((p) => compilePack(p, { catalogue }));
const lookup = catalogueLookup(catalogue);
const tb = performance.now();
let group: PatientEncounter[] = [];
let baselineFindings = 0;
const flush = () => {
  if (group.length) baselineFindings += evaluatePatient(compiled, { patient: group[0].patient, encounters: group.map((g) => g.encounter) }, { stage: 'post', catalogue: lookup }).length;
  group = [];
};
for (const r of baselineRecords) {
  if (group.length && group[0].patient.patn_id !== r.patient.patn_id) flush();
  group.push(r);
}
flush();
const baselineS = (performance.now() - tb) / 1000;
baselineRecords.length = 0;

let lines = 0;
async function measure(db: Database): Promise<Record<string, number>> {
  const fg = new FundGuard(db);
  const tl = performance.now();
  await db.transaction((tx) => fg.ctx.catalogue.upsertMany(tx, catalogue, null));
  lines = 0;
  let slice: PatientEncounter[] = [];
  const store = async () => {
    await db.transaction((tx) => fg.ctx.encounters.replaceMany(tx, slice, { importId: null, source: 'bench' }));
    slice = [];
  };
  for (const g of generate({ encounters: N, seed: 'batch' })) {
    slice.push(g.record);
    lines += g.record.encounter.fsi_order_dtos.length;
    if (slice.length === SLICE) await store();
  }
  if (slice.length) await store();
  await fg.ctx.encounters.refreshStatistics(); // as an encounter import does
  const loadS = (performance.now() - tl) / 1000;
  await fg.rules.reload();
  for (const p of packs) await fg.packs.upload(SYSTEM_ACTOR, p, { activate: true });
  const svc = new BatchAuditService(fg.ctx);
  global.gc?.();
  const rssBefore = process.memoryUsage().rss;
  let rssPeak = rssBefore;
  const t = performance.now();
  const id = await svc.plan(SYSTEM_ACTOR, { from: '2024-01-01', to: '2025-01-01' }, fg.rules.snapshot().versions);
  const s = await svc.execute(id, rulesEvaluator(fg.rules.snapshot(), id), { onChunk: () => (rssPeak = Math.max(rssPeak, process.memoryUsage().rss)) });
  const sec = (performance.now() - t) / 1000;
  return {
    store_seconds: Math.round(loadS), seconds: Math.round(sec * 100) / 100, encounters_per_s: Math.round(s.encounters / sec), lines_per_s: Math.round(lines / sec),
    findings: s.findings, chunks: s.total_chunks, rss_mb_before_run: mb(rssBefore), rss_mb_peak_in_run: mb(rssPeak), rss_mb_after_run: mb(process.memoryUsage().rss),
  };
}

const result: Record<string, unknown> = {
  bench: 'batch-audit', encounters: N, aim: { postgres_encounters_per_s: 5000 },
  baseline_engine_in_memory: { encounters: BASELINE_N, seconds: Math.round(baselineS * 100) / 100, encounters_per_s: Math.round(BASELINE_N / baselineS), findings: baselineFindings },
};
Object.assign(result, await onBothBackends(dir, measure));
result.lines = lines;
rmSync(dir, { recursive: true, force: true });
console.log(JSON.stringify(result));
