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
const tg = performance.now();
const records: PatientEncounter[] = [];
for (const g of generate({ encounters: N, seed: 'screening-bench' })) {
  records.push(g.record);
  labels.push(...g.labels);
}
const generateS = (performance.now() - tg) / 1000;
const tb = performance.now();
for (const r of records) {
  const s = summariseEncounter(r, params);
  (byInst.get(s.medins_id) ?? byInst.set(s.medins_id, []).get(s.medins_id)!).push(s);
}
const memoryLeads = runScreens([...byInst.keys()].sort().map((k) => byInst.get(k)!), params);
const baselineS = (performance.now() - tb) / 1000;
byInst.clear();

const pg = await scratchPostgres();
try {
  const ti = performance.now();
  const enc = new EncountersRepo(pg.database);
  for (let i = 0; i < records.length; i += 5000) await pg.database.transaction((tx) => enc.replaceMany(tx, records.slice(i, i + 5000), { importId: null, source: 'bench' }));
  const loadS = (performance.now() - ti) / 1000;
  records.length = 0;
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
    baseline_in_memory: { seconds: Math.round(baselineS * 10) / 10, encounters_per_s: Math.round(N / baselineS) },
    load_seconds: Math.round(loadS), generate_seconds: Math.round(generateS),
    quality: Object.fromEntries(Object.entries(quality).map(([k, v]) => [k, { precision: v.precision, recall: v.recall, leads: v.leads, labels: v.labels }])),
    aim: '1 M in ≤ 60 s',
  }));
} finally {
  await pg.drop();
}
