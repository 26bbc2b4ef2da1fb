import type { FieldIssue } from '../errors.ts';
import { parseDecimal, parseYuan, type Fen } from '../model/money.ts';
import { isOpenEndDate, parseDay, parseTimestamp, type Day, type Timestamp } from '../model/dates.ts';

/**
 * Counts the harmless variants a reader accepted and normalised (audit-api.md §1), per field and variant, so that a
 * hospital can be shown what to fix in its HIS. Counted notes wait in `pending` until the reader of an encounter
 * assigns them to its institution (patient-level notes go with the patient's first encounter).
 */
export class NormalisationNotes {
  private pending = new Map<string, number>();
  private readonly done = new Map<string, { medins_id: string; field: string; variant: string; count: number }>();

  add(field: string, variant: string): void {
    const k = `${field}\u0000${variant}`;
    this.pending.set(k, (this.pending.get(k) ?? 0) + 1);
  }

  /** assigns the notes counted so far to an institution */
  assign(medinsId: string): void {
    if (!this.pending.size) return;
    for (const [k, n] of this.pending) {
      const key = `${medinsId}\u0000${k}`;
      const prev = this.done.get(key);
      if (prev) prev.count += n;
      else {
        const [field, variant] = k.split('\u0000');
        this.done.set(key, { medins_id: medinsId, field, variant, count: n });
      }
    }
    this.pending = new Map();
  }

  list(): { medins_id: string; field: string; variant: string; count: number }[] {
    return [...this.done.values()];
  }
}

/** A value for a variant label: short, one line (labels are grouped on, so they must stay few and readable). */
const label = (v: unknown): string => (v === null ? 'null' : JSON.stringify(typeof v === 'string' && v.length > 16 ? `${v.slice(0, 16)}…` : v));

/** Whether a string has blanks (or other control/wide space) at either end: numbers with blanks are counted. */
const padded = (v: string): boolean => {
  if (v.length === 0) return false;
  const a = v.charCodeAt(0);
  const b = v.charCodeAt(v.length - 1);
  return !(a > 32 && a < 127 && b > 32 && b < 127);
};

/**
 * String.trim, skipped when both ends are printable ASCII (the usual case: readers run per field of every line).
 * Anything else at an end — including the ideographic space U+3000 — goes through trim.
 */
function trim(v: string): string {
  if (v.length === 0) return v;
  const a = v.charCodeAt(0);
  const b = v.charCodeAt(v.length - 1);
  return a > 32 && a < 127 && b > 32 && b < 127 ? v : v.trim();
}

/**
 * Reads typed fields out of an untyped record and records every problem with its path, instead of throwing at
 * the first one: validation reports all errors of a record at once.
 */
export class FieldReader {
  constructor(
    private readonly obj: Record<string, unknown>,
    private readonly prefix: string,
    private readonly issues: FieldIssue[],
    private readonly base: Omit<FieldIssue, 'field' | 'reason' | 'value'> = {},
    /** where accepted variants are counted (the 3101/3102 path), and this record's section, e.g. `fsi_order_dtos` */
    private readonly notes: NormalisationNotes | null = null,
    readonly section = '',
  ) {}

  /** Counts an accepted variant of `field` (no-op without a notes sink). */
  note(field: string, variant: string): void {
    this.notes?.add(this.section ? `${this.section}.${field}` : field, variant);
  }

  /** The notes sink (to assign counted variants to an institution). */
  get noteSink(): NormalisationNotes | null {
    return this.notes;
  }

  static isRecord(v: unknown): v is Record<string, unknown> {
    return typeof v === 'object' && v !== null && !Array.isArray(v);
  }

  path(field: string): string {
    return this.prefix ? `${this.prefix}.${field}` : field;
  }

  raw(field: string): unknown {
    return this.obj[field];
  }

  issue(field: string, reason: string, value?: unknown): void {
    this.issues.push({ ...this.base, field: this.path(field), reason, ...(value === undefined ? {} : { value }) });
  }

  private present(field: string): boolean {
    const v = this.obj[field];
    return v !== undefined && v !== null && !(typeof v === 'string' && trim(v) === '');
  }

  /** A text field; numbers are accepted and kept as their decimal text (codes often arrive as numbers). */
  str(field: string, required = false): string {
    const v = this.obj[field];
    if (!this.present(field)) {
      if (required) this.issue(field, 'required');
      return '';
    }
    if (typeof v === 'string') return trim(v);
    if (typeof v === 'number' && Number.isFinite(v)) return String(v);
    this.issue(field, 'must be text', v);
    return '';
  }

  /** A text field restricted to a set of values. */
  code(field: string, allowed: readonly string[], required = false): string {
    const s = this.str(field, required);
    if (s !== '' && !allowed.includes(s)) this.issue(field, `must be one of ${allowed.join(', ')}`, this.obj[field]);
    return s;
  }

  fen(field: string, required: true, opts?: { min?: number }): Fen;
  fen(field: string, required?: false, opts?: { min?: number }): Fen | null;
  fen(field: string, required = false, opts: { min?: number } = {}): Fen | null {
    if (!this.present(field)) {
      if (required) this.issue(field, 'required');
      return required ? 0 : null;
    }
    const v = this.obj[field];
    if (this.notes && typeof v === 'string' && padded(v)) this.note(field, 'blanks around number');
    const r = parseYuan(v);
    if ('reason' in r) {
      this.issue(field, r.reason, this.obj[field]);
      return required ? 0 : null;
    }
    if (opts.min !== undefined && r.fen < opts.min) this.issue(field, `must be ≥ ${opts.min / 100}`, this.obj[field]);
    return r.fen;
  }

