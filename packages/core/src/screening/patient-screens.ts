/**
 * The patient-level screens of screening.md that look at one person's care across institutions and at lists:
 * OVERLAPPING_CARE (冒名/虚假住院) and AFTER_DEATH (死亡后就医). Pure: the store selects the candidates set-based
 * (a person's encounters that touch in time at other institutions; encounters of people on the `deceased` list),
 * these functions decide by the contract's readings and explain each lead.
 */
import { dayFromNumber } from '../model/dates.ts';
import type { Fen } from '../model/money.ts';
import { stableId } from '../engine/evaluate.ts';
import type { Lead, LeadEvidence, LeadFactor } from './screens.ts';

/** One encounter as these screens see it; days are day numbers (calendar dates). */
export interface CareEncounter {
  mdtrt_id: string;
  patn_id: string;
  medins_id: string;
  /** med_mdtrt_type: 1 outpatient, 2 inpatient, 3 pharmacy (screening.md) */
  type: string;
  adm: number;
  dscg: number | null;
  /** the day of the encounter's latest line: where a stay without dscg_date ends */
  last_line: number;
  total_fen: Fen;
}

const INPATIENT = '2';
const VISIT_TYPES = new Set(['1', '3']);
/** A stay covers [adm, end) — nights, 算入不算出; without dscg_date it ends on the day of its latest line. */
const stayEnd = (e: CareEncounter) => e.dscg ?? Math.max(e.adm, e.last_line);
const careEvidence = (e: CareEncounter, note: string): LeadEvidence => ({
  mdtrt_id: e.mdtrt_id, patn_id: e.patn_id, medins_id: e.medins_id, adm_date: dayFromNumber(e.adm), dscg_date: e.dscg === null ? null : dayFromNumber(e.dscg), amount_fen: e.total_fen, note,
});
const byAdmission = (a: CareEncounter, b: CareEncounter) => a.adm - b.adm || (a.mdtrt_id < b.mdtrt_id ? -1 : 1);

function patientLead(category: 'OVERLAPPING_CARE' | 'AFTER_DEATH', patn: string, medins: string, factors: LeadFactor[], ev: LeadEvidence[], amount: Fen, summary: string): Lead {
  const score = Math.round(Math.max(0, Math.min(100, factors.reduce((s, f) => s + f.points, 0))));
  return {
    lead_id: stableId('L', `${category}|${patn}|${ev.map((e) => e.mdtrt_id).sort().join(',')}`), category, subject_type: 'patient', subject_ids: [patn],
    medins_id: medins, score, factors, evidence: ev, amount_at_risk_fen: amount, summary,
  };
}

/**
 * 冒名/虚假住院: per person, one lead per pair of encounters — two inpatient stays at different institutions that
 * overlap by ≥ 1 night (min(discharge) − max(admission) ≥ 1), or an outpatient or pharmacy encounter at another
 * institution on a day strictly inside a stay (after its admission day, before its discharge day). Stays at one
 * institution, and visits at the stay's own institution or on its first or last day, are not flagged.
 */
export function overlappingCare(encounters: readonly CareEncounter[]): Lead[] {
  const byPatient = new Map<string, CareEncounter[]>();
  for (const e of encounters) (byPatient.get(e.patn_id) ?? byPatient.set(e.patn_id, []).get(e.patn_id)!).push(e);
  const out: Lead[] = [];
  const seen = new Set<string>();
  for (const [patn, list] of byPatient) {
    list.sort(byAdmission);
    const stays = list.filter((e) => e.type === INPATIENT);
    for (const stay of stays) {
      const end = stayEnd(stay);
      for (const other of list) {
        if (other === stay || other.medins_id === stay.medins_id) continue;
        const key = [stay.mdtrt_id, other.mdtrt_id].sort().join('|');
        if (seen.has(key)) continue;
        if (other.type === INPATIENT) {
          const nights = Math.min(end, stayEnd(other)) - Math.max(stay.adm, other.adm);
          if (nights < 1) continue;
          seen.add(key);
          const [first, second] = [stay, other].sort(byAdmission);
          const factors: LeadFactor[] = [
            { factor: 'overlapping_stays', points: 60, detail: `同一人在两家机构同时住院，重叠 ${nights} 天` },
            { factor: 'overlap_days', points: Math.min(30, 5 * nights), detail: `重叠越长越可疑：${nights} 天` },
          ];
          out.push(patientLead('OVERLAPPING_CARE', patn, second.medins_id, factors, [careEvidence(first, '住院'), careEvidence(second, `与另一机构住院重叠 ${nights} 天`)], second.total_fen,
            `参保人 ${patn} 在 ${first.medins_id} 住院期间又在 ${second.medins_id} 住院（重叠 ${nights} 天），疑似冒名或虚假住院`));
        } else if (VISIT_TYPES.has(other.type) && other.adm > stay.adm && other.adm < end) {
          seen.add(key);
          const kind = other.type === '3' ? '购药' : '门诊就诊';
          const factors: LeadFactor[] = [
            { factor: 'visit_during_stay', points: 50, detail: `住院期间（${dayFromNumber(stay.adm)} 入院）在另一机构${kind}` },
            { factor: 'inside_days', points: Math.min(30, 5 * Math.min(other.adm - stay.adm, end - other.adm)), detail: `距入院 ${other.adm - stay.adm} 天、距出院 ${end - other.adm} 天` },
          ];
          out.push(patientLead('OVERLAPPING_CARE', patn, other.medins_id, factors, [careEvidence(stay, '住院'), careEvidence(other, `住院期间在另一机构${kind}`)], other.total_fen,
            `参保人 ${patn} 在 ${stay.medins_id} 住院期间于 ${dayFromNumber(other.adm)} 在 ${other.medins_id} ${kind}，疑似冒名或虚假住院`));
        }
      }
    }
  }
  return out;
}

