/**
 * Engine benchmark (issue 4): generated encounters (~28 lines each) against a pack of ≥ 2 000 rules across all 15
 * kinds plus a 50 000-code catalogue. Reports engine-only lines/s on one core, compile time, memory of the compiled
 * pack + catalogue, and — the baseline in the same run — json-rules-engine on the same per-line rules.
 * BENCH_ENCOUNTERS (default 100000) scales it.
 */
import { loadavg } from 'node:os';
import { Engine } from 'json-rules-engine';
import {
  compilePack, evaluatePatient, generate, generatedCatalogue, KINDS, seededRng, type CatalogueEntry, type Encounter, type Patient, type Rule,
} from '@fundguard/core';
import { catalogueLookup } from '@fundguard/service';

const N = Number(process.env.BENCH_ENCOUNTERS ?? 100_000);
const gc = (globalThis as { gc?: () => void }).gc ?? (() => undefined);
const round = (x: number, d = 1) => Math.round(x * 10 ** d) / 10 ** d;

// A 50 000-code catalogue: the generator's codes plus national-style fillers.
const catalogue: CatalogueEntry[] = generatedCatalogue();
for (let i = catalogue.length; i < 50_000; i++) {
  catalogue.push({ hilist_code: `X${String(i).padStart(12, '0')}`, hilist_name: `药品${i}`, hilist_type: i % 4 === 0 ? '201' : '101', hilist_lv: ['01', '02', '03'][i % 3], selfpay_prop: null, price_cap: 100 + (i % 9000), unit: '', limit_text: '', group_codes: i % 500 === 0 ? [`G${i % 20}`] : [], region: '*', effective_from: null, effective_to: null });
}
const codes = catalogue.map((c) => c.hilist_code);
const realCodes = generatedCatalogue().map((c) => c.hilist_code);

// ≥ 2 000 rules over all kinds; most rules target codes the data uses, as real packs do.
const rng = seededRng('engine-bench');
// 5 % of rule codes are codes the generated data bills (a pack's rules spread over the whole national catalogue).
const pickCodes = (k: number) => Array.from({ length: k }, () => (rng.next() < 0.05 ? realCodes[rng.int(realCodes.length)] : codes[rng.int(codes.length)]));
const paramsFor = (kind: string): Record<string, unknown> => {
  switch (kind) {
    case 'gender': return { allow: rng.next() < 0.5 ? '1' : '2' };
    case 'age': return { min_years: 18 + rng.int(50) };
    case 'indication': return { requires: { any: [{ diagnosis: ['K74*', 'I10*'] }, { lab: { code: 'ALB', op: '<', value: 30 } }] } };
    case 'institution_level': return { min_level: 2 };
    case 'setting': return { allow: ['inpatient'] };
    case 'quantity': return { max: 1 + rng.int(5), window: ['day', 'visit', 'month'][rng.int(3)] };
    case 'frequency': return { max: 1 + rng.int(3), window: rng.next() < 0.5 ? 'month' : { rolling_days: 7 } };
    case 'prescription': return { max_days: 7, max_drugs: 5 };
    case 'exclusive': return { with: pickCodes(3), window: 'day' };
    case 'bundled': return { includes: pickCodes(3), window: 'visit' };
    case 'stacking': return { max_distinct: 1, window: 'day' };
    case 'prerequisite': return { requires: pickCodes(2), window: 'visit' };
    case 'duplicate': return { window: 'day' };
    case 'catalogue': return { checks: ['unknown_code', 'class_c', 'over_price'] };
    default: return { doctors: ['D-NOBODY'] };
  }
};
const rules: Rule[] = [];
for (let i = 0; i < 2100; i++) {
  const kind = KINDS[i % KINDS.length];
  rules.push({
    id: `B${i}`, name: `规则${i}`, kind, category: 'QUANTITY', severity: 'violation',
    // Whole-claim kinds (prescription limits, duplicates, catalogue checks) are a few broad rules in real packs.
    items: (kind === 'prescription' || kind === 'duplicate' || kind === 'catalogue') && i < 15 ? ['*'] : pickCodes(1 + rng.int(3)),
    params: paramsFor(kind),
  } as Rule);
}
const raw = { pack: 'bench', version: '1', name: 'bench', region: '*', effective_from: '2020-01-01', rules };

gc();
const heap0 = process.memoryUsage().heapUsed;
const tc = performance.now();
const pack = compilePack(raw, { catalogue });
const lookup = catalogueLookup(catalogue);
const compileMs = performance.now() - tc;
gc();
const compiledMb = (process.memoryUsage().heapUsed - heap0) / 1048576;

