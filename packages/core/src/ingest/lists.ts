import type { FieldIssue } from '../errors.ts';
import type { Day } from '../model/dates.ts';
import { FieldReader } from './reader.ts';
import type { Normalised } from './encounter.ts';

/**
 * The lists the system itself reads (catalogue.md): blacklist, suspended, watch, and deceased (死亡人员: subject
 * patient, effective_from = the date of death, reason = the source). A deployer may name focus lists of its own
 * (e.g. `poverty` 建档立卡, `wubao` 五保户): any other lower-case name matching LIST_NAME.
 */
export const LIST_KINDS = ['blacklist', 'suspended', 'watch', 'deceased'] as const;
/** a list's name: a known kind or a deployer's focus list */
export const LIST_NAME = /^[a-z][a-z0-9_]{1,31}$/;
/**
 * catalogue.md names institution, doctor and patient; `department` (code `<medins_id>/<dept_codg>`) is added for the
 * case workflow's department suspensions (domain.md §4 escalation).
 */
export const SUBJECT_TYPES = ['institution', 'doctor', 'patient', 'department'] as const;
/** a known kind, or a deployer-named focus list */
export type ListKind = (typeof LIST_KINDS)[number] | (string & {});
export type SubjectType = (typeof SUBJECT_TYPES)[number];

/** One row of a 名单 (catalogue.md "Lists"). */
export interface ListEntry {
  list: ListKind;
  subject_type: SubjectType;
  subject_code: string;
  reason: string;
  effective_from: Day | null;
  effective_to: Day | null;
}

export const LIST_COLUMNS = ['list', 'subject_type', 'subject_code', 'reason', 'effective_from', 'effective_to'] as const;
export const LIST_REQUIRED = ['list', 'subject_type', 'subject_code'] as const;

export function normaliseListRow(raw: Record<string, unknown>, base: Omit<FieldIssue, 'field' | 'reason'> = {}): Normalised<ListEntry> {
  const errors: FieldIssue[] = [];
  const code = typeof raw.subject_code === 'string' ? raw.subject_code.trim() : '';
  const r = new FieldReader(raw, '', errors, { ...base, ...(code ? { record: `subject_code=${code}` } : {}) });
  const entry: ListEntry = {
    list: r.str('list', true) as ListKind,
    subject_type: r.code('subject_type', SUBJECT_TYPES, true) as SubjectType,
    subject_code: r.str('subject_code', true),
    reason: r.str('reason'),
    effective_from: r.day('effective_from'),
    effective_to: r.day('effective_to'),
  };
  if (entry.list && !LIST_NAME.test(entry.list)) r.issue('list', `one of ${LIST_KINDS.join(', ')}, or a focus list's name (lower-case letters, digits, _; 2–32 characters)`, raw.list);
  if (entry.list === 'deceased') {
    if (entry.subject_type && entry.subject_type !== 'patient') r.issue('subject_type', 'deceased: patient (subject_code = patn_id)', raw.subject_type);
    if (!entry.effective_from) r.issue('effective_from', 'deceased: the date of death', raw.effective_from);
  }
  if (entry.effective_from && entry.effective_to && entry.effective_to <= entry.effective_from) r.issue('effective_to', 'must be after effective_from', raw.effective_to);
  return { value: errors.length ? null : entry, errors, warnings: [] };
}