/** A `deceased` list row (catalogue.md): subject_code = patn_id, effective_from = the date of death, reason = source. */
export interface DeathRecord {
  patn_id: string;
  /** day number of the date of death */
  day: number;
  source: string;
}

/**
 * 死亡后就医: one lead per person, citing every encounter admitted (or visited) strictly after the date of death;
 * with several `deceased` rows for a person, the earliest date counts.
 */
export function afterDeath(deaths: readonly DeathRecord[], encounters: readonly CareEncounter[]): Lead[] {
  const death = new Map<string, DeathRecord>();
  for (const d of deaths) {
    const had = death.get(d.patn_id);
    if (!had || d.day < had.day) death.set(d.patn_id, d);
  }
  const after = new Map<string, CareEncounter[]>();
  for (const e of encounters) {
    const d = death.get(e.patn_id);
    if (d && e.adm > d.day) (after.get(e.patn_id) ?? after.set(e.patn_id, []).get(e.patn_id)!).push(e);
  }
  const out: Lead[] = [];
  for (const [patn, list] of after) {
    list.sort(byAdmission);
    const d = death.get(patn)!;
    const institutions = new Set(list.map((e) => e.medins_id));
    const factors: LeadFactor[] = [
      { factor: 'after_death', points: 80, detail: `死亡日期 ${dayFromNumber(d.day)}（来源：${d.source || '死亡人员名单'}）之后仍有 ${list.length} 次就医结算` },
      { factor: 'encounters', points: Math.min(20, 5 * (list.length - 1)), detail: `${list.length} 次就诊` },
    ];
    out.push(patientLead('AFTER_DEATH', patn, institutions.size === 1 ? list[0].medins_id : '', factors,
      list.map((e) => careEvidence(e, `死亡 ${e.adm - d.day} 天后`)), list.reduce((s, e) => s + e.total_fen, 0),
      `参保人 ${patn} 于 ${dayFromNumber(d.day)} 死亡后仍在 ${[...institutions].join('、')} 就医 ${list.length} 次`));
  }
  return out;
}

/** One drug line as DRUG_HOARDING sees it: a purchase on its line date, with its days of supply when known. */
export interface DrugPurchase {
  patn_id: string;
  mdtrt_id: string;
  medins_id: string;
  hilist_code: string;
  /** day number of the line (its drord_begn_date, else the encounter's admission) */
  day: number;
  /** ext_days, or cnt when the unit is a day's dose (日, 天, 日剂量); null: adds no supply */
  supply_days: number | null;
  amount_fen: Fen;
}

export interface DrugHoardingParams { institutions: number; window_days: number; supply_window_days: number; supply_base: number; supply_margin: number }

/** The day's-dose units of screening.md: a line in these units supplies `cnt` days. */
export const DAY_DOSE_UNITS: readonly string[] = ['日', '天', '日剂量'];

/**
 * 囤药 (screening.md): per person and drug (hilist_code), ≥ `institutions` different institutions within any
 * `window_days` calendar days (d … d+window−1), or days of supply in any `supply_window_days` window (d … d+w−1,
 * supply dated on the purchase day) strictly above supply_base + supply_margin. One lead per person and drug,
 * citing the purchases of the window that fired (both windows when both fire).
 */
