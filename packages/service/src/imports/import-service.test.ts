import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after } from 'node:test';
import iconv from 'iconv-lite';
import ExcelJS from 'exceljs';
import { FundGuardError } from '@fundguard/core';
import { testBothBackends } from '@fundguard/store/testing.ts';
import type { Database } from '@fundguard/store';
import { sql } from 'drizzle-orm';
import { ServiceContext } from '../context.ts';
import { ImportService, type ImportFile } from './import-service.ts';
import { workbookTables } from './encounter-tables.ts';
import type { Actor } from '../auth/roles.ts';

const dir = mkdtempSync(join(tmpdir(), 'fg-import-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const admin: Actor = { id: 'admin', role: 'admin' };
const clock = () => new Date('2026-11-23T08:00:00Z');

function file(name: string, content: string | Buffer): ImportFile {
  const path = join(dir, `${Math.random().toString(36).slice(2)}-${name}`);
  writeFileSync(path, content);
  const format = name.endsWith('.csv') ? 'csv' : name.endsWith('.xlsx') ? 'xlsx' : 'jsonl';
  return { path, name, format };
}

const HEADER = 'hilist_code,hilist_name,hilist_type,hilist_lv,selfpay_prop,price_cap,unit,group_codes,effective_from';
const GOOD_ROWS = [
  'XB05AAR014B002010104321,人血白蛋白注射液,101,02,0.1,400.00,瓶,HUMAN_ALBUMIN,2024-01-01',
  '320600001,全脑动脉造影,201,01,,,次,,',
  'C14010101,导丝,301,02,0.2,252,根,GUIDE_WIRE;WIRES,',
];

async function rejects(db: Database, p: Promise<unknown>, check: (e: FundGuardError) => void): Promise<void> {
  await assert.rejects(p, (e: unknown) => {
    assert.ok(e instanceof FundGuardError, `expected FundGuardError, got ${String(e)}`);
    check(e);
    return true;
  });
  const ctx = new ServiceContext(db);
  assert.equal(await ctx.catalogue.count(), 0, 'a rejected import changes nothing');
  assert.equal(await ctx.encounters.count(), 0, 'a rejected import changes nothing');
}

testBothBackends('catalogue CSV imports in one go and is logged', async (db) => {
  const ctx = new ServiceContext(db, clock);
  const svc = new ImportService(ctx);
  const r = await svc.importCatalogue(file('cat.csv', [HEADER, ...GOOD_ROWS].join('\r\n') + '\r\n'), admin);
  assert.equal(r.records, 3);
  assert.equal(r.inserted, 3);
  const alb = await ctx.catalogue.find('XB05AAR014B002010104321', '2024-03-15');
  assert.equal(alb!.hilist_name, '人血白蛋白注射液');
  assert.equal(alb!.price_cap, 40000);
  assert.equal(await ctx.catalogue.find('XB05AAR014B002010104321', '2023-12-31'), null);
  assert.deepEqual((await ctx.catalogue.groups()).get('GUIDE_WIRE'), ['C14010101']);
  const log = await ctx.auditLog.list();
  assert.equal(log.at(-1)!.action, 'catalogue.import');
  assert.equal((await ctx.auditLog.verify()).ok, true);
});

testBothBackends('GBK-encoded CSV is detected and decoded, not garbled', async (db) => {
  const ctx = new ServiceContext(db, clock);
  const gbk = iconv.encode([HEADER, ...GOOD_ROWS].join('\n'), 'gbk');
  await new ImportService(ctx).importCatalogue(file('gbk.csv', gbk), admin);
  assert.equal((await ctx.catalogue.find('C14010101', '2024-01-01'))!.hilist_name, '导丝');
});

testBothBackends('a file mixing UTF-8 and GBK lines is refused with the line', async (db) => {
  const ctx = new ServiceContext(db, clock);
  const mixed = Buffer.concat([Buffer.from(`${HEADER}\n${GOOD_ROWS[0]}\n`, 'utf8'), iconv.encode(`${GOOD_ROWS[2]}\n`, 'gbk')]);
  await rejects(db, new ImportService(ctx).importCatalogue(file('mixed.csv', mixed), admin), (e) => {
    assert.equal(e.code, 'E_ENCODING');
    assert.equal(e.issues[0].line, 3);
    assert.match(e.message, /mixes encodings/);
  });
});

testBothBackends('wrong and missing header columns are named', async (db) => {
  const svc = new ImportService(new ServiceContext(db, clock));
  await rejects(db, svc.importCatalogue(file('h.csv', `hilist_cod,hilist_name,hilist_type\nX,药,101\n`), admin), (e) => {
    assert.equal(e.code, 'E_IMPORT_INVALID');
    const fields = e.issues.map((i) => i.field).sort();
    assert.deepEqual(fields, ['hilist_cod', 'hilist_code', 'hilist_lv']);
    assert.match(e.issues.find((i) => i.field === 'hilist_cod')!.reason, /unknown column/);
  });
});

testBothBackends('bad values are reported with file, line, field, value and reason; nothing is applied', async (db) => {
  const svc = new ImportService(new ServiceContext(db, clock));
  const rows = [
    HEADER,
    GOOD_ROWS[0],
    'X2,药二,101,04,,,,,', // unknown hilist_lv
    'X3,药三,101,01,,,,,2024-02-30', // bad date
    GOOD_ROWS[0], // duplicate code row
    'X4,药四,101,01,,abc,,,', // non-numeric price
    'X5,药五,101', // cut off mid-row
  ];
  await rejects(db, svc.importCatalogue(file('bad.csv', rows.join('\n')), admin), (e) => {
    assert.equal(e.total, 5);
    const byLine = Object.fromEntries(e.issues.map((i) => [i.line, i]));
    assert.deepEqual({ ...byLine[3], reason: undefined }, { file: 'bad.csv', line: 3, record: 'hilist_code=X2', field: 'hilist_lv', value: '04', reason: undefined });
    assert.match(byLine[3].reason, /one of 01, 02, 03/);
    assert.equal(byLine[4].field, 'effective_from');
    assert.equal(byLine[4].value, '2024-02-30');
    assert.match(byLine[5].reason, /duplicate of line 2/);
    assert.equal(byLine[6].field, 'price_cap');
    assert.match(byLine[7].reason, /cut off/);
  });
});

testBothBackends('empty files and 0-byte uploads are refused', async (db) => {
  const svc = new ImportService(new ServiceContext(db, clock));
  await rejects(db, svc.importCatalogue(file('zero.csv', ''), admin), (e) => assert.match(e.message, /empty/));
  await rejects(db, svc.importCatalogue(file('header-only.csv', `${HEADER}\n`), admin), (e) => assert.match(e.issues[0].reason, /no records/));
  await rejects(db, svc.importEncounters(file('zero.jsonl', ''), admin), (e) => assert.match(e.message, /empty/));
});

testBothBackends('the error report lists the first 100 errors plus the total', async (db) => {
  const svc = new ImportService(new ServiceContext(db, clock));
  const rows = [HEADER, ...Array.from({ length: 150 }, (_, i) => `C${i},名${i},101,09,,,,,`)];
  await rejects(db, svc.importCatalogue(file('many.csv', rows.join('\n')), admin), (e) => {
    assert.equal(e.issues.length, 100);
    assert.equal(e.total, 150);
  });
});

testBothBackends('catalogue XLSX imports; a workbook without the sheet is refused', async (db) => {
  const ctx = new ServiceContext(db, clock);
  const svc = new ImportService(ctx);
  const wb = new ExcelJS.Workbook();
  const ws = wb.addWorksheet('目录');
  ws.addRow(HEADER.split(','));
  for (const r of GOOD_ROWS) ws.addRow(r.split(','));
  const path = join(dir, 'cat.xlsx');
  await wb.xlsx.writeFile(path);
  const r = await svc.importCatalogue({ path, name: 'cat.xlsx', format: 'xlsx' }, admin);
  assert.equal(r.records, 3);
  assert.equal((await ctx.catalogue.find('320600001', '2024-01-01'))!.hilist_name, '全脑动脉造影');
  // An encounters workbook needs three sheets.
  await assert.rejects(svc.importEncounters(workbookTables(path, 'cat.xlsx'), admin), (e: FundGuardError) => {
    assert.equal(e.code, 'E_IMPORT_INVALID');
    assert.match(e.message, /no sheet "orders"/);
    return true;
  });
});

const example = JSON.parse(readFileSync(new URL('../../../../../shared/examples/3101-request-envelope.json', import.meta.url), 'utf8'));
const { fsi_encounter_dtos, ...patientFields } = example.input.data.patient_dtos[0];
const encLine = { ...patientFields, ...fsi_encounter_dtos[0] };

testBothBackends('encounter JSONL imports, bad cnt is refused, re-import replaces and is logged', async (db) => {
  const ctx = new ServiceContext(db, clock);
  const svc = new ImportService(ctx);
  const neg = structuredClone(encLine);
  neg.mdtrt_id = 'ZY2';
  neg.fsi_order_dtos[0].cnt = '-1';
  const nan = structuredClone(encLine);
  nan.mdtrt_id = 'ZY3';
  nan.fsi_order_dtos[0].cnt = 'two';
  const text = [JSON.stringify(encLine), JSON.stringify(neg), JSON.stringify(nan), JSON.stringify(encLine).slice(0, 80)].join('\n');
  await rejects(db, svc.importEncounters(file('enc.jsonl', text), admin), (e) => {
    assert.equal(e.total, 3);
    assert.deepEqual(e.issues.map((i) => [i.line, i.field]), [[2, 'fsi_order_dtos[0].cnt'], [3, 'fsi_order_dtos[0].cnt'], [4, '(line)']]);
  });
  const r1 = await svc.importEncounters(file('enc.jsonl', JSON.stringify(encLine) + '\n'), admin);
  assert.deepEqual([r1.inserted, r1.replaced], [1, 0]);
  const r2 = await svc.importEncounters(file('enc.jsonl', JSON.stringify(encLine) + '\n'), admin);
  assert.deepEqual([r2.inserted, r2.replaced], [0, 1]);
  assert.equal(await ctx.encounters.count(), 1);
  const replaceEntry = (await ctx.auditLog.list()).find((e) => e.action === 'encounters.replace');
  // who (the entry's actor), and per encounter the old and new institution and digest: an unchanged re-import shows equal digests
  assert.equal(replaceEntry!.actor, admin.id);
  const [rep] = (replaceEntry!.detail as { replacements: { mdtrt_id: string; old_medins_id: string; medins_id: string; old_digest: string; new_digest: string }[] }).replacements;
  assert.deepEqual([rep.mdtrt_id, rep.old_medins_id, rep.medins_id], ['ZY2024031000123', 'H61010400001', 'H61010400001']);
  assert.match(rep.old_digest, /^[0-9a-f]{64}$/);
  assert.equal(rep.new_digest, rep.old_digest);
});

testBothBackends('encounters from three CSV tables join by mdtrt_id; child errors name their own file and line', async (db) => {
  const ctx = new ServiceContext(db, clock);
  const svc = new ImportService(ctx);
  const enc = file('encounters.csv', 'mdtrt_id,patn_id,patn_name,gend,brdy,poolarea,medins_id,medins_lv,adm_date,med_mdtrt_type,insutype,ext_flags\nMZ1,P1,张三,1,1980-05-01,610100,H1,05,2024-03-01 08:00:00,1,310,rescue;severe\n');
  const ord = file('orders.csv', 'mdtrt_id,rx_id,hilist_code,hilist_name,hilist_type,cnt,pric,sumamt\nMZ1,R1,X1,药,101,2,1.50,3.00\nMZ1,R2,X2,药二,101,-1,1,1\n');
  const dia = file('diagnoses.csv', 'mdtrt_id,dise_codg,maindise_flag\nMZ1,I10.x00,1\n');
  const tables = { encounters: enc, orders: ord, diagnoses: dia };
  await rejects(db, svc.importEncounters(tables, admin), (e) => {
    assert.deepEqual(e.issues.map((i) => [i.file, i.line, i.field]), [['orders.csv', 3, 'cnt']]);
  });
  writeFileSync(ord.path, 'mdtrt_id,rx_id,hilist_code,hilist_name,hilist_type,cnt,pric,sumamt\nMZ1,R1,X1,药,101,2,1.50,3.00\n');
  await svc.importEncounters(tables, admin);
  const got = await ctx.encounters.get('MZ1');
  assert.equal(got!.encounter.fsi_order_dtos[0].sumamt, 300);
  assert.deepEqual(got!.encounter.ext_flags, ['rescue', 'severe']);
  assert.equal(got!.encounter.fsi_diagnose_dtos[0].maindise_flag, true);
  assert.equal(got!.patient.patn_name, '张三');
});

testBothBackends('a hospital may only import its own encounters', async (db) => {
  const svc = new ImportService(new ServiceContext(db, clock));
  await rejects(db, svc.importEncounters(file('e.jsonl', JSON.stringify(encLine)), { id: 'h', role: 'hospital', institutionId: 'OTHER' }), (e) => {
    assert.equal(e.issues[0].field, 'medins_id');
  });
});

/** `n` encounters of the example, each its own mdtrt_id and patient. */
function encounters(n: number, medins = 'H61010400001'): Record<string, unknown>[] {
  return Array.from({ length: n }, (_, i) => ({ ...structuredClone(encLine), mdtrt_id: `ZYC${i}`, patn_id: `PC${i % 97}`, medins_id: medins }));
}
const jsonl = (rows: unknown[]) => rows.map((r) => JSON.stringify(r)).join('\n') + '\n';

testBothBackends('COPY path: several staged batches with a bad line at the end change nothing; the same errors as the statements path', async (db) => {
  const ctx = new ServiceContext(db, clock);
  const svc = new ImportService(ctx);
  const rows = encounters(450);
  const bad = structuredClone(rows[449]) as { fsi_order_dtos: { cnt: string }[] };
  bad.fsi_order_dtos[0].cnt = 'two';
  rows[449] = bad;
  rows.push({ ...rows[3] }); // a duplicate mdtrt_id
  const f = file('many.jsonl', jsonl(rows));
  const errorsOf = async (method: 'copy' | 'statements') => {
    let got: FundGuardError | null = null;
    await rejects(db, svc.importEncounters(f, admin, undefined, undefined, { method }), (e) => (got = e));
    return got!;
  };
  const copy = await errorsOf('copy');
  const statements = await errorsOf('statements');
  assert.deepEqual(copy.issues.map((i) => [i.line, i.field, i.reason]), [[450, 'fsi_order_dtos[0].cnt', statements.issues[0].reason], [451, '(record)', 'duplicate of line 4']]);
  assert.deepEqual(copy.issues, statements.issues);
  assert.equal(copy.total, statements.total);
  assert.equal((await db.rows<{ n: number }>(sql`select count(*)::int as n from patients`))[0].n, 0, 'no patient either');
  assert.equal((await db.rows<{ n: number }>(sql`select count(*)::int as n from imports`))[0].n, 0);
});

testBothBackends('COPY path stores exactly what the statements path stores, and re-import replaces with audit entries', async (db) => {
  const ctx = new ServiceContext(db, clock);
  const svc = new ImportService(ctx);
  const rows = encounters(250);
  const progress: string[] = [];
  const r = await svc.importEncounters(file('a.jsonl', jsonl(rows)), admin, (p) => progress.push(p.phase));
  assert.deepEqual([r.records, r.inserted, r.replaced], [250, 250, 0]);
  assert.ok(progress.includes('apply'));
  const viaCopy = await ctx.encounters.get('ZYC7');
  const docCopy = await db.rows<{ d: string }>(sql`select detail_doc as d from encounters where mdtrt_id = 'ZYC7'`);
  const rowsOf = () => db.rows(sql`select * from order_lines where mdtrt_id in ('ZYC7', 'ZYC200') order by mdtrt_id, seq`);
  const linesCopy = await rowsOf();
  assert.ok(linesCopy.length > 0);
  const lines = await db.rows<{ n: number }>(sql`select count(*)::int as n from order_lines`);
  assert.equal(lines[0].n, 250 * encLine.fsi_order_dtos.length);
  // The same file through the earlier path: every encounter replaced by an identical one (equal digests).
  const r2 = await svc.importEncounters(file('a.jsonl', jsonl(rows)), admin, undefined, undefined, { method: 'statements' });
  assert.deepEqual([r2.inserted, r2.replaced], [0, 250]);
  assert.deepEqual(await ctx.encounters.get('ZYC7'), viaCopy);
  assert.deepEqual(await db.rows<{ d: string }>(sql`select detail_doc as d from encounters where mdtrt_id = 'ZYC7'`), docCopy);
  assert.deepEqual(await rowsOf(), linesCopy, 'the order line rows are the same whichever path wrote them');
  // And back through COPY: replacements are logged per batch with the old and new institution and equal digests.
  const r3 = await svc.importEncounters(file('a.jsonl', jsonl(rows)), admin);
  assert.deepEqual([r3.inserted, r3.replaced], [0, 250]);
  const entries = (await ctx.auditLog.list()).filter((e) => e.action === 'encounters.replace' && e.entityId === String(r3.import_id));
  const reps = entries.flatMap((e) => (e.detail as { replacements: { mdtrt_id: string; old_digest: string; new_digest: string; old_medins_id: string; medins_id: string }[] }).replacements);
  assert.equal(reps.length, 250);
  assert.ok(reps.every((x) => x.old_digest === x.new_digest && x.old_medins_id === x.medins_id));
  assert.equal(await ctx.encounters.count(), 250);
  assert.equal((await ctx.auditLog.verify()).ok, true);
});

testBothBackends('COPY path keeps the ownership rules: a hospital never replaces another institution\'s encounter; nothing changes', async (db) => {
  const ctx = new ServiceContext(db, clock);
  const svc = new ImportService(ctx);
  await svc.importEncounters(file('other.jsonl', jsonl(encounters(3, 'H999'))), admin);
  const hospital: Actor = { id: 'h', role: 'hospital', institutionId: 'H61010400001' };
  await assert.rejects(svc.importEncounters(file('mine.jsonl', jsonl(encounters(5))), hospital), (e: FundGuardError) => {
    assert.equal(e.code, 'E_CONFLICT');
    assert.equal(e.issues[0].record, 'mdtrt_id=ZYC0');
    return true;
  });
  // an administrator's import that would move them needs the explicit correction
  await assert.rejects(svc.importEncounters(file('move.jsonl', jsonl(encounters(3))), admin), (e: FundGuardError) => e.code === 'E_CONFLICT' && e.issues[0].field === 'medins_id');
  assert.equal(await ctx.encounters.count(), 3);
  assert.equal((await ctx.encounters.get('ZYC1'))!.encounter.medins_id, 'H999');
  const moved = await svc.importEncounters(file('move.jsonl', jsonl(encounters(3))), admin, undefined, { reason: '机构编码更正' });
  assert.equal(moved.replaced, 3);
  const entry = (await ctx.auditLog.list()).find((e) => e.action === 'encounters.replace' && e.entityId === String(moved.import_id))!;
  assert.equal((entry.detail as { correction: string }).correction, '机构编码更正');
});
