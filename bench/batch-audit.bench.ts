/**
 * Batch audit (事后, issue 6): BENCH_ENCOUNTERS (default 20 000) generated encounters stored, then one run of
 * the shipped packs over them — reading encounters, evaluating, writing findings — on PostgreSQL and PGlite.
 * Baseline in the same run: the engine alone on the same encounters in memory. Aim ≥ 5 000 encounters/s on PostgreSQL.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { compilePack, evaluatePatient, generate, generatedCatalogue, type PatientEncounter } from '@fundguard/core';
import type { Database } from '@fundguard/store';
import { BatchAuditService, catalogueLookup, FundGuard, rulesEvaluator, SYSTEM_ACTOR } from '@fundguard/service';
import { onBothBackends } from './backends.ts';

const N = Number(process.env.BENCH_ENCOUNTERS ?? 20_000);
const dir = mkdtempSync(join(tmpdir(), 'fg-bench-batch-'));
const records: PatientEncounter[] = [...generate({ encounters: N, seed: 'batch' })].map((g) => g.record);
const packs = ['national-sample', 'xian-basic', 'national-catalogue'].map((p) => JSON.parse(readFileSync(new URL(`../rules/${p}/pack.json`, import.meta.url), 'utf8')));
const catalogue = generatedCatalogue();
const lines = records.reduce((s, r) => s + r.encounter.fsi_order_dtos.length, 0);

// Baseline: the engine alone, in memory.
const compiled = packs.map((p) => compilePack(p, { catalogue }));
const lookup = catalogueLookup(catalogue);
const tb = performance.now();
let group: PatientEncounter[] = [];
let baselineFindings = 0;
const flush = () => {
  if (group.length) baselineFindings += evaluatePatient(compiled, { patient: group[0].patient, encounters: group.map((g) => g.encounter) }, { stage: 'post', catalogue: lookup }).length;
  group = [];
};
for (const r of records) {
  if (group.length && group[0].patient.patn_id !== r.patient.patn_id) flush();
  group.push(r);
}
flush();
const baselineS = (performance.now() - tb) / 1000;

async function measure(db: Database): Promise<Record<string, number>> {
  const fg = new FundGuard(db);
  await db.transaction(async (tx) => {
    await fg.ctx.catalogue.upsertMany(tx, catalogue, null);
    for (let i = 0; i < records.length; i += 2000) await fg.ctx.encounters.replaceMany(tx, records.slice(i, i + 2000), { importId: null, source: 'bench' });
  });
  await fg.ctx.encounters.refreshStatistics(); // as an encounter import does
  await fg.rules.reload();
  for (const p of packs) await fg.packs.upload(SYSTEM_ACTOR, p, { activate: true });
  const svc = new BatchAuditService(fg.ctx);
  const t = performance.now();
  const id = await svc.plan(SYSTEM_ACTOR, { from: '2024-01-01', to: '2025-01-01' }, fg.rules.snapshot().versions);
  const s = await svc.execute(id, rulesEvaluator(fg.rules.snapshot(), id));
  const sec = (performance.now() - t) / 1000;
  return { seconds: Math.round(sec * 100) / 100, encounters_per_s: Math.round(s.encounters / sec), lines_per_s: Math.round(lines / sec), findings: s.findings, chunks: s.total_chunks, rss_mb: Math.round(process.memoryUsage().rss / 1048576) };
}

const result: Record<string, unknown> = {
  bench: 'batch-audit', encounters: N, lines, aim: { postgres_encounters_per_s: 5000 },
  baseline_engine_in_memory: { seconds: Math.round(baselineS * 100) / 100, encounters_per_s: Math.round(N / baselineS), findings: baselineFindings },
};
Object.assign(result, await onBothBackends(dir, measure));
rmSync(dir, { recursive: true, force: true });
console.log(JSON.stringify(result));
