import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { normaliseImportEncounter } from './encounter.ts';
import { toImportShape } from './encounter-out.ts';

const example = JSON.parse(readFileSync(new URL('../../../../../shared/examples/3101-request-envelope.json', import.meta.url), 'utf8'));
const patient = example.input.data.patient_dtos[0];
const { fsi_encounter_dtos, ...patientFields } = patient;
const importLine = { ...patientFields, ...fsi_encounter_dtos[0] };

test('the shared 3101 example normalises: strings to fen and numbers, empty dscg_date to null', () => {
  const r = normaliseImportEncounter(importLine);
  assert.deepEqual(r.errors, []);
  const e = r.value!.encounter;
  assert.equal(e.mdtrt_id, 'ZY2024031000123');
  assert.equal(e.dscg_date, null);
  assert.equal(e.adm_date, '2024-03-10 09:12:00');
  assert.equal(e.fsi_order_dtos[0].pric, 38500);
  assert.equal(e.fsi_order_dtos[0].sumamt, 77000);
  assert.equal(e.fsi_order_dtos[0].cnt, 2);
  assert.equal(e.fsi_order_dtos[0].curr_drord_flag, true);
  assert.equal(e.fsi_lab_dtos[0].rslt_val, 27.4);
  assert.equal(e.fsi_diagnose_dtos[0].maindise_flag, true);
  assert.equal(r.value!.patient.brdy, '1958-01-01');
  assert.deepEqual(r.warnings, []);
});

test('every error of a record is reported at once with its field path and value', () => {
  const bad = structuredClone(importLine);
  bad.fsi_order_dtos[0].cnt = '-2';
  bad.fsi_order_dtos[0].hilist_lv = '04';
  bad.adm_date = '2024-02-30';
  delete bad.medins_id;
  const r = normaliseImportEncounter(bad, { file: 'x.jsonl', line: 7 });
  assert.equal(r.value, null);
  const fields = r.errors.map((e) => e.field).sort();
  assert.deepEqual(fields, ['adm_date', 'fsi_order_dtos[0].cnt', 'fsi_order_dtos[0].hilist_lv', 'medins_id']);
  const cnt = r.errors.find((e) => e.field === 'fsi_order_dtos[0].cnt')!;
  assert.equal(cnt.file, 'x.jsonl');
  assert.equal(cnt.line, 7);
  assert.equal(cnt.record, 'mdtrt_id=ZY2024031000123');
  assert.equal(cnt.value, '-2');
});

test('sumamt that does not equal cnt × pric is a warning, not a rejection', () => {
  const odd = structuredClone(importLine);
  odd.fsi_order_dtos[0].sumamt = '771.00';
  const r = normaliseImportEncounter(odd);
  assert.ok(r.value);
  assert.equal(r.warnings.length, 1);
  assert.equal(r.warnings[0].field, 'fsi_order_dtos[0].sumamt');
});

test('duplicate rx_id inside one encounter is an error', () => {
  const dup = structuredClone(importLine);
  dup.fsi_order_dtos.push({ ...dup.fsi_order_dtos[0] });
  const r = normaliseImportEncounter(dup);
  assert.equal(r.value, null);
  assert.match(r.errors[0].reason, /duplicate rx_id/);
});

test('toImportShape round-trips through the normaliser', () => {
  const first = normaliseImportEncounter(importLine).value!;
  const again = normaliseImportEncounter(JSON.parse(JSON.stringify(toImportShape(first))));
  assert.deepEqual(again.errors, []);
  assert.deepEqual(again.value, first);
});

test('toImportShape keeps missing evidence missing: no fsi_lab_dtos / ext_flags in, none out, and the round trip is exact', () => {
  const bare = structuredClone(importLine) as Record<string, unknown>;
  delete bare.fsi_lab_dtos;
  delete bare.ext_flags;
  const first = normaliseImportEncounter(bare).value!;
  assert.equal(first.encounter.no_lab_dtos, true);
  const out = JSON.parse(JSON.stringify(toImportShape(first)));
  assert.equal('fsi_lab_dtos' in out, false);
  assert.equal('ext_flags' in out, false);
  assert.equal('no_lab_dtos' in out, false);
  assert.deepEqual(normaliseImportEncounter(out).value, first);
});
