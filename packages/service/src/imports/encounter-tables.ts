import type { FieldIssue } from '@fundguard/core';
import { readRecords, type ColumnSpec, type SourceRecord, type TabularFormat } from './records.ts';

export interface TableFile {
  path: string;
  name: string;
  format: TabularFormat;
  /** XLSX: the sheet of the workbook */
  sheet?: string;
}

/** The spreadsheet form of claims-import.md: encounters (+ patient columns), orders and diagnoses, joined by mdtrt_id. */
export interface EncounterTables {
  encounters: TableFile;
  orders: TableFile;
  diagnoses: TableFile;
}

/** Where each nested row came from, so errors can name the orders/diagnoses file and line. */
export const CHILD_ORIGIN = Symbol('childOrigin');
export type ChildOrigin = Record<'fsi_order_dtos' | 'fsi_diagnose_dtos', { file: string; line: number }[]>;

const ANY: ColumnSpec = { known: [], required: ['mdtrt_id'], allowUnknownColumns: true };

/** One workbook with the three sheets, or three CSV files. */
export function workbookTables(path: string, name: string): EncounterTables {
  return {
    encounters: { path, name, format: 'xlsx', sheet: 'encounters' },
    orders: { path, name, format: 'xlsx', sheet: 'orders' },
    diagnoses: { path, name, format: 'xlsx', sheet: 'diagnoses' },
  };
}

/**
 * Joins the three tables into import records. Orders and diagnoses are held in memory grouped by mdtrt_id
 * (spreadsheet-sized inputs); JSON Lines is the streaming path for large volumes.
 */
export async function* readEncounterTables(t: EncounterTables): AsyncGenerator<SourceRecord> {
  const label = (f: TableFile) => (f.sheet ? `${f.name}[${f.sheet}]` : f.name);
  const group = async (f: TableFile) => {
    const by = new Map<string, { line: number; rec: Record<string, unknown> }[]>();
    const problems: SourceRecord[] = [];
    for await (const src of readRecords(f.format, f.path, f.name, ANY, f.sheet)) {
      if (!src.record) {
        problems.push(src);
        continue;
      }
      const id = String(src.record.mdtrt_id ?? '').trim();
      const { mdtrt_id: _id, ...rest } = src.record;
      if (!id) {
        problems.push({ line: src.line, record: null, problem: { file: label(f), line: src.line, field: 'mdtrt_id', reason: 'required' } });
        continue;
      }
      let list = by.get(id);
      if (!list) by.set(id, (list = []));
      list.push({ line: src.line, rec: rest });
    }
    return { by, problems };
  };
  const orders = await group(t.orders);
  const diagnoses = await group(t.diagnoses);
  yield* orders.problems;
  yield* diagnoses.problems;
  for await (const src of readRecords(t.encounters.format, t.encounters.path, t.encounters.name, ANY, t.encounters.sheet)) {
    if (!src.record) {
      yield src;
      continue;
    }
    const id = String(src.record.mdtrt_id ?? '').trim();
    const o = orders.by.get(id) ?? [];
    const d = diagnoses.by.get(id) ?? [];
    orders.by.delete(id);
    diagnoses.by.delete(id);
    const rec: Record<string, unknown> = {
      ...src.record,
      ext_flags: src.record.ext_flags ?? '',
      fsi_order_dtos: o.map((x) => x.rec),
      fsi_diagnose_dtos: d.map((x) => x.rec),
    };
    const origin: ChildOrigin = {
      fsi_order_dtos: o.map((x) => ({ file: label(t.orders), line: x.line })),
      fsi_diagnose_dtos: d.map((x) => ({ file: label(t.diagnoses), line: x.line })),
    };
    Object.defineProperty(rec, CHILD_ORIGIN, { value: origin, enumerable: false });
    yield { line: src.line, record: rec };
  }
  for (const [name, table, file] of [['orders', orders, t.orders], ['diagnoses', diagnoses, t.diagnoses]] as const) {
    for (const [id, rows] of table.by) {
      for (const r of rows) {
        yield { line: r.line, record: null, problem: { file: label(file), line: r.line, field: 'mdtrt_id', value: id, reason: `no encounter with this mdtrt_id in ${label(t.encounters)} (${name} row has no parent)` } };
      }
    }
  }
}

/** Re-points an issue about `fsi_order_dtos[i].x` to the orders file and line it came from. */
export function relocateChildIssue(rec: Record<string, unknown>, issue: FieldIssue): FieldIssue {
  const origin = (rec as { [CHILD_ORIGIN]?: ChildOrigin })[CHILD_ORIGIN];
  if (!origin) return issue;
  const m = /^(fsi_order_dtos|fsi_diagnose_dtos)\[(\d+)\]\.?(.*)$/.exec(issue.field);
  if (!m) return issue;
  const at = origin[m[1] as keyof ChildOrigin][Number(m[2])];
  return at ? { ...issue, file: at.file, line: at.line, field: m[3] || '(row)' } : issue;
}
