/**
 * Masking of personal data (domain.md §7): what the server sends unless the reader revealed it. Names keep the
 * family name (张*), ID numbers the first 6 and last 4 characters (the region and the check digits people quote),
 * phone numbers the last 4, birth dates the year.
 */
export function maskName(name: string): string {
  const chars = [...name];
  if (chars.length === 0) return '';
  return chars.length === 1 ? '*' : chars[0] + '*'.repeat(chars.length - 1);
}

export function maskIdNumber(id: string): string {
  if (id.length <= 10) return id.length <= 2 ? '*'.repeat(id.length) : id.slice(0, 1) + '*'.repeat(id.length - 2) + id.slice(-1);
  return `${id.slice(0, 6)}${'*'.repeat(id.length - 10)}${id.slice(-4)}`;
}

export function maskPhone(phone: string): string {
  return phone.length <= 4 ? '*'.repeat(phone.length) : '*'.repeat(phone.length - 4) + phone.slice(-4);
}

/** YYYY-MM-DD → YYYY-**-** */
export function maskBirthDate(day: string): string {
  return day.length >= 4 ? `${day.slice(0, 4)}${day.slice(4).replace(/\d/g, '*')}` : '*'.repeat(day.length);
}

/** Free text (an address): the first 6 characters, the rest starred. */
export function maskText(text: string): string {
  const chars = [...text];
  return chars.length <= 6 ? '*'.repeat(chars.length) : chars.slice(0, 6).join('') + '*'.repeat(Math.min(chars.length - 6, 8));
}

/** The personal fields of an encounter in the import shape, and how each is masked. */
export const ENCOUNTER_PERSONAL_FIELDS = {
  patn_name: maskName,
  patn_id: maskIdNumber,
  brdy: maskBirthDate,
  ext_address: maskText,
} as const satisfies Record<string, (v: string) => string>;

export type EncounterPersonalField = keyof typeof ENCOUNTER_PERSONAL_FIELDS;

/** A copy of the encounter (import shape) with its personal fields masked. */
export function maskEncounterShape<T extends Record<string, unknown>>(shape: T): T {
  const out: Record<string, unknown> = { ...shape };
  for (const [field, fn] of Object.entries(ENCOUNTER_PERSONAL_FIELDS)) {
    const v = out[field];
    if (typeof v === 'string' && v) out[field] = fn(v);
  }
  return out as T;
}
