import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { normaliseImportEncounter } from '@fundguard/core';
import { testBothBackends } from '@fundguard/store/testing.ts';
import { ServiceContext } from '../context.ts';
import { HistoryCache } from './history.ts';

const example = JSON.parse(readFileSync(new URL('../../../../../shared/examples/3101-request-envelope.json', import.meta.url), 'utf8'));
const { fsi_encounter_dtos, ...patientFields } = example.input.data.patient_dtos[0];
const pe = normaliseImportEncounter({ ...patientFields, ...fsi_encounter_dtos[0] }).value!;

testBothBackends('history cache: served from memory until a write invalidates it; bounded in size and age', async (db) => {
  let now = 0;
  const ctx = new ServiceContext(db, () => new Date(now));
  const cache = new HistoryCache(ctx, { maxPatients: 2, ttlMs: 1000 });
  const pid = pe.patient.patn_id;
  assert.deepEqual(await cache.get(pid), []);
  await db.transaction((tx) => ctx.encounters.replaceMany(tx, [pe], { importId: null, source: 'test' }));
  assert.deepEqual(await cache.get(pid), [], 'cached until invalidated');
  cache.invalidate([pid]);
  assert.equal((await cache.get(pid)).length, 1);
  const second = { ...pe, encounter: { ...pe.encounter, mdtrt_id: 'ZY2', adm_date: '2024-04-01 08:00:00' } };
  await db.transaction((tx) => ctx.encounters.replaceMany(tx, [second], { importId: null, source: 'test' }));
  now = 1001;
  assert.equal((await cache.get(pid)).length, 2, 'expired after the time-to-live');
  await cache.get('A');
  await cache.get('B');
  assert.equal(cache.size, 2, 'least recently used patient evicted');
});
