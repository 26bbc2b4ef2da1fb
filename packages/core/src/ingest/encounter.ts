import type { FieldIssue } from '../errors.ts';
import type { Diagnosis, Encounter, LabResult, Operation, OrderLine, Patient, PatientEncounter, Settlement } from '../model/encounter.ts';
import { FieldReader } from './reader.ts';

export const HILIST_LEVELS = ['01', '02', '03'] as const;
export const GENDERS = ['0', '1', '2', '9'] as const;
export const MED_MDTRT_TYPES = ['1', '2', '3'] as const;
/** every national med_mdtrt_type (4 其他 has no scenario: scenario-restricted rules skip it) */
export const NATIONAL_MED_MDTRT_TYPES = ['1', '2', '3', '4'] as const;
/** harmless variants of hilist_lv (audit-api.md §1); '--', empty, null and anything else read as unknown ('') */
const HILIST_LV_VARIANTS: Record<string, string> = { 1: '01', 2: '02', 3: '03', 甲: '01', 乙: '02', 丙: '03' };
const GEND_VARIANTS: Record<string, string> = { 男: '1', 女: '2' };

export interface NormaliseOptions {
  /** where the record came from, copied into every issue */
  file?: string;
  line?: number;
  /** the 3101 request carries the patient separately; imports require patient fields on the encounter */
  requirePatient?: boolean;
}

export interface Normalised<T> {
  value: T | null;
  errors: FieldIssue[];
  /** data-quality findings that do not reject the record (e.g. sumamt ≠ cnt × pric) */
  warnings: FieldIssue[];
}

/**
 * Reads the patient fields (audit-api.md §2 patient_dtos, or the top level of an import line). `lenient` (a real-time
 * call, audit-api.md §1): only the patient id is required; an unknown sex reads as 9 (未说明), a missing birth date as
 * unknown (age rules skip the patient); both are counted.
 */
export function readPatient(r: FieldReader, required: boolean, lenient = false): Patient {
  if (!lenient) {
    return { patn_id: r.str('patn_id', required), patn_name: r.str('patn_name'), gend: r.code('gend', GENDERS, required), brdy: r.day('brdy', required), poolarea: r.str('poolarea') };
  }
  const patient = { patn_id: r.str('patn_id', true), patn_name: r.str('patn_name'), gend: r.lenientCode('gend', GENDERS, GEND_VARIANTS, '9'), brdy: r.day('brdy'), poolarea: r.str('poolarea') };
  if (r.raw('gend') === undefined) r.note('gend', 'missing → unknown');
  if (r.raw('brdy') == null || r.raw('brdy') === '') r.note('brdy', 'missing → unknown');
  return patient;
}

