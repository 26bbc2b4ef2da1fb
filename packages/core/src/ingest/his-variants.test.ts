import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { FundGuardError } from '../errors.ts';
import { parseFsiAuditData } from './fsi-request.ts';

/**
 * A hospital-shaped 3101 `data`, written from the national 3101 field list the way a real HIS fills it: numeric codes,
 * nulls for what it does not know, vendor fields, no ext fields, amounts as strings. Each test below changes one thing.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- a JSON payload edited freely by the tests
type Json = any;
function hospital(): Record<string, Json> {
  return {
    syscode: 'HIS_WN', trig_scen: 5, rule_ids: null, task_id: null, vendor_trace: 'x-1',
    patient_dtos: [{
      patn_id: '610104195801011234', patn_name: '张三', gend: 1, brdy: '1958-01-01', poolarea: '610100', curr_mdtrt_id: 'ZY1', his_pat_no: 99812,
      fsi_encounter_dtos: [{
        mdtrt_id: 'ZY1', medins_id: 'H61010400001', medins_name: '某市第一医院', medins_admdvs: '610104', medins_type: '1', medins_lv: '03',
        wardarea_codg: null, wardno: null, bedno: '12', adm_date: '2024-03-10 09:15:00', dscg_date: null, dscg_main_dise_codg: 'K74.6',
        dscg_main_dise_name: '肝硬化', dr_codg: 'D001', adm_dept_codg: '0301', adm_dept_name: '消化内科', dscg_dept_codg: null, dscg_dept_name: null,
        med_mdtrt_type: 2, med_type: 21, matn_stas: '0', medfee_sumamt: '1540.00', ownpay_amt: '0', selfpay_amt: '0', insutype: 310, out_setl_flag: '0',
        fsi_diagnose_dtos: [{ dise_id: 'D1', inout_dise_type: '1', maindise_flag: '1', dias_srt_no: 1, dise_codg: 'K74.6', dise_name: '肝硬化', dise_date: '2024-03-10' }],
        fsi_operation_dtos: [],
        fsi_order_dtos: [{
          rx_id: 'YZ1', rxno: 'CF1', grpno: '1', long_drord_flag: '1', hilist_type: 101, chrg_type: '01', drord_bhvr: '0',
          hilist_code: 'XB05AAR001B002010100483', hilist_name: '人血白蛋白', hilist_lv: '02', hilist_pric: '385.00', hosplist_code: 'YP0001',
          hosplist_name: '人血白蛋白注射液', cnt: 2, pric: '385.00', sumamt: '770.00', ownpay_amt: '0', selfpay_amt: '77.00', spec: '10g',
          spec_unt: '瓶', drord_begn_date: '2024-03-15 10:28:00', drord_stop_date: null, drord_dept_codg: '0301', drord_dept_name: '消化内科',
          drord_dr_codg: 'D001', drord_dr_name: '李医生', drord_dr_profttl: '2', curr_drord_flag: '1', his_item_seq: 7,
        }],
      }],
    }],
  };
}
const order = (d: Record<string, Json>) => d.patient_dtos[0].fsi_encounter_dtos[0].fsi_order_dtos[0];
const encounter = (d: Record<string, Json>) => d.patient_dtos[0].fsi_encounter_dtos[0];
const notes = (r: ReturnType<typeof parseFsiAuditData>) => r.normalisations.map((n) => `${n.medins_id}|${n.field}|${n.variant}|${n.count}`).sort();

test('the hospital payload as sent (numeric codes, nulls, vendor fields, no ext fields) parses with nothing to count', () => {
  const r = parseFsiAuditData(hospital());
  const e = r.patients[0].encounters[0];
  assert.equal(e.med_mdtrt_type, '2');
  assert.equal(e.med_type, '21');
  assert.equal(e.insutype, '310');
  assert.equal(e.fsi_order_dtos[0].hilist_type, '101');
  assert.equal(e.fsi_order_dtos[0].sumamt, 77000);
  assert.equal(e.no_lab_dtos, true);
  assert.equal(e.no_ext_flags, true);
  assert.deepEqual(r.normalisations, []);
});

for (const [sent, read, variant] of [['1', '01', '"1" → 01'], ['2', '02', '"2" → 02'], [3, '03', '"3" → 03'], ['--', '', '"--" → unknown'], ['', '', '"" → unknown'], [null, '', 'null → unknown'], ['9', '', '"9" → unknown']] as const) {
  test(`hilist_lv ${JSON.stringify(sent)} is read as ${JSON.stringify(read)} and counted`, () => {
    const d = hospital();
    order(d).hilist_lv = sent;
    const r = parseFsiAuditData(d);
    assert.equal(r.patients[0].encounters[0].fsi_order_dtos[0].hilist_lv, read);
    assert.deepEqual(notes(r), [`H61010400001|fsi_encounter_dtos.fsi_order_dtos.hilist_lv|${variant}|1`]);
  });
}

test('hilist_lv variants are counted per line: three lines with "2" count 3', () => {
  const d = hospital();
  const o = order(d);
  encounter(d).fsi_order_dtos = [1, 2, 3].map((i) => ({ ...o, rx_id: `YZ${i}`, hilist_lv: '2' }));
  assert.deepEqual(notes(parseFsiAuditData(d)), ['H61010400001|fsi_encounter_dtos.fsi_order_dtos.hilist_lv|"2" → 02|3']);
});

test('every national med_mdtrt_type is accepted: 4 其他 has no scenario; an unknown code is read as unknown and counted', () => {
  for (const t of ['1', '2', '3', '4', 4]) {
    const d = hospital();
    encounter(d).med_mdtrt_type = t;
    const r = parseFsiAuditData(d);
    assert.equal(r.patients[0].encounters[0].med_mdtrt_type, String(t));
    assert.deepEqual(r.normalisations, []);
  }
  const d = hospital();
  encounter(d).med_mdtrt_type = '9';
  const r = parseFsiAuditData(d);
  assert.equal(r.patients[0].encounters[0].med_mdtrt_type, '');
  assert.deepEqual(notes(r), ['H61010400001|fsi_encounter_dtos.med_mdtrt_type|"9" → unknown|1']);
});

test('national med_type codes (11, 14, 21, 22, 41, 9901 …) are accepted as sent', () => {
  for (const t of ['11', '12', '13', '14', '15', '16', '21', '22', '24', '28', '41', '51', '52', '9901', 9906]) {
    const d = hospital();
    encounter(d).med_type = t;
    assert.equal(parseFsiAuditData(d).patients[0].encounters[0].med_type, String(t));
  }
});

test('dates as yyyy/MM/dd, yyyy/MM/dd HH:mm:ss, yyyyMMdd and yyyyMMddHHmmss are read and counted per form', () => {
  const d = hospital();
  encounter(d).adm_date = '2024/03/10 09:15:00';
  order(d).drord_begn_date = '20240315102800';
  d.patient_dtos[0].brdy = '19580101';
  encounter(d).fsi_diagnose_dtos[0].dise_date = '2024/03/10';
  const r = parseFsiAuditData(d);
  const e = r.patients[0].encounters[0];
  assert.equal(e.adm_date, '2024-03-10 09:15:00');
  assert.equal(e.fsi_order_dtos[0].drord_begn_date, '2024-03-15 10:28:00');
  assert.equal(e.fsi_diagnose_dtos[0].dise_date, '2024-03-10');
  assert.equal(r.patients[0].patient.brdy, '1958-01-01');
  assert.deepEqual(notes(r), [
    'H61010400001|fsi_encounter_dtos.adm_date|yyyy/MM/dd|1',
    'H61010400001|fsi_encounter_dtos.fsi_diagnose_dtos.dise_date|yyyy/MM/dd|1',
    'H61010400001|fsi_encounter_dtos.fsi_order_dtos.drord_begn_date|yyyyMMdd|1',
    'H61010400001|patient_dtos.brdy|yyyyMMdd|1',
  ]);
});

test('9999-12-31 as dscg_date means not discharged (null), and as drord_stop_date no stop date; both counted', () => {
  const d = hospital();
  encounter(d).dscg_date = '9999-12-31 00:00:00';
  order(d).drord_stop_date = '9999-12-31';
  const r = parseFsiAuditData(d);
  assert.equal(r.patients[0].encounters[0].dscg_date, null);
  assert.equal(r.patients[0].encounters[0].fsi_order_dtos[0].drord_stop_date, undefined);
  assert.deepEqual(notes(r), [
    'H61010400001|fsi_encounter_dtos.dscg_date|9999-12-31 → none|1',
    'H61010400001|fsi_encounter_dtos.fsi_order_dtos.drord_stop_date|9999-12-31 → none|1',
  ]);
});

test('numbers with surrounding blanks are read and counted', () => {
  const d = hospital();
  order(d).sumamt = ' 770.00 ';
  order(d).cnt = '2 ';
  order(d).pric = '\u3000385.00';
  const r = parseFsiAuditData(d);
  const l = r.patients[0].encounters[0].fsi_order_dtos[0];
  assert.deepEqual([l.cnt, l.pric, l.sumamt], [2, 38500, 77000]);
  assert.deepEqual(notes(r), [
    'H61010400001|fsi_encounter_dtos.fsi_order_dtos.cnt|blanks around number|1',
    'H61010400001|fsi_encounter_dtos.fsi_order_dtos.pric|blanks around number|1',
    'H61010400001|fsi_encounter_dtos.fsi_order_dtos.sumamt|blanks around number|1',
  ]);
});

test('gend 男/女 and an unknown or missing sex or birth date are accepted (unknown) and counted', () => {
  const d = hospital();
  d.patient_dtos[0].gend = '女';
  assert.equal(parseFsiAuditData(d).patients[0].patient.gend, '2');
  delete d.patient_dtos[0].gend;
  d.patient_dtos[0].brdy = null;
  const r = parseFsiAuditData(d);
  assert.equal(r.patients[0].patient.gend, '9');
  assert.equal(r.patients[0].patient.brdy, null);
  assert.deepEqual(notes(r), ['H61010400001|patient_dtos.brdy|missing → unknown|1', 'H61010400001|patient_dtos.gend|missing → unknown|1']);
});

test('a line without rx_id gets a generated one, a missing pric or sumamt is derived; both counted', () => {
  const d = hospital();
  delete order(d).rx_id;
  delete order(d).pric;
  const r = parseFsiAuditData(d);
  const l = r.patients[0].encounters[0].fsi_order_dtos[0];
  assert.equal(l.rx_id, 'ZY1#1');
  assert.equal(l.pric, 38500);
  assert.deepEqual(notes(r), ['H61010400001|fsi_encounter_dtos.fsi_order_dtos.pric|missing → sumamt / cnt|1', 'H61010400001|fsi_encounter_dtos.fsi_order_dtos.rx_id|missing → generated|1']);
});

const refused = (d: unknown, re: RegExp) => assert.throws(() => parseFsiAuditData(d), (e: FundGuardError) => e.code === 'E_INPUT_INVALID' && re.test(e.message));

test('refused only what makes the audit impossible: no patient id, no encounter id, no lines, duplicate rx_id, an amount or count that is not a number', () => {
  let d = hospital();
  delete d.patient_dtos[0].patn_id;
  refused(d, /patient_dtos\[0\]\.patn_id: required/);
  d = hospital();
  delete encounter(d).mdtrt_id;
  refused(d, /mdtrt_id: required/);
  d = hospital();
  encounter(d).fsi_order_dtos = [];
  refused(d, /no order lines in the current encounter ZY1/);
  d = hospital();
  encounter(d).fsi_order_dtos = [order(d), { ...order(d) }];
  refused(d, /duplicate rx_id/);
  d = hospital();
  order(d).sumamt = '七百七十';
  refused(d, /fsi_order_dtos\[0\]\(rx_id=YZ1\)\.sumamt: not a decimal number/);
  d = hospital();
  order(d).cnt = '--';
  refused(d, /\.cnt: not a decimal number/);
});

test('notes go to the institution of the encounter they were read in; patient-level ones to the first encounter', () => {
  const d = hospital();
  const second = structuredClone(encounter(d));
  second.mdtrt_id = 'MZ0';
  second.medins_id = 'H2';
  second.adm_date = '2024/01/02';
  second.fsi_order_dtos[0].hilist_lv = '1';
  d.patient_dtos[0].fsi_encounter_dtos.push(second);
  d.patient_dtos[0].brdy = '1958/01/01';
  assert.deepEqual(notes(parseFsiAuditData(d)), [
    'H2|fsi_encounter_dtos.adm_date|yyyy/MM/dd|1',
    'H2|fsi_encounter_dtos.fsi_order_dtos.hilist_lv|"1" → 01|1',
    'H61010400001|patient_dtos.brdy|yyyy/MM/dd|1',
  ]);
});
