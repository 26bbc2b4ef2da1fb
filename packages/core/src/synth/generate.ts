import type { CatalogueEntry } from '../ingest/catalogue.ts';
import type { Diagnosis, Encounter, LabResult, OrderLine, Patient, PatientEncounter } from '../model/encounter.ts';
import { dayNumber, dayFromNumber } from '../model/dates.ts';
import { seededRng, type Rng } from '../screening/prng.ts';
import {
  allItems, CLASS_C, CONSUMABLES, DEPARTMENTS, DISTRICTS, DRUGS, GIVEN, HERBS, INPATIENT_EXTRAS, POOLAREA, RESTRICTED, SERVICES, SURNAMES, UNLISTED_CODE, type ItemDef,
} from './reference.ts';

/** Rule kinds (rule-pack.md §3) and screens (screening.md) the generator can inject, with the shipped rule that detects each. */
export const RULE_INJECTIONS = {
  gender: 'GEN-IUD', age: 'XA-AGE-PEDIATRIC', indication: 'IND-ALB', institution_level: 'XA-LV-TCM-INJ', setting: 'XA-SET-EXAM-FEE',
  quantity: 'QTY-SEVOFLURANE', frequency: 'XA-FREQ-CT-HEAD', prescription: 'RX-OUTPATIENT-DAYS', exclusive: 'EXC-ERCP', bundled: 'BUN-CEREBRAL-ANGIO',
  stacking: 'STK-HUOXUE', prerequisite: 'PRE-NUTRITION', duplicate: 'XA-DUP', catalogue: 'CAT-UNKNOWN', blacklist: 'XA-BLACKLIST',
} as const;
export type RuleInjection = keyof typeof RULE_INJECTIONS;
export const SCREEN_INJECTIONS = ['READMISSION', 'ADMISSION_FREQUENCY', 'CO_ADMISSION', 'SIMILAR_COST', 'GHOST_BED', 'PEER_OUTLIER'] as const;
export type ScreenInjection = (typeof SCREEN_INJECTIONS)[number];
export type Injection = RuleInjection | ScreenInjection;

export interface GenerateOptions {
  encounters: number;
  seed: string | number;
  /** admission dates in [from, to) */
  from?: string;
  to?: string;
  /** probability per encounter (rule kinds) or per patient (screens); default 0.02 each, PEER_OUTLIER per doctor 0.02 */
  rates?: Partial<Record<Injection, number>>;
}

/** A labelled, injected violation or pattern: what the audit or a screen must find. */
export interface Label {
  kind: Injection;
  /** rule kinds: the shipped rule id that must fire */
  rule_id?: string;
  category: string;
  patn_ids: string[];
  mdtrt_ids: string[];
  rx_ids?: string[];
  subject?: string;
}

export interface Generated {
  record: PatientEncounter;
  labels: Label[];
}

const BLACKLISTED_DOCTOR = 'D-XA-0099';

interface Institution {
  id: string;
  name: string;
  lv: string;
  level: number;
  admdvs: string;
  doctors: { code: string; dept: string; title: number; outlier: boolean }[];
}

/**
 * Synthetic, reproducible claims (same seed → same output) for the whole platform: patients with realistic age and
 * sex, institutions by level, departments, ICD-10 diagnoses, drugs, herbs, services and consumables with 甲/乙/丙
 * classes and prices, lengths of stay, outpatient/inpatient/pharmacy mix, repeat visits; clean data that the shipped
 * packs do not flag, plus injected and labelled violations of every rule kind and every screen.
 * A generator: state is bounded (institutions, one patient at a time), so a million encounters stream in flat memory.
 */
