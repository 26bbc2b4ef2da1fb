import { loadExcel } from '../lazy-modules.ts';
import { checkXlsx, xlsxLimits } from './zip-guard.ts';
import { FundGuardError, type FieldIssue } from '@fundguard/core';
import { readTextLines } from './lines.ts';

export type TabularFormat = 'csv' | 'xlsx' | 'jsonl';

/** One record of an import file with where it came from. `record` is null when the line itself is broken. */
export interface SourceRecord {
  line: number;
  record: Record<string, unknown> | null;
  /** why the line could not become a record (cut off, bad JSON, wrong field count) */
  problem?: FieldIssue;
  /** bytes of the file read up to this record, where the reader knows it (progress) */
  end?: number;
}

export interface ColumnSpec {
  /** every column the format knows; others are an error in tabular files (they would be silently dropped) */
  known: readonly string[];
  required: readonly string[];
  /** JSONL objects may carry fields the format does not know (national objects have many) */
  allowUnknownInJson?: boolean;
  /** tabular files may carry extra columns (national exports have many); they are ignored, as in JSON */
  allowUnknownColumns?: boolean;
}

export function formatFromName(name: string, contentType?: string): TabularFormat | null {
  const ct = (contentType ?? '').split(';')[0].trim().toLowerCase();
  if (ct === 'text/csv') return 'csv';
  if (ct === 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet') return 'xlsx';
  if (ct === 'application/x-ndjson' || ct === 'application/jsonl' || ct === 'application/json-lines') return 'jsonl';
  const lower = name.toLowerCase();
  if (lower.endsWith('.csv')) return 'csv';
  if (lower.endsWith('.xlsx')) return 'xlsx';
  if (lower.endsWith('.jsonl') || lower.endsWith('.ndjson')) return 'jsonl';
  return null;
}

/**
 * A header cell may carry a Chinese label before the national field name in brackets, as the import templates write
 * them (`医保目录编码 (hilist_code)`, `医保目录编码（hilist_code）`); the field name in the brackets is the column.
 */
export function headerName(cell: string): string {
  const t = cell.trim();
  const m = /[(（]\s*([A-Za-z_][A-Za-z0-9_]*)\s*[)）]$/.exec(t);
  return m ? m[1] : t;
}

function headerError(fileName: string, issues: FieldIssue[]): FundGuardError {
  return new FundGuardError('E_IMPORT_INVALID', `${fileName}: ${issues.map((i) => `${i.field}: ${i.reason}`).join('; ')}`, issues);
}

function checkHeader(fileName: string, header: string[], spec: ColumnSpec, line: number): void {
  const issues: FieldIssue[] = [];
  const seen = new Set<string>();
  header.forEach((h, i) => {
    if (h === '') issues.push({ file: fileName, line, field: `(column ${i + 1})`, reason: 'empty column name' });
    else if (seen.has(h)) issues.push({ file: fileName, line, field: h, reason: 'column appears twice' });
    else if (!spec.allowUnknownColumns && !spec.known.includes(h)) issues.push({ file: fileName, line, field: h, reason: `unknown column (known: ${spec.known.join(', ')})` });
    seen.add(h);
  });
  for (const r of spec.required) if (!seen.has(r)) issues.push({ file: fileName, line, field: r, reason: 'required column missing from the header' });
  if (issues.length) throw headerError(fileName, issues);
}

const emptyFile = (fileName: string) =>
  new FundGuardError('E_IMPORT_INVALID', `${fileName}: the file is empty (no header row, no records)`, [{ file: fileName, field: '(file)', reason: 'empty file' }]);

/** Streams CSV records (header row first) with line numbers; GBK and UTF-8 are detected per readTextLines. */
export async function* readCsv(path: string, fileName: string, spec: ColumnSpec): AsyncGenerator<SourceRecord> {
  let header: string[] | null = null;
  let pending = '';
  let pendingStart = 0;
  for await (const { line, text, end } of readTextLines(path, fileName)) {
    if (header === null) {
      if (text.trim() === '') continue;
      header = parseCsvLine(text, fileName, line).map(headerName);
      checkHeader(fileName, header, spec, line);
      continue;
    }
    if (pending === '' && text.trim() === '') continue;
    pending = pending ? `${pending}\n${text}` : text;
    if (pending === text) pendingStart = line;
    // A quoted field may span lines: wait until the quotes balance.
    if (countQuotes(pending) % 2 === 1) continue;
    const fields = parseCsvLine(pending, fileName, pendingStart);
    pending = '';
    if (fields.length !== header.length) {
      yield {
        line: pendingStart,
        record: null,
        problem: { file: fileName, line: pendingStart, field: '(row)', value: fields.length, reason: `row has ${fields.length} fields but the header has ${header.length}${fields.length < header.length ? ' (row cut off?)' : ''}` },
      };
      continue;
    }
    const rec: Record<string, unknown> = {};
    header.forEach((h, i) => (rec[h] = fields[i]));
    yield { line: pendingStart, record: rec, end };
  }
  if (pending) {
    yield { line: pendingStart, record: null, problem: { file: fileName, line: pendingStart, field: '(row)', reason: 'unterminated quoted field at end of file (file cut off?)' } };
  }
  if (header === null) throw emptyFile(fileName);
}

function countQuotes(s: string): number {
  let n = 0;
  for (let i = 0; i < s.length; i++) if (s.charCodeAt(i) === 34) n++;
  return n;
}

/**
 * Splits one CSV record (RFC 4180: comma-separated, `"` quotes, `""` for a quote inside quotes, newlines allowed
 * inside quotes). Hand-written because a general parser per record was the import's bottleneck (6 s per 200 000 rows).
 */
export function parseCsvLine(text: string, fileName: string, line: number): string[] {
  const fields: string[] = [];
  let i = 0;
  const n = text.length;
  for (;;) {
    if (i < n && text.charCodeAt(i) === 34) {
      let value = '';
      let j = i + 1;
      for (;;) {
        const q = text.indexOf('"', j);
        if (q === -1) throw new FundGuardError('E_IMPORT_INVALID', `${fileName} line ${line}: unterminated quoted field`, [{ file: fileName, line, field: '(row)', reason: 'unterminated quoted field' }]);
        value += text.slice(j, q);
        if (text.charCodeAt(q + 1) === 34) {
          value += '"';
          j = q + 2;
          continue;
        }
        i = q + 1;
        break;
      }
      if (i < n && text.charCodeAt(i) !== 44) {
        throw new FundGuardError('E_IMPORT_INVALID', `${fileName} line ${line}: text after a closing quote`, [{ file: fileName, line, field: '(row)', value: text.slice(0, 80), reason: 'text after a closing quote' }]);
      }
      fields.push(value);
    } else {
      const c = text.indexOf(',', i);
      const end = c === -1 ? n : c;
      fields.push(text.slice(i, end));
      i = end;
    }
    if (i >= n) break;
    i++; // the comma
    if (i === n) {
      fields.push('');
      break;
    }
  }
  return fields;
}

/** Streams JSON Lines records; a line that is not a JSON object is reported, not skipped. */
export async function* readJsonl(path: string, fileName: string, spec: ColumnSpec): AsyncGenerator<SourceRecord> {
  let any = false;
  for await (const { line, text, end } of readTextLines(path, fileName)) {
    if (text.trim() === '') continue;
    any = true;
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (e) {
      yield { line, record: null, problem: { file: fileName, line, field: '(line)', reason: `not valid JSON (${(e as Error).message}); line cut off?` } };
      continue;
    }
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      yield { line, record: null, problem: { file: fileName, line, field: '(line)', reason: 'must be a JSON object' } };
      continue;
    }
    const rec = value as Record<string, unknown>;
    if (!spec.allowUnknownInJson) {
      const unknown = Object.keys(rec).filter((k) => !spec.known.includes(k));
      if (unknown.length) {
        yield { line, record: null, problem: { file: fileName, line, field: unknown.join(','), reason: `unknown field(s) (known: ${spec.known.join(', ')})` } };
        continue;
      }
    }
    yield { line, record: rec, end };
  }
  if (!any) throw emptyFile(fileName);
}

