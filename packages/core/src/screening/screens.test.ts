import { test } from 'node:test';
import assert from 'node:assert/strict';
import { dayNumber } from '../model/dates.ts';
import { generate } from '../synth/generate.ts';
import {
  AdmissionFrequencyScreen, coAdmissions, DEFAULT_SCREEN_PARAMS as P, ghostBeds, parseScreenParams, PeerOutlierScreen, readmissions, runScreens,
  screenQuality, similarCosts, summariseEncounter, type ScreenEncounter, type ScreenLabel,
} from './screens.ts';

let n = 0;
const enc = (o: Partial<ScreenEncounter> & { adm_date?: string; los?: number }): ScreenEncounter => {
  const adm = o.adm ?? dayNumber(o.adm_date ?? '2024-03-01');
  return {
    mdtrt_id: `E${++n}`, patn_id: 'P1', medins_id: 'H1', level: 3, dept: '0303', dr_codg: 'D1', inpatient: true, adm, dscg: adm + (o.los ?? 5),
    main_dx: 'K80.200', total_fen: 100000, drug_fen: 40000, household: '', address: '', codes: [], bed_days: 5, ghost_days: 0, ghost_fen: 0, items: [], ...o,
  };
};

test('READMISSION: re-admitted with the same 3-character diagnosis exactly 15 days after discharge is a lead, 16 days is not', () => {
  const a = enc({ adm_date: '2024-03-01', los: 5 });
  const at15 = enc({ adm_date: '2024-03-21', main_dx: 'K80.201' });
  const at16 = enc({ patn_id: 'P2', adm_date: '2024-03-22', main_dx: 'K80.201' });
  const a2 = { ...a, mdtrt_id: 'A2', patn_id: 'P2' };
  const otherDx = enc({ patn_id: 'P3', adm_date: '2024-03-08', main_dx: 'K81.000' });
  const a3 = { ...a, mdtrt_id: 'A3', patn_id: 'P3' };
  const leads = readmissions([a, a2, a3, otherDx, at15, at16].sort((x, y) => x.adm - y.adm), P.readmission);
  assert.deepEqual(leads.map((l) => l.subject_ids[0]), ['P1']);
  assert.deepEqual(leads[0].evidence.map((e) => e.mdtrt_id), [a.mdtrt_id, at15.mdtrt_id]);
  assert.equal(leads[0].score, 70, '50 + 30 × (1 − 15/15) + 20 same department');
  assert.match(leads[0].summary, /出院 15 天后/);
  assert.equal(leads[0].amount_at_risk_fen, 100000);
});

test('READMISSION: diagnosis codes are compared after rule-pack.md §5 normalisation (case and dots)', () => {
  const a = enc({ patn_id: 'N1', adm_date: '2024-03-01', los: 5, main_dx: 'k80.200' });
  const b = enc({ patn_id: 'N1', adm_date: '2024-03-10', main_dx: 'K80201' });
  const dotted = enc({ patn_id: 'N2', adm_date: '2024-03-01', los: 5, main_dx: 'K.80' });
  const plain = enc({ patn_id: 'N2', adm_date: '2024-03-10', main_dx: 'k8000' });
  assert.deepEqual(readmissions([a, dotted, b, plain].sort((x, y) => x.adm - y.adm), P.readmission).map((l) => l.subject_ids[0]), ['N1', 'N2']);
});

test('ADMISSION_FREQUENCY: 4 admissions within 365 days or 3 within 90; the window is half-open', () => {
  const f = new AdmissionFrequencyScreen(P.admission_frequency);
  for (const d of ['2024-01-01', '2024-04-01', '2024-07-01', '2024-12-30']) f.add(enc({ patn_id: 'YEAR', adm_date: d })); // 364 days: in
  for (const d of ['2024-01-01', '2024-04-01', '2024-07-01', '2024-12-31']) f.add(enc({ patn_id: 'YEAR365', adm_date: d })); // 365 days: out
  for (const d of ['2024-01-01', '2024-02-01', '2024-03-30']) f.add(enc({ patn_id: 'Q', adm_date: d })); // 89 days
  for (const d of ['2024-01-01', '2024-02-01', '2024-03-31']) f.add(enc({ patn_id: 'Q90', adm_date: d })); // 90 days: out
  f.add(enc({ patn_id: 'OUT', inpatient: false }));
  const leads = f.finish();
  assert.deepEqual(leads.map((l) => l.subject_ids[0]).sort(), ['Q', 'YEAR']);
  assert.equal(leads.find((l) => l.subject_ids[0] === 'YEAR')!.evidence.length, 4);
});