export function* generate(opts: GenerateOptions): Generator<Generated> {
  const rng = seededRng(`fundguard-synth|${opts.seed}`);
  const from = dayNumber(opts.from ?? '2024-01-01');
  const to = dayNumber(opts.to ?? '2025-01-01');
  const rate = (k: Injection) => opts.rates?.[k] ?? 0.02;
  const institutions = makeInstitutions(rng, rate('PEER_OUTLIER'));
  const pendingLabels: Label[] = [];
  for (const inst of institutions) {
    for (const d of inst.doctors) if (d.outlier) pendingLabels.push({ kind: 'PEER_OUTLIER', category: 'PEER_OUTLIER', patn_ids: [], mdtrt_ids: [], subject: d.code });
  }
  let produced = 0;
  let patientNo = 0;
  let encNo = 0;
  const span = to - from;
  while (produced < opts.encounters) {
    // Whole patients and groups are generated and the stream is cut at N: the first N of a longer run are the same
    // as a run of N (labels sit on a pattern's last encounter, so a cut pattern loses its label, never half of it).
    const group = rng.next() < rate('CO_ADMISSION') / 3 ? 'co' : rng.next() < rate('SIMILAR_COST') / 3 ? 'similar' : null;
    const batch: Generated[] = [];
    if (group) {
      const inst = pick(rng, institutions.filter((i) => i.level >= 2));
      const members = Array.from({ length: 3 }, () => makePatient(rng, ++patientNo, 30));
      const household = `HH${String(patientNo).padStart(7, '0')}`;
      const episodes = group === 'co' ? 2 : 1;
      const mdtrt: string[] = [];
      for (let ep = 0; ep < episodes; ep++) {
        const adm = from + rng.int(Math.max(1, span - 40)) + ep * 20;
        const los = 4 + rng.int(4);
        const template = group === 'similar' ? inpatientLines(rng, inst, pick(rng, inst.doctors), adm, los, 0) : null;
        members.forEach((p, i) => {
          const id = `ZY${String(++encNo).padStart(9, '0')}`;
          const e = group === 'co'
            ? inpatient(rng, id, p, inst, adm + (i === 2 ? 1 : 0), los, { household, address: `西安市莲湖区劳动路${patientNo}号` })
            : inpatientFromTemplate(id, p, inst, adm + i * 7, los, template!);
          mdtrt.push(id);
          batch.push({ record: { patient: p, encounter: e }, labels: [] });
        });
      }
      batch[batch.length - 1].labels.push({ kind: group === 'co' ? 'CO_ADMISSION' : 'SIMILAR_COST', category: group === 'co' ? 'CO_ADMISSION' : 'SIMILAR_COST', patn_ids: members.map((m) => m.patn_id), mdtrt_ids: mdtrt, subject: inst.id });
    } else {
      const patient = makePatient(rng, ++patientNo);
      const home = pick(rng, institutions);
      const n = 1 + Math.floor(-Math.log(1 - rng.next()) * 1.6);
      const screen = rng.next() < rate('READMISSION') ? 'READMISSION' : rng.next() < rate('ADMISSION_FREQUENCY') ? 'ADMISSION_FREQUENCY' : rng.next() < rate('GHOST_BED') ? 'GHOST_BED' : null;
      const ctMonths = new Map<string, number>();
      if (screen === 'READMISSION') {
        const adm = from + rng.int(Math.max(1, span - 60));
        const a = inpatient(rng, `ZY${String(++encNo).padStart(9, '0')}`, patient, home, adm, 5, { dx: 'K80.200', dept: '0303' });
        const b = inpatient(rng, `ZY${String(++encNo).padStart(9, '0')}`, patient, home, adm + 5 + 3 + rng.int(10), 4, { dx: 'K80.201', dept: '0303' });
        batch.push({ record: { patient, encounter: a }, labels: [] }, { record: { patient, encounter: b }, labels: [{ kind: 'READMISSION', category: 'READMISSION', patn_ids: [patient.patn_id], mdtrt_ids: [a.mdtrt_id, b.mdtrt_id], subject: home.id }] });
      } else if (screen === 'ADMISSION_FREQUENCY') {
        const start = from + rng.int(Math.max(1, span - 300));
        const ids: string[] = [];
        for (let k = 0; k < 4; k++) {
          const inst = institutions[(institutions.indexOf(home) + k * 7) % institutions.length];
          const e = inpatient(rng, `ZY${String(++encNo).padStart(9, '0')}`, patient, inst, start + k * 60, 3 + rng.int(4), { dx: DEPARTMENTS[k].dx[0], dept: DEPARTMENTS[k].code });
          ids.push(e.mdtrt_id);
          batch.push({ record: { patient, encounter: e }, labels: [] });
        }
        batch[batch.length - 1].labels.push({ kind: 'ADMISSION_FREQUENCY', category: 'ADMISSION_FREQUENCY', patn_ids: [patient.patn_id], mdtrt_ids: ids });
      } else {
        const days = Array.from({ length: n }, () => from + rng.int(span)).sort((a, b) => a - b);
        // Visits of one patient do not overlap: a stay ends before the next visit starts.
        for (let k = 1; k < days.length; k++) if (days[k] < days[k - 1] + 25) days[k] = days[k - 1] + 25;
        // Clean patients stay clear of the screens' patterns, so that what the screens find is what was injected:
        // at most 2 admissions in 90 days and 3 in 365, and a visit after a stay waits out the re-admission window.
        const stays: number[] = [];
        let notBefore = -Infinity;
        for (const planned of days) {
          const d = Math.max(planned, notBefore);
          if (d >= to) break;
          const inst = rng.next() < 0.8 ? home : pick(rng, institutions);
          const id = `${'MZ'}${String(++encNo).padStart(9, '0')}`;
          const r = rng.next();
          const mayStay = stays.filter((s) => d - s < 90).length < 2 && stays.filter((s) => d - s < 365).length < 3;
          let e: Encounter;
          if (mayStay && (r < 0.25 || screen === 'GHOST_BED')) {
            // a ghost stay is long enough to hold its 3–4 bed-only days
            const los = Math.max(screen === 'GHOST_BED' ? 7 : 0, 2 + Math.min(18, Math.floor(-Math.log(1 - rng.next()) * 8)));
            e = inpatient(rng, id.replace('MZ', 'ZY'), patient, inst, d, los, { ghost: screen === 'GHOST_BED' });
            stays.push(d);
            notBefore = d + los + 16;
          } else if (r < 0.95) e = outpatient(rng, id, patient, inst, d, ctMonths);
          else e = pharmacy(rng, id.replace('MZ', 'YD'), patient, inst, d);
          const labels: Label[] = [];
          if (screen === 'GHOST_BED' && e.med_mdtrt_type === '2') labels.push({ kind: 'GHOST_BED', category: 'GHOST_BED', patn_ids: [patient.patn_id], mdtrt_ids: [e.mdtrt_id], subject: inst.id });
          const injected = injectRule(rng, e, patient, inst, rate);
          if (injected) labels.push(injected);
          batch.push({ record: { patient, encounter: e }, labels });
        }
        if (screen === 'GHOST_BED' && !batch.some((b) => b.labels.some((l) => l.kind === 'GHOST_BED'))) batch.length = 0;
      }
    }
    for (const g of batch) {
      if (produced >= opts.encounters) break;
      if (pendingLabels.length) g.labels.push(...pendingLabels.splice(0));
      produced++;
      yield g;
    }
  }
}

