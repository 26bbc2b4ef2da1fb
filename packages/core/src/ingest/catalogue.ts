import type { FieldIssue } from '../errors.ts';
import type { Fen } from '../model/money.ts';
import type { Day } from '../model/dates.ts';
import { FieldReader } from './reader.ts';
import { HILIST_LEVELS } from './encounter.ts';
import type { Normalised } from './encounter.ts';

/** One catalogue row (catalogue.md). */
export interface CatalogueEntry {
  hilist_code: string;
  hilist_name: string;
  hilist_type: string;
  hilist_lv: string;
  selfpay_prop: number | null;
  price_cap: Fen | null;
  unit: string;
  limit_text: string;
  group_codes: string[];
  region: string;
  effective_from: Day | null;
  effective_to: Day | null;
}

export const CATALOGUE_COLUMNS = [
  'hilist_code', 'hilist_name', 'hilist_type', 'hilist_lv', 'selfpay_prop', 'price_cap', 'unit', 'limit_text',
  'group_codes', 'region', 'effective_from', 'effective_to',
] as const;
export const CATALOGUE_REQUIRED = ['hilist_code', 'hilist_name', 'hilist_type', 'hilist_lv'] as const;

const GROUP_NAME = /^[A-Za-z0-9_\-.]+$/;

export function normaliseCatalogueRow(raw: Record<string, unknown>, base: Omit<FieldIssue, 'field' | 'reason'> = {}): Normalised<CatalogueEntry> {
  const errors: FieldIssue[] = [];
  const code = typeof raw.hilist_code === 'string' ? raw.hilist_code.trim() : '';
  const r = new FieldReader(raw, '', errors, { ...base, ...(code ? { record: `hilist_code=${code}` } : {}) });
  const entry: CatalogueEntry = {
    hilist_code: r.str('hilist_code', true),
    hilist_name: r.str('hilist_name', true),
    hilist_type: r.str('hilist_type', true),
    hilist_lv: r.code('hilist_lv', HILIST_LEVELS, true),
    selfpay_prop: r.num('selfpay_prop'),
    price_cap: r.fen('price_cap', false, { min: 0 }),
    unit: r.str('unit'),
    limit_text: r.str('limit_text'),
    group_codes: r.strings('group_codes'),
    region: r.str('region') || '*',
    effective_from: r.day('effective_from'),
    effective_to: r.day('effective_to'),
  };
  if (entry.hilist_type && !/^\d{3}$/.test(entry.hilist_type)) r.issue('hilist_type', 'must be a 3-digit type code (101, 102, 201, 301, …)', raw.hilist_type);
  if (entry.selfpay_prop !== null && (entry.selfpay_prop < 0 || entry.selfpay_prop > 1)) r.issue('selfpay_prop', 'must be between 0 and 1', raw.selfpay_prop);
  if (entry.selfpay_prop !== null && !Number.isInteger(Math.round(entry.selfpay_prop * 1e4 * 1e6) / 1e6)) r.issue('selfpay_prop', 'at most 4 decimals', raw.selfpay_prop);
  for (const g of entry.group_codes) if (!GROUP_NAME.test(g)) r.issue('group_codes', `group name ${JSON.stringify(g)} may only use letters, digits, _ - .`, raw.group_codes);
  if (entry.region !== '*' && !/^\d{2,12}$/.test(entry.region)) r.issue('region', 'must be a 统筹区 code of digits or *', raw.region);
  if (entry.effective_from && entry.effective_to && entry.effective_to <= entry.effective_from) r.issue('effective_to', 'must be after effective_from', raw.effective_to);
  return { value: errors.length ? null : entry, errors, warnings: [] };
}

/** Identity of a catalogue row: a re-import of the same key replaces it. */
export function catalogueKey(e: Pick<CatalogueEntry, 'hilist_code' | 'region' | 'effective_from'>): string {
  return `${e.hilist_code}\u0000${e.region}\u0000${e.effective_from ?? ''}`;
}

/** True when the entry is in force on the day (from inclusive, to exclusive). */
export function inForce(e: { effective_from: Day | null; effective_to: Day | null }, day: Day): boolean {
  return (e.effective_from === null || e.effective_from <= day) && (e.effective_to === null || day < e.effective_to);
}
