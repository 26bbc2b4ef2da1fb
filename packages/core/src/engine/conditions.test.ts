import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compileCondition } from './conditions.ts';
import { buildContext } from './context.ts';
import { enc, type E } from './testing/build.ts';
import type { Condition } from './types.ts';
import type { Encounter, Patient } from '../model/encounter.ts';

const groups = (name: string) => (name === 'LIVER' ? ['K74.6', 'K70.3'] : []);
/** Evaluates a condition on the (single) encounter, with its first line for line-level leaves. */
function holds(c: Condition, e: E, patient: Partial<Patient> = {}, edit: (x: Encounter) => void = () => undefined): boolean {
  const x = enc(e, patient);
  edit(x.encounter);
  const { encounters } = buildContext({ patient: x.patient, encounters: [x.encounter] });
  return compileCondition(c, groups)(encounters[0], encounters[0].lines[0] ?? null);
}
const L = [{ code: 'X' }];

test('diagnosis: exact codes, prefixes with *, case-insensitive, dots ignored; groups; dscg_main_dise_codg included', () => {
  assert.equal(holds({ diagnosis: ['K74*'] }, { diagnoses: ['k74.601'], lines: L }), true);
  assert.equal(holds({ diagnosis: ['K74.6'] }, { diagnoses: ['K74.6'], lines: L }), true);
  assert.equal(holds({ diagnosis: ['K746'] }, { diagnoses: ['K74.6'], lines: L }), true, 'dots ignored');
  assert.equal(holds({ diagnosis: ['R18'] }, { diagnoses: ['R18.x00'], lines: L }), false, 'no * : exact only');
  assert.equal(holds({ diagnosis: ['@LIVER'] }, { diagnoses: ['I10', 'K70.3'], lines: L }), true);
  assert.equal(holds({ diagnosis: ['C*'] }, { main: 'C34.9', lines: L }), true, 'the discharge main diagnosis is a diagnosis');
});

test('main_diagnosis: maindise_flag 1 or dscg_main_dise_codg; a secondary diagnosis is not main', () => {
  assert.equal(holds({ main_diagnosis: ['I21*'] }, { diagnoses: ['I21.0', 'E11.9'], lines: L }), true);
  assert.equal(holds({ main_diagnosis: ['E11*'] }, { diagnoses: ['I21.0', 'E11.9'], lines: L }), false);
  assert.equal(holds({ main_diagnosis: ['E11*'] }, { main: 'E11.9', diagnoses: ['I21.0'], lines: L }), true);
});

test('operation matches any operation code', () => {
  assert.equal(holds({ operation: ['51.10*'] }, { ops: ['51.1001'], lines: L }), true);
  assert.equal(holds({ operation: ['51.10*'] }, { ops: [], lines: L }), false);
});

test('lab: the latest result by test_date (ties: the later in input order) compares with each operator; none is false', () => {
  const labs = [{ code: 'ALB', value: 25, at: '2024-03-02 07:00:00' }, { code: 'ALB', value: 35, at: '2024-03-01 07:00:00' }];
  assert.equal(holds({ lab: { code: 'ALB', op: '<', value: 30 } }, { labs, lines: L }), true, 'latest is 25 though listed first');
  const tie = [{ code: 'ALB', value: 25, at: '2024-03-02 07:00:00' }, { code: 'ALB', value: 35, at: '2024-03-02 07:00:00' }];
  assert.equal(holds({ lab: { code: 'ALB', op: '<', value: 30 } }, { labs: tie, lines: L }), false, 'tie: the later input (35)');
  const one = [{ code: 'ALB', value: 30 }];
  const cmp = (op: '<' | '<=' | '>' | '>=' | '=') => holds({ lab: { code: 'ALB', op, value: 30 } }, { labs: one, lines: L });
  assert.deepEqual([cmp('<'), cmp('<='), cmp('>'), cmp('>='), cmp('=')], [false, true, false, true, true]);
  assert.equal(holds({ lab: { code: 'HB', op: '<', value: 1000 } }, { labs: one, lines: L }), false);
});

