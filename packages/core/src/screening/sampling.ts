import { FundGuardError } from '../errors.ts';
import type { Fen } from '../model/money.ts';
import { sampleWithoutReplacement, seededRng } from './prng.ts';

/** A record that can be sampled: its id and the strata it falls in. */
export interface SamplingUnit {
  id: string;
  strata?: Record<string, string>;
}

export interface Stratum {
  key: string;
  population: number;
  sampled: number;
}

/** A reproducible draw: the seed, the method and the strata are recorded with it (screening.md "Sampling"). */
export interface SampleDraw {
  seed: string;
  method: 'random' | 'stratified' | 'preset';
  preset?: string;
  /** the seeds' extrapolation factor for presets (×2 for a half, ×3 for a third), 1 when all are taken */
  factor?: number;
  population: number;
  strata: Stratum[];
  ids: string[];
}

/** Stable order so that the same population and seed always give the same draw, whatever order rows came in. */
const byId = <T extends SamplingUnit>(units: readonly T[]) => units.slice().sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));

export function randomSample(units: readonly SamplingUnit[], n: number, seed: string): SampleDraw {
  if (!Number.isInteger(n) || n < 0) throw new FundGuardError('E_FIELD_INVALID', 'sample size must be a whole number ≥ 0');
  const ids = sampleWithoutReplacement(byId(units), n, seededRng(seed)).map((u) => u.id).sort();
  return { seed, method: 'random', population: units.length, strata: [{ key: '*', population: units.length, sampled: ids.length }], ids };
}

/**
 * Stratified sample by the given stratum fields (e.g. institution, department, amount band): `n` is allocated
 * proportionally to stratum size (largest remainder), with at least one per non-empty stratum when n allows.
 */
export function stratifiedSample(units: readonly SamplingUnit[], fields: readonly string[], n: number, seed: string): SampleDraw {
  const groups = new Map<string, SamplingUnit[]>();
  for (const u of byId(units)) {
    const key = fields.map((f) => `${f}=${u.strata?.[f] ?? ''}`).join('|');
    let g = groups.get(key);
    if (!g) groups.set(key, (g = []));
    g.push(u);
  }
  const keys = [...groups.keys()].sort();
  const N = units.length;
  const target = Math.min(n, N);
  const quotas = keys.map((k) => (groups.get(k)!.length * target) / Math.max(N, 1));
  const alloc = quotas.map((q) => Math.floor(q));
  if (target >= keys.length) alloc.forEach((a, i) => (alloc[i] = Math.max(a, 1)));
  let left = target - alloc.reduce((s, a) => s + a, 0);
  const order = keys.map((_, i) => i).sort((a, b) => quotas[b] - Math.floor(quotas[b]) - (quotas[a] - Math.floor(quotas[a])) || a - b);
  for (let i = 0; left > 0 && i < order.length * 2; i++) {
    const j = order[i % order.length];
    if (alloc[j] < groups.get(keys[j])!.length) {
      alloc[j]++;
      left--;
    }
  }
  while (left < 0) {
    const j = alloc.indexOf(Math.max(...alloc));
    alloc[j]--;
    left++;
  }
  const strata: Stratum[] = [];
  const ids: string[] = [];
  keys.forEach((k, i) => {
    const picked = sampleWithoutReplacement(groups.get(k)!, alloc[i], seededRng(`${seed}|${k}`));
    strata.push({ key: k, population: groups.get(k)!.length, sampled: picked.length });
    ids.push(...picked.map((u) => u.id));
  });
  return { seed, method: 'stratified', population: N, strata, ids: ids.sort() };
}

/** 004: records ≤ 50 → all; 50–150 → half, deduction ×2; > 150 → a third, deduction ×3. */
export function seedsProportionPreset(population: number): { n: number; factor: number; rule: string } {
  if (population <= 50) return { n: population, factor: 1, rule: '≤50 全部检查' };
  if (population <= 150) return { n: Math.ceil(population / 2), factor: 2, rule: '50–150 抽查一半，扣款×2' };
  return { n: Math.ceil(population / 3), factor: 3, rule: '>150 抽查三分之一，扣款×3' };
}

export function presetSample(units: readonly SamplingUnit[], seed: string): SampleDraw {
  const p = seedsProportionPreset(units.length);
  return { ...randomSample(units, p.n, seed), method: 'preset', preset: p.rule, factor: p.factor };
}

/** 000: at least 10 % of inpatient records. */
export function inpatientTenPercent(units: readonly SamplingUnit[], seed: string): SampleDraw {
  return { ...randomSample(units, Math.ceil(units.length * 0.1), seed), method: 'preset', preset: '住院病历抽查不少于10%' };
}

export interface InpatientRecord extends SamplingUnit {
  /** still in hospital */
  current: boolean;
  total: Fen;
  drugs: Fen;
}

