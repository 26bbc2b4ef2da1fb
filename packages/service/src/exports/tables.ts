import { loadExcel } from '../lazy-modules.ts';
import { formatYuan } from '@fundguard/core';
import type { FindingRow } from '@fundguard/store';
import type { CaseView } from '../cases/case-service.ts';
import { CODE_TABLES, type Dictionary } from '../dictionary.ts';

/** A table for export: Chinese headers (people in this field read Chinese first) and plain cell values. */
export interface ExportTable {
  sheet: string;
  columns: { header: string; key: string; width?: number }[];
  rows: Record<string, string | number | null>[];
}

const SEVERITY_ZH: Record<string, string> = { violation: '明确违规', suspicious: '可疑', reminder: '提醒' };
const STATUS_ZH: Record<string, string> = {
  draft: '待发送', awaiting_explanation: '待医院说明', in_review: '审核中', decided: '已决定（申诉期）', appealed: '已申诉',
  appeal_review: '申诉复核中', panel_review: '专家组评议中', final: '已终审', closed: '已结案',
};

/** Names for the codes of an export (the dictionary: packages/service/src/dictionary.ts); a code without a name stays a code. */
const named = (m: Record<string, string> | undefined, code: string | null | undefined) => (code ? m?.[code] ?? '' : '');
const categoryZh = (c: string) => CODE_TABLES.category[c]?.[0] ?? c;

/**
 * Findings with names beside the codes: the institution and department by name, the category and severity in
 * Chinese. The codes stay (people look them up), the names are what they read.
 */
export function findingsTable(rows: readonly FindingRow[], names: Dictionary = {}): ExportTable {
  return {
    sheet: '违规明细',
    columns: [
      { header: '审核单号', key: 'case_id', width: 26 }, { header: '规则编号', key: 'rule_id', width: 18 }, { header: '规则名称', key: 'rule_name', width: 28 },
      { header: '违规类型', key: 'category', width: 16 }, { header: '严重程度', key: 'severity', width: 10 }, { header: '定点机构编码', key: 'medins_id', width: 16 },
      { header: '科室编码', key: 'dept_codg', width: 10 }, { header: '医师编码', key: 'dr_codg', width: 10 }, { header: '参保人编号', key: 'patn_id', width: 22 },
      { header: '就诊ID', key: 'mdtrt_id', width: 20 }, { header: '月份', key: 'month', width: 9 }, { header: '违规金额(元)', key: 'amount', width: 14 },
      { header: '规则包版本', key: 'pack', width: 22 },
      { header: '定点机构名称', key: 'medins_name', width: 26 }, { header: '科室名称', key: 'dept_name', width: 14 }
    ],
    rows: rows.map((f) => ({
      case_id: f.case_id ?? '', rule_id: f.rule_id, rule_name: f.rule_name, category: categoryZh(f.category), severity: SEVERITY_ZH[f.severity] ?? f.severity,
      medins_id: f.medins_id, dept_codg: f.dept_codg, dr_codg: f.dr_codg, patn_id: f.patn_id, mdtrt_id: f.mdtrt_id, month: f.month,
      amount: formatYuan(f.amount_fen), pack: `${f.pack}@${f.pack_version}`,
      medins_name: named(names.institutions, f.medins_id), dept_name: named(names.departments, f.dept_codg)
    })),
  };
}

export function casesTable(rows: readonly CaseView[], names: Dictionary = {}): ExportTable {
  return {
    sheet: '审核单',
    columns: [
      { header: '审核单号', key: 'id', width: 26 }, { header: '定点机构编码', key: 'medins_id', width: 16 }, { header: '月份', key: 'month', width: 9 },
      { header: '状态', key: 'status', width: 16 }, { header: '审核级别', key: 'level', width: 8 }, { header: '疑点条数', key: 'finding_count', width: 8 },
      { header: '拟扣金额(元)', key: 'proposed', width: 14 }, { header: '核定扣款(元)', key: 'deduction', width: 14 }, { header: '风险分', key: 'risk', width: 10 },
      { header: '当前时限', key: 'due_at', width: 22 }, { header: '定点机构名称', key: 'medins_name', width: 26 },
    ],
    rows: rows.map((c) => ({
      id: c.id, medins_id: c.medins_id, medins_name: named(names.institutions, c.medins_id), month: c.month, status: STATUS_ZH[c.status] ?? c.status, level: c.level, finding_count: c.finding_count,
      proposed: c.proposed.toFixed(2), deduction: c.deduction === null ? '' : c.deduction.toFixed(2), risk: c.risk, due_at: c.due_at ?? '',
    })),
  };
}

/**
 * One CSV cell. Text that a spreadsheet would read as a formula (it begins with = + - @, a tab or a CR: OWASP CSV
 * injection) is prefixed with a quote; plain numbers (a negative amount) are left as they are.
 */
export const csvCell = (v: string | number | null) => {
  let s = v === null ? '' : String(v);
  if (typeof v === 'string' && /^[=+\-@\t\r]/.test(s) && !/^-?\d+(\.\d+)?$/.test(s)) s = `'${s}`;
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
};

/** CSV with a UTF-8 byte-order mark so that Excel on Chinese Windows opens it without garbling. */
export function toCsv(t: ExportTable): Buffer {
  const lines = [t.columns.map((c) => csvCell(c.header)).join(','), ...t.rows.map((r) => t.columns.map((c) => csvCell(r[c.key] ?? null)).join(','))];
  return Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(lines.join('\r\n') + '\r\n', 'utf8')]);
}

export async function toXlsx(tables: readonly ExportTable[]): Promise<Buffer> {
  const ExcelJS = await loadExcel();
  const wb = new ExcelJS.Workbook();
  wb.creator = 'FundGuard';
  for (const t of tables) {
    const ws = wb.addWorksheet(t.sheet);
    ws.columns = t.columns.map((c) => ({ header: c.header, key: c.key, width: c.width ?? 14 }));
    ws.getRow(1).font = { bold: true };
    for (const r of t.rows) ws.addRow(r);
  }
  return Buffer.from(await wb.xlsx.writeBuffer());
}