test('CO_ADMISSION: three patients admitted and discharged within a day of each other twice; once is not enough', () => {
  const mk = (p: string, adm: string, los: number, household = '') => enc({ patn_id: p, adm_date: adm, los, household });
  const twice = [
    mk('A', '2024-03-01', 5, 'HH1'), mk('B', '2024-03-01', 5, 'HH1'), mk('C', '2024-03-02', 5, 'HH1'),
    mk('A', '2024-05-01', 4, 'HH1'), mk('B', '2024-05-02', 4, 'HH1'), mk('C', '2024-05-01', 5, 'HH1'),
    // once only
    mk('X', '2024-03-01', 5), mk('Y', '2024-03-01', 6), mk('Z', '2024-03-02', 4),
  ].sort((a, b) => a.adm - b.adm);
  const leads = coAdmissions(twice, P.co_admission);
  assert.deepEqual(leads.map((l) => l.subject_ids), [['A', 'B', 'C']]);
  assert.equal(leads[0].subject_type, 'group');
  assert.ok(leads[0].factors.some((f) => f.factor === 'linked'));
  assert.equal(leads[0].evidence.length, 6);
  // two days apart at admission: no longer "within 1 day"
  const apart = twice.map((e) => (e.patn_id === 'C' ? { ...e, adm: e.adm + 1, dscg: e.dscg! + 1 } : e)).sort((a, b) => a.adm - b.adm);
  assert.deepEqual(coAdmissions(apart, P.co_admission).map((l) => l.subject_ids), []);
  // required link: without one, the same pattern is not reported
  const unlinked = twice.map((e) => ({ ...e, household: '' }));
  assert.deepEqual(coAdmissions(unlinked, { ...P.co_admission, require_link: true }), []);
});

test('CO_ADMISSION: the whole group within a day in every episode — a chain of pairs (A–B, B–C) is no group, and a chained fourth is left out', () => {
  const mk = (p: string, adm: string, los = 5) => enc({ patn_id: p, adm_date: adm, los });
  // admitted (and discharged) on three consecutive days, twice: each neighbour within a day, the trio not
  const chain = [
    mk('A', '2024-03-01'), mk('B', '2024-03-02'), mk('C', '2024-03-03'),
    mk('A', '2024-05-01'), mk('B', '2024-05-02'), mk('C', '2024-05-03'),
  ].sort((a, b) => a.adm - b.adm);
  assert.deepEqual(coAdmissions(chain, P.co_admission), []);
  // a true trio twice, and D a day after C (two after A) each time: the trio is reported, without D
  const withD = [
    mk('A', '2024-03-01'), mk('B', '2024-03-01'), mk('C', '2024-03-02'), mk('D', '2024-03-03'),
    mk('A', '2024-05-01'), mk('B', '2024-05-02'), mk('C', '2024-05-02'), mk('D', '2024-05-03'),
  ].sort((a, b) => a.adm - b.adm);
  const leads = coAdmissions(withD, P.co_admission);
  assert.deepEqual(leads.map((l) => l.subject_ids), [['A', 'B', 'C']]);
  assert.equal(leads[0].evidence.length, 6);
  for (const episode of [leads[0].evidence.slice(0, 3), leads[0].evidence.slice(3)]) {
    const adm = episode.map((e) => dayNumber(e.adm_date));
    const dscg = episode.map((e) => dayNumber(e.dscg_date!));
    assert.ok(Math.max(...adm) - Math.min(...adm) <= 1 && Math.max(...dscg) - Math.min(...dscg) <= 1, 'the factor text holds for the whole group');
  }
  assert.match(leads[0].factors[0].detail, /每次全组入院日期相差 ≤ 1 天、出院日期相差 ≤ 1 天/);
  // discharges spread over three days in one episode: that episode does not count, one is not enough
  const spread = withD.filter((e) => e.patn_id !== 'D').map((e) => (e.patn_id === 'C' && e.adm < dayNumber('2024-04-01') ? { ...e, dscg: e.dscg! + 2 } : e));
  assert.deepEqual(coAdmissions(spread, P.co_admission), []);
});

