import { test } from 'node:test';
import assert from 'node:assert/strict';
import ExcelJS from 'exceljs';
import { newCase, replay, type CaseEvent } from '@fundguard/core';
import type { FindingRow } from '@fundguard/store';
import { buildNotice, noticePdf, noticeXlsx, pdfFont } from './deduction-notice.ts';
import { findingsTable, toCsv, toXlsx } from './tables.ts';

const finding = (id: string, amount: number): FindingRow => ({
  id, run_id: 1, pack: 'national-sample', pack_version: '2024.1', rule_id: `R-${id}`, rule_name: '人血白蛋白限定支付范围', category: 'INDICATION', severity: 'violation',
  appealable: true, patn_id: '610104195801011234', mdtrt_id: `ZY-${id}`, medins_id: 'H1', dept_codg: '0303', dr_codg: 'D1', month: '2024-03', amount_fen: amount, result: {}, case_id: 'CASE-H1-2024-03-R1',
});
const at = (h: number) => new Date(Date.parse('2024-04-01T00:00:00Z') + h * 3600_000).toISOString();
const decided = replay(newCase('H1', [{ id: 'A', rule_id: 'R-A', severity: 'violation', appealable: true, amount: 77000 }, { id: 'B', rule_id: 'R-B', severity: 'violation', appealable: true, amount: 11650 }]), [
  { type: 'notify', by: 'a', at: at(0) },
  { type: 'decide', by: 'a', at: at(1), finding: 'A', outcome: 'confirmed', reason: '' },
  { type: 'decide', by: 'a', at: at(1), finding: 'B', outcome: 'partial', amount: 5000, reason: '部分' },
  { type: 'approve_level', by: 'a', at: at(2) }, { type: 'approve_level', by: 'b', at: at(3) }, { type: 'approve_level', by: 'c', at: at(4) },
] as CaseEvent[]);

test('findings export: Chinese headers; CSV carries a BOM for Excel', async () => {
  const t = findingsTable([finding('A', 77000)], { institutions: { H1: '示例市第一人民医院' }, departments: { '0303': '心血管内科' } });
  const csv = toCsv(t);
  assert.deepEqual([...csv.subarray(0, 3)], [0xef, 0xbb, 0xbf]);
  const text = csv.subarray(3).toString('utf8');
  assert.match(text.split('\r\n')[0], /^审核单号,规则编号,规则名称,违规类型,严重程度.*,定点机构名称,科室名称$/);
  // names beside the codes, the category and severity in Chinese
  assert.match(text.split('\r\n')[1], /,限定支付范围,明确违规,H1,.*,770\.00,national-sample@2024\.1,示例市第一人民医院,心血管内科$/);
  // a code the dictionary does not name leaves the name empty (never a wrong name)
  assert.match(toCsv(findingsTable([finding('A', 1)])).subarray(3).toString('utf8').split('\r\n')[1], /national-sample@2024\.1,,$/);
  const wb = new ExcelJS.Workbook();
  await wb.xlsx.load((await toXlsx([t])) as unknown as ArrayBuffer);
  const ws = wb.getWorksheet('违规明细')!;
  assert.equal(ws.getRow(1).getCell(12).value, '违规金额(元)');
  assert.equal(ws.getRow(2).getCell(12).value, '770.00');
});

test('deduction notice: amounts, 大写, masked IDs; XLSX and PDF', async () => {
  const n = buildNotice({ id: 'CASE-H1-2024-03-R1', medins_id: 'H1', month: '2024-03', state: decided }, [finding('A', 77000), finding('B', 11650)], '示例市第一人民医院', at(5));
  assert.equal(n.totalFen, 82000);
  assert.deepEqual(n.lines.map((l) => [l.deducted, l.decision, l.patnId]), [[77000, '确认', '610104********1234'], [5000, '部分确认', '610104********1234']]);
  assert.equal(n.final, false);
  const wb = new ExcelJS.Workbook();
  await wb.xlsx.load((await noticeXlsx(n)) as unknown as ArrayBuffer);
  const ws = wb.getWorksheet('扣款通知书')!;
  assert.equal(ws.getCell('A1').value, '医疗保障基金拟扣款通知书');
  assert.match(String(ws.getCell('A3').value), /拟扣减医保基金 820\.00 元（人民币捌佰贰拾元整）/);
  let fontAvailable = true;
  try {
    pdfFont();
  } catch {
    fontAvailable = false;
  }
  if (!fontAvailable) {
    await assert.rejects(noticePdf(n), /fonts-wqy-microhei/);
    return;
  }
  const pdf = await noticePdf(n);
  assert.equal(pdf.subarray(0, 5).toString(), '%PDF-');
  assert.ok(pdf.length > 2000);
  assert.throws(() => buildNotice({ id: 'X', medins_id: 'H1', month: '2024-03', state: newCase('H1', []) }, [], '', at(0)), /尚未作出决定/);
});

test('CSV export: text a spreadsheet would run as a formula is prefixed with a quote (OWASP CSV injection); plain numbers stay numbers', () => {
  const t = { sheet: 's', columns: [{ header: 'a', key: 'a' }], rows: ['=HYPERLINK("http://x")', '+1+1', '-1+1', '@SUM(A1)', '\tx', '\rx', '-12.50', '12', 'ok', '张三=1'].map((a) => ({ a })) };
  const lines = toCsv(t).subarray(3).toString('utf8').split('\r\n');
  assert.deepEqual(lines.slice(1, -1).slice(0, 5), ['"\'=HYPERLINK(""http://x"")"', "'+1+1", "'-1+1", "'@SUM(A1)", "'\tx"]);
  assert.equal(lines.slice(1).join('\r\n').includes('"\'\rx"'), true);
  assert.deepEqual(lines.slice(-5, -1), ['-12.50', '12', 'ok', '张三=1']);
});