/** The catalogue matching the generated items (catalogue.md rows), with the groups the shipped packs reference. */
export function generatedCatalogue(): CatalogueEntry[] {
  return allItems().map((i) => ({
    hilist_code: i.code, hilist_name: i.name, hilist_type: i.type, hilist_lv: i.lv, selfpay_prop: i.lv === '02' ? 0.1 : null,
    price_cap: i.cap ?? null, unit: i.unit, limit_text: '', group_codes: i.groups ?? [], region: '*', effective_from: null, effective_to: null,
  }));
}

// ---- building blocks -------------------------------------------------------------------------------------

function pick<T>(rng: Rng, xs: readonly T[]): T {
  return xs[rng.int(xs.length)];
}

function makeInstitutions(rng: Rng, outlierRate: number): Institution[] {
  const out: Institution[] = [];
  const levels = [...Array(6).fill(['01', 3]), ...Array(14).fill(['05', 2]), ...Array(20).fill(['08', 1])] as [string, number][];
  levels.forEach(([lv, level], i) => {
    const id = `H6101${String(i + 1).padStart(7, '0')}`;
    const nDoctors = level === 3 ? 40 : level === 2 ? 20 : 6;
    out.push({
      id, name: `${['西安市', '莲湖区', '雁塔区', '未央区', '碑林区'][i % 5]}第${i + 1}${level === 1 ? '社区卫生服务中心' : '人民医院'}`, lv, level,
      admdvs: DISTRICTS[i % DISTRICTS.length],
      doctors: Array.from({ length: nDoctors }, (_, k) => ({
        code: `D${String(i + 1).padStart(3, '0')}${String(k + 1).padStart(3, '0')}`, dept: DEPARTMENTS[k % DEPARTMENTS.length].code, title: 1 + ((k * 7) % 5),
        outlier: rng.next() < outlierRate,
      })),
    });
  });
  return out;
}

