import type { FieldIssue } from '../errors.ts';
import type { Day } from '../model/dates.ts';
import { FieldReader } from './reader.ts';
import type { Normalised } from './encounter.ts';

export const LIST_KINDS = ['blacklist', 'suspended', 'watch'] as const;
/**
 * catalogue.md names institution, doctor and patient; `department` (code `<medins_id>/<dept_codg>`) is added for the
 * case workflow's department suspensions (domain.md §4 escalation).
 */
export const SUBJECT_TYPES = ['institution', 'doctor', 'patient', 'department'] as const;
export type ListKind = (typeof LIST_KINDS)[number];
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
    list: r.code('list', LIST_KINDS, true) as ListKind,
    subject_type: r.code('subject_type', SUBJECT_TYPES, true) as SubjectType,
    subject_code: r.str('subject_code', true),
    reason: r.str('reason'),
    effective_from: r.day('effective_from'),
    effective_to: r.day('effective_to'),
  };
  if (entry.effective_from && entry.effective_to && entry.effective_to <= entry.effective_from) r.issue('effective_to', 'must be after effective_from', raw.effective_to);
  return { value: errors.length ? null : entry, errors, warnings: [] };
}