test('flag, gender, maternity, med_type, insutype, scenario, institution_level', () => {
  assert.equal(holds({ flag: 'rescue' }, { flags: ['rescue'], lines: L }), true);
  assert.equal(holds({ flag: 'severe' }, { flags: ['rescue'], lines: L }), false);
  assert.equal(holds({ gender: '2' }, { lines: L }, { gend: '2' }), true);
  assert.equal(holds({ gender: '2' }, { lines: L }, { gend: '1' }), false);
  assert.equal(holds({ maternity: ['1', '2'] }, { lines: L }, {}, (e) => (e.matn_stas = '1')), true);
  assert.equal(holds({ maternity: ['1', '2'] }, { lines: L }, {}, (e) => (e.matn_stas = '0')), false);
  assert.equal(holds({ med_type: ['13'] }, { lines: L }, {}, (e) => (e.med_type = '13')), true);
  assert.equal(holds({ med_type: ['13'] }, { lines: L }, {}, (e) => (e.med_type = '11')), false);
  assert.equal(holds({ insutype: ['390'] }, { insutype: '390', lines: L }), true);
  assert.equal(holds({ insutype: ['390'] }, { insutype: '310', lines: L }), false);
  assert.equal(holds({ scenario: ['outpatient', 'pharmacy'] }, { type: '3', lines: L }), true);
  assert.equal(holds({ scenario: ['outpatient'] }, { type: '2', lines: L }), false);
  assert.equal(holds({ institution_level: { min: 2 } }, { lv: '07', lines: L }), true, 'level 2 ≥ 2');
  assert.equal(holds({ institution_level: { min: 3 } }, { lv: '05', lines: L }), false);
});

test('age: whole years on the admission date, bounds inclusive, null = open', () => {
  const adm = '2024-03-10 08:00:00';
  assert.equal(holds({ age: { min: 60, max: null } }, { adm, lines: L }, { brdy: '1964-03-10' }), true, '60 on the birthday');
  assert.equal(holds({ age: { min: 60, max: null } }, { adm, lines: L }, { brdy: '1964-03-11' }), false, '59 the day before');
  assert.equal(holds({ age: { min: null, max: 14 } }, { adm, lines: L }, { brdy: '2009-03-11' }), true, 'still 14');
  assert.equal(holds({ age: { max: 14 } }, { adm, lines: L }, { brdy: '2009-03-10' }), false, '15 on the birthday');
});

test('item: any line of the encounter, current or not', () => {
  assert.equal(holds({ item: ['NRS*'] }, { lines: [{ code: 'X' }, { code: 'NRS01', current: false }] }), true);
  assert.equal(holds({ item: ['NRS*'] }, { lines: [{ code: 'X' }] }), false);
});

test('dept and doctor_title are read on the line', () => {
  assert.equal(holds({ dept: ['03*'] }, { lines: [{ code: 'X', dept: '0303' }] }), true);
  assert.equal(holds({ dept: ['0401'] }, { lines: [{ code: 'X', dept: '0303' }] }), false);
  assert.equal(holds({ doctor_title: { min: 4 } }, { lines: [{ code: 'X', title: 4 }] }), true, '副主任 ≥ 4');
  assert.equal(holds({ doctor_title: { min: 4 } }, { lines: [{ code: 'X', title: 3 }] }), false);
  assert.equal(holds({ doctor_title: { min: 1 } }, { lines: [{ code: 'X' }] }), false, 'no title: false');
});

test('all / any / not compose; nested trees', () => {
  const c: Condition = { all: [{ not: { flag: 'rescue' } }, { any: [{ diagnosis: ['I10'] }, { age: { min: 80 } }] }] };
  assert.equal(holds(c, { diagnoses: ['I10'], lines: L }), true);
  assert.equal(holds(c, { diagnoses: ['I10'], flags: ['rescue'], lines: L }), false);
  assert.equal(holds(c, { diagnoses: ['E11'], lines: L }, { brdy: '1940-01-01' }), true);
  assert.equal(holds(c, { diagnoses: ['E11'], lines: L }, { brdy: '1970-01-01' }), false);
});