  num(field: string, required: true, opts?: { min?: number; integer?: boolean }): number;
  num(field: string, required?: false, opts?: { min?: number; integer?: boolean }): number | null;
  num(field: string, required = false, opts: { min?: number; integer?: boolean } = {}): number | null {
    if (!this.present(field)) {
      if (required) this.issue(field, 'required');
      return required ? 0 : null;
    }
    const v = this.obj[field];
    if (this.notes && typeof v === 'string' && padded(v)) this.note(field, 'blanks around number');
    const r = parseDecimal(v);
    if ('reason' in r) {
      this.issue(field, r.reason, this.obj[field]);
      return required ? 0 : null;
    }
    if (opts.min !== undefined && r.value < opts.min) this.issue(field, `must be ≥ ${opts.min}`, this.obj[field]);
    if (opts.integer && !Number.isInteger(r.value)) this.issue(field, 'must be a whole number', this.obj[field]);
    return r.value;
  }

  timestamp(field: string, required: true): Timestamp;
  timestamp(field: string, required?: false): Timestamp | null;
  timestamp(field: string, required = false): Timestamp | null {
    if (!this.present(field)) {
      if (required) this.issue(field, 'required');
      return required ? '' : null;
    }
    const r = parseTimestamp(this.obj[field]);
    if ('reason' in r) {
      this.issue(field, r.reason, this.obj[field]);
      return required ? '' : null;
    }
    if (r.form) this.note(field, r.form);
    return r.ts;
  }

  /** An end date where `9999-12-31…` means "none yet" (not discharged, not stopped): read as null and counted. */
  endTimestamp(field: string): Timestamp | null {
    const ts = this.timestamp(field);
    if (ts !== null && isOpenEndDate(ts)) {
      this.note(field, '9999-12-31 → none');
      return null;
    }
    return ts;
  }

  day(field: string, required = false): Day | null {
    if (!this.present(field)) {
      if (required) this.issue(field, 'required');
      return null;
    }
    const r = parseDay(this.obj[field]);
    if ('reason' in r) {
      this.issue(field, r.reason, this.obj[field]);
      return null;
    }
    if (r.form) this.note(field, r.form);
    return r.day;
  }

  /** A 0/1 flag; absent gives the default. */
  flag(field: string, dflt: boolean): boolean {
    if (!this.present(field)) return dflt;
    const s = String(this.obj[field]).trim();
    if (s === '1' || s === 'true') return true;
    if (s === '0' || s === 'false') return false;
    this.issue(field, 'must be 0 or 1', this.obj[field]);
    return dflt;
  }

  /** An array of records; a single object is accepted as a one-element array (HIS clients send both). */
  records(field: string, required = false): Record<string, unknown>[] {
    const v = this.obj[field];
    if (v === undefined || v === null || v === '') {
      if (required) this.issue(field, 'required');
      return [];
    }
    const arr = Array.isArray(v) ? v : [v];
    const out: Record<string, unknown>[] = [];
    arr.forEach((el, i) => {
      if (FieldReader.isRecord(el)) out.push(el);
      else this.issue(`${field}[${i}]`, 'must be an object', el);
    });
    return out;
  }

  /** A list of strings; a comma- or semicolon-separated string is accepted. */
  strings(field: string): string[] {
    const v = this.obj[field];
    if (v === undefined || v === null || v === '') return [];
    if (typeof v === 'string') return v.split(/[;,]/).map((s) => s.trim()).filter(Boolean);
    if (Array.isArray(v) && v.every((s) => typeof s === 'string' || typeof s === 'number')) return v.map((s) => String(s).trim());
    this.issue(field, 'must be a list of text values', v);
    return [];
  }

  /**
   * A code with national values and harmless variants (audit-api.md §1): `canonical` as sent; a key of `variants`
   * (e.g. '1' for '01') maps to its value; anything else — empty, null, '--', an unknown code — is read as `fallback`
   * (unknown). Variants are counted; only an absent key is silent.
   */
  lenientCode(field: string, canonical: readonly string[], variants: Readonly<Record<string, string>>, fallback = ''): string {
    const v = this.obj[field];
    if (v === undefined) return fallback;
    if (typeof v === 'string' && canonical.includes(v)) return v;
    const s = typeof v === 'string' ? trim(v) : typeof v === 'number' && Number.isFinite(v) ? String(v) : null;
    if (s !== null && canonical.includes(s)) {
      if (s !== v && typeof v === 'string') this.note(field, 'blanks');
      return s;
    }
    if (s !== null && Object.prototype.hasOwnProperty.call(variants, s)) {
      this.note(field, `${label(s)} → ${variants[s]}`);
      return variants[s];
    }
    this.note(field, `${label(v)} → unknown`);
    return fallback;
  }

  child(obj: Record<string, unknown>, prefix: string): FieldReader {
    const b = prefix.indexOf('[');
    const section = b < 0 ? prefix : prefix.slice(0, b);
    return new FieldReader(obj, this.path(prefix), this.issues, this.base, this.notes, this.notes ? (this.section ? `${this.section}.${section}` : section) : '');
  }
}
