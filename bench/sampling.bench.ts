/**
 * Sampling (issue 8): how well a sample's error amounts extrapolate to the population. Generated encounters
 * (BENCH_SAMPLING_ENCOUNTERS, default 30 000) are audited with the shipped packs: an encounter's error is the sum of
 * its violation amounts, so the population's true total is known. For each institution, draws of the seeds' size
 * (≤ 50 all; 50–150 half, ×2; > 150 a third, ×3) over its inpatient records, repeated with BENCH_SAMPLING_DRAWS seeds
 * (default 200): the seeds' rule (errors found × factor) against the stratified estimator (strata: amount band) with
 * its 95 % interval. Reports the mean absolute error of each and the interval's coverage.
 */
import { readFileSync } from 'node:fs';
import {
  compilePack, evaluatePatient, extrapolate, generate, generatedCatalogue, presetSample, seedsProportionPreset, stratifiedSample,
  type PatientEncounter, type SamplingUnit,
} from '@fundguard/core';
import { catalogueLookup } from '@fundguard/service';

const N = Number(process.env.BENCH_SAMPLING_ENCOUNTERS ?? 30_000);
const DRAWS = Number(process.env.BENCH_SAMPLING_DRAWS ?? 200);
const packs = ['national-sample', 'xian-basic', 'national-catalogue'].map((p) => JSON.parse(readFileSync(new URL(`../rules/${p}/pack.json`, import.meta.url), 'utf8')));
const catalogue = generatedCatalogue();
const compiled = packs.map((p) => compilePack(p, { catalogue }));
const lookup = catalogueLookup(catalogue);

const errorOf = new Map<string, number>();
const units = new Map<string, (SamplingUnit & { error: number })[]>();
let group: PatientEncounter[] = [];
const flush = () => {
  if (!group.length) return;
  for (const f of evaluatePatient(compiled, { patient: group[0].patient, encounters: group.map((g) => g.encounter) }, { stage: 'post', catalogue: lookup })) {
    if (f.severity === 'violation') errorOf.set(f.mdtrt_id, (errorOf.get(f.mdtrt_id) ?? 0) + f.amount);
  }
  for (const g of group) {
    const e = g.encounter;
    if (e.med_mdtrt_type !== '2') continue;
    const total = e.fsi_order_dtos.reduce((s, l) => s + l.sumamt, 0);
    const band = total < 200_000 ? '<2000' : total < 1_000_000 ? '2000–10000' : '≥10000';
    (units.get(e.medins_id) ?? units.set(e.medins_id, []).get(e.medins_id)!).push({ id: e.mdtrt_id, strata: { amount_band: band }, error: 0 });
  }
  group = [];
};
for (const g of generate({ encounters: N, seed: 'sampling-bench' })) {
  if (group.length && group[0].patient.patn_id !== g.record.patient.patn_id) flush();
  group.push(g.record);
}
flush();

let simpleAbs = 0;
let stratAbs = 0;
let covered = 0;
let trials = 0;
let truthSum = 0;
for (const [, us] of units) {
  for (const u of us) u.error = errorOf.get(u.id) ?? 0;
  const truth = us.reduce((s, u) => s + u.error, 0);
  const { n, factor } = seedsProportionPreset(us.length);
  if (factor === 1) continue; // all records taken: nothing to estimate
  const err = new Map(us.map((u) => [u.id, u.error]));
  for (let d = 0; d < DRAWS; d++) {
    const seed = `draw-${d}`;
    const simple = presetSample(us, seed);
    const found = simple.ids.reduce((s, id) => s + err.get(id)!, 0);
    const strat = stratifiedSample(us, ['amount_band'], n, seed);
    const byKey = new Map<string, number[]>();
    const keyOf = new Map(us.map((u) => [u.id, `amount_band=${u.strata!.amount_band}`]));
    for (const id of strat.ids) (byKey.get(keyOf.get(id)!) ?? byKey.set(keyOf.get(id)!, []).get(keyOf.get(id)!)!).push(err.get(id)!);
    const e = extrapolate(strat.strata.map((s) => ({ key: s.key, population: s.population, errors: byKey.get(s.key) ?? [] })));
    simpleAbs += Math.abs(found * factor - truth);
    stratAbs += Math.abs(e.estimate - truth);
    if (e.low <= truth && truth <= e.high) covered++;
    trials++;
    truthSum += truth;
  }
}
console.log(JSON.stringify({
  bench: 'sampling', encounters: N, institutions_estimated: trials / DRAWS, draws_per_institution: DRAWS,
  mean_true_error_yuan: Math.round(truthSum / trials) / 100,
  seeds_rule_mean_abs_error_yuan: Math.round(simpleAbs / trials) / 100,
  stratified_mean_abs_error_yuan: Math.round(stratAbs / trials) / 100,
  stratified_ci95_coverage: Math.round((covered / trials) * 1000) / 1000,
}));
