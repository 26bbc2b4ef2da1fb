import { FundGuardError } from '@fundguard/core';

/** A whole number ≥ 0 from a query-string or path value; absent stays undefined, anything else is a 400 naming the field. */
export function wholeNumber(v: string | undefined, field: string): number | undefined {
  if (v === undefined || v === '') return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0) throw new FundGuardError('E_INPUT_INVALID', `${field}: a whole number, got ${v}`, [{ field, value: v, reason: 'a whole number' }]);
  return n;
}