test('SIMILAR_COST: three patients with Jaccard ≥ 0.9 and totals within 2 %; a third patient at 2.1 % breaks the group', () => {
  const codes = ['A', 'B', 'C', 'D', 'E', 'F', 'G', 'H', 'I', 'J'];
  const nine = [...codes.slice(0, 9), 'K'].sort(); // 9 of 11 in common: 0.818
  const mk = (p: string, total: number, c = codes) => enc({ patn_id: p, total_fen: total, codes: c });
  const leads = similarCosts([mk('P1', 100000), mk('P2', 101000), mk('P3', 102000), mk('P4', 100500, nine)], P.similar_cost);
  assert.deepEqual(leads.map((l) => l.subject_ids), [['P1', 'P2', 'P3']]);
  assert.equal(leads[0].amount_at_risk_fen, 303000);
  assert.deepEqual(similarCosts([mk('P1', 100000), mk('P2', 100000), mk('P3', 102200)], P.similar_cost), [], '102 200 is 2.15 % above 100 000');
  assert.deepEqual(similarCosts([mk('P1', 100000), mk('P1', 100000), mk('P3', 100000)], P.similar_cost), [], 'two different patients only');
});

test('GHOST_BED: 3 bed-only days is a lead, 2 is not; the amount at risk is those days\' bed fees', () => {
  const leads = ghostBeds([enc({ ghost_days: 3, bed_days: 10, ghost_fen: 9000 }), enc({ patn_id: 'P2', ghost_days: 2, bed_days: 10, ghost_fen: 6000 })], P.ghost_bed);
  assert.deepEqual(leads.map((l) => [l.subject_ids[0], l.amount_at_risk_fen, l.score]), [['P1', 9000, 46]]);
});

test('summaries: bed days without drug, treatment, exam or nursing; drug totals and units; codes of inpatient stays', () => {
  const [g] = [...generate({ encounters: 400, seed: 'summary', rates: { GHOST_BED: 1 } })].filter((x) => x.labels.some((l) => l.kind === 'GHOST_BED'));
  const s = summariseEncounter(g.record);
  assert.ok(s.ghost_days >= 3 && s.ghost_days <= 4, String(s.ghost_days));
  assert.equal(s.ghost_fen, s.ghost_days * 3000);
  assert.equal(s.total_fen, g.record.encounter.fsi_order_dtos.reduce((a, l) => a + l.sumamt, 0));
  assert.deepEqual(s.codes, [...new Set(g.record.encounter.fsi_order_dtos.map((l) => l.hilist_code))].sort());
  assert.ok(s.items.every(([code]) => g.record.encounter.fsi_order_dtos.some((l) => l.hilist_code === code && l.hilist_type === '101')));
});

test('PEER_OUTLIER: a doctor billing three times the peers\' units of several drugs is a lead; ≥ 30 cases required', () => {
  const peers = new PeerOutlierScreen(P.peer_outlier);
  const drugs = ['X1', 'X2', 'X3', 'X4'];
  for (let d = 0; d < 12; d++) {
    for (let c = 0; c < 40; c++) {
      const units = d === 0 ? 3 : 1 + ((d + c) % 3 === 0 ? 1 : 0);
      peers.add(enc({ medins_id: `H${d}`, dr_codg: `D${d}`, total_fen: 50000 + d * 1000, drug_fen: 20000, items: drugs.map((x) => [x, units] as const) }));
    }
  }
  for (let c = 0; c < 29; c++) peers.add(enc({ medins_id: 'H99', dr_codg: 'FEW', total_fen: 500000, items: drugs.map((x) => [x, 9] as const) }));
  const leads = peers.finish().filter((l) => l.subject_type === 'doctor');
  assert.deepEqual(leads.map((l) => l.subject_ids[0]), ['D0']);
  assert.ok(leads[0].factors.some((f) => f.factor === 'item_rate' && /4 种药品/.test(f.detail)));
});

test('parameters: region values override the defaults; unknown names and wrong types are refused with their path', () => {
  const p = parseScreenParams({ readmission: { days: 30 }, co_admission: { require_link: true } });
  assert.equal(p.readmission.days, 30);
  assert.equal(p.readmission.dx_chars, 3);
  assert.equal(p.co_admission.require_link, true);
  assert.throws(() => parseScreenParams({ readmision: {} }), /readmision: unknown screen/);
  assert.throws(() => parseScreenParams({ ghost_bed: { min_days: '3', bed_code_prefixes: [] } }), /ghost_bed\.min_days: a number.*ghost_bed\.bed_code_prefixes: a list of codes/);
});

