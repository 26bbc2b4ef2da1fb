import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { FundGuardError } from '@fundguard/core';

/**
 * Limits on XLSX (ZIP) inputs, checked from the ZIP's central directory before a byte is inflated: a 2.6 MB upload
 * that inflates to gigabytes is refused at once instead of taking minutes and a gigabyte of memory. Rows are counted
 * while streaming (readXlsx). Each limit can be raised per deployment.
 */
export interface XlsxLimits {
  /** all entries, inflated (FUNDGUARD_XLSX_MAX_MB, default 300) */
  maxUncompressedBytes: number;
  /** the shared-strings table, which the reader keeps in memory (FUNDGUARD_XLSX_MAX_SHARED_STRINGS_MB, default 64) */
  maxSharedStringsBytes: number;
  /** inflated ÷ compressed over the whole file: beyond this it is a ZIP bomb, whatever its size (default 200) */
  maxRatio: number;
  /** rows per sheet (FUNDGUARD_XLSX_MAX_ROWS, default 1 048 576, Excel's own limit) */
  maxRows: number;
}

const MB = 1024 * 1024;
export function xlsxLimits(env: NodeJS.ProcessEnv = process.env): XlsxLimits {
  const n = (v: string | undefined, d: number) => (v && Number.isFinite(Number(v)) && Number(v) > 0 ? Number(v) : d);
  return {
    maxUncompressedBytes: n(env.FUNDGUARD_XLSX_MAX_MB, 300) * MB,
    maxSharedStringsBytes: n(env.FUNDGUARD_XLSX_MAX_SHARED_STRINGS_MB, 64) * MB,
    maxRatio: 200,
    maxRows: n(env.FUNDGUARD_XLSX_MAX_ROWS, 1_048_576),
  };
}

export interface ZipEntry {
  name: string;
  compressed: number;
  uncompressed: number;
}

const tooLarge = (file: string, reason: string) => new FundGuardError('E_TOO_LARGE', `${file}: ${reason}; nothing imported`, [{ file, field: '(file)', reason }]);
const notZip = (file: string, reason: string) => new FundGuardError('E_IMPORT_INVALID', `${file}: not a readable XLSX workbook (${reason})`, [{ file, field: '(file)', reason: `not a readable XLSX workbook: ${reason}` }]);

/** The entries of a ZIP's central directory (ZIP64 sizes included), read from its last 64 KB and the directory itself. */
export function zipEntries(source: string | Buffer, file: string): ZipEntry[] {
  let fd: number | null = null;
  try {
    let size: number;
    let read: (pos: number, len: number) => Buffer;
    if (typeof source === 'string') {
      const f = openSync(source, 'r');
      fd = f;
      size = fstatSync(f).size;
      read = (pos, len) => {
        const b = Buffer.alloc(len);
        readSync(f, b, 0, len, pos);
        return b;
      };
    } else {
      size = source.length;
      read = (pos, len) => source.subarray(pos, pos + len);
    }
    const tailLen = Math.min(size, 65_557);
    const tail = read(size - tailLen, tailLen);
    const eocd = tail.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06]));
    if (eocd < 0) throw notZip(file, 'no ZIP directory');
    let count = tail.readUInt16LE(eocd + 10);
    let dirSize = tail.readUInt32LE(eocd + 12);
    let dirOffset = tail.readUInt32LE(eocd + 16);
    if (count === 0xffff || dirOffset === 0xffffffff) {
      const locator = tail.lastIndexOf(Buffer.from([0x50, 0x4b, 0x06, 0x07]), eocd);
      if (locator < 0) throw notZip(file, 'ZIP64 directory without its locator');
      const z64 = Number(tail.readBigUInt64LE(locator + 8));
      const rec = read(z64, 56);
      if (rec.readUInt32LE(0) !== 0x06064b50) throw notZip(file, 'bad ZIP64 directory');
      count = Number(rec.readBigUInt64LE(32));
      dirSize = Number(rec.readBigUInt64LE(40));
      dirOffset = Number(rec.readBigUInt64LE(48));
    }
    if (dirOffset + dirSize > size || count > 100_000) throw notZip(file, 'damaged ZIP directory');
    const dir = read(dirOffset, dirSize);
    const entries: ZipEntry[] = [];
    let p = 0;
    for (let i = 0; i < count; i++) {
      if (p + 46 > dir.length || dir.readUInt32LE(p) !== 0x02014b50) throw notZip(file, 'damaged ZIP directory');
      let compressed = dir.readUInt32LE(p + 20);
      let uncompressed = dir.readUInt32LE(p + 24);
      const nameLen = dir.readUInt16LE(p + 28);
      const extraLen = dir.readUInt16LE(p + 30);
      const commentLen = dir.readUInt16LE(p + 32);
      const name = dir.subarray(p + 46, p + 46 + nameLen).toString('utf8');
      // ZIP64 extended information: the 64-bit sizes of the fields that are 0xffffffff, in this order
      let x = p + 46 + nameLen;
      const extraEnd = x + extraLen;
      while (x + 4 <= extraEnd) {
        const id = dir.readUInt16LE(x);
        const len = dir.readUInt16LE(x + 2);
        if (id === 0x0001) {
          let q = x + 4;
          if (uncompressed === 0xffffffff) { uncompressed = Number(dir.readBigUInt64LE(q)); q += 8; }
          if (compressed === 0xffffffff) compressed = Number(dir.readBigUInt64LE(q));
        }
        x += 4 + len;
      }
      entries.push({ name, compressed, uncompressed });
      p = extraEnd + commentLen;
    }
    return entries;
  } catch (e) {
    if (e instanceof FundGuardError) throw e;
    throw notZip(file, (e as Error).message);
  } finally {
    if (fd !== null) closeSync(fd);
  }
}

/** Refuses (413) a workbook whose inflated size, shared strings or compression ratio is beyond the limits. */
export function checkXlsx(source: string | Buffer, file: string, limits: XlsxLimits = xlsxLimits()): void {
  const entries = zipEntries(source, file);
  const total = entries.reduce((s, e) => s + e.uncompressed, 0);
  const packed = entries.reduce((s, e) => s + e.compressed, 0);
  const mb = (n: number) => `${(n / MB).toFixed(1)} MB`;
  if (total > limits.maxUncompressedBytes) throw tooLarge(file, `inflates to ${mb(total)}, more than the ${mb(limits.maxUncompressedBytes)} allowed (FUNDGUARD_XLSX_MAX_MB); split the workbook or import CSV/JSON Lines`);
  const shared = entries.find((e) => e.name === 'xl/sharedStrings.xml');
  if (shared && shared.uncompressed > limits.maxSharedStringsBytes) throw tooLarge(file, `its shared-strings table inflates to ${mb(shared.uncompressed)}, more than the ${mb(limits.maxSharedStringsBytes)} allowed; import CSV/JSON Lines instead`);
  if (packed > 0 && total / packed > limits.maxRatio && total > 10 * MB) throw tooLarge(file, `inflates ${Math.round(total / packed)}-fold (${mb(packed)} → ${mb(total)}): refused as a ZIP bomb`);
}
