import { test } from 'node:test';
import assert from 'node:assert/strict';
import { dayNumber } from '../model/dates.ts';
import { afterDeath, drugHoarding, overlappingCare, type CareEncounter, type DrugPurchase } from './patient-screens.ts';

let n = 0;
const care = (o: Partial<CareEncounter> & { from: string; to?: string | null; lastLine?: string }): CareEncounter => ({
  mdtrt_id: `C${++n}`, patn_id: 'P1', medins_id: 'H1', type: '2', total_fen: 100000, ...o,
  adm: dayNumber(o.from), dscg: o.to ? dayNumber(o.to) : null, last_line: dayNumber(o.lastLine ?? o.to ?? o.from),
});

test('OVERLAPPING_CARE: two stays at different institutions overlapping by one night are a lead; a transfer on the discharge day is not', () => {
  const a = care({ medins_id: 'H1', from: '2024-03-01', to: '2024-03-10' });
  const overlap = care({ medins_id: 'H2', from: '2024-03-09', to: '2024-03-15' }); // nights 9→10: 1
  const transfer = care({ patn_id: 'P2', medins_id: 'H2', from: '2024-03-10', to: '2024-03-15' });
  const a2 = { ...a, mdtrt_id: 'A2', patn_id: 'P2' };
  const sameInstitution = care({ patn_id: 'P3', medins_id: 'H1', from: '2024-03-05', to: '2024-03-08' });
  const a3 = { ...a, mdtrt_id: 'A3', patn_id: 'P3' };
  const leads = overlappingCare([a, overlap, transfer, a2, sameInstitution, a3]);
  assert.deepEqual(leads.map((l) => [l.subject_ids[0], l.evidence.map((e) => e.mdtrt_id)]), [['P1', [a.mdtrt_id, overlap.mdtrt_id]]]);
  assert.equal(leads[0].category, 'OVERLAPPING_CARE');
  assert.equal(leads[0].subject_type, 'patient');
  assert.match(leads[0].summary, /重叠 1 天/);
  assert.equal(leads[0].medins_id, 'H2');
});

test('OVERLAPPING_CARE: a visit or a pharmacy purchase elsewhere strictly inside a stay; not on its first or last day, not at its own institution', () => {
  const stay = care({ medins_id: 'H1', from: '2024-05-01', to: '2024-05-06' });
  const inside = care({ medins_id: 'H2', type: '3', from: '2024-05-03', total_fen: 3000 });
  const firstDay = care({ medins_id: 'H2', type: '1', from: '2024-05-01' });
  const lastDay = care({ medins_id: 'H3', type: '1', from: '2024-05-06' });
  const own = care({ medins_id: 'H1', type: '1', from: '2024-05-04' });
  const leads = overlappingCare([stay, inside, firstDay, lastDay, own]);
  assert.deepEqual(leads.map((l) => l.evidence.map((e) => e.mdtrt_id)), [[stay.mdtrt_id, inside.mdtrt_id]]);
  assert.equal(leads[0].amount_at_risk_fen, 3000);
  assert.match(leads[0].summary, /购药/);
});

test('OVERLAPPING_CARE: a stay without a discharge date ends on the day of its latest line', () => {
  const open = care({ medins_id: 'H1', from: '2024-06-01', to: null, lastLine: '2024-06-05' });
  const at4 = care({ medins_id: 'H2', type: '1', from: '2024-06-04' });
  const at5 = care({ patn_id: 'P9', medins_id: 'H2', type: '1', from: '2024-06-05' });
  const open9 = { ...open, mdtrt_id: 'O9', patn_id: 'P9' };
  assert.deepEqual(overlappingCare([open, at4, open9, at5]).map((l) => l.subject_ids[0]), ['P1']);
});