/** Reads one `fsi_encounter_dtos` element; `patnId` is the owning patient. Issues go to the reader's list. */
export function readEncounter(r: FieldReader, patnId: string, warnings: FieldIssue[], opts: { labelOrders?: boolean; lenient?: boolean } = {}): Encounter {
  const lenient = opts.lenient ?? false;
  const mdtrtId = r.str('mdtrt_id', true);
  // HIS developers look for an order by its id: with labelOrders the path reads `fsi_order_dtos[2](rx_id=YZ3).cnt`.
  const orderPath = (o: Record<string, unknown>, i: number) =>
    `fsi_order_dtos[${i}]${opts.labelOrders && (typeof o.rx_id === 'string' || typeof o.rx_id === 'number') ? `(rx_id=${o.rx_id})` : ''}`;
  const orders = r.records('fsi_order_dtos').map((o, i) => readOrder(r.child(o, orderPath(o, i)), warnings, r.path(orderPath(o, i)), lenient ? `${mdtrtId}#${i + 1}` : null));
  const seen = new Map<string, number>();
  orders.forEach((o, i) => {
    if (o.rx_id === '') return;
    const first = seen.get(o.rx_id);
    if (first !== undefined) r.issue(`fsi_order_dtos[${i}].rx_id`, `duplicate rx_id (also fsi_order_dtos[${first}])`, o.rx_id);
    else seen.set(o.rx_id, i);
  });
  const settlementId = r.str('setl_id');
  const settlement: Settlement | null = settlementId
    ? { setl_id: settlementId, setl_time: r.timestamp('setl_time'), hifp_pay: r.fen('hifp_pay'), psn_pay: r.fen('psn_pay') }
    : null;
  const enc: Encounter = {
    mdtrt_id: mdtrtId,
    patn_id: patnId,
    medins_id: r.str('medins_id', !lenient),
    medins_name: r.str('medins_name'),
    medins_admdvs: r.str('medins_admdvs'),
    medins_type: r.str('medins_type'),
    medins_lv: r.str('medins_lv'),
    wardarea_codg: r.str('wardarea_codg'),
    wardno: r.str('wardno'),
    bedno: r.str('bedno'),
    adm_date: lenient && r.raw('adm_date') == null ? admissionFallback(r, orders) : r.timestamp('adm_date', true),
    dscg_date: r.endTimestamp('dscg_date'),
    dscg_main_dise_codg: r.str('dscg_main_dise_codg'),
    dscg_main_dise_name: r.str('dscg_main_dise_name'),
    dr_codg: r.str('dr_codg'),
    adm_dept_codg: r.str('adm_dept_codg'),
    adm_dept_name: r.str('adm_dept_name'),
    dscg_dept_codg: r.str('dscg_dept_codg'),
    dscg_dept_name: r.str('dscg_dept_name'),
    med_mdtrt_type: lenient ? r.lenientCode('med_mdtrt_type', NATIONAL_MED_MDTRT_TYPES, {}) : r.code('med_mdtrt_type', MED_MDTRT_TYPES, true),
    med_type: r.str('med_type'),
    matn_stas: r.str('matn_stas'),
    medfee_sumamt: r.fen('medfee_sumamt'),
    ownpay_amt: r.fen('ownpay_amt'),
    selfpay_amt: r.fen('selfpay_amt'),
    insutype: r.str('insutype'),
    reim_flag: r.str('reim_flag'),
    out_setl_flag: r.str('out_setl_flag'),
    fsi_diagnose_dtos: r.records('fsi_diagnose_dtos').map((d, i) => readDiagnosis(r.child(d, `fsi_diagnose_dtos[${i}]`))),
    fsi_operation_dtos: r.records('fsi_operation_dtos').map((o, i) => readOperation(r.child(o, `fsi_operation_dtos[${i}]`))),
    fsi_lab_dtos: r.records('fsi_lab_dtos').map((l, i) => readLab(r.child(l, `fsi_lab_dtos[${i}]`))),
    ext_flags: r.strings('ext_flags'),
    fsi_order_dtos: orders,
    settlement,
    ext_household_id: r.str('ext_household_id'),
    ext_address: r.str('ext_address'),
  };
  // Missing evidence (audit-api.md §2): an absent key is "not carried" (rules that need it ask instead of accuse);
  // an empty list is evidence that there is none. Set only when absent, so that stored and parsed encounters compare equal.
  if (r.raw('fsi_lab_dtos') == null) enc.no_lab_dtos = true;
  if (r.raw('ext_flags') == null) enc.no_ext_flags = true;
  if (lenient && r.raw('med_mdtrt_type') == null) r.note('med_mdtrt_type', 'missing → unknown');
  if (lenient && !enc.medins_id) r.note('medins_id', 'missing');
  if (enc.dscg_date && enc.adm_date && enc.dscg_date < enc.adm_date) r.issue('dscg_date', 'before adm_date', r.raw('dscg_date'));
  return enc;
}

function readDiagnosis(r: FieldReader): Diagnosis {
  return {
    dise_id: r.str('dise_id'),
    inout_dise_type: r.str('inout_dise_type'),
    maindise_flag: r.flag('maindise_flag', false),
    dias_srt_no: r.num('dias_srt_no', false, { integer: true }),
    dise_codg: r.str('dise_codg', true),
    dise_name: r.str('dise_name'),
    dise_date: r.day('dise_date'),
  };
}

function readOperation(r: FieldReader): Operation {
  return {
    setl_list_oprn_id: r.str('setl_list_oprn_id'),
    oprn_code: r.str('oprn_code', true),
    oprn_name: r.str('oprn_name'),
    main_oprn_flag: r.flag('main_oprn_flag', false),
    oprn_date: r.day('oprn_date'),
  };
}

function readLab(r: FieldReader): LabResult {
  return {
    lab_code: r.str('lab_code', true),
    lab_name: r.str('lab_name'),
    rslt_val: r.num('rslt_val', true),
    rslt_unt: r.str('rslt_unt'),
    test_date: r.timestamp('test_date'),
  };
}

/** A real-time encounter without adm_date: the earliest order date (counted); with none the audit has no date. */
function admissionFallback(r: FieldReader, orders: readonly OrderLine[]): string {
  let first: string | null = null;
  for (const o of orders) if (o.drord_begn_date && (first === null || o.drord_begn_date < first)) first = o.drord_begn_date;
  if (first === null) {
    r.issue('adm_date', 'required (no adm_date and no drord_begn_date: no date to audit against)');
    return '';
  }
  r.note('adm_date', 'missing → earliest drord_begn_date');
  return first;
}

/**
 * One order line. `generatedId` (real-time calls): a line without rx_id gets this id (counted) instead of a refusal,
 * and a missing pric or sumamt is derived from the other two (counted); a count or amount that is not a number is refused.
 */