function makePatient(rng: Rng, n: number, minAge = 0): Patient {
  // Age mix of an insured population: more elderly use care, children a fifth.
  const u = rng.next();
  const age = Math.max(minAge, u < 0.18 ? rng.int(14) : u < 0.55 ? 15 + rng.int(45) : 60 + rng.int(30));
  const gend = rng.next() < 0.48 ? '1' : '2';
  const by = 2024 - age;
  const bm = 1 + rng.int(12);
  const bd = 1 + rng.int(28);
  const brdy = `${by}-${String(bm).padStart(2, '0')}-${String(bd).padStart(2, '0')}`;
  const district = pick(rng, DISTRICTS);
  return {
    patn_id: `${district}${brdy.replace(/-/g, '')}${String(n % 1000).padStart(3, '0')}${gend === '1' ? '1' : '2'}`,
    patn_name: `${pick(rng, [...SURNAMES])}${pick(rng, [...GIVEN])}${rng.next() < 0.6 ? pick(rng, [...GIVEN]) : ''}`,
    gend, brdy, poolarea: POOLAREA,
  };
}

const ts = (day: number, minute: number) => {
  const m = 8 * 60 + minute;
  return `${dayFromNumber(day)} ${String(Math.floor(m / 60) % 24).padStart(2, '0')}:${String(m % 60).padStart(2, '0')}:00`;
};

class Lines {
  readonly lines: OrderLine[] = [];
  constructor(private readonly mdtrt: string, private readonly doctor: string, private readonly dept: string) {}
  add(item: ItemDef, day: number, minute: number, extra: Partial<OrderLine> = {}): OrderLine {
    const cnt = extra.cnt ?? 1;
    const sumamt = Math.round(cnt * item.price);
    const line: OrderLine = {
      rx_id: `${this.mdtrt}-${String(this.lines.length + 1).padStart(3, '0')}`, rxno: '', grpno: '', long_drord_flag: '', hilist_type: item.type, chrg_type: '',
      drord_bhvr: '0', hilist_code: item.code, hilist_name: item.name, hilist_lv: item.lv, hilist_pric: item.price, hosplist_code: '', hosplist_name: item.name,
      cnt, pric: item.price, sumamt, ownpay_amt: item.lv === '03' ? sumamt : 0, selfpay_amt: item.lv === '02' ? Math.round(sumamt / 10) : 0, spec: '', spec_unt: item.unit,
      drord_begn_date: ts(day, minute), drord_dept_codg: this.dept, drord_dept_name: DEPARTMENTS.find((d) => d.code === this.dept)?.name ?? '', drord_dr_codg: this.doctor,
      drord_dr_name: '', drord_dr_profttl: null, curr_drord_flag: true, ext_days: null, ext_doses: null, ...extra,
    };
    line.sumamt = Math.round(line.cnt * line.pric);
    if (item.lv === '03' && extra.ownpay_amt === undefined) line.ownpay_amt = line.sumamt;
    this.lines.push(line);
    return line;
  }
}

function baseEncounter(id: string, p: Patient, inst: Institution, type: '1' | '2' | '3', medType: string, adm: number, dscg: number | null, dept: string, doctor: string, dx: string[]): Encounter {
  return {
    mdtrt_id: id, patn_id: p.patn_id, medins_id: inst.id, medins_name: inst.name, medins_admdvs: inst.admdvs, medins_type: 'A1', medins_lv: inst.lv,
    wardarea_codg: type === '2' ? `W${dept}` : '', wardno: '', bedno: type === '2' ? String(1 + (dayNumber('2024-01-01') % 40)) : '',
    adm_date: ts(adm, -60), dscg_date: dscg === null ? null : `${dayFromNumber(dscg)} 10:00:00`, dscg_main_dise_codg: type === '2' ? dx[0] : '', dscg_main_dise_name: '',
    dr_codg: doctor, adm_dept_codg: dept, adm_dept_name: DEPARTMENTS.find((d) => d.code === dept)?.name ?? '', dscg_dept_codg: dept, dscg_dept_name: '',
    med_mdtrt_type: type, med_type: medType, matn_stas: '0', medfee_sumamt: null, ownpay_amt: null, selfpay_amt: null, insutype: p.patn_id.endsWith('1') || p.patn_id.endsWith('2') ? (dayNumber(p.brdy ?? '2000-01-01') % 3 === 0 ? '390' : '310') : '310',
    reim_flag: '1', out_setl_flag: '2', fsi_diagnose_dtos: dx.map((c, i): Diagnosis => ({ dise_id: String(i + 1), inout_dise_type: '1', maindise_flag: i === 0, dias_srt_no: i + 1, dise_codg: c, dise_name: '', dise_date: dayFromNumber(adm) })),
    fsi_operation_dtos: [], fsi_lab_dtos: [], ext_flags: [], fsi_order_dtos: [], settlement: null, ext_household_id: '', ext_address: '',
  };
}

