import assert from 'node:assert/strict';
import { generate, runScreens, summariseEncounter, type PatientEncounter, type ScreenEncounter } from '@fundguard/core';
import { testBothBackends } from '@fundguard/store/testing.ts';
import { ServiceContext } from '../context.ts';
import { THIS_HOST } from '../run-lease.ts';
import { ScreeningService } from './screening-service.ts';
import { ReviewQueueService } from './review-queue.ts';

const auditor = { id: 'aud1', role: 'auditor' as const };
const sup = { id: 'sup1', role: 'supervisor' as const };
const rates = { READMISSION: 0.05, ADMISSION_FREQUENCY: 0.05, CO_ADMISSION: 0.1, SIMILAR_COST: 0.1, GHOST_BED: 0.05 };
const generated = [...generate({ encounters: 2500, seed: 'screening-service', rates, from: '2024-01-01', to: '2024-12-01' })];
const records: PatientEncounter[] = generated.map((g) => g.record);

testBothBackends('screening over stored encounters finds exactly what the screens find in memory; the queue ranks, auto-passes and rations', async (db) => {
  let now = '2024-12-10T01:00:00Z';
  const ctx = new ServiceContext(db, () => new Date(now));
  await db.transaction((tx) => ctx.encounters.replaceMany(tx, records, { importId: null, source: 'test' }));
  const screening = new ScreeningService(ctx);
  await assert.rejects(screening.start({ id: 'h', role: 'hospital' }, { from: '2024-01-01', to: '2025-01-01' }), /may not screening\.run/);
  await assert.rejects(screening.setParams(sup, '610100', { readmission: { dayz: 3 } }), /readmission\.dayz: unknown parameter/);
  const started = await screening.start(auditor, { from: '2024-01-01', to: '2025-01-01' });
  const run = await screening.done(started.id);
  assert.equal(run.status, 'done', run.error ?? '');
  assert.equal(run.encounters, records.length);
  assert.equal(run.done_institutions, run.total_institutions);

  // The same screens over summaries computed in memory from the same encounters.
  const byInst = new Map<string, ScreenEncounter[]>();
  for (const r of records) {
    const s = summariseEncounter(r);
    (byInst.get(s.medins_id) ?? byInst.set(s.medins_id, []).get(s.medins_id)!).push(s);
  }
  const expected = runScreens([...byInst.keys()].sort().map((k) => byInst.get(k)!));
  const stored = await screening.leads(auditor, { runId: run.id, limit: 10_000 });
  assert.equal(stored.total, expected.length);
  assert.ok(expected.length > 20);
  assert.deepEqual(stored.items.map((l) => l.lead_id).sort(), expected.map((l) => l.lead_id).sort());
  const categories = new Set<string>(stored.items.map((l) => l.category));
  for (const c of ['READMISSION', 'CO_ADMISSION', 'SIMILAR_COST', 'GHOST_BED', 'ADMISSION_FREQUENCY']) assert.ok(categories.has(c), c);
  assert.ok(stored.items.every((l, i) => i === 0 || stored.items[i - 1].score >= l.score), 'ranked by score');

  // Region parameters change what is found: a 1-day readmission window finds fewer.
  await screening.setParams(sup, '610100', { readmission: { days: 1 } });
  assert.equal((await screening.params(auditor, '610100')).readmission.days, 1);
  const narrow = await screening.done((await screening.start(auditor, { from: '2024-01-01', to: '2025-01-01', region: '610100' })).id);
  const count = async (id: number) => (await screening.leads(auditor, { runId: id, category: 'READMISSION' })).total;
  assert.ok(await count(narrow.id) < await count(run.id));

  const queue = new ReviewQueueService(ctx, 5);
  const built = await queue.build(sup, { from: '2024-01-01', to: '2025-01-01', screening_run_id: run.id, threshold: 30 });
  assert.equal(built.encounters, records.length);
  assert.equal(built.queued + built.auto_passed, records.length);
  assert.ok(built.queued > 10 && built.auto_passed > built.queued);
  const top = (await queue.list(auditor, { status: 'queued', limit: 3 })).items;
  assert.ok(top[0].risk >= top[1].risk && top[1].risk >= 30);
  const autoPassed = await queue.list(auditor, { status: 'auto_passed', limit: 1 });
  assert.ok(autoPassed.items[0].risk < 30);
  const first = await queue.next(auditor, 3);
  assert.deepEqual(first.items.map((i) => i.mdtrt_id), top.map((i) => i.mdtrt_id));
  const more = await queue.next(auditor, 10);
  assert.equal(more.items.length, 2, 'capacity 5 a day');
  assert.deepEqual((await queue.next(auditor, 10)).items, []);
  await assert.rejects(queue.decide({ id: 'aud2', role: 'auditor' }, first.items[0].mdtrt_id, 'pass'), /not assigned to aud2/);
  assert.equal((await queue.decide(auditor, first.items[0].mdtrt_id, 'refer', '转稽核')).status, 'reviewed');
  const backlog = await queue.backlog(auditor);
  assert.equal(backlog.by_status.assigned, 4);
  assert.equal(backlog.days_to_clear, Math.ceil(backlog.by_status.queued / 5));
  now = '2024-12-11T01:00:00Z';
  assert.equal((await queue.next(auditor, 10)).items.length, 5, 'a new day, a new capacity');
  // A rebuild keeps worked items and replaces the rest.
  const again = await queue.build(sup, { from: '2024-01-01', to: '2025-01-01', screening_run_id: run.id, threshold: 30 });
  assert.equal(again.encounters, records.length);
  assert.equal((await queue.list(auditor, { status: 'reviewed' })).total, 1);
}, { timeout: 300_000 });

