import type { Fen } from './money.ts';
import type { Day, Timestamp } from './dates.ts';

/**
 * The normalised encounter. Field names are the national ones (audit-api.md §2) so that the mapping to and
 * from the wire stays trivial; amounts are integer fen, dates are normalised strings, flags are booleans.
 */
export interface Patient {
  patn_id: string;
  patn_name: string;
  /** 1 男, 2 女, 0/9 unknown */
  gend: string;
  brdy: Day | null;
  poolarea: string;
}

export interface Diagnosis {
  dise_id: string;
  inout_dise_type: string;
  maindise_flag: boolean;
  dias_srt_no: number | null;
  dise_codg: string;
  dise_name: string;
  dise_date: Day | null;
}

export interface Operation {
  setl_list_oprn_id: string;
  oprn_code: string;
  oprn_name: string;
  main_oprn_flag: boolean;
  oprn_date: Day | null;
}

export interface LabResult {
  lab_code: string;
  lab_name: string;
  rslt_val: number;
  rslt_unt: string;
  test_date: Timestamp | null;
}

export interface OrderLine {
  rx_id: string;
  rxno: string;
  grpno: string;
  long_drord_flag: string;
  /** 101 西药中成药, 102 中药饮片, 201 医疗服务项目, 301 医用耗材 */
  hilist_type: string;
  chrg_type: string;
  drord_bhvr: string;
  hilist_code: string;
  hilist_name: string;
  /** 01 甲, 02 乙, 03 丙, '' unknown */
  hilist_lv: string;
  hilist_pric: Fen | null;
  hosplist_code: string;
  hosplist_name: string;
  cnt: number;
  pric: Fen;
  sumamt: Fen;
  ownpay_amt: Fen;
  selfpay_amt: Fen;
  spec: string;
  spec_unt: string;
  drord_begn_date: Timestamp | null;
  /** end of the order (long orders, prescriptions): with drord_begn_date it gives the days when ext_days is absent */
  drord_stop_date?: Timestamp | null;
  drord_dept_codg: string;
  drord_dept_name: string;
  drord_dr_codg: string;
  drord_dr_name: string;
  drord_dr_profttl: number | null;
  /** 1 = new in this call / current; 0 = earlier order, context only */
  curr_drord_flag: boolean;
  ext_days: number | null;
  ext_doses: number | null;
}

export interface Settlement {
  setl_id: string;
  setl_time: Timestamp | null;
  hifp_pay: Fen | null;
  psn_pay: Fen | null;
}

export interface Encounter {
  mdtrt_id: string;
  patn_id: string;
  medins_id: string;
  medins_name: string;
  medins_admdvs: string;
  medins_type: string;
  medins_lv: string;
  wardarea_codg: string;
  wardno: string;
  bedno: string;
  adm_date: Timestamp;
  dscg_date: Timestamp | null;
  dscg_main_dise_codg: string;
  dscg_main_dise_name: string;
  dr_codg: string;
  adm_dept_codg: string;
  adm_dept_name: string;
  dscg_dept_codg: string;
  dscg_dept_name: string;
  /** 1 门诊, 2 住院, 3 购药 */
  med_mdtrt_type: string;
  med_type: string;
  matn_stas: string;
  medfee_sumamt: Fen | null;
  ownpay_amt: Fen | null;
  selfpay_amt: Fen | null;
  insutype: string;
  reim_flag: string;
  out_setl_flag: string;
  fsi_diagnose_dtos: Diagnosis[];
  fsi_operation_dtos: Operation[];
  fsi_lab_dtos: LabResult[];
  ext_flags: string[];
  fsi_order_dtos: OrderLine[];
  settlement: Settlement | null;
  ext_household_id: string;
  ext_address: string;
  /**
   * Missing evidence (audit-api.md §2): the request did not carry `fsi_lab_dtos` / `ext_flags` at all (a national-standard
   * HIS); rules whose condition needs them ask instead of accuse. Absent (not false) when the evidence was carried.
   */
  no_lab_dtos?: true;
  no_ext_flags?: true;
}

/** One line of a claims import: the encounter with its patient (claims-import.md). */
export interface PatientEncounter {
  patient: Patient;
  encounter: Encounter;
}

export type Scenario = 'outpatient' | 'inpatient' | 'pharmacy';

export function scenarioOf(medMdtrtType: string): Scenario | null {
  switch (medMdtrtType) {
    case '1':
      return 'outpatient';
    case '2':
      return 'inpatient';
    case '3':
      return 'pharmacy';
    default:
      return null;
  }
}

/** A line the fund pays nothing for (自费): never flagged, never counted (rule-pack.md §2). */
export function isFullySelfPaid(line: Pick<OrderLine, 'sumamt' | 'ownpay_amt'>): boolean {
  return line.sumamt > 0 && line.ownpay_amt >= line.sumamt;
}

/** The part of a line the fund could pay: `sumamt` − `ownpay_amt`, never below 0 ("full line" in rule-pack.md §3). */
export function fundPart(line: Pick<OrderLine, 'sumamt' | 'ownpay_amt'>): Fen {
  return Math.max(0, line.sumamt - line.ownpay_amt);
}