function chooseDept(rng: Rng, p: Patient): (typeof DEPARTMENTS)[number] {
  const age = 2024 - Number((p.brdy ?? '2000').slice(0, 4));
  if (age < 14) return DEPARTMENTS.find((d) => d.code === '0801')!;
  const options = DEPARTMENTS.filter((d) => d.code !== '0801' && (p.gend === '2' || d.code !== '0701'));
  return pick(rng, options);
}

function settle(e: Encounter, settledOn: number): Encounter {
  const total = e.fsi_order_dtos.reduce((s, l) => s + l.sumamt, 0);
  const own = e.fsi_order_dtos.reduce((s, l) => s + l.ownpay_amt, 0);
  e.medfee_sumamt = total;
  e.ownpay_amt = own;
  e.selfpay_amt = e.fsi_order_dtos.reduce((s, l) => s + l.selfpay_amt, 0);
  const fund = Math.round((total - own) * 0.7);
  e.settlement = { setl_id: `JS${e.mdtrt_id.slice(2)}`, setl_time: `${dayFromNumber(settledOn)} 16:00:00`, hifp_pay: fund, psn_pay: total - fund };
  return e;
}

function outpatient(rng: Rng, id: string, p: Patient, inst: Institution, day: number, ctMonths: Map<string, number>): Encounter {
  const dept = chooseDept(rng, p);
  const doctor = pick(rng, inst.doctors.filter((d) => d.dept === dept.code).concat(inst.doctors[0]));
  const chronic = dept.code === '0901' && rng.next() < 0.3;
  const e = baseEncounter(id, p, inst, '1', chronic ? '14' : '11', day, null, dept.code, doctor.code, [pick(rng, dept.dx)]);
  const L = new Lines(id, doctor.code, dept.code);
  L.add(SERVICES.opRegistration, day, 0);
  if (chronic) L.add(SERVICES.dialysis, day, 5);
  const rx = `CF${id.slice(2)}`;
  const drugs = 1 + rng.int(5);
  const chosen = new Set<ItemDef>();
  while (chosen.size < drugs) chosen.add(pick(rng, DRUGS.slice(0, 10)));
  let m = 10;
  for (const d of chosen) L.add(d, day, m++, { rxno: rx, cnt: 1 + rng.int(2), ext_days: 3 + rng.int(5) });
  if (rng.next() < 0.2) {
    const herbRx = `ZY${id.slice(2)}`;
    const herbs = 6 + rng.int(9);
    const picked = new Set<ItemDef>();
    while (picked.size < herbs) picked.add(pick(rng, HERBS));
    for (const h of picked) L.add(h, day, m++, { rxno: herbRx, cnt: 10 + rng.int(20), ext_doses: 3 + rng.int(3) });
  }
  if (rng.next() < 0.5) L.add(SERVICES.bloodRoutine, day, m++);
  if (rng.next() < 0.3) L.add(SERVICES.ecg, day, m++);
  if (rng.next() < 0.4) {
    L.add(SERVICES.injection, day, m++);
    L.add(CONSUMABLES.syringe, day, m++);
  }
  const month = dayFromNumber(day).slice(0, 7);
  if (dept.code === '0601' && rng.next() < 0.3 && (ctMonths.get(month) ?? 0) < 2) {
    ctMonths.set(month, (ctMonths.get(month) ?? 0) + 1);
    L.add(SERVICES.ctHead, day, m++);
  }
  if (rng.next() < 0.05) L.add(CLASS_C, day, m++, { rxno: `${rx}Z` });
  if (doctor.outlier) {
    // A peer outlier bills three times the usual quantities.
    for (const l of L.lines) {
      if (l.hilist_type !== '101' || l.hilist_lv === '03') continue;
      l.cnt *= 3;
      l.sumamt = l.cnt * l.pric;
      l.selfpay_amt = l.hilist_lv === '02' ? Math.round(l.sumamt / 10) : 0;
    }
  }
  e.fsi_order_dtos = L.lines;
  return settle(e, day);
}