testBothBackends('screening runs whose executing process is gone are marked failed with the reason; runs of live processes are left alone', async (db) => {
  const ctx = new ServiceContext(db, () => new Date('2024-12-10T01:00:00Z'));
  const before = new ScreeningService(ctx);
  const scope = { from: '2024-01-01', to: '2025-01-01' };
  const here = THIS_HOST;
  // On this host: a process that has exited (no such pid, progress a minute ago), a live one (our parent) and a live
  // pid silent for an hour (a reused pid); on another host: silent for 10 minutes, and progress a minute ago.
  const exited = await before.repo.createRun(scope, 'aud1', '2024-12-10T00:59:00Z', 3, `${here}/4194399/a`);
  const liveHere = await before.repo.createRun(scope, 'aud1', '2024-12-10T00:59:30Z', 3, `${here}/${process.ppid}/b`);
  const reusedPid = await before.repo.createRun(scope, 'aud1', '2024-12-10T00:00:00Z', 3, `${here}/${process.ppid}/e`);
  const silentElsewhere = await before.repo.createRun(scope, 'aud1', '2024-12-10T00:50:00Z', 3, 'other-host/12/c');
  const recentElsewhere = await before.repo.createRun(scope, 'aud1', '2024-12-10T00:59:00Z', 3, 'other-host/13/d');
  const after = new ScreeningService(ctx);
  assert.equal(await after.failInterrupted(), 3);
  const status = async (id: number) => {
    const r = await after.run(auditor, id);
    return [r.status, /interrupted/.test(r.error ?? '')];
  };
  assert.deepEqual(await status(exited.id), ['failed', true]);
  assert.deepEqual(await status(silentElsewhere.id), ['failed', true]);
  assert.deepEqual(await status(reusedPid.id), ['failed', true]);
  assert.deepEqual(await status(liveHere.id), ['running', false]);
  assert.deepEqual(await status(recentElsewhere.id), ['running', false]);
  assert.equal(await after.failInterrupted(), 0);
});

