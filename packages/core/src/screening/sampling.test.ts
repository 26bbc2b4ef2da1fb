import { test } from 'node:test';
import assert from 'node:assert/strict';
import { seededRng } from './prng.ts';
import { extrapolate, hospitalInspectionPreset, inpatientTenPercent, presetSample, randomSample, seedsProportionPreset, stratifiedSample, type InpatientRecord } from './sampling.ts';

const units = (n: number, strata?: (i: number) => Record<string, string>) => Array.from({ length: n }, (_, i) => ({ id: `E${String(i).padStart(4, '0')}`, strata: strata?.(i) }));

test('the PRNG is reproducible by seed and roughly uniform', () => {
  const a = seededRng('2024-抽查-1');
  const b = seededRng('2024-抽查-1');
  const xs = Array.from({ length: 10_000 }, () => a.next());
  assert.deepEqual(Array.from({ length: 10 }, () => b.next()), xs.slice(0, 10));
  const mean = xs.reduce((s, x) => s + x, 0) / xs.length;
  assert.ok(Math.abs(mean - 0.5) < 0.02);
  const buckets = new Array(10).fill(0);
  for (const x of xs) buckets[Math.floor(x * 10)]++;
  assert.ok(buckets.every((c) => c > 850 && c < 1150), String(buckets));
  assert.notDeepEqual(seededRng('other').next(), xs[0]);
});

test('random samples: same seed → same draw, whatever the input order; different seed → different draw', () => {
  const pop = units(500);
  const d1 = randomSample(pop, 25, 'seed-1');
  assert.equal(d1.ids.length, 25);
  assert.equal(new Set(d1.ids).size, 25);
  assert.deepEqual(randomSample(pop.slice().reverse(), 25, 'seed-1').ids, d1.ids);
  assert.notDeepEqual(randomSample(pop, 25, 'seed-2').ids, d1.ids);
  assert.equal(randomSample(pop, 900, 's').ids.length, 500);
});

test('the seeds\' proportions: ≤ 50 all, 50–150 half ×2, > 150 a third ×3, at the boundaries', () => {
  assert.deepEqual([50, 51, 150, 151].map((n) => [seedsProportionPreset(n).n, seedsProportionPreset(n).factor]), [[50, 1], [26, 2], [75, 2], [51, 3]]);
  const d = presetSample(units(151), 's');
  assert.equal(d.ids.length, 51);
  assert.equal(d.factor, 3);
  assert.equal(inpatientTenPercent(units(95), 's').ids.length, 10);
});

test('stratified samples allocate proportionally, at least one per stratum, and record the strata', () => {
  const pop = units(300, (i) => ({ institution: i < 200 ? 'H1' : i < 290 ? 'H2' : 'H3' }));
  const d = stratifiedSample(pop, ['institution'], 30, 'strat');
  assert.deepEqual(d.strata.map((s) => [s.key, s.population, s.sampled]), [['institution=H1', 200, 20], ['institution=H2', 90, 9], ['institution=H3', 10, 1]]);
  assert.equal(d.ids.length, 30);
  assert.deepEqual(stratifiedSample(pop, ['institution'], 30, 'strat').ids, d.ids);
});

test('hospital preset: 5 current + 20 discharged with the cost and drug-cost quotas', () => {
  const records: InpatientRecord[] = Array.from({ length: 80 }, (_, i) => ({ id: `R${i}`, current: i < 8, total: i % 2 ? 200_000 : 100_000, drugs: i % 3 ? 90_000 : 50_000 }));
  const d = hospitalInspectionPreset(records, 'h');
  assert.equal(d.ids.length, 25);
  const chosen = records.filter((r) => d.ids.includes(r.id));
  assert.equal(chosen.filter((r) => r.current).length, 5);
  assert.ok(chosen.filter((r) => !r.current && r.total > 150_000).length >= 10);
  assert.ok(chosen.filter((r) => !r.current && r.drugs < 80_000).length >= 10);
});

test('stratified extrapolation: point estimate and 95 % interval, checked by hand', () => {
  // One stratum, N = 100, sample of 4 with errors 0, 0, 100, 300 fen: mean 100, s² = (1e4+1e4+0+4e4)/3 = 20000,
  // Var = 100² × (1 − 4/100) × 20000 / 4 = 48 000 000 → SE 6928.2; t(0.975, 3) = 3.182 → ±22045.
  const e = extrapolate([{ key: 'H1', population: 100, errors: [0, 0, 100, 300] }], 3);
  assert.equal(e.estimate, 10000);
  assert.equal(e.standardError, 6928);
  assert.equal(e.high, 10000 + Math.round(3.182 * Math.sqrt(48_000_000)));
  assert.equal(e.low, 400, 'never below what was actually found');
  assert.equal(e.simpleFactorEstimate, 1200);
  // A census stratum (n = N) adds no sampling variance.
  const census = extrapolate([{ key: 'all', population: 3, errors: [10, 20, 30] }]);
  assert.deepEqual([census.estimate, census.low, census.high], [60, 60, 60]);
  assert.throws(() => extrapolate([{ key: 'H2', population: 10, errors: [] }]), /none sampled/);
});
