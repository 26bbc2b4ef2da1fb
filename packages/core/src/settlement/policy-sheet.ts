import { FundGuardError, type FieldIssue } from '../errors.ts';

/**
 * A policy parameter set written as a two-column sheet (字段 / 值), as administrators keep them in Excel:
 * one row per dotted path (`deductible.by_level.3`, `catastrophic.bands.0.upto`), lists of factors as
 * comma-separated numbers (`deductible.nth_admission_factor` → `1,0.5,0.5,0`), empty or `null` for null.
 * Returns the nested object that `parsePolicy` checks.
 */
export function policyFromSheetRows(rows: readonly { line: number; field: string; value: unknown }[], sheet: string): Record<string, unknown> {
  const root: Record<string, unknown> = {};
  const issues: FieldIssue[] = [];
  const TEXT = new Set(['region', 'insutype', 'scenario', 'version', 'cap_group', 'effective_from', 'effective_to']);
  const LISTS = new Set(['deductible.nth_admission_factor']);
  for (const { line, field, value } of rows) {
    const path = field.trim();
    if (!/^[a-z_]+(\.[a-z0-9_]+)*$/.test(path)) {
      issues.push({ field: `${sheet}!A${line}`, value: field, reason: 'a dotted parameter path such as deductible.by_level.3' });
      continue;
    }
    let v: unknown = value;
    if (typeof v === 'string') v = v.trim();
    if (v === '' || v === null || v === undefined || v === 'null') v = null;
    else if (LISTS.has(path)) v = String(v).split(/[,，\s]+/).filter(Boolean).map(Number);
    else if (TEXT.has(path)) v = String(v);
    else if (typeof v === 'string') {
      const n = Number(v);
      if (!Number.isFinite(n)) {
        issues.push({ field: `${sheet}!B${line}`, value, reason: `${path}: a number` });
        continue;
      }
      v = n;
    }
    const keys = path.split('.');
    let node: Record<string, unknown> | unknown[] = root;
    for (let i = 0; i < keys.length; i++) {
      const k = keys[i];
      const last = i === keys.length - 1;
      // by_level keys are digits too: only the bands are a list
      const nextIsIndex = !last && keys.slice(0, i + 1).join('.') === 'catastrophic.bands';
      const slot = (node as Record<string, unknown>)[k];
      if (last) {
        if (slot !== undefined) issues.push({ field: `${sheet}!A${line}`, value: field, reason: 'this parameter is given twice' });
        (node as Record<string, unknown>)[k] = v;
      } else {
        if (slot === undefined || slot === null) (node as Record<string, unknown>)[k] = nextIsIndex ? [] : {};
        node = (node as Record<string, unknown>)[k] as Record<string, unknown>;
      }
    }
  }
  if (issues.length) throw new FundGuardError('E_INPUT_INVALID', `${sheet}: ${issues.slice(0, 3).map((i) => `${i.field}: ${i.reason}`).join('; ')}`, issues);
  return root;
}
