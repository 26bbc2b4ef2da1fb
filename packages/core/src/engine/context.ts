import type { Encounter, OrderLine, Patient } from '../model/encounter.ts';
import { isFullySelfPaid, fundPart, scenarioOf } from '../model/encounter.ts';
import { ageInYears, dayNumber, dayOf } from '../model/dates.ts';
import { institutionLevel, type LevelMapping } from '../model/institution.ts';
import { normaliseDiagnosis } from './patterns.ts';

/** An encounter prepared for evaluation: derived facts computed once. */
export interface EncCtx {
  enc: Encounter;
  patient: Patient;
  index: number;
  /** the encounter is being audited (else history) */
  current: boolean;
  region: string;
  scenario: string | null;
  level: number;
  diagnoses: string[];
  mainDiagnoses: string[];
  operations: string[];
  labs: Map<string, number>;
  flags: Set<string>;
  /** the encounter did not carry fsi_lab_dtos or ext_flags (audit-api.md §2 missing evidence) */
  missingEvidence: boolean;
  ageAtAdmission: number | null;
  los: number;
  lines: LineCtx[];
  /** every code on the encounter's lines (for the `item` condition) */
  codes: string[];
  /** region codes of medins_admdvs and poolarea (first 6 digits) */
  regions: string[];
}

export interface LineCtx {
  line: OrderLine;
  enc: EncCtx;
  /** line date: drord_begn_date, else adm_date */
  ts: string;
  day: string;
  dayNo: number;
  /** position in chronological order across the patient's encounters (timestamp, then input order) */
  order: number;
  /** position in the encounter's input */
  inputIndex: number;
  /** flagged only when current: current encounter and curr_drord_flag */
  current: boolean;
  selfPaid: boolean;
  /** `sumamt` − `ownpay_amt`: the "full line" amount */
  full: number;
  /** calendar year and month (1–12) of the line's day, for the calendar windows */
  year: number;
  month: number;
}

export interface PatientInput {
  patient: Patient;
  /** encounters in the order given (request, or file order): the current ones and history */
  encounters: Encounter[];
  /** mdtrt_ids being audited; undefined = all */
  current?: ReadonlySet<string>;
}

/** Region of an encounter (rule-pack.md §1): first 6 digits of medins_admdvs, else the patient's poolarea. */
export function encounterRegions(enc: Encounter, patient: Patient): string[] {
  return [enc.medins_admdvs, patient.poolarea].filter(Boolean).map((r) => r.slice(0, 6));
}

/**
 * Whether a pack's region covers an encounter region. Codes are hierarchical (610000 陕西省 ⊃ 610100 西安市 ⊃ 610104
 * 莲湖区): a pack for a city applies to its districts, a province pack to its cities.
 */
export function regionCovers(packRegion: string, encRegion: string): boolean {
  if (packRegion === '*') return true;
  let p = packRegion;
  while (p.length > 2 && p.endsWith('00')) p = p.slice(0, -2);
  return encRegion.startsWith(p);
}

export function lengthOfStay(enc: Encounter, lineDays: readonly string[]): number {
  const adm = dayOf(enc.adm_date);
  if (enc.dscg_date) return Math.max(1, dayNumber(dayOf(enc.dscg_date)) - dayNumber(adm));
  const last = lineDays.reduce((m, d) => (d > m ? d : m), adm);
  return dayNumber(last) - dayNumber(adm) + 1;
}

