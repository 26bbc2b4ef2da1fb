import assert from 'node:assert/strict';
import { generate } from '@fundguard/core';
import { testBothBackends } from '@fundguard/store/testing.ts';
import { ServiceContext } from '../context.ts';
import { SamplingService } from './sampling-service.ts';

const auditor = { id: 'aud1', role: 'auditor' as const };
const records = [...generate({ encounters: 1200, seed: 'sampling-service', from: '2024-01-01', to: '2024-12-01' })].map((g) => g.record);

testBothBackends('sampling draws are stored with their seed and strata, reproduce exactly, extrapolate with a confidence interval; 双随机 avoids last time\'s inspectors', async (db) => {
  const ctx = new ServiceContext(db, () => new Date('2024-12-10T01:00:00Z'));
  await db.transaction((tx) => ctx.encounters.replaceMany(tx, records, { importId: null, source: 'test' }));
  const sampling = new SamplingService(ctx);
  const scope = { from: '2024-01-01', to: '2025-01-01' };
  await assert.rejects(sampling.drawEncounters(auditor, { ...scope, method: 'stratified', n: 50, seed: 's' }), /strata: at least one/);
  await assert.rejects(sampling.drawEncounters({ id: 'h', role: 'hospital' }, { ...scope, method: 'random', n: 5, seed: 's' }), /may not screening\.run/);
  const a = await sampling.drawEncounters(auditor, { ...scope, method: 'stratified', strata: ['amount_band'], n: 60, seed: '2024-Q4' });
  const b = await sampling.drawEncounters(auditor, { ...scope, method: 'stratified', strata: ['amount_band'], n: 60, seed: '2024-Q4' });
  const c = await sampling.drawEncounters(auditor, { ...scope, method: 'stratified', strata: ['amount_band'], n: 60, seed: 'other' });
  const ids = (d: { draw: Record<string, unknown> }) => d.draw.ids as string[];
  assert.equal(ids(a).length, 60);
  assert.deepEqual(ids(a), ids(b), 'same seed, same draw');
  assert.notDeepEqual(ids(a), ids(c));
  assert.equal(a.draw.population, records.length);
  assert.ok((a.draw.strata as { key: string }[]).every((s) => s.key.startsWith('amount_band=')));

  // Errors in three sampled records: the estimate scales them to the population, the interval contains it.
  const [x, y, z] = ids(a);
  const e = await sampling.extrapolate(auditor, a.id, { [x]: '120.50', [y]: 300, [z]: '0' });
  const ex = e.extrapolation as { estimate: number; low: number; high: number; found_fen: number };
  assert.equal(ex.found_fen, 42050);
  assert.ok(ex.estimate > ex.found_fen && ex.low <= ex.estimate && ex.estimate <= ex.high, JSON.stringify(ex));
  await assert.rejects(sampling.extrapolate(auditor, a.id, { NOT_SAMPLED: 1 }), /not in draw/);
  await assert.rejects(sampling.extrapolate(auditor, a.id, { [x]: '-1' }), /errors\./);

  const preset = await sampling.drawEncounters(auditor, { ...scope, method: 'preset', medins_id: records[0].encounter.medins_id, seed: 'p' });
  assert.ok([1, 2, 3].includes(preset.draw.factor as number));
  const tenth = await sampling.drawEncounters(auditor, { ...scope, method: 'inpatient_10pct', seed: 't' });
  const inpatients = records.filter((r) => r.encounter.med_mdtrt_type === '2').length;
  assert.deepEqual([tenth.draw.population, ids(tenth).length], [inpatients, Math.ceil(inpatients / 10)]);

  const inspectors = Array.from({ length: 8 }, (_, i) => ({ id: `I${i}`, name: `检查员${i}`, linked_institutions: i === 0 ? [records[0].encounter.medins_id] : [] }));
  const first = await sampling.drawInspections(auditor, { seed: '2024-双随机-1', inspectors, share: 0.5, team_size: 2 });
  const second = await sampling.drawInspections(auditor, { seed: '2024-双随机-2', inspectors, share: 0.5, team_size: 2 });
  const assignments = (d: { draw: Record<string, unknown> }) => d.draw.assignments as { institution: string; inspectors: string[] }[];
  const before = new Map(assignments(first).map((x) => [x.institution, x.inspectors]));
  for (const s of assignments(second)) {
    assert.ok(!s.inspectors.some((i) => before.get(s.institution)?.includes(i)), `${s.institution}: drawn again by last time's inspectors`);
    if (s.institution === records[0].encounter.medins_id) assert.ok(!s.inspectors.includes('I0'), 'a linked inspector is never drawn');
  }
  assert.equal((second.draw.publication as string[]).length, assignments(second).length);
  assert.equal((await sampling.list(auditor)).length, 7);
}, { timeout: 180_000 });
