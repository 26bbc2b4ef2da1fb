/**
 * Stateful settlement (issue 7, issue 20 item 6): BENCH_SETTLE (default 3 000) stored generated encounters settled
 * through the service — policy look-up, catalogue look-up, the person's accumulators locked, the settlement and the
 * audit log written — with BENCH_SETTLE_CONCURRENCY (default 8) requests in flight, on PostgreSQL and PGlite.
 * Baselines in the same run: the pure calculator on the same encounters, and the service writing each settlement in
 * a transaction of its own (maxBatch 1) on the other half of the encounters, before the batched (group-commit) half.
 * Aim: batched ≥ 1 000/s on PostgreSQL.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { generate, generatedCatalogue, parsePolicy, settle, type PatientEncounter } from '@fundguard/core';
import type { Database } from '@fundguard/store';
import { FundGuard, SYSTEM_ACTOR } from '@fundguard/service';
import { onBothBackends } from './backends.ts';

const N = Number(process.env.BENCH_SETTLE ?? 3000);
const CONCURRENCY = Number(process.env.BENCH_SETTLE_CONCURRENCY ?? 8);
const dir = mkdtempSync(join(tmpdir(), 'fg-bench-settle-'));
const policiesDir = new URL('../policies/610100/', import.meta.url);
const policies = readdirSync(policiesDir).map((f) => JSON.parse(readFileSync(new URL(f, policiesDir), 'utf8')) as Record<string, unknown>);
// Only encounters a shipped policy covers (resident outpatient has none in the examples).
const records: PatientEncounter[] = [...generate({ encounters: Math.round(N * 1.3), seed: 'settle-stateful', from: '2024-01-01', to: '2024-12-01' })].map((g) => g.record)
  .filter((r) => r.encounter.med_mdtrt_type === '2' || r.encounter.insutype === '310').slice(0, N);
const catalogue = generatedCatalogue();

const cat = new Map(catalogue.map((e) => [e.hilist_code, e]));
const byKey = new Map(policies.map((p) => { const x = parsePolicy(p); return [`${x.insutype}/${x.scenario}`, x]; }));
const tb = performance.now();
for (const r of records) settle({ policy: byKey.get(`${r.encounter.insutype}/${r.encounter.med_mdtrt_type === '2' ? 'inpatient' : 'outpatient'}`)!, encounter: r.encounter, retiree: false, catalogue: cat, accumulators: { admissions: 0, deductible_met: 0, fund_paid: 0, catastrophic_base: 0, catastrophic_paid: 0 } });
const baselineS = (performance.now() - tb) / 1000;

async function measure(db: Database): Promise<Record<string, unknown>> {
  const fg = new FundGuard(db);
  await db.transaction(async (tx) => {
    await fg.ctx.catalogue.upsertMany(tx, catalogue, null);
    await fg.ctx.encounters.replaceMany(tx, records, { importId: null, source: 'bench' });
  });
  await fg.ctx.encounters.refreshStatistics(); // as the imports do
  await db.rows((await import('drizzle-orm')).sql`analyze catalogue_entries`);
  await fg.settlements.importPolicySets(SYSTEM_ACTOR, policies, 'bench');
  const actor = { id: 'bench', role: 'integration' as const };
  // Generated records come grouped by patient; real traffic interleaves people (one person's settlements serialise).
  const order = records.map((r, i) => ({ r, k: (i * 2654435761) % 4294967296 })).sort((a, b) => a.k - b.k).map((x) => x.r);
  const run = async (list: PatientEncounter[], maxBatch: number) => {
    fg.settlements.maxBatch = maxBatch;
    let next = 0;
    const t = performance.now();
    await Promise.all(Array.from({ length: CONCURRENCY }, async () => {
      while (next < list.length) {
        const r = list[next++];
        await fg.settlements.settle(actor, { idempotency_key: `b-${r.encounter.mdtrt_id}`, mdtrt_id: r.encounter.mdtrt_id });
      }
    }));
    const s = (performance.now() - t) / 1000;
    return { settlements: list.length, seconds: Math.round(s * 100) / 100, settlements_per_s: Math.round(list.length / s) };
  };
  const single = await run(order.filter((_, i) => i % 2 === 1), 1);
  const batched = await run(order.filter((_, i) => i % 2 === 0), 64);
  await fg.ctx.realtime.flush();
  return { ...batched, one_per_transaction_baseline: single };
}

try {
  const r = await onBothBackends(dir, measure);
  console.log(JSON.stringify({ bench: 'settlement-stateful', concurrency: CONCURRENCY, load_average_1m: Math.round(loadavg()[0] * 100) / 100, ...r, baseline_pure_settlements_per_s: Math.round(records.length / baselineS) }));
} finally {
  rmSync(dir, { recursive: true, force: true });
}