// Engine alone: generation happens outside the timed sections.
let lines = 0;
let encounters = 0;
let findings = 0;
let evalMs = 0;
// CPU time beside wall time: on a machine shared with other work the wall clock counts time this process did not run.
let evalCpuMs = 0;
let group: { patient: Patient; encounters: Encounter[] } | null = null;
const sampleLines: { patient: Patient; enc: Encounter; line: Encounter['fsi_order_dtos'][number] }[] = [];
const flush = () => {
  if (!group) return;
  const t = performance.now();
  const c = process.cpuUsage();
  findings += evaluatePatient([pack], group, { stage: 'post', catalogue: lookup }).length;
  const dc = process.cpuUsage(c);
  evalMs += performance.now() - t;
  evalCpuMs += (dc.user + dc.system) / 1000;
  group = null;
};
for (const g of generate({ encounters: N, seed: 'bench' })) {
  const { patient, encounter } = g.record;
  if (group && group.patient.patn_id !== patient.patn_id) flush();
  if (!group) group = { patient, encounters: [] };
  group.encounters.push(encounter);
  lines += encounter.fsi_order_dtos.length;
  encounters++;
  if (sampleLines.length < 20_000) for (const line of encounter.fsi_order_dtos) if (sampleLines.length < 20_000) sampleLines.push({ patient, enc: encounter, line });
}
flush();
const linesPerS = lines / (evalMs / 1000);

// Baseline: json-rules-engine running the per-line kinds (gender, age, institution_level, setting) of the same
// pack, one fact set per line, against FundGuard's engine on the same subset and lines.
const skipBaseline = process.env.BENCH_SKIP_BASELINE === '1';
const simple = rules.filter((r) => ['gender', 'age', 'institution_level', 'setting'].includes(r.kind));
const jre = new Engine([], { allowUndefinedFacts: true });
for (const r of simple) {
  const p = r.params as Record<string, unknown>;
  const fact = r.kind === 'gender' ? { fact: 'gend', operator: 'notEqual', value: p.allow }
    : r.kind === 'age' ? { fact: 'age', operator: 'lessThan', value: p.min_years }
      : r.kind === 'institution_level' ? { fact: 'level', operator: 'lessThan', value: p.min_level }
        : { fact: 'scenario', operator: 'notIn', value: p.allow };
  jre.addRule({ name: r.id, conditions: { all: [{ fact: 'code', operator: 'in', value: r.items }, fact as never] }, event: { type: r.id } });
}
const simplePack = compilePack({ ...raw, rules: simple });
const lvl = (lv: string) => ({ '01': 3, '05': 2, '08': 1 } as Record<string, number>)[lv] ?? 0;
const tj = performance.now();
let jreEvents = 0;
for (const s of skipBaseline ? [] : sampleLines) {
  const facts = { code: s.line.hilist_code, gend: s.patient.gend, age: 2024 - Number(s.patient.brdy!.slice(0, 4)), level: lvl(s.enc.medins_lv), scenario: s.enc.med_mdtrt_type === '2' ? 'inpatient' : 'outpatient' };
  jreEvents += (await jre.run(facts)).events.length;
}
const jreMs = performance.now() - tj;
const tf = performance.now();
let fgFindings = 0;
for (const s of skipBaseline ? [] : sampleLines) fgFindings += evaluatePatient([simplePack], { patient: s.patient, encounters: [{ ...s.enc, fsi_order_dtos: [s.line] }] }, { stage: 'post' }).length;
const fgMs = performance.now() - tf;

console.log(JSON.stringify({
  bench: 'engine',
  encounters, lines, lines_per_encounter: round(lines / encounters), rules: rules.length, kinds: KINDS.length, catalogue_codes: catalogue.length, findings,
  engine_lines_per_s: Math.round(linesPerS), engine_seconds: round(evalMs / 1000, 2),
  engine_lines_per_cpu_s: Math.round(lines / (evalCpuMs / 1000)), load_average_1m: round(loadavg()[0], 2),
  compile_ms: round(compileMs), compiled_pack_and_catalogue_mb: round(compiledMb),
  baseline_json_rules_engine: {
    rules: simple.length, lines: sampleLines.length, jre_lines_per_s: Math.round(sampleLines.length / (jreMs / 1000)),
    fundguard_lines_per_s_same_rules_one_line_at_a_time: Math.round(sampleLines.length / (fgMs / 1000)),
    speedup: round(jreMs / fgMs), jre_events: jreEvents, fundguard_findings: fgFindings,
  },
  aims: { engine_lines_per_s: 500_000, speedup: 50, compile_ms: 1000, memory_mb: 200 },
}));
