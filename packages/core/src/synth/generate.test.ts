import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { compilePack } from '../engine/compile.ts';
import { evaluatePatient } from '../engine/evaluate.ts';
import { normaliseImportEncounter } from '../ingest/encounter.ts';
import { toImportShape } from '../ingest/encounter-out.ts';
import { ageInYears } from '../model/dates.ts';
import type { PatientEncounter } from '../model/encounter.ts';
import { generate, generatedCatalogue, RULE_INJECTIONS, SCREEN_INJECTIONS, type Label } from './generate.ts';

const N = 2500;
const all = [...generate({ encounters: N, seed: 7 })];

test('reproducible by seed: same seed, same output; another seed, other output', () => {
  const again = [...generate({ encounters: 300, seed: 7 })];
  assert.equal(JSON.stringify(again), JSON.stringify(all.slice(0, 300)));
  assert.notEqual(JSON.stringify([...generate({ encounters: 300, seed: 8 })]), JSON.stringify(again));
});

test('every generated encounter passes the import normaliser without errors or warnings, and round-trips', () => {
  assert.equal(all.length, N);
  for (const g of all) {
    const n = normaliseImportEncounter(JSON.parse(JSON.stringify(toImportShape(g.record))));
    assert.deepEqual([n.errors, n.warnings], [[], []], g.record.encounter.mdtrt_id);
  }
  assert.equal(new Set(all.map((g) => g.record.encounter.mdtrt_id)).size, N, 'unique mdtrt_id');
});

test('distributions are plausible: scenario mix, ages, sexes, institution levels, lines per encounter', () => {
  const by = (f: (g: (typeof all)[number]) => string) => all.reduce<Record<string, number>>((m, g) => ((m[f(g)] = (m[f(g)] ?? 0) + 1), m), {});
  const scen = by((g) => g.record.encounter.med_mdtrt_type);
  assert.ok(scen['1'] / N > 0.5 && scen['1'] / N < 0.8, JSON.stringify(scen));
  assert.ok(scen['2'] / N > 0.15 && scen['2'] / N < 0.4, JSON.stringify(scen));
  assert.ok(scen['3'] / N > 0.01 && scen['3'] / N < 0.1, JSON.stringify(scen));
  const patients = new Map(all.map((g) => [g.record.patient.patn_id, g.record.patient]));
  const males = [...patients.values()].filter((p) => p.gend === '1').length / patients.size;
  assert.ok(males > 0.4 && males < 0.56, String(males));
  const ages = [...patients.values()].map((p) => ageInYears(p.brdy!, '2024-07-01'));
  assert.ok(ages.some((a) => a < 14) && ages.some((a) => a >= 80));
  assert.ok(all.length / patients.size > 1.3, 'repeat visits');
  const lines = all.reduce((s, g) => s + g.record.encounter.fsi_order_dtos.length, 0) / N;
  assert.ok(lines > 20 && lines < 40, String(lines));
  const levels = by((g) => g.record.encounter.medins_lv);
  assert.deepEqual(Object.keys(levels).sort(), ['01', '05', '08']);
  const classes = new Set(all.flatMap((g) => g.record.encounter.fsi_order_dtos.map((l) => l.hilist_lv)));
  assert.deepEqual([...classes].sort(), ['01', '02', '03']);
});

test('every rule kind and every screen is injected and labelled', () => {
  const labels = all.flatMap((g) => g.labels);
  const kinds = new Set(labels.map((l) => l.kind));
  for (const k of [...Object.keys(RULE_INJECTIONS), ...SCREEN_INJECTIONS]) assert.ok(kinds.has(k as Label['kind']), `no ${k} in ${N} encounters`);
});

test('the shipped packs find every injected rule violation and nothing in the clean baseline', () => {
  const catalogue = generatedCatalogue();
  const root = new URL('../../../../rules/', import.meta.url);
  const packs = ['national-sample', 'xian-basic', 'national-catalogue'].map((p) => compilePack(JSON.parse(readFileSync(new URL(`${p}/pack.json`, root), 'utf8')), { catalogue }));
  const byCode = new Map(catalogue.map((c) => [c.hilist_code, c]));
  const found = new Set<string>();
  let group: PatientEncounter[] = [];
  const flush = () => {
    if (!group.length) return;
    for (const f of evaluatePatient(packs, { patient: group[0].patient, encounters: group.map((g) => g.encounter) }, { stage: 'post', catalogue: (c) => byCode.get(c) ?? null })) {
      for (const l of f.lines) found.add(`${f.rule_id}|${f.mdtrt_id}|${l.rx_id}`);
    }
    group = [];
  };
  for (const g of all) {
    if (group.length && group[0].patient.patn_id !== g.record.patient.patn_id) flush();
    group.push(g.record);
  }
  flush();
  const expected = new Set(all.flatMap((g) => g.labels).filter((l) => l.rule_id).flatMap((l) => l.rx_ids!.map((rx) => `${l.rule_id}|${l.mdtrt_ids[0]}|${rx}`)));
  const missed = [...expected].filter((k) => !found.has(k));
  const extra = [...found].filter((k) => !expected.has(k));
  assert.deepEqual(missed, [], 'recall 1.0');
  assert.deepEqual(extra, [], 'precision 1.0');
  assert.ok(expected.size > 200);
});