testBothBackends('OVERLAPPING_CARE and AFTER_DEATH over stored encounters and the deceased list, in-process and with parameters', async (db) => {
  const ctx = new ServiceContext(db, () => new Date('2024-12-10T01:00:00Z'));
  const base = [...generate({ encounters: 300, seed: 'patient-screens', from: '2024-01-01', to: '2024-12-01' })].map((g) => g.record);
  const days = (a: string, b: string) => (Date.parse(`${b.slice(0, 10)}T00:00:00Z`) - Date.parse(`${a.slice(0, 10)}T00:00:00Z`)) / 86_400_000;
  const stay = base.find((r) => r.encounter.med_mdtrt_type === '2' && r.encounter.dscg_date && days(r.encounter.adm_date, r.encounter.dscg_date) >= 2)!;
  const other = base.find((r) => r.encounter.medins_id !== stay.encounter.medins_id)!.encounter;
  const adm = stay.encounter.adm_date.slice(0, 10);
  const nextDay = new Date(Date.parse(`${adm}T00:00:00Z`) + 86_400_000).toISOString().slice(0, 10);
  // the same person at another institution, a pharmacy purchase the day after admission (inside the stay unless discharged that day)
  const visit: PatientEncounter = {
    patient: stay.patient,
    encounter: {
      ...other, mdtrt_id: 'OVERLAP-VISIT', patn_id: stay.patient.patn_id, med_mdtrt_type: '3', adm_date: `${nextDay} 10:00:00`, dscg_date: null,
      fsi_order_dtos: other.fsi_order_dtos.slice(0, 1).map((l) => ({ ...l, drord_begn_date: `${nextDay} 10:00:00`, drord_stop_date: null })),
    },
  };
  const dead = base.find((r) => r.patient.patn_id !== stay.patient.patn_id && r.encounter.adm_date.slice(0, 10) > '2024-02-01')!;
  // a person buying one drug at three institutions within 30 days (pharmacy encounters of their own)
  const buyer = base.find((r) => r.patient.patn_id !== stay.patient.patn_id && r.patient.patn_id !== dead.patient.patn_id)!;
  const drugLine = base.flatMap((r) => r.encounter.fsi_order_dtos).find((l) => l.hilist_type === '101')!;
  const institutions = [...new Set(base.map((r) => r.encounter.medins_id))].slice(0, 3);
  const purchases: PatientEncounter[] = institutions.map((medins, i) => ({
    patient: buyer.patient,
    encounter: {
      ...base.find((r) => r.encounter.medins_id === medins)!.encounter, mdtrt_id: `HOARD-${i}`, patn_id: buyer.patient.patn_id, med_mdtrt_type: '3', adm_date: `2024-07-${10 + 9 * i} 09:00:00`, dscg_date: null,
      fsi_order_dtos: [{ ...drugLine, drord_begn_date: `2024-07-${10 + 9 * i} 09:00:00`, drord_stop_date: null }], fsi_diagnose_dtos: [],
    },
  }));
  const deathDay = '2024-02-01';
  await db.transaction(async (tx) => {
    await ctx.encounters.replaceMany(tx, [...base, visit, ...purchases], { importId: null, source: 'test' });
    await ctx.lists.upsertMany(tx, [{ list: 'deceased', subject_type: 'patient', subject_code: dead.patient.patn_id, reason: '公安户籍', effective_from: deathDay, effective_to: null }], 'test', 'test');
  });
  const screening = new ScreeningService(ctx);
  const run = await screening.done((await screening.start(auditor, { from: '2024-01-01', to: '2025-01-01' })).id);
  assert.equal(run.status, 'done', run.error ?? '');
  const overlap = (await screening.leads(auditor, { runId: run.id, category: 'OVERLAPPING_CARE', limit: 100 })).items;
  const mine = overlap.filter((l) => l.subject_ids[0] === stay.patient.patn_id);
  assert.equal(mine.length, 1, JSON.stringify(overlap.map((l) => l.summary)));
  assert.deepEqual(mine[0].evidence.map((e) => e.mdtrt_id), [stay.encounter.mdtrt_id, 'OVERLAP-VISIT']);
  const hoarding = (await screening.leads(auditor, { runId: run.id, category: 'DRUG_HOARDING', limit: 100 })).items.filter((l) => l.subject_ids[0] === buyer.patient.patn_id);
  assert.deepEqual(hoarding.map((l) => l.evidence.map((e) => e.mdtrt_id)), [['HOARD-0', 'HOARD-1', 'HOARD-2']]);
  const afterDeath = (await screening.leads(auditor, { runId: run.id, category: 'AFTER_DEATH', limit: 100 })).items;
  assert.deepEqual(afterDeath.map((l) => l.subject_ids[0]), [dead.patient.patn_id]);
  const theirs = base.filter((r) => r.patient.patn_id === dead.patient.patn_id && r.encounter.adm_date.slice(0, 10) > deathDay).map((r) => r.encounter.mdtrt_id).sort();
  assert.deepEqual(afterDeath[0].evidence.map((e) => e.mdtrt_id).sort(), theirs);
  assert.equal(afterDeath[0].amount_at_risk, Math.round(theirs.reduce((s, id) => s + base.find((r) => r.encounter.mdtrt_id === id)!.encounter.fsi_order_dtos.reduce((a, l) => a + l.sumamt, 0), 0)) / 100);
  // another list name for dates of death: nobody is on it
  const sup2 = { id: 'sup2', role: 'supervisor' as const };
  const region = dead.encounter.medins_admdvs.slice(0, 6);
  const inRegion = await screening.done((await screening.start(auditor, { from: '2024-01-01', to: '2025-01-01', region })).id);
  assert.equal((await screening.leads(auditor, { runId: inRegion.id, category: 'AFTER_DEATH' })).total, 1, 'found in the region with its default list');
  await screening.setParams(sup2, region, { after_death: { list: 'death_register' } });
  const other2 = await screening.done((await screening.start(auditor, { from: '2024-01-01', to: '2025-01-01', region })).id);
  assert.equal((await screening.leads(auditor, { runId: other2.id, category: 'AFTER_DEATH' })).total, 0);
  await assert.rejects(screening.setParams(sup2, region, { after_death: { list: 'Bad Name' } }), /after_death\.list/);
});
