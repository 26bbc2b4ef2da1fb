import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import type { FundGuardError } from '../errors.ts';
import { parseFsiAuditData, parseFsiFeedback } from './fsi-request.ts';

const example = JSON.parse(readFileSync(new URL('../../../../../shared/examples/3101-request-envelope.json', import.meta.url), 'utf8'));

test('the shared 3101 example parses', () => {
  const r = parseFsiAuditData(example.input.data);
  assert.equal(r.trig_scen, '5');
  assert.equal(r.patients.length, 1);
  assert.equal(r.patients[0].curr_mdtrt_id, 'ZY2024031000123');
  assert.equal(r.patients[0].encounters[0].fsi_order_dtos[0].sumamt, 77000);
  assert.deepEqual(r.rule_ids, []);
});

test('patient_dtos as a single object and rule_ids as a comma-separated string are accepted', () => {
  const data = structuredClone(example.input.data);
  data.patient_dtos = data.patient_dtos[0];
  data.rule_ids = 'IND-ALB, GEN-IUD';
  const r = parseFsiAuditData(data);
  assert.equal(r.patients.length, 1);
  assert.deepEqual(r.rule_ids, ['IND-ALB', 'GEN-IUD']);
});

test('an error names the patient, the encounter and the order by index and id, and the field', () => {
  const data = structuredClone(example.input.data);
  data.patient_dtos[0].fsi_encounter_dtos[0].fsi_order_dtos[0].cnt = 'zwei';
  assert.throws(() => parseFsiAuditData(data), (e: FundGuardError) => {
    assert.equal(e.code, 'E_INPUT_INVALID');
    assert.equal(e.issues[0].field, 'patient_dtos[0](patn_id=610104195801011234).fsi_encounter_dtos[0](mdtrt_id=ZY2024031000123).fsi_order_dtos[0](rx_id=YZ2024031500087).cnt');
    assert.match(e.message, /cnt: not a decimal number \("zwei"\)/);
    return true;
  });
});

test('3103 feedback: proceed needs a reason; unknown dspo_way is refused', () => {
  assert.deepEqual(parseFsiFeedback({ warn_type: '1', warns: [{ warn_rslt_id: 'J1', dspo_way: '2' }] }).warns, [{ warn_rslt_id: 'J1', dspo_way: '2', dspo_way_rea: '' }]);
  assert.throws(() => parseFsiFeedback({ warn_type: '1', warns: [{ warn_rslt_id: 'J1', dspo_way: '1', dspo_way_rea: '' }] }), /warns\[0\]\(warn_rslt_id=J1\)\.dspo_way_rea: 继续执行/);
  assert.throws(() => parseFsiFeedback({ warn_type: '1', warns: [{ warn_rslt_id: 'J1', dspo_way: '7' }] }), /dspo_way: must be one of 1, 2, 3, 4/);
});