function pharmacy(rng: Rng, id: string, p: Patient, inst: Institution, day: number): Encounter {
  const e = baseEncounter(id, p, inst, '3', '41', day, null, '', inst.doctors[0].code, ['Z76.000']);
  const L = new Lines(id, inst.doctors[0].code, '');
  for (let k = 0; k < 1 + rng.int(3); k++) L.add(pick(rng, DRUGS.slice(0, 10)), day, k, { cnt: 1 + rng.int(3) });
  e.fsi_order_dtos = L.lines;
  return settle(e, day);
}

/** The daily lines of a stay: bed, nursing, exam fee, drugs, infusion; labs and imaging at admission. */
function inpatientLines(rng: Rng, inst: Institution, doctor: Institution['doctors'][number], adm: number, los: number, ghostDays: number): { item: ItemDef; offset: number; minute: number; extra: Partial<OrderLine> }[] {
  const out: { item: ItemDef; offset: number; minute: number; extra: Partial<OrderLine> }[] = [];
  const bedDays = Math.max(1, los);
  const ghostFrom = ghostDays ? Math.max(1, bedDays - ghostDays - 1) : bedDays + 1;
  const drugs = [...new Set([pick(rng, DRUGS.slice(10, 13)), pick(rng, DRUGS.slice(10, 13)), pick(rng, DRUGS.slice(0, 10)), pick(rng, DRUGS.slice(0, 10)), pick(rng, DRUGS.slice(0, 10))])];
  // Courses differ between patients: a drug may start on the second day and stop a day early.
  const course = drugs.map(() => ({ from: rng.int(2), to: bedDays - rng.int(2) }));
  for (let d = 0; d < bedDays; d++) {
    out.push({ item: SERVICES.bed, offset: d, minute: 0, extra: {} });
    if (d >= ghostFrom && d < ghostFrom + ghostDays) continue;
    out.push({ item: SERVICES.nursing, offset: d, minute: 1, extra: {} }, { item: SERVICES.examFee, offset: d, minute: 2, extra: {} });
    drugs.forEach((dr, k) => {
      if (d >= course[k].from && d < course[k].to) out.push({ item: dr, offset: d, minute: 10 + k, extra: { cnt: doctor.outlier ? 3 : 1 } });
    });
    out.push({ item: SERVICES.infusion, offset: d, minute: 20, extra: {} }, { item: CONSUMABLES.infusionSet, offset: d, minute: 21, extra: {} });
  }
  out.push({ item: SERVICES.bloodRoutine, offset: 0, minute: 30, extra: {} });
  if (rng.next() < 0.7) out.push({ item: SERVICES.liverFunction, offset: 0, minute: 31, extra: {} });
  if (rng.next() < 0.6) out.push({ item: SERVICES.ultrasound, offset: 0, minute: 32, extra: {} });
  // each stay has its own handful of further tests (once each, on the first or second day)
  INPATIENT_EXTRAS.forEach((item, k) => {
    if (rng.next() < 0.3) out.push({ item, offset: Math.min(bedDays - 1, rng.int(2)), minute: 33 + k, extra: {} });
  });
  if (inst.level >= 2 && rng.next() < 0.2) for (let d = 0; d < Math.min(3, bedDays); d++) out.push({ item: RESTRICTED.guanxinning, offset: d, minute: 40, extra: { cnt: 2 } });
  return out;
}

function inpatient(rng: Rng, id: string, p: Patient, inst: Institution, adm: number, los: number, o: { dx?: string; dept?: string; ghost?: boolean; household?: string; address?: string }): Encounter {
  const dept = o.dept ? DEPARTMENTS.find((d) => d.code === o.dept)! : chooseDept(rng, p);
  const doctor = pick(rng, inst.doctors.filter((d) => d.dept === dept.code).concat(inst.doctors[0]));
  const dx = o.dx ? [o.dx] : [pick(rng, dept.dx)];
  const e = baseEncounter(id, p, inst, '2', '21', adm, adm + los, dept.code, doctor.code, dx);
  e.ext_household_id = o.household ?? '';
  e.ext_address = o.address ?? '';
  const L = new Lines(id, doctor.code, dept.code);
  for (const x of inpatientLines(rng, inst, doctor, adm, los, o.ghost ? 3 + rng.int(2) : 0)) L.add(x.item, adm + x.offset, x.minute, x.extra);
  // Payable uses of restricted items (the clean baseline): albumin for cirrhosis with ascites and low albumin.
  if (dept.code === '0303' && rng.next() < 0.15) {
    e.fsi_diagnose_dtos.push({ dise_id: '9', inout_dise_type: '1', maindise_flag: false, dias_srt_no: 9, dise_codg: 'K74.600', dise_name: '肝硬化', dise_date: dayFromNumber(adm) },
      { dise_id: '10', inout_dise_type: '1', maindise_flag: false, dias_srt_no: 10, dise_codg: 'R18.x00', dise_name: '腹水', dise_date: dayFromNumber(adm) });
    e.fsi_lab_dtos.push(lab('ALB', 24 + rng.int(5), adm));
    L.add(RESTRICTED.albumin, adm + 1, 50, { cnt: 2 });
  }
  if (dept.code === '0401' && rng.next() < 0.3) {
    L.add(SERVICES.nrs, adm, 45);
    L.add(RESTRICTED.lipid, adm + 1, 46);
  }
  if (dept.code === '0401' && rng.next() < 0.3) L.add(RESTRICTED.sevoflurane, adm + 1, 47);
  e.fsi_order_dtos = L.lines;
  return settle(e, adm + los);
}