test('on generated data every screen but PEER_OUTLIER (too few cases per doctor at this size) has recall ≥ 0.9 and precision ≥ 0.8', () => {
  const byInst = new Map<string, ScreenEncounter[]>();
  const labels: ScreenLabel[] = [];
  for (const g of generate({ encounters: 15000, seed: 'screens-test' })) {
    const s = summariseEncounter(g.record);
    (byInst.get(s.medins_id) ?? byInst.set(s.medins_id, []).get(s.medins_id)!).push(s);
    labels.push(...g.labels);
  }
  const q = screenQuality(runScreens(byInst.values()), labels);
  for (const c of ['READMISSION', 'ADMISSION_FREQUENCY', 'CO_ADMISSION', 'SIMILAR_COST', 'GHOST_BED'] as const) {
    assert.ok(q[c].labels >= 20, `${c}: ${q[c].labels} labels`);
    assert.ok(q[c].recall >= 0.9 && q[c].precision >= 0.8, `${c}: ${JSON.stringify(q[c])}`);
  }
});

test('encounter risk: independent signals combine, amounts scale findings, nothing is 0', async () => {
  const { encounterRisk } = await import('./risk.ts');
  assert.deepEqual(encounterRisk([]), { risk: 0, factors: [] });
  assert.equal(encounterRisk([{ kind: 'finding', id: 'f1', rule_id: 'R1', severity: 'violation', amount_fen: 50_000 }]).risk, 60);
  assert.equal(encounterRisk([{ kind: 'finding', id: 'f1', rule_id: 'R1', severity: 'violation', amount_fen: 0 }]).risk, 30);
  const both = encounterRisk([{ kind: 'finding', id: 'f1', rule_id: 'R1', severity: 'suspicious', amount_fen: 100_000 }, { kind: 'lead', id: 'L1', category: 'GHOST_BED', score: 50 }]);
  // 1 − (1 − 0.35)(1 − 0.4) = 0.61
  assert.equal(both.risk, 61);
  assert.deepEqual(both.factors.map((f) => f.id), ['L1', 'f1']);
});

test('PEER_OUTLIER: flagged only against all its peers; the reference without other outliers adds score, never flags by itself', () => {
  // 40 doctors of one level and department: two bill four times the usual units; both stand out against all peers
  const peers = new PeerOutlierScreen(P.peer_outlier);
  const drugs = ['X1', 'X2', 'X3', 'X4'];
  for (let d = 0; d < 40; d++) {
    for (let c = 0; c < 40; c++) {
      const units = d <= 1 ? 4 : 1 + ((d + c) % 3 === 0 ? 1 : 0);
      peers.add(enc({ mdtrt_id: `D${d}-${c}`, medins_id: `H${d}`, dr_codg: `D${d}`, total_fen: 50000 + c * 10, drug_fen: 20000, items: drugs.map((x) => [x, units] as const) }));
    }
  }
  const leads = peers.finish().filter((l) => l.subject_type === 'doctor');
  assert.deepEqual(leads.map((l) => l.subject_ids[0]).sort(), ['D0', 'D1']);
  const d0 = leads.find((l) => l.subject_ids[0] === 'D0')!;
  assert.match(d0.factors.find((f) => f.factor === 'reduced_reference')!.detail, /不含其他异常者/);
  // evidence: the subject's costliest encounters with the figures compared
  assert.deepEqual(d0.evidence.map((e) => e.mdtrt_id), ['D0-39', 'D0-38', 'D0-37', 'D0-36', 'D0-35']);
  assert.equal(d0.evidence[0].amount_fen, 50390);
  assert.equal(d0.evidence[0].figures!.peers, 39);
  assert.equal(d0.evidence[0].figures!.subject_cases, 40);
  assert.equal(d0.evidence[0].figures!.cost_per_case_fen, 50195);

  // 16 usual doctors, 3 at 3× their cost per case, and one at 2.97×: 0.99 × the 95th percentile of all its peers,
  // far above the usual ones alone — not flagged (the reduced reference never flags by itself)
  const costly = new PeerOutlierScreen(P.peer_outlier);
  const cost = (d: number) => (d < 16 ? 100000 : d < 19 ? 300000 : 297000);
  for (let d = 0; d < 20; d++) {
    for (let c = 0; c < 30; c++) costly.add(enc({ medins_id: `H${d}`, dr_codg: `C${d}`, total_fen: cost(d), drug_fen: cost(d) * 0.4, items: [] }));
  }
  const flagged = costly.finish().filter((l) => l.subject_type === 'doctor').map((l) => l.subject_ids[0]).sort();
  assert.ok(!flagged.includes('C19'), `C19 is 0.99× the 95th percentile of all its peers: ${flagged}`);
});
