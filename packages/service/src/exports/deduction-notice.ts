import { existsSync } from 'node:fs';
import { loadExcel, loadPdfkit } from '../lazy-modules.ts';
import { chineseUppercaseAmount, fenToYuan, findingDeduction, FundGuardError, formatYuan, maskIdNumber, type CaseState } from '@fundguard/core';
import type { FindingRow } from '@fundguard/store';

/** What a 扣款通知书 says: the institution, the month, each deducted finding and the total. */
export interface DeductionNotice {
  caseId: string;
  medinsId: string;
  medinsName: string;
  month: string;
  issuedAt: string;
  appealDeadline: string | null;
  final: boolean;
  lines: { rule: string; mdtrtId: string; patnId: string; proposed: number; deducted: number; decision: string }[];
  totalFen: number;
}

const OUTCOME_ZH: Record<string, string> = { confirmed: '确认', rejected: '不予扣款', partial: '部分确认', upheld: '申诉维持', overturned: '申诉撤销' };

export function buildNotice(c: { id: string; medins_id: string; month: string; state: CaseState }, findings: readonly FindingRow[], medinsName: string, issuedAt: string): DeductionNotice {
  if (!['decided', 'appealed', 'appeal_review', 'panel_review', 'final', 'closed'].includes(c.state.status)) {
    throw new FundGuardError('E_ILLEGAL_TRANSITION', `审核单 ${c.id} 尚未作出决定 (status ${c.state.status}): no deduction notice yet`);
  }
  const byId = new Map(findings.map((f) => [f.id, f]));
  const lines = c.state.findings.filter((f) => f.severity !== 'reminder').map((f) => {
    const row = byId.get(f.id);
    const last = f.appealResult?.outcome ?? f.decision?.outcome ?? '';
    return {
      rule: row ? `${row.rule_id} ${row.rule_name}` : f.rule_id, mdtrtId: row?.mdtrt_id ?? '', patnId: maskIdNumber(row?.patn_id ?? ''),
      proposed: f.amount, deducted: findingDeduction(f), decision: OUTCOME_ZH[last] ?? last,
    };
  });
  return {
    caseId: c.id, medinsId: c.medins_id, medinsName, month: c.month, issuedAt, appealDeadline: c.state.deadlines.appeal,
    final: ['final', 'closed'].includes(c.state.status), lines, totalFen: lines.reduce((s, l) => s + l.deducted, 0),
  };
}


const title = (n: DeductionNotice) => `医疗保障基金${n.final ? '' : '拟'}扣款通知书`;
const body = (n: DeductionNotice) =>
  `${n.medinsName || n.medinsId}：经智能审核及人工复核，贵单位 ${n.month} 月结算费用中下列项目不符合医疗保障基金支付规定，` +
  `${n.final ? '核定' : '拟'}扣减医保基金 ${formatYuan(n.totalFen)} 元（${chineseUppercaseAmount(n.totalFen)}）。` +
  (n.final ? '本决定为终审结果。' : `如有异议，请于 ${n.appealDeadline?.slice(0, 10) ?? '规定期限'} 前提交申诉及相关证明材料，逾期视为无异议。`);

/**
 * The notice as data for a page that prints it (the console's A4 print view): the same title, text, lines and
 * totals as the XLSX and PDF, amounts in yuan, the total also in Chinese capitals.
 */
export function noticeView(n: DeductionNotice) {
  return {
    title: title(n), text: body(n), case_id: n.caseId, medins_id: n.medinsId, medins_name: n.medinsName, month: n.month,
    issued_at: n.issuedAt, appeal_deadline: n.appealDeadline, final: n.final,
    lines: n.lines.map((l, i) => ({ no: i + 1, rule: l.rule, mdtrt_id: l.mdtrtId, patn_id: l.patnId, proposed: fenToYuan(l.proposed), deducted: fenToYuan(l.deducted), decision: l.decision })),
    total: fenToYuan(n.totalFen), total_upper: chineseUppercaseAmount(n.totalFen),
  };
}

