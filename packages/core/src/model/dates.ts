/**
 * Dates cross into the core as strings: a timestamp is 'YYYY-MM-DD HH:mm:ss', a day 'YYYY-MM-DD'.
 * String order equals time order, so comparisons need no Date objects (and no time zone).
 */
export type Timestamp = string;
export type Day = string;

const DATE_TIME = /^(\d{4})[-/](\d{2})[-/](\d{2})(?:[ T](\d{2}):(\d{2})(?::(\d{2}))?(?:\.\d+)?)?$/;
const COMPACT = /^(\d{4})(\d{2})(\d{2})(?:(\d{2})(\d{2})(\d{2}))?$/;

/** The date forms a HIS sends besides yyyy-MM-dd[ HH:mm:ss] (audit-api.md §1); `form` names the one used. */
export type DateForm = 'yyyy/MM/dd' | 'yyyyMMdd' | 'iso' | 'padded';

const dig = (s: string, i: number): number => {
  const c = s.charCodeAt(i) - 48;
  return c >= 0 && c <= 9 ? c : -100;
};
const num2 = (s: string, i: number): number => dig(s, i) * 10 + dig(s, i + 1);

/**
 * Accepts yyyy-MM-dd, yyyy-MM-dd HH:mm[:ss], ISO 'T' form, yyyy/MM/dd[ HH:mm[:ss]] and compact yyyyMMdd[HHmmss];
 * checks the calendar. The two national forms take a char-check path (3101 reads dates per line); any other form is
 * returned with `form` so that the caller can count the normalisation.
 */
export function parseTimestamp(value: unknown): { ts: Timestamp; form?: DateForm } | { reason: string } {
  if (typeof value !== 'string') return { reason: 'not a date string' };
  const n = value.length;
  if ((n === 10 || n === 19) && value.charCodeAt(4) === 45 && value.charCodeAt(7) === 45) {
    const y = dig(value, 0) * 1000 + dig(value, 1) * 100 + num2(value, 2);
    const mo = num2(value, 5);
    const d = num2(value, 8);
    if (y >= 0 && mo >= 0 && d >= 0) {
      if (mo < 1 || mo > 12 || d < 1 || d > daysInMonth(y, mo)) return { reason: 'no such calendar day' };
      if (n === 10) return { ts: `${value} 00:00:00` };
      if (value.charCodeAt(10) === 32 && value.charCodeAt(13) === 58 && value.charCodeAt(16) === 58) {
        const h = num2(value, 11);
        const mi = num2(value, 14);
        const s = num2(value, 17);
        if (h >= 0 && mi >= 0 && s >= 0) return h > 23 || mi > 59 || s > 59 ? { reason: 'no such time of day' } : { ts: value };
      }
    }
  }
  const text = value.trim();
  const m = DATE_TIME.exec(text) ?? COMPACT.exec(text);
  if (!m) return { reason: 'not a date (expected yyyy-MM-dd or yyyy-MM-dd HH:mm:ss)' };
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const [h, mi, s] = [Number(m[4] ?? 0), Number(m[5] ?? 0), Number(m[6] ?? 0)];
  if (mo < 1 || mo > 12 || d < 1 || d > daysInMonth(y, mo)) return { reason: 'no such calendar day' };
  if (h > 23 || mi > 59 || s > 59) return { reason: 'no such time of day' };
  const ts = `${m[1]}-${m[2]}-${m[3]} ${pad2(h)}:${pad2(mi)}:${pad2(s)}`;
  const form: DateForm | undefined = text.charCodeAt(4) === 47 ? 'yyyy/MM/dd' : text.charCodeAt(4) !== 45 ? 'yyyyMMdd' : text.length !== n ? 'padded'
    : text.length === 10 || (text.length === 19 && text.charCodeAt(10) === 32) ? undefined : 'iso';
  return form ? { ts, form } : { ts };
}

/** `9999-12-31…`: a HIS's "no date yet" (not discharged, order not stopped). */
export function isOpenEndDate(ts: Timestamp): boolean {
  return ts.startsWith('9999-12-31');
}

