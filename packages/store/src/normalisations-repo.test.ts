import assert from 'node:assert/strict';
import { testBothBackends } from './testing.ts';
import { NormalisationsRepo } from './normalisations-repo.ts';

testBothBackends('normalisation counts add up per institution, field, variant and day, and the report sums them', async (db) => {
  const repo = new NormalisationsRepo(db);
  const lv = { field: 'fsi_encounter_dtos.fsi_order_dtos.hilist_lv', variant: '"2" → 02' };
  repo.record([{ medins_id: 'H1', ...lv, count: 3 }], { day: '2024-03-15', msgid: 'M1', at: '2024-03-15T02:00:00.000Z' });
  repo.record([{ medins_id: 'H1', ...lv, count: 2 }, { medins_id: 'H2', field: 'fsi_encounter_dtos.adm_date', variant: 'yyyy/MM/dd', count: 1 }], { day: '2024-03-15', msgid: 'M2', at: '2024-03-15T03:00:00.000Z' });
  await repo.flush();
  repo.record([{ medins_id: 'H1', ...lv, count: 4 }], { day: '2024-03-16', msgid: 'M3', at: '2024-03-16T01:00:00.000Z' });
  await repo.flush();
  // a second flush of the same key adds to the stored count
  repo.record([{ medins_id: 'H1', ...lv, count: 1 }], { day: '2024-03-16', msgid: 'M4', at: '2024-03-16T02:00:00.000Z' });
  await repo.flush();
  const all = await repo.report({});
  assert.deepEqual(all.map((r) => [r.medins_id, r.field, r.variant, r.count, r.first_day, r.last_day, r.last_msgid, r.last_at]), [
    ['H1', lv.field, lv.variant, 10, '2024-03-15', '2024-03-16', 'M4', '2024-03-16T02:00:00.000Z'],
    ['H2', 'fsi_encounter_dtos.adm_date', 'yyyy/MM/dd', 1, '2024-03-15', '2024-03-15', 'M2', '2024-03-15T03:00:00.000Z'],
  ]);
  const h1Day = await repo.report({ medinsId: 'H1', from: '2024-03-16', to: '2024-03-16' });
  assert.deepEqual(h1Day.map((r) => [r.medins_id, r.count, r.last_msgid]), [['H1', 5, 'M4']]);
  assert.deepEqual(await repo.report({ medinsId: 'H2', from: '2024-03-16' }), []);
});