export async function noticeXlsx(n: DeductionNotice): Promise<Buffer> {
  const ExcelJS = await loadExcel();
  const wb = new ExcelJS.Workbook();
  const ws = wb.addWorksheet('扣款通知书');
  ws.columns = [{ width: 6 }, { width: 34 }, { width: 22 }, { width: 24 }, { width: 14 }, { width: 14 }, { width: 12 }];
  ws.mergeCells('A1:G1');
  ws.getCell('A1').value = title(n);
  ws.getCell('A1').font = { bold: true, size: 16 };
  ws.getCell('A1').alignment = { horizontal: 'center' };
  ws.addRow([`审核单号：${n.caseId}`, '', '', `定点机构：${n.medinsName} (${n.medinsId})`]);
  ws.mergeCells('A3:G3');
  ws.getCell('A3').value = body(n);
  ws.getCell('A3').alignment = { wrapText: true, vertical: 'top' };
  ws.getRow(3).height = 60;
  const head = ws.addRow(['序号', '规则', '就诊ID', '参保人', '拟扣金额(元)', '核定扣款(元)', '审核结论']);
  head.font = { bold: true };
  n.lines.forEach((l, i) => ws.addRow([i + 1, l.rule, l.mdtrtId, l.patnId, formatYuan(l.proposed), formatYuan(l.deducted), l.decision]));
  ws.addRow(['', '合计', '', '', '', formatYuan(n.totalFen), '']).font = { bold: true };
  ws.addRow(['', `大写：${chineseUppercaseAmount(n.totalFen)}`]);
  ws.addRow(['', `签发日期：${n.issuedAt.slice(0, 10)}`]);
  return Buffer.from(await wb.xlsx.writeBuffer());
}

/** CJK fonts PDF can embed: FUNDGUARD_PDF_FONT, else Debian's fonts-wqy-microhei / Noto CJK when installed. */
const FONT_CANDIDATES = [
  '/usr/share/fonts/truetype/wqy/wqy-microhei.ttc',
  '/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc',
  '/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc',
];

export function pdfFont(): { path: string; family?: string } {
  const configured = process.env.FUNDGUARD_PDF_FONT;
  if (configured) return { path: configured, family: process.env.FUNDGUARD_PDF_FONT_FACE || undefined };
  const found = FONT_CANDIDATES.find((p) => existsSync(p));
  if (!found) {
    throw new FundGuardError('E_INTERNAL', 'PDF export needs a Chinese font: install fonts-wqy-microhei (apt-get install fonts-wqy-microhei) or set FUNDGUARD_PDF_FONT to a .ttf/.ttc file');
  }
  // A .ttc holds several faces: pdfkit picks one by its PostScript name.
  return { path: found, family: found.endsWith('.ttc') ? (found.includes('microhei') ? 'WenQuanYiMicroHei' : found.includes('zenhei') ? 'WenQuanYiZenHei' : 'NotoSansCJKsc-Regular') : undefined };
}

export async function noticePdf(n: DeductionNotice): Promise<Buffer> {
  const font = pdfFont();
  const PDFDocument = await loadPdfkit();
  return new Promise((resolve, reject) => {
    const doc = new PDFDocument({ size: 'A4', margin: 50, info: { Title: title(n), Author: 'FundGuard' } });
    const chunks: Buffer[] = [];
    doc.on('data', (c: Buffer) => chunks.push(c));
    doc.on('end', () => resolve(Buffer.concat(chunks)));
    doc.on('error', reject);
    doc.registerFont('cjk', font.path, font.family);
    doc.font('cjk');
    doc.fontSize(18).text(title(n), { align: 'center' }).moveDown();
    doc.fontSize(10).text(`审核单号：${n.caseId}    定点机构：${n.medinsName} (${n.medinsId})    审核月份：${n.month}`).moveDown(0.5);
    doc.fontSize(11).text(body(n), { lineGap: 4 }).moveDown();
    const cols = [30, 160, 95, 100, 60, 50];
    const headers = ['序号', '规则', '就诊ID', '参保人', '核定扣款', '结论'];
    const row = (cells: string[], bold = false) => {
      const y = doc.y;
      let x = 50;
      doc.fontSize(bold ? 10 : 9);
      // A wrapped cell makes its row taller: the next row starts below the tallest cell.
      const height = Math.max(...cells.map((c, i) => doc.heightOfString(c, { width: cols[i] - 4 })));
      cells.forEach((c, i) => {
        doc.text(c, x, y, { width: cols[i] - 4 });
        x += cols[i];
      });
      doc.x = 50;
      doc.y = y + height + 4;
    };
    row(headers, true);
    n.lines.forEach((l, i) => row([String(i + 1), l.rule, l.mdtrtId, l.patnId, formatYuan(l.deducted), l.decision]));
    doc.moveDown().fontSize(11).text(`合计：${formatYuan(n.totalFen)} 元（${chineseUppercaseAmount(n.totalFen)}）`, 50);
    doc.moveDown().text(`签发日期：${n.issuedAt.slice(0, 10)}`, { align: 'right' });
    doc.end();
  });
}