test('AFTER_DEATH: strictly after the date of death, by admission date; the earliest of several rows counts; one lead per person', () => {
  const deaths = [{ patn_id: 'D1', day: dayNumber('2024-04-10'), source: '公安' }, { patn_id: 'D1', day: dayNumber('2024-04-20'), source: '民政' }];
  const onTheDay = care({ patn_id: 'D1', type: '1', from: '2024-04-10' });
  const dayAfter = care({ patn_id: 'D1', type: '1', medins_id: 'H2', from: '2024-04-11', total_fen: 5000 });
  const later = care({ patn_id: 'D1', from: '2024-04-15', to: '2024-04-18', total_fen: 20000 });
  const alive = care({ patn_id: 'A1', from: '2024-05-01' });
  const leads = afterDeath(deaths, [onTheDay, dayAfter, later, alive]);
  assert.equal(leads.length, 1);
  assert.deepEqual(leads[0].evidence.map((e) => e.mdtrt_id), [dayAfter.mdtrt_id, later.mdtrt_id]);
  assert.equal(leads[0].amount_at_risk_fen, 25000);
  assert.match(leads[0].factors[0].detail, /2024-04-10.*公安/);
  assert.equal(leads[0].medins_id, '', 'seen at two institutions');
});

const P_HOARD = { institutions: 3, window_days: 30, supply_window_days: 90, supply_base: 90, supply_margin: 30 };
const buy = (o: Partial<DrugPurchase> & { on: string }): DrugPurchase => ({
  patn_id: 'P1', mdtrt_id: `B${++n}`, medins_id: 'H1', hilist_code: 'XA10BA', supply_days: null, amount_fen: 1000, ...o, day: dayNumber(o.on),
});

test('DRUG_HOARDING: three institutions within 30 calendar days (d … d+29) is a lead, a third on day 30 is not', () => {
  const within = [buy({ medins_id: 'H1', on: '2024-03-01' }), buy({ medins_id: 'H2', on: '2024-03-15' }), buy({ medins_id: 'H3', on: '2024-03-30' })];
  const outside = [buy({ patn_id: 'P2', medins_id: 'H1', on: '2024-03-01' }), buy({ patn_id: 'P2', medins_id: 'H2', on: '2024-03-15' }), buy({ patn_id: 'P2', medins_id: 'H3', on: '2024-03-31' })];
  const otherDrug = [buy({ patn_id: 'P3', medins_id: 'H1', on: '2024-03-01' }), buy({ patn_id: 'P3', medins_id: 'H2', on: '2024-03-02' }), buy({ patn_id: 'P3', medins_id: 'H3', on: '2024-03-03', hilist_code: 'OTHER' })];
  const leads = drugHoarding([...within, ...outside, ...otherDrug], P_HOARD);
  assert.deepEqual(leads.map((l) => l.subject_ids[0]), ['P1']);
  assert.equal(leads[0].category, 'DRUG_HOARDING');
  assert.deepEqual(leads[0].evidence.map((e) => e.medins_id), ['H1', 'H2', 'H3']);
  assert.match(leads[0].factors[0].detail, /30 天内在 3 家机构/);
});

test('DRUG_HOARDING: supply strictly above 120 days within any 90 days; exactly 120 is not; lines without days add none', () => {
  const over = [buy({ on: '2024-01-01', supply_days: 60 }), buy({ on: '2024-02-01', supply_days: 30 }), buy({ on: '2024-03-30', supply_days: 31 })]; // day 0 … 89: 121
  const exactly = [buy({ patn_id: 'P2', on: '2024-01-01', supply_days: 60 }), buy({ patn_id: 'P2', on: '2024-02-01', supply_days: 30 }), buy({ patn_id: 'P2', on: '2024-03-30', supply_days: 30 })];
  const late = [buy({ patn_id: 'P3', on: '2024-01-01', supply_days: 60 }), buy({ patn_id: 'P3', on: '2024-02-01', supply_days: 30 }), buy({ patn_id: 'P3', on: '2024-03-31', supply_days: 31 })]; // day 90: outside
  const unknown = [buy({ patn_id: 'P4', on: '2024-01-01', supply_days: 100 }), buy({ patn_id: 'P4', on: '2024-01-05', supply_days: null, amount_fen: 99999 })];
  const leads = drugHoarding([...over, ...exactly, ...late, ...unknown], P_HOARD);
  assert.deepEqual(leads.map((l) => l.subject_ids[0]), ['P1']);
  assert.match(leads[0].factors[0].detail, /取药 121 天量/);
  assert.equal(leads[0].amount_at_risk_fen, 3000);
});
