/**
 * Screening (issue 8): BENCH_SCREEN (default 100 000) generated encounters stored in a scratch PostgreSQL, then the
 * six screens over all of them the way a run does it (summaries computed in SQL per institution, screens in core).
 * Baseline in the same run: summaries computed in memory from the generated encounters and the same screens.
 * Reports seconds, encounters/s and precision/recall per screen against the generator's labels.
 * Aim (issue 8): 1 M encounters in ≤ 60 s on PostgreSQL.
 */
import { generate, parseScreenParams, runScreens, screenQuality, summariseEncounter, type PatientEncounter, type ScreenEncounter, type ScreenLabel } from '@fundguard/core';
import { ScreeningRepo } from '@fundguard/store';
import { scratchPostgres } from '@fundguard/store/testing.ts';
import { EncountersRepo } from '@fundguard/store';
import { screenStoredEncounters } from '@fundguard/service';

const N = Number(process.env.BENCH_SCREEN ?? 100_000);
const params = parseScreenParams(null);
const labels: ScreenLabel[] = [];
const byInst = new Map<string, ScreenEncounter[]>();
let generateAndSummariseS = 0;
const pg = await scratchPostgres();
// Streams: generated encounters are summarised (the in-memory baseline keeps only the summaries) and loaded into
// PostgreSQL in batches, so that a million encounters never sit in memory at once.
let loadS = 0;
{
  const enc = new EncountersRepo(pg.database);
  let batch: PatientEncounter[] = [];
  const flush = async () => {
    const t = performance.now();
    const part = batch;
    batch = [];
    await pg.database.transaction((tx) => enc.replaceMany(tx, part, { importId: null, source: 'bench' }));
    loadS += (performance.now() - t) / 1000;
  };
  const tg = performance.now();
  for (const g of generate({ encounters: N, seed: 'screening-bench' })) {
    labels.push(...g.labels);
    const s = summariseEncounter(g.record, params);
    (byInst.get(s.medins_id) ?? byInst.set(s.medins_id, []).get(s.medins_id)!).push(s);
    batch.push(g.record);
    if (batch.length >= 5000) await flush();
  }
  if (batch.length) await flush();
  generateAndSummariseS = (performance.now() - tg) / 1000 - loadS;
}
const tb = performance.now();
const memoryLeads = runScreens([...byInst.keys()].sort().map((k) => byInst.get(k)!), params);
const baselineS = (performance.now() - tb) / 1000;
byInst.clear();

try {
  await pg.database.rows((await import('drizzle-orm')).sql`analyze`);
  const repo = new ScreeningRepo(pg.database);
  const scope = { from: '2000-01-01', to: '2100-01-01' };
  const t = performance.now();
  const institutions = (await repo.institutions(scope)).map((i) => i.medins_id);
  const leads = await screenStoredEncounters(repo, scope, params, institutions);
  const s = (performance.now() - t) / 1000;
  const quality = screenQuality(leads, labels);
  console.log(JSON.stringify({
    bench: 'screening', encounters: N, institutions: institutions.length, postgres: { seconds: Math.round(s * 10) / 10, encounters_per_s: Math.round(N / s), leads: leads.length },
    same_leads_as_memory: leads.length === memoryLeads.length && new Set(leads.map((l) => l.lead_id)).size === new Set([...leads, ...memoryLeads].map((l) => l.lead_id)).size,
    baseline_in_memory_screens_only: { seconds: Math.round(baselineS * 10) / 10, encounters_per_s: Math.round(N / baselineS) },
    load_seconds: Math.round(loadS), generate_and_summarise_seconds: Math.round(generateAndSummariseS),
    quality: Object.fromEntries(Object.entries(quality).map(([k, v]) => [k, { precision: v.precision, recall: v.recall, leads: v.leads, labels: v.labels }])),
    aim: '1 M in ≤ 60 s',
  }));
} finally {
  await pg.drop();
}