export function parseDay(value: unknown): { day: Day; form?: DateForm } | { reason: string } {
  const r = parseTimestamp(value);
  return 'ts' in r ? (r.form ? { day: r.ts.slice(0, 10), form: r.form } : { day: r.ts.slice(0, 10) }) : r;
}

export function dayOf(ts: Timestamp): Day {
  return ts.slice(0, 10);
}

export function isLeapYear(y: number): boolean {
  return (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;
}

export function daysInMonth(y: number, m: number): number {
  return [31, isLeapYear(y) ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][m - 1];
}

/** Days since 1970-01-01 for a day string, by pure arithmetic (no Date, no time zone). */
export function dayNumber(day: Day): number {
  let y = Number(day.slice(0, 4));
  const m = Number(day.slice(5, 7));
  const d = Number(day.slice(8, 10));
  // Howard Hinnant's days_from_civil
  y -= m <= 2 ? 1 : 0;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const doy = Math.floor((153 * (m + (m > 2 ? -3 : 9)) + 2) / 5) + d - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146097 + doe - 719468;
}

export function dayFromNumber(n: number): Day {
  const z = n + 719468;
  const era = Math.floor(z / 146097);
  const doe = z - era * 146097;
  const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36524) - Math.floor(doe / 146096)) / 365);
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const d = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const m = mp + (mp < 10 ? 3 : -9);
  const y = yoe + era * 400 + (m <= 2 ? 1 : 0);
  return `${String(y).padStart(4, '0')}-${pad2(m)}-${pad2(d)}`;
}

export function addDays(day: Day, n: number): Day {
  return dayFromNumber(dayNumber(day) + n);
}

/** Whole calendar days from a to b (b − a). */
export function daysBetween(a: Day, b: Day): number {
  return dayNumber(b) - dayNumber(a);
}

/** Age in whole years on a day; the birthday itself counts as the new age. 29 Feb birthdays turn on 1 Mar in common years. */
export function ageInYears(birth: Day, on: Day): number {
  const by = Number(birth.slice(0, 4));
  const oy = Number(on.slice(0, 4));
  let age = oy - by;
  if (on.slice(5) < birth.slice(5)) age--;
  return age;
}

export function monthKey(day: Day): string {
  return day.slice(0, 7);
}

export function quarterKey(day: Day): string {
  return `${day.slice(0, 4)}-Q${Math.floor((Number(day.slice(5, 7)) - 1) / 3) + 1}`;
}

export function yearKey(day: Day): string {
  return day.slice(0, 4);
}

function pad2(n: number): string {
  return String(n).padStart(2, '0');
}

/** Milliseconds since the epoch of a UTC ISO instant ('YYYY-MM-DDTHH:mm:ss[.sss]Z'), by arithmetic (no Date). */
export function isoToMs(iso: string): number {
  const m = /^(\d{4}-\d{2}-\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,3}))?Z$/.exec(iso);
  if (!m) throw new Error(`not a UTC ISO instant: ${iso}`);
  return dayNumber(m[1]) * 86_400_000 + Number(m[2]) * 3_600_000 + Number(m[3]) * 60_000 + Number(m[4]) * 1000 + Number((m[5] ?? '0').padEnd(3, '0'));
}

export function msToIso(ms: number): string {
  const day = Math.floor(ms / 86_400_000);
  let rest = ms - day * 86_400_000;
  const h = Math.floor(rest / 3_600_000);
  rest -= h * 3_600_000;
  const mi = Math.floor(rest / 60_000);
  rest -= mi * 60_000;
  const s = Math.floor(rest / 1000);
  const msPart = rest - s * 1000;
  return `${dayFromNumber(day)}T${pad2(h)}:${pad2(mi)}:${pad2(s)}.${String(msPart).padStart(3, '0')}Z`;
}

export function addHoursIso(iso: string, hours: number): string {
  return msToIso(isoToMs(iso) + hours * 3_600_000);
}
