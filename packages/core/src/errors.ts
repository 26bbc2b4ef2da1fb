/** Typed errors with stable codes; the API maps each code to an HTTP status once (api/src/errors.ts). */
export type ErrorCode =
  | 'E_FIELD_REQUIRED'
  | 'E_FIELD_INVALID'
  | 'E_INPUT_INVALID'
  | 'E_IMPORT_INVALID'
  | 'E_ENCODING'
  | 'E_PACK_INVALID'
  | 'E_NOT_FOUND'
  | 'E_CONFLICT'
  | 'E_UNAUTHORIZED'
  | 'E_FORBIDDEN'
  | 'E_LOCKED'
  | 'E_TOO_LARGE'
  | 'E_ILLEGAL_TRANSITION'
  | 'E_UNAVAILABLE'
  | 'E_INTERNAL'
  | 'E_CONFIG_INVALID'
  | 'E_ACCOUNT_LOCKED'
  | 'E_TOO_MANY_ATTEMPTS'
  | 'E_PASSWORD_POLICY'
  | 'E_PASSWORD_CHANGE_REQUIRED';

/** One problem with one value of one record: enough for a person to find and fix it. */
export interface FieldIssue {
  /** file name, when the record came from a file */
  file?: string;
  /** 1-based line (CSV/JSONL line, or XLSX row) */
  line?: number;
  /** the record's identity, e.g. `mdtrt_id=ZY001` or `hilist_code=X01` */
  record?: string;
  /** field path inside the record, e.g. `fsi_order_dtos[2].cnt` */
  field: string;
  value?: unknown;
  reason: string;
}

export class FundGuardError extends Error {
  readonly code: ErrorCode;
  readonly issues: FieldIssue[];
  /** total number of issues found, when `issues` was capped */
  readonly total: number;
  /** throttling and lockouts: seconds until the caller may try again (the API sends it as Retry-After) */
  retryAfterS?: number;

  constructor(code: ErrorCode, message: string, issues: FieldIssue[] = [], total?: number) {
    super(message);
    this.name = 'FundGuardError';
    this.code = code;
    this.issues = issues;
    this.total = total ?? issues.length;
  }
}

export function isFundGuardError(e: unknown): e is FundGuardError {
  return e instanceof FundGuardError;
}

/** Renders an issue on one line, Chinese-first readers still get the field names verbatim. */
export function formatIssue(i: FieldIssue): string {
  const where = [i.file, i.line !== undefined ? `line ${i.line}` : undefined, i.record].filter(Boolean).join(' ');
  const value = i.value === undefined ? '' : ` (value ${JSON.stringify(i.value)})`;
  return `${where ? where + ': ' : ''}${i.field}: ${i.reason}${value}`;
}

/** Collects issues up to a cap while counting all of them: error reports list the first 100 plus the total. */
export class IssueList {
  readonly items: FieldIssue[] = [];
  count = 0;
  constructor(readonly cap = 100) {}
  add(issue: FieldIssue): void {
    this.count++;
    if (this.items.length < this.cap) this.items.push(issue);
  }
  addAll(issues: readonly FieldIssue[]): void {
    for (const i of issues) this.add(i);
  }
  get empty(): boolean {
    return this.count === 0;
  }
  toError(code: ErrorCode, what: string): FundGuardError {
    const head = this.items.slice(0, 3).map(formatIssue).join('; ');
    return new FundGuardError(code, `${what}: ${this.count} error(s); ${head}${this.count > 3 ? '; …' : ''}`, this.items, this.count);
  }
}