function readOrder(r: FieldReader, warnings: FieldIssue[], path: string, generatedId: string | null = null): OrderLine {
  let rxId = r.str('rx_id', generatedId === null);
  if (!rxId && generatedId !== null) {
    rxId = generatedId;
    r.note('rx_id', 'missing → generated');
  }
  let pric: number | null;
  let sumamt: number | null;
  if (generatedId !== null && (r.raw('pric') == null) !== (r.raw('sumamt') == null) && r.raw('cnt') != null) {
    const cnt = r.num('cnt', true, { min: 0 });
    pric = r.fen('pric', false, { min: 0 });
    sumamt = r.fen('sumamt', false, { min: 0 });
    if (pric === null && sumamt !== null) {
      pric = cnt > 0 ? Math.round(sumamt / cnt) : 0;
      r.note('pric', 'missing → sumamt / cnt');
    } else if (sumamt === null && pric !== null) {
      sumamt = Math.round(cnt * pric);
      r.note('sumamt', 'missing → cnt × pric');
    }
  } else {
    pric = r.fen('pric', true, { min: 0 });
    sumamt = r.fen('sumamt', true, { min: 0 });
  }
  const line: OrderLine = {
    rx_id: rxId,
    rxno: r.str('rxno'),
    grpno: r.str('grpno'),
    long_drord_flag: r.str('long_drord_flag'),
    hilist_type: r.str('hilist_type'),
    chrg_type: r.str('chrg_type'),
    drord_bhvr: r.str('drord_bhvr'),
    hilist_code: r.str('hilist_code', true),
    hilist_name: r.str('hilist_name'),
    hilist_lv: generatedId !== null ? r.lenientCode('hilist_lv', HILIST_LEVELS, HILIST_LV_VARIANTS) : r.code('hilist_lv', HILIST_LEVELS),
    hilist_pric: r.fen('hilist_pric'),
    hosplist_code: r.str('hosplist_code'),
    hosplist_name: r.str('hosplist_name'),
    cnt: r.num('cnt', true, { min: 0 }),
    pric: pric ?? 0,
    sumamt: sumamt ?? 0,
    ownpay_amt: r.fen('ownpay_amt', false, { min: 0 }) ?? 0,
    selfpay_amt: r.fen('selfpay_amt', false, { min: 0 }) ?? 0,
    spec: r.str('spec'),
    spec_unt: r.str('spec_unt'),
    drord_begn_date: r.timestamp('drord_begn_date'),
    drord_dept_codg: r.str('drord_dept_codg'),
    drord_dept_name: r.str('drord_dept_name'),
    drord_dr_codg: r.str('drord_dr_codg'),
    drord_dr_name: r.str('drord_dr_name'),
    drord_dr_profttl: r.num('drord_dr_profttl', false, { integer: true }),
    curr_drord_flag: r.flag('curr_drord_flag', true),
    ext_days: r.num('ext_days', false, { min: 0 }),
    ext_doses: r.num('ext_doses', false, { min: 0 }),
  };
  // Set only when sent, so that a parsed line and the same line stored and loaded compare equal.
  const stop = r.endTimestamp('drord_stop_date');
  if (stop !== null) line.drord_stop_date = stop;
  // Real data has rounding, so a mismatch is a data-quality warning, not a rejection (claims-import.md).
  const expected = Math.round(line.cnt * line.pric);
  if (Math.abs(expected - line.sumamt) > 1) {
    warnings.push({ field: `${path}.sumamt`, value: r.raw('sumamt'), reason: `sumamt ≠ cnt × pric (${line.cnt} × ${line.pric / 100} = ${(expected / 100).toFixed(2)})` });
  }
  return line;
}

/**
 * Normalises one import line (claims-import.md: an encounter with patient fields at top level).
 * Returns every error of the record at once; `value` is null when there is any.
 */
export function normaliseImportEncounter(raw: unknown, opts: NormaliseOptions = {}): Normalised<PatientEncounter> {
  const errors: FieldIssue[] = [];
  const warnings: FieldIssue[] = [];
  const base = { ...(opts.file ? { file: opts.file } : {}), ...(opts.line !== undefined ? { line: opts.line } : {}) };
  if (!FieldReader.isRecord(raw)) {
    return { value: null, errors: [{ ...base, field: '(record)', reason: 'must be a JSON object' }], warnings };
  }
  const idText = typeof raw.mdtrt_id === 'string' || typeof raw.mdtrt_id === 'number' ? `mdtrt_id=${raw.mdtrt_id}` : undefined;
  const withRecord = { ...base, ...(idText ? { record: idText } : {}) };
  const r = new FieldReader(raw, '', errors, withRecord);
  const patient = readPatient(r, opts.requirePatient ?? true);
  const encounter = readEncounter(r, patient.patn_id, warnings);
  for (const w of warnings) Object.assign(w, { ...withRecord, ...w });
  return { value: errors.length ? null : { patient, encounter }, errors, warnings };
}