/**
 * 002 per hospital: 5 current inpatients + 20 discharged records, of which 10 with cost > ¥1 500 and 10 with drug
 * cost < ¥800 (a record meeting both counts once; shortfalls are filled from the other discharged records).
 */
export function hospitalInspectionPreset(records: readonly InpatientRecord[], seed: string): SampleDraw {
  const rng = seededRng(seed);
  const sorted = byId(records);
  const current = sampleWithoutReplacement(sorted.filter((r) => r.current), 5, rng);
  const discharged = sorted.filter((r) => !r.current);
  const highCost = sampleWithoutReplacement(discharged.filter((r) => r.total > 150_000), 10, rng);
  const taken = new Set(highCost.map((r) => r.id));
  const lowDrug = sampleWithoutReplacement(discharged.filter((r) => r.drugs < 80_000 && !taken.has(r.id)), 10, rng);
  for (const r of lowDrug) taken.add(r.id);
  const fill = sampleWithoutReplacement(discharged.filter((r) => !taken.has(r.id)), Math.max(0, 20 - taken.size), rng);
  const ids = [...current, ...highCost, ...lowDrug, ...fill].map((r) => r.id).sort();
  return {
    seed, method: 'preset', preset: '在院5份+出院20份（10份费用>1500元，10份药费<800元）', population: records.length, ids,
    strata: [
      { key: 'current', population: sorted.length - discharged.length, sampled: current.length },
      { key: 'discharged:cost>1500', population: discharged.filter((r) => r.total > 150_000).length, sampled: highCost.length },
      { key: 'discharged:drugs<800', population: discharged.filter((r) => r.drugs < 80_000).length, sampled: lowDrug.length },
      { key: 'discharged:fill', population: discharged.length, sampled: fill.length },
    ],
  };
}

export interface StratumErrors {
  key: string;
  /** N_h: records in the stratum */
  population: number;
  /** the error amount (fen) found in each sampled record of the stratum, 0 for a clean record */
  errors: readonly Fen[];
}

export interface Extrapolation {
  /** point estimate of the population's error amount (fen) */
  estimate: Fen;
  /** 95 % confidence interval (fen), never below the errors actually found */
  low: Fen;
  high: Fen;
  standardError: Fen;
  /** the seeds' rule: errors found × factor (for comparison) */
  simpleFactorEstimate: Fen | null;
}

/** Two-sided 97.5 % quantiles of Student's t for small degrees of freedom; 1.96 beyond. */
const T975 = [0, 12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228, 2.201, 2.179, 2.16, 2.145, 2.131, 2.12, 2.11, 2.101, 2.093, 2.086, 2.08, 2.074, 2.069, 2.064, 2.06, 2.056, 2.052, 2.048, 2.045, 2.042];
const tQuantile = (df: number) => (df <= 0 ? Number.NaN : df < T975.length ? T975[df] : df < 60 ? 2.0 : 1.96);

/**
 * Stratified expansion estimator of the total error amount: T̂ = Σ N_h ȳ_h, Var(T̂) = Σ N_h² (1 − n_h/N_h) s_h² / n_h,
 * interval T̂ ± t(0.975, n − H) · √Var. Strata with a single sampled record add no variance estimate (stated in the docs).
 */
export function extrapolate(strata: readonly StratumErrors[], factor?: number): Extrapolation {
  let estimate = 0;
  let variance = 0;
  let n = 0;
  let found = 0;
  for (const s of strata) {
    const nh = s.errors.length;
    if (nh === 0) {
      if (s.population > 0) throw new FundGuardError('E_INPUT_INVALID', `stratum ${s.key} has records but none sampled: its errors cannot be estimated`);
      continue;
    }
    if (nh > s.population) throw new FundGuardError('E_INPUT_INVALID', `stratum ${s.key}: ${nh} sampled of ${s.population}`);
    const mean = s.errors.reduce((a, b) => a + b, 0) / nh;
    const s2 = nh > 1 ? s.errors.reduce((a, e) => a + (e - mean) ** 2, 0) / (nh - 1) : 0;
    estimate += s.population * mean;
    variance += (s.population ** 2 * (1 - nh / s.population) * s2) / nh;
    n += nh;
    found += s.errors.reduce((a, b) => a + b, 0);
  }
  const se = Math.sqrt(variance);
  const t = tQuantile(n - strata.filter((s) => s.errors.length > 0).length);
  const half = Number.isNaN(t) ? 0 : t * se;
  return {
    estimate: Math.round(estimate),
    low: Math.max(found, Math.round(estimate - half)),
    high: Math.round(estimate + half),
    standardError: Math.round(se),
    simpleFactorEstimate: factor === undefined ? null : found * factor,
  };
}