function inpatientFromTemplate(id: string, p: Patient, inst: Institution, adm: number, los: number, template: ReturnType<typeof inpatientLines>): Encounter {
  const doctor = inst.doctors[0];
  const e = baseEncounter(id, p, inst, '2', '21', adm, adm + los, doctor.dept, doctor.code, ['K80.200']);
  const L = new Lines(id, doctor.code, doctor.dept);
  for (const x of template) L.add(x.item, adm + x.offset, x.minute, x.extra);
  e.fsi_order_dtos = L.lines;
  return settle(e, adm + los);
}

function lab(code: string, value: number, day: number): LabResult {
  return { lab_code: code, lab_name: code === 'ALB' ? '白蛋白' : code, rslt_val: value, rslt_unt: 'g/L', test_date: ts(day, -30) };
}

/** Injects at most one rule violation into an encounter, by the configured rates; returns its label. */
function injectRule(rng: Rng, e: Encounter, p: Patient, inst: Institution, rate: (k: Injection) => number): Label | null {
  const kinds = Object.keys(RULE_INJECTIONS) as RuleInjection[];
  let u = rng.next();
  let kind: RuleInjection | null = null;
  for (const k of kinds) {
    if (u < rate(k)) {
      kind = k;
      break;
    }
    u -= rate(k);
  }
  if (!kind) return null;
  const day = dayNumber(e.adm_date.slice(0, 10)) + (e.med_mdtrt_type === '2' ? 1 : 0);
  const L = new Lines(e.mdtrt_id, e.dr_codg, e.adm_dept_codg);
  L.lines.push(...e.fsi_order_dtos);
  const age = 2024 - Number((p.brdy ?? '2000').slice(0, 4));
  const inpatientStay = e.med_mdtrt_type === '2';
  const before = L.lines.length;
  let ruleId: string = RULE_INJECTIONS[kind];
  switch (kind) {
    case 'gender':
      if (p.gend !== '1') return null;
      L.add(CONSUMABLES.iud, day, 200);
      break;
    case 'age':
      if (age < 16) return null;
      L.add(SERVICES.pediatric, day, 200);
      break;
    case 'indication':
      if (!inpatientStay || e.fsi_order_dtos.some((l) => l.hilist_code === RESTRICTED.albumin.code)) return null;
      e.fsi_lab_dtos.push(lab('ALB', 35 + rng.int(10), day));
      L.add(RESTRICTED.albumin, day, 200, { cnt: 2 });
      break;
    case 'institution_level':
      if (inst.level !== 1 || e.fsi_order_dtos.some((l) => (RESTRICTED.guanxinning.groups ?? []).length && l.hilist_code.startsWith('ZA12'))) return null;
      L.add(RESTRICTED.xuesaitong, day, 200);
      break;
    case 'setting':
      if (e.med_mdtrt_type !== '1') return null;
      L.add(SERVICES.examFee, day, 200);
      break;
    case 'quantity':
      if (e.fsi_order_dtos.some((l) => l.hilist_code === RESTRICTED.sevoflurane.code)) return null;
      L.add(RESTRICTED.sevoflurane, day, 200, { cnt: 20 });
      break;
    case 'frequency': {
      if (!inpatientStay || dayNumber((e.dscg_date ?? e.adm_date).slice(0, 10)) - dayNumber(e.adm_date.slice(0, 10)) < 3) return null;
      const d0 = dayNumber(e.adm_date.slice(0, 10));
      if (dayFromNumber(d0).slice(0, 7) !== dayFromNumber(d0 + 2).slice(0, 7)) return null;
      L.add(SERVICES.ctHead, d0, 201);
      L.add(SERVICES.ctHead, d0 + 1, 201);
      L.add(SERVICES.ctHead, d0 + 2, 201);
      break;
    }
    case 'prescription': {
      if (e.med_mdtrt_type !== '1' || e.med_type !== '11') return null;
      const drug = e.fsi_order_dtos.find((l) => l.hilist_type === '101' && l.ext_days !== null);
      if (!drug) return null;
      drug.ext_days = 10 + rng.int(5);
      e.settlement = settle(e, day).settlement;
      return { kind, rule_id: ruleId, category: 'PRESCRIPTION', patn_ids: [p.patn_id], mdtrt_ids: [e.mdtrt_id], rx_ids: [drug.rx_id] };
    }
    case 'exclusive':
      if (!inpatientStay) return null;
      L.add(SERVICES.ercp, day, 200);
      L.add(SERVICES.ercpStone, day, 201);
      break;
    case 'bundled':
      if (!inpatientStay) return null;
      L.add(SERVICES.angio, day, 200);
      L.add(CONSUMABLES.catheter, day, 201);
      L.add(CONSUMABLES.guideWire, day, 202);
      break;
    case 'stacking':
      if (inst.level < 2 || e.fsi_order_dtos.some((l) => l.hilist_code.startsWith('ZA12'))) return null;
      L.add(RESTRICTED.guanxinning, day, 200, { cnt: 2 });
      L.add(RESTRICTED.shuxuening, day, 201, { cnt: 2 });
      break;
    case 'prerequisite':
      if (!inpatientStay || e.fsi_order_dtos.some((l) => l.hilist_code === SERVICES.nrs.code || l.hilist_code === RESTRICTED.lipid.code)) return null;
      L.add(RESTRICTED.lipid, day, 200);
      break;
    case 'duplicate': {
      const src = e.fsi_order_dtos.find((l) => /^[23]/.test(l.hilist_code) && l.hilist_code !== SERVICES.dialysis.code && l.hilist_code !== SERVICES.ctHead.code);
      if (!src) return null;
      L.lines.push({ ...src, rx_id: `${e.mdtrt_id}-${String(L.lines.length + 1).padStart(3, '0')}` });
      break;
    }
    case 'catalogue': {
      const which = rng.int(3);
      if (which === 0) L.add({ ...DRUGS[0], code: UNLISTED_CODE, name: '目录外药品' }, day, 200);
      else if (which === 1) {
        L.add(CLASS_C, day, 200, { ownpay_amt: 0 });
        ruleId = 'CAT-CLASS-C';
      } else {
        L.add({ ...CONSUMABLES.syringe, price: 300 }, day, 200, { cnt: 2 });
        ruleId = 'CAT-OVER-PRICE';
      }
      break;
    }
    case 'blacklist':
      L.add(DRUGS[5], day, 200, { drord_dr_codg: BLACKLISTED_DOCTOR });
      break;
  }
  const added = L.lines.slice(before);
  e.fsi_order_dtos = L.lines;
  settle(e, dayNumber((e.settlement?.setl_time ?? e.adm_date).slice(0, 10)));
  const flagged = kind === 'exclusive' ? [added[0].rx_id] : kind === 'bundled' ? [added[2].rx_id] : kind === 'stacking' ? [added[1].rx_id] : kind === 'frequency' ? [added[2].rx_id] : added.map((l) => l.rx_id);
  return { kind, rule_id: ruleId, category: categoryOf(kind), patn_ids: [p.patn_id], mdtrt_ids: [e.mdtrt_id], rx_ids: flagged };
}

function categoryOf(kind: RuleInjection): string {
  const map: Record<RuleInjection, string> = {
    gender: 'GENDER', age: 'AGE', indication: 'INDICATION', institution_level: 'INSTITUTION_LEVEL', setting: 'SETTING', quantity: 'QUANTITY',
    frequency: 'FREQUENCY', prescription: 'PRESCRIPTION', exclusive: 'EXCLUSIVE', bundled: 'UNBUNDLING', stacking: 'STACKING', prerequisite: 'PREREQUISITE',
    duplicate: 'DUPLICATE', catalogue: 'CATALOGUE', blacklist: 'ELIGIBILITY',
  };
  return map[kind];
}

