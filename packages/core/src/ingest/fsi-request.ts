import { FundGuardError, type FieldIssue } from '../errors.ts';
import type { Encounter, Patient } from '../model/encounter.ts';
import { FieldReader, NormalisationNotes } from './reader.ts';
import { readEncounter, readPatient } from './encounter.ts';

/** One patient of a 3101/3102 request with all of its encounters (audit-api.md §2). */
export interface FsiPatient {
  patient: Patient;
  /** `curr_mdtrt_id`; empty means every encounter of the patient is current */
  curr_mdtrt_id: string;
  encounters: Encounter[];
}

export interface FsiAuditRequest {
  syscode: string;
  trig_scen: string;
  /** evaluate only these rules (empty: all) */
  rule_ids: string[];
  task_id: string;
  patients: FsiPatient[];
  /** the harmless variants accepted and normalised (audit-api.md §1), counted per institution, field and variant */
  normalisations: { medins_id: string; field: string; variant: string; count: number }[];
}

export const TRIG_SCENS = ['1', '2', '3', '4', '5', '6', '7', '8', '9'] as const;

/**
 * Parses the `data` of a 3101/3102 call. Errors name the patient, encounter and order by index and id and the
 * field, e.g. `patient_dtos[0](patn_id=P1).fsi_encounter_dtos[0](mdtrt_id=ZY1).fsi_order_dtos[2](rx_id=R3).cnt`.
 */
export function parseFsiAuditData(data: unknown): FsiAuditRequest {
  const issues: FieldIssue[] = [];
  if (!FieldReader.isRecord(data)) throw new FundGuardError('E_INPUT_INVALID', 'input.data: must be an object', [{ field: 'input.data', reason: 'must be an object' }]);
  const notes = new NormalisationNotes();
  const r = new FieldReader(data, '', issues);
  const req: FsiAuditRequest = {
    syscode: r.str('syscode'),
    trig_scen: r.code('trig_scen', TRIG_SCENS),
    rule_ids: r.strings('rule_ids'),
    task_id: r.str('task_id'),
    patients: [],
    normalisations: [],
  };
  const patients = r.records('patient_dtos', true);
  patients.forEach((p, pi) => {
    const pid = typeof p.patn_id === 'string' || typeof p.patn_id === 'number' ? String(p.patn_id) : '';
    const pPath = `patient_dtos[${pi}]${pid ? `(patn_id=${pid})` : ''}`;
    const pr = new FieldReader(p, pPath, issues, {}, notes, 'patient_dtos');
    const patient = readPatient(pr, true, true);
    const curr = pr.str('curr_mdtrt_id');
    const encRaw = pr.records('fsi_encounter_dtos', true);
    const encounters: Encounter[] = encRaw.map((e, ei) => {
      const eid = typeof e.mdtrt_id === 'string' || typeof e.mdtrt_id === 'number' ? String(e.mdtrt_id) : '';
      const er = new FieldReader(e, `${pPath}.fsi_encounter_dtos[${ei}]${eid ? `(mdtrt_id=${eid})` : ''}`, issues, {}, notes, 'fsi_encounter_dtos');
      const enc = readEncounter(er, patient.patn_id, [], { labelOrders: true, lenient: true });
      notes.assign(enc.medins_id);
      return enc;
    });
    if (curr && encounters.length && !encounters.some((e) => e.mdtrt_id === curr)) pr.issue('curr_mdtrt_id', 'no encounter with this mdtrt_id in fsi_encounter_dtos', curr);
    // Nothing to audit is a refusal (audit-api.md §1 "no lines"), not an empty answer the HIS would read as "all clear".
    else if (encounters.length && !encounters.some((e) => (curr ? e.mdtrt_id === curr : true) && e.fsi_order_dtos.length > 0)) {
      pr.issue(curr ? 'fsi_encounter_dtos' : 'fsi_encounter_dtos', `no order lines in ${curr ? `the current encounter ${curr}` : 'any encounter'} (fsi_order_dtos): nothing to audit`);
    }
    req.patients.push({ patient, curr_mdtrt_id: curr, encounters });
  });
  if (issues.length) {
    const head = issues.slice(0, 5).map((i) => `${i.field}: ${i.reason}${i.value === undefined ? '' : ` (${JSON.stringify(i.value)})`}`).join('; ');
    throw new FundGuardError('E_INPUT_INVALID', `${head}${issues.length > 5 ? `; … ${issues.length} errors` : ''}`, issues.slice(0, 100), issues.length);
  }
  req.normalisations = notes.list();
  return req;
}

export const DSPO_WAYS = ['1', '2', '3', '4'] as const;

export interface FsiFeedback {
  warn_type: string;
  warns: { warn_rslt_id: string; dspo_way: string; dspo_way_rea: string }[];
}

/** Parses the `data` of a 3103 call (audit-api.md §4); a proceed (1) without a reason is an error naming the warning. */
export function parseFsiFeedback(data: unknown): FsiFeedback {
  const issues: FieldIssue[] = [];
  if (!FieldReader.isRecord(data)) throw new FundGuardError('E_INPUT_INVALID', 'input.data: must be an object', [{ field: 'input.data', reason: 'must be an object' }]);
  const r = new FieldReader(data, '', issues);
  const fb: FsiFeedback = { warn_type: r.code('warn_type', ['1', '2'], true), warns: [] };
  r.records('warns', true).forEach((w, i) => {
    const id = typeof w.warn_rslt_id === 'string' ? w.warn_rslt_id : '';
    const wr = new FieldReader(w, `warns[${i}]${id ? `(warn_rslt_id=${id})` : ''}`, issues);
    const item = { warn_rslt_id: wr.str('warn_rslt_id', true), dspo_way: wr.code('dspo_way', DSPO_WAYS, true), dspo_way_rea: wr.str('dspo_way_rea') };
    if (item.dspo_way === '1' && !item.dspo_way_rea) wr.issue('dspo_way_rea', '继续执行 (dspo_way 1) requires a reason');
    fb.warns.push(item);
  });
  if (issues.length) {
    throw new FundGuardError('E_INPUT_INVALID', issues.slice(0, 5).map((i) => `${i.field}: ${i.reason}`).join('; '), issues.slice(0, 100), issues.length);
  }
  return fb;
}
