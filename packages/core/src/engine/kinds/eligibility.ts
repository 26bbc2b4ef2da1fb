import { roundFen, type Flag, type KindFn } from './kind.ts';

/**
 * catalogue: `unknown_code` (not in the catalogue in force on the line's date), `class_c` (丙类 billed to the fund),
 * `over_price` ((pric − price_cap) × cnt, at most the full line). One flag per line: the first check that applies.
 */
export const catalogue: KindFn = ({ rule, items, env }) => {
  const checks = new Set(rule.params.checks as string[]);
  const flags: Flag[] = [];
  for (const l of items) {
    if (!l.current) continue;
    const entry = env.catalogue ? env.catalogue(l.line.hilist_code, l.day, l.enc.region) : null;
    if (!entry) {
      if (checks.has('unknown_code') && env.catalogue) flags.push({ line: l, amount: l.full, limit: '医保目录内', actual: '目录外' });
      continue;
    }
    if (checks.has('class_c') && entry.hilist_lv === '03') {
      flags.push({ line: l, amount: l.full, limit: '丙类自费', actual: '纳入基金结算' });
      continue;
    }
    if (checks.has('over_price') && entry.price_cap !== null && l.line.pric > entry.price_cap) {
      flags.push({ line: l, amount: Math.min(l.full, roundFen((l.line.pric - entry.price_cap) * l.line.cnt)), limit: `${(entry.price_cap / 100).toFixed(2)}元`, actual: `${(l.line.pric / 100).toFixed(2)}元` });
    }
  }
  return flags;
};

/**
 * blacklist: the ordering doctor (drord_dr_codg, else the encounter's dr_codg), the institution or the patient is
 * listed (in the rule's params, or with use_lists in the 名单 in force on the line's day; the department too).
 * A listed doctor: the lines that doctor ordered; institution, department or patient: every line of the encounter.
 */
export const blacklist: KindFn = ({ rule, items, env }) => {
  const doctors = new Set((rule.params.doctors as string[] | undefined) ?? []);
  const institutions = new Set((rule.params.institutions as string[] | undefined) ?? []);
  const patients = new Set((rule.params.patients as string[] | undefined) ?? []);
  const useLists = rule.params.use_lists === true && env.listed !== undefined;
  const flags: Flag[] = [];
  for (const l of items) {
    if (!l.current) continue;
    const doctor = l.line.drord_dr_codg || l.enc.enc.dr_codg;
    const medins = l.enc.enc.medins_id;
    const patient = l.enc.patient.patn_id;
    const dept = l.line.drord_dept_codg || l.enc.enc.adm_dept_codg;
    let hit: string | null = null;
    if (institutions.has(medins)) hit = `机构${medins}`;
    else if (patients.has(patient)) hit = `参保人${patient}`;
    else if (doctor && doctors.has(doctor)) hit = `医师${doctor}`;
    else if (useLists) {
      const e = env.listed!('institution', medins, l.day) ?? env.listed!('patient', patient, l.day) ?? (doctor ? env.listed!('doctor', doctor, l.day) : null) ?? (dept ? env.listed!('department', `${medins}/${dept}`, l.day) : null);
      if (e) hit = `${e.list === 'suspended' ? '暂停结算' : '黑名单'}：${e.reason}`;
    }
    if (hit) flags.push({ line: l, amount: l.full, limit: '不得结算', actual: hit });
  }
  return flags;
};
