import { test } from 'node:test';
import assert from 'node:assert/strict';
import { normaliseListRow } from './lists.ts';

test('lists: deceased rows name a patient and the date of death; focus lists may have the deployer\'s names; other names are refused', () => {
  const ok = normaliseListRow({ list: 'deceased', subject_type: 'patient', subject_code: 'P1', reason: '公安户籍', effective_from: '2024-04-10' });
  assert.deepEqual(ok.errors, []);
  assert.equal(ok.value!.effective_from, '2024-04-10');
  const noDate = normaliseListRow({ list: 'deceased', subject_type: 'patient', subject_code: 'P1' });
  assert.deepEqual(noDate.errors.map((e) => e.field), ['effective_from']);
  const doctor = normaliseListRow({ list: 'deceased', subject_type: 'doctor', subject_code: 'D1', effective_from: '2024-04-10' });
  assert.deepEqual(doctor.errors.map((e) => e.field), ['subject_type']);
  assert.deepEqual(normaliseListRow({ list: 'poverty', subject_type: 'patient', subject_code: 'P2' }).errors, []);
  const bad = normaliseListRow({ list: 'Black List', subject_type: 'patient', subject_code: 'P3' });
  assert.deepEqual(bad.errors.map((e) => e.field), ['list']);
  assert.equal(bad.value, null);
});