/**
 * Streams the rows of one sheet of an XLSX workbook (the first sheet when `sheet` is undefined).
 * Cells are read as text as displayed in the sheet so codes keep leading zeros; numbers and dates are converted
 * to their plain text form.
 */
export async function* readXlsx(path: string, fileName: string, spec: ColumnSpec, sheet?: string): AsyncGenerator<SourceRecord> {
  const limits = xlsxLimits();
  checkXlsx(path, fileName, limits);
  const ExcelJS = await loadExcel();
  const reader = new ExcelJS.stream.xlsx.WorkbookReader(path, { sharedStrings: 'cache', worksheets: 'emit', styles: 'cache', hyperlinks: 'ignore', entries: 'ignore' });
  const seenSheets: string[] = [];
  let found = false;
  try {
    for await (const ws of reader) {
      const name = (ws as unknown as { name: string }).name;
      seenSheets.push(name);
      if (found || (sheet !== undefined && name !== sheet)) {
        for await (const _ of ws) void _; // drain: the reader must pass over sheets it does not need
        continue;
      }
      found = true;
      let header: string[] | null = null;
      for await (const row of ws) {
        if (row.number > limits.maxRows) {
          throw new FundGuardError('E_TOO_LARGE', `${fileName}[${name}]: more than ${limits.maxRows} rows (FUNDGUARD_XLSX_MAX_ROWS); nothing imported`, [{ file: `${fileName}[${name}]`, line: row.number, field: '(file)', reason: `more than ${limits.maxRows} rows` }]);
        }
        const values = (row.values as unknown[]).slice(1).map(cellText);
        if (header === null) {
          if (values.every((v) => v === '')) continue;
          header = values.map(headerName);
          while (header.length && header[header.length - 1] === '') header.pop();
          checkHeader(`${fileName}[${name}]`, header, spec, row.number);
          continue;
        }
        if (values.every((v) => v === '')) continue;
        if (values.length > header.length && values.slice(header.length).some((v) => v !== '')) {
          yield { line: row.number, record: null, problem: { file: `${fileName}[${name}]`, line: row.number, field: '(row)', reason: `row has values beyond the ${header.length} header columns` } };
          continue;
        }
        const rec: Record<string, unknown> = {};
        header.forEach((h, i) => (rec[h] = values[i] ?? ''));
        yield { line: row.number, record: rec };
      }
      if (header === null) throw emptyFile(`${fileName}[${name}]`);
    }
  } catch (e) {
    if (e instanceof FundGuardError) throw e;
    throw new FundGuardError('E_IMPORT_INVALID', `${fileName}: not a readable XLSX workbook (${(e as Error).message})`, [{ file: fileName, field: '(file)', reason: `not a readable XLSX workbook: ${(e as Error).message}` }]);
  }
  if (!found) {
    const want = sheet ? `sheet "${sheet}"` : 'a worksheet';
    throw new FundGuardError('E_IMPORT_INVALID', `${fileName}: the workbook has no ${want} (sheets: ${seenSheets.join(', ') || 'none'})`, [{ file: fileName, field: '(sheet)', value: sheet, reason: `missing ${want}` }]);
  }
}

function cellText(v: unknown): string {
  if (v === null || v === undefined) return '';
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  if (v instanceof Date) {
    // Excel dates carry no zone; exceljs gives them as UTC.
    const iso = v.toISOString();
    return iso.endsWith('T00:00:00.000Z') ? iso.slice(0, 10) : `${iso.slice(0, 10)} ${iso.slice(11, 19)}`;
  }
  if (typeof v === 'object') {
    const o = v as { text?: unknown; result?: unknown; richText?: { text: string }[] };
    if (o.richText) return o.richText.map((t) => t.text).join('');
    if (o.text !== undefined) return String(o.text);
    if (o.result !== undefined) return cellText(o.result);
  }
  return String(v);
}

export function readRecords(format: TabularFormat, path: string, fileName: string, spec: ColumnSpec, sheet?: string): AsyncGenerator<SourceRecord> {
  switch (format) {
    case 'csv':
      return readCsv(path, fileName, spec);
    case 'jsonl':
      return readJsonl(path, fileName, spec);
    case 'xlsx':
      return readXlsx(path, fileName, spec, sheet);
  }
}
