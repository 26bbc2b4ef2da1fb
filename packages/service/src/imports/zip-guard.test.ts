import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { deflateRawSync } from 'node:zlib';
import ExcelJS from 'exceljs';
import { checkXlsx, xlsxLimits, zipEntries } from './zip-guard.ts';
import { readXlsx } from './records.ts';

/** A ZIP with the given entries, deflated (a minimal writer: the guard reads sizes, not CRCs). */
function zip(files: Record<string, Buffer>): Buffer {
  const locals: Buffer[] = [];
  const central: Buffer[] = [];
  let offset = 0;
  for (const [name, data] of Object.entries(files)) {
    const packed = deflateRawSync(data);
    const n = Buffer.from(name);
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0); local.writeUInt16LE(20, 4); local.writeUInt16LE(8, 8);
    local.writeUInt32LE(packed.length, 18); local.writeUInt32LE(data.length, 22); local.writeUInt16LE(n.length, 26);
    const dir = Buffer.alloc(46);
    dir.writeUInt32LE(0x02014b50, 0); dir.writeUInt16LE(20, 4); dir.writeUInt16LE(20, 6); dir.writeUInt16LE(8, 10);
    dir.writeUInt32LE(packed.length, 20); dir.writeUInt32LE(data.length, 24); dir.writeUInt16LE(n.length, 28); dir.writeUInt32LE(offset, 42);
    locals.push(local, n, packed);
    central.push(dir, n);
    offset += 30 + n.length + packed.length;
  }
  const dirBuf = Buffer.concat(central);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0); end.writeUInt16LE(Object.keys(files).length, 8); end.writeUInt16LE(Object.keys(files).length, 10);
  end.writeUInt32LE(dirBuf.length, 12); end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, dirBuf, end]);
}

const code = (c: string) => (e: unknown) => (e as { code?: string }).code === c;

test('XLSX guard: a real workbook passes; a ZIP bomb, an oversized workbook and a damaged file are refused before inflating', async () => {
  const wb = new ExcelJS.Workbook();
  const ws = wb.addWorksheet('encounters');
  for (let i = 0; i < 5; i++) ws.addRow([`ZY${i}`, '张三', i]);
  const real = Buffer.from(await wb.xlsx.writeBuffer());
  assert.ok(zipEntries(real, 'a.xlsx').some((e) => e.name === 'xl/worksheets/sheet1.xml' && e.uncompressed > 0));
  checkXlsx(real, 'a.xlsx');

  const bomb = zip({ 'xl/worksheets/sheet1.xml': Buffer.alloc(40 * 1024 * 1024, 'a') });
  assert.ok(bomb.length < 200_000, `the bomb is small (${bomb.length} bytes)`);
  assert.throws(() => checkXlsx(bomb, 'bomb.xlsx'), (e: Error) => code('E_TOO_LARGE')(e) && /ZIP bomb/.test(e.message));
  const big = zip({ 'xl/worksheets/sheet1.xml': Buffer.alloc(3 * 1024 * 1024, 'ab') });
  assert.throws(() => checkXlsx(big, 'big.xlsx', { ...xlsxLimits({}), maxUncompressedBytes: 2 * 1024 * 1024 }), (e: Error) => code('E_TOO_LARGE')(e) && /inflates to 3\.0 MB/.test(e.message));
  assert.throws(() => checkXlsx(zip({ 'xl/sharedStrings.xml': Buffer.alloc(2 * 1024 * 1024, 'x') }), 's.xlsx', { ...xlsxLimits({}), maxSharedStringsBytes: 1024 * 1024 }), (e: Error) => code('E_TOO_LARGE')(e) && /shared-strings/.test(e.message));
  assert.throws(() => checkXlsx(Buffer.from('PK\u0003\u0004 not a workbook'), 'bad.xlsx'), code('E_IMPORT_INVALID'));
  assert.throws(() => checkXlsx(Buffer.alloc(0), 'empty.xlsx'), code('E_IMPORT_INVALID'));

  // rows are counted while streaming
  const dir = mkdtempSync(join(tmpdir(), 'fg-xlsx-'));
  const before = process.env.FUNDGUARD_XLSX_MAX_ROWS;
  try {
    const path = join(dir, 'rows.xlsx');
    writeFileSync(path, real);
    process.env.FUNDGUARD_XLSX_MAX_ROWS = '3';
    await assert.rejects(async () => {
      for await (const _ of readXlsx(path, 'rows.xlsx', { known: ['ZY0', '张三', '0'], required: [] })) void _;
    }, (e: Error) => code('E_TOO_LARGE')(e) && /more than 3 rows/.test(e.message));
  } finally {
    if (before === undefined) delete process.env.FUNDGUARD_XLSX_MAX_ROWS;
    else process.env.FUNDGUARD_XLSX_MAX_ROWS = before;
    rmSync(dir, { recursive: true, force: true });
  }
});
