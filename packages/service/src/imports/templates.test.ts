import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after } from 'node:test';
import ExcelJS from 'exceljs';
import { testBothBackends } from '@fundguard/store/testing.ts';
import { FundGuard } from '../fundguard.ts';
import { SYSTEM_ACTOR } from '../auth/roles.ts';
import { workbookTables } from './encounter-tables.ts';
import { importTemplate, TEMPLATE_KINDS } from './templates.ts';

const dir = mkdtempSync(join(tmpdir(), 'fg-templates-'));
after(() => rmSync(dir, { recursive: true, force: true }));

testBothBackends('every import template imports cleanly with its example row, and explains each field in Chinese', async (db) => {
  const fg = new FundGuard(db, { clock: () => new Date('2026-11-23T08:00:00Z') });
  const files: Record<string, { path: string; name: string; body: Buffer }> = {};
  for (const kind of TEMPLATE_KINDS) {
    const t = await importTemplate(kind);
    const path = join(dir, `${kind}-${Math.random().toString(36).slice(2)}.xlsx`);
    writeFileSync(path, t.body);
    files[kind] = { path, name: t.fileName, body: t.body };
    assert.match(t.fileName, /模板\.xlsx$/);
    // headers: Chinese label with the national field name; a 说明 sheet with a row per field
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load(t.body as unknown as ArrayBuffer);
    const help = wb.getWorksheet('说明')!;
    assert.ok(help.rowCount > 3, kind);
    assert.equal(help.getRow(1).getCell(3).value, '国家标准字段名');
  }
  const head = async (kind: string, sheet: number) => {
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load(files[kind].body as unknown as ArrayBuffer);
    return (wb.worksheets[sheet].getRow(1).values as unknown[]).slice(1, 3);
  };
  assert.deepEqual(await head('catalogue', 0), ['医保目录编码 (hilist_code)', '目录名称 (hilist_name)']);

  const cat = await fg.imports.importCatalogue({ path: files.catalogue.path, name: files.catalogue.name, format: 'xlsx' }, SYSTEM_ACTOR);
  assert.equal(cat.records, 1);
  const entry = await fg.ctx.catalogue.find('XB05AAR014B002010104321', '2024-06-01');
  assert.deepEqual([entry!.hilist_name, entry!.hilist_lv, entry!.price_cap, entry!.selfpay_prop], ['人血白蛋白注射液', '02', 40000, 0.1]);

  const lists = await fg.imports.importLists({ path: files.lists.path, name: files.lists.name, format: 'xlsx' }, SYSTEM_ACTOR);
  assert.equal(lists.records, 1);

  const enc = await fg.imports.importEncounters(workbookTables(files.encounters.path, files.encounters.name), SYSTEM_ACTOR);
  assert.deepEqual([enc.records, enc.inserted], [1, 1]);
  const stored = await fg.ctx.encounters.get('ZY2024031000123');
  assert.equal(stored!.encounter.fsi_order_dtos[0].sumamt, 77000);
  assert.equal(stored!.encounter.fsi_diagnose_dtos[0].dise_codg, 'K74.600');
  assert.equal(stored!.patient.patn_name, '张三');

  const pol = await fg.settlements.importPolicyFile(SYSTEM_ACTOR, files.policies.body, files.policies.name);
  assert.equal(pol.created, 1, 'the 说明 sheet is not a policy set');
});