export function buildContext(input: PatientInput, levelMapping?: LevelMapping): { encounters: EncCtx[]; lines: LineCtx[] } {
  const encounters: EncCtx[] = [];
  const lines: LineCtx[] = [];
  input.encounters.forEach((enc, index) => {
    const mainDiagnoses = enc.fsi_diagnose_dtos.filter((d) => d.maindise_flag).map((d) => normaliseDiagnosis(d.dise_codg));
    if (enc.dscg_main_dise_codg) mainDiagnoses.push(normaliseDiagnosis(enc.dscg_main_dise_codg));
    const diagnoses = enc.fsi_diagnose_dtos.map((d) => normaliseDiagnosis(d.dise_codg));
    if (enc.dscg_main_dise_codg) diagnoses.push(normaliseDiagnosis(enc.dscg_main_dise_codg));
    // Latest result per test by test_date, ties by input order (later wins); undated results count as earliest.
    const latest = new Map<string, { t: string; v: number }>();
    for (const l of enc.fsi_lab_dtos) {
      const t = l.test_date ?? '';
      const prev = latest.get(l.lab_code);
      if (!prev || t >= prev.t) latest.set(l.lab_code, { t, v: l.rslt_val });
    }
    const ctx: EncCtx = {
      enc, patient: input.patient, index, current: input.current ? input.current.has(enc.mdtrt_id) : true,
      region: encounterRegions(enc, input.patient)[0] ?? '', scenario: scenarioOf(enc.med_mdtrt_type), level: institutionLevel(enc.medins_lv, levelMapping),
      diagnoses, mainDiagnoses, operations: enc.fsi_operation_dtos.map((o) => normaliseDiagnosis(o.oprn_code)),
      labs: new Map([...latest].map(([k, v]) => [k, v.v])), flags: new Set(enc.ext_flags),
      missingEvidence: enc.no_lab_dtos === true || enc.no_ext_flags === true,
      ageAtAdmission: input.patient.brdy ? ageInYears(input.patient.brdy, dayOf(enc.adm_date)) : null,
      los: 0, lines: [], codes: enc.fsi_order_dtos.map((l) => l.hilist_code), regions: encounterRegions(enc, input.patient),
    };
    enc.fsi_order_dtos.forEach((line, inputIndex) => {
      const ts = line.drord_begn_date ?? enc.adm_date;
      const day = ts.slice(0, 10);
      const lc: LineCtx = {
        line, enc: ctx, ts, day, dayNo: dayNumber(day), order: 0, inputIndex, current: ctx.current && line.curr_drord_flag,
        selfPaid: isFullySelfPaid(line), full: fundPart(line), year: Number(day.slice(0, 4)), month: Number(day.slice(5, 7)),
      };
      ctx.lines.push(lc);
      lines.push(lc);
    });
    ctx.los = lengthOfStay(enc, ctx.lines.map((l) => l.day));
    encounters.push(ctx);
  });
  // Chronological: timestamp, then input order (encounters, then lines). Input is usually in order already.
  let sorted = true;
  for (let i = 1; i < lines.length && sorted; i++) if (lines[i].ts < lines[i - 1].ts) sorted = false;
  if (!sorted) lines.sort((a, b) => (a.ts < b.ts ? -1 : a.ts > b.ts ? 1 : a.enc.index - b.enc.index || a.inputIndex - b.inputIndex));
  lines.forEach((l, i) => (l.order = i));
  return { encounters, lines };
}

/**
 * Bucket key of a line in a calendar window, a number (cheap to hash): lines share a bucket exactly when they
 * share the window. `line`, `day` and `visit` stay inside one encounter; the others span the patient's encounters.
 * `insurance_year` is the calendar year (rule-pack.md §6 default).
 */
export function bucketKey(l: LineCtx, window: string): number {
  switch (window) {
    case 'line':
      return l.order;
    case 'day':
      return l.enc.index * 1_000_000 + l.dayNo + 500_000;
    case 'visit':
      return l.enc.index;
    case 'month':
      return l.year * 12 + l.month - 1;
    case 'quarter':
      return l.year * 4 + Math.floor((l.month - 1) / 3);
    case 'year':
    case 'insurance_year':
      return l.year;
    default:
      throw new Error(`not a calendar window: ${window}`);
  }
}

export const WINDOW_ZH: Record<string, string> = {
  line: '单条', day: '同日', visit: '本次就诊', month: '当月', quarter: '当季', year: '当年', insurance_year: '医保年度',
};

export function windowName(w: unknown): string {
  if (typeof w === 'string') return WINDOW_ZH[w] ?? w;
  if (w && typeof w === 'object' && 'rolling_days' in w) return `${(w as { rolling_days: number }).rolling_days}日内`;
  return '';
}