export function drugHoarding(purchases: readonly DrugPurchase[], p: DrugHoardingParams): Lead[] {
  const groups = new Map<string, DrugPurchase[]>();
  for (const x of purchases) {
    const k = `${x.patn_id}\u0000${x.hilist_code}`;
    (groups.get(k) ?? groups.set(k, []).get(k)!).push(x);
  }
  const out: Lead[] = [];
  const limit = p.supply_base + p.supply_margin;
  for (const list of groups.values()) {
    list.sort((a, b) => a.day - b.day || (a.mdtrt_id < b.mdtrt_id ? -1 : 1));
    // the window with the most institutions (first such), and the one with the most supply
    let bestInst = { n: 0, from: 0, to: 0 };
    let bestSupply = { days: 0, from: 0, to: 0 };
    for (let i = 0; i < list.length; i++) {
      const seen = new Set<string>();
      let supply = 0;
      for (let j = i; j < list.length; j++) {
        const span = list[j].day - list[i].day;
        if (span < p.window_days) {
          seen.add(list[j].medins_id);
          if (seen.size > bestInst.n) bestInst = { n: seen.size, from: i, to: j };
        }
        if (span >= p.supply_window_days) break;
        supply += list[j].supply_days ?? 0;
        if (supply > bestSupply.days) bestSupply = { days: supply, from: i, to: j };
      }
    }
    const byInstitutions = bestInst.n >= p.institutions;
    const bySupply = bestSupply.days > limit;
    if (!byInstitutions && !bySupply) continue;
    const cited = new Set<DrugPurchase>();
    if (byInstitutions) for (let k = bestInst.from; k <= bestInst.to; k++) cited.add(list[k]);
    if (bySupply) for (let k = bestSupply.from; k <= bestSupply.to; k++) cited.add(list[k]);
    const lines = [...cited].sort((a, b) => a.day - b.day || (a.mdtrt_id < b.mdtrt_id ? -1 : 1));
    // evidence: one row per encounter, with the drug's amount in it
    const perEncounter = new Map<string, { x: DrugPurchase; amount: Fen }>();
    for (const x of lines) {
      const e = perEncounter.get(x.mdtrt_id);
      if (e) e.amount += x.amount_fen; else perEncounter.set(x.mdtrt_id, { x, amount: x.amount_fen });
    }
    const { patn_id: patn, hilist_code: code } = lines[0];
    const factors: LeadFactor[] = [];
    if (byInstitutions) {
      factors.push({ factor: 'institutions', points: 50, detail: `${p.window_days} 天内在 ${bestInst.n} 家机构购买同一药品 ${code}（阈值 ${p.institutions} 家）` });
      factors.push({ factor: 'more_institutions', points: Math.min(20, 10 * (bestInst.n - p.institutions)), detail: `超出 ${bestInst.n - p.institutions} 家` });
    }
    if (bySupply) {
      factors.push({ factor: 'supply', points: byInstitutions ? 20 : 50, detail: `${p.supply_window_days} 天内取药 ${Math.round(bestSupply.days * 10) / 10} 天量，超过 ${p.supply_base} + ${p.supply_margin} 天` });
      factors.push({ factor: 'excess_supply', points: Math.min(20, Math.round((20 * (bestSupply.days - limit)) / limit)), detail: '超量越多越可疑' });
    }
    const ev: LeadEvidence[] = [...perEncounter.values()].map(({ x, amount }) => ({
      mdtrt_id: x.mdtrt_id, patn_id: x.patn_id, medins_id: x.medins_id, adm_date: dayFromNumber(x.day), dscg_date: null, amount_fen: amount,
      note: `购买 ${code}${x.supply_days !== null ? `（${x.supply_days} 天量）` : ''}`,
    }));
    const institutions = new Set(lines.map((x) => x.medins_id));
    out.push({
      lead_id: stableId('L', `DRUG_HOARDING|${patn}|${code}|${ev.map((e) => e.mdtrt_id).sort().join(',')}`), category: 'DRUG_HOARDING', subject_type: 'patient', subject_ids: [patn],
      medins_id: institutions.size === 1 ? lines[0].medins_id : '', score: Math.round(Math.max(0, Math.min(100, factors.reduce((s, f) => s + f.points, 0)))), factors, evidence: ev,
      amount_at_risk_fen: ev.reduce((s, e) => s + e.amount_fen, 0),
      summary: `参保人 ${patn} ${byInstitutions ? `${p.window_days} 天内在 ${bestInst.n} 家机构购买 ${code}` : `${p.supply_window_days} 天内取 ${code} ${Math.round(bestSupply.days)} 天量`}，疑似囤药或倒卖`,
    });
  }
  return out;
}
