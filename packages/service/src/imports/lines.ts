import { isAscii, isUtf8 } from 'node:buffer';
import { createReadStream } from 'node:fs';
import { FundGuardError } from '@fundguard/core';
import { iconvLite } from '../lazy-modules.ts';

export type TextEncoding = 'utf-8' | 'gbk';

/**
 * Classifies one line's bytes. Exports from Chinese systems are often GBK (GB18030); a GBK line is almost never
 * valid UTF-8, and a UTF-8 line decoded as GBK would be garbled, so each non-ASCII line is classified on its own
 * and a file whose lines disagree is refused as mixed.
 */
export function classifyLine(buf: Buffer): TextEncoding | 'ascii' | 'invalid' {
  // node:buffer's checks are native and allocate nothing (a file's bytes pass through here once).
  if (isAscii(buf)) return 'ascii';
  if (isUtf8(buf)) return 'utf-8';
  const text = iconvLite().decode(buf, 'gb18030');
  return text.includes('\uFFFD') ? 'invalid' : 'gbk';
}

/** A classified line's text (`classifyLine` said it is not invalid). */
export function decodeLine(buf: Buffer, kind: TextEncoding | 'ascii'): string {
  return kind === 'ascii' ? buf.toString('latin1') : kind === 'utf-8' ? buf.toString('utf8') : iconvLite().decode(buf, 'gb18030');
}

/** The error of a line whose bytes are neither UTF-8 nor GBK (`first` absent), or that differs from the file's first non-ASCII line. */
export function encodingError(fileName: string, lineNo: number, kind: TextEncoding | 'invalid', first?: { encoding: TextEncoding; line: number }): FundGuardError {
  if (kind === 'invalid' || !first) {
    return new FundGuardError('E_ENCODING', `${fileName} line ${lineNo}: bytes are neither UTF-8 nor GBK; save the file as UTF-8`, [
      { file: fileName, line: lineNo, field: '(encoding)', reason: 'bytes are neither UTF-8 nor GBK' },
    ]);
  }
  return new FundGuardError('E_ENCODING', `${fileName} line ${lineNo} is ${kind.toUpperCase()} but line ${first.line} was ${first.encoding.toUpperCase()}: the file mixes encodings; save it as UTF-8`, [
    { file: fileName, line: lineNo, field: '(encoding)', reason: `mixed encodings: ${kind} here, ${first.encoding} at line ${first.line}` },
  ]);
}

export interface TextLine {
  /** 1-based line number in the file */
  line: number;
  text: string;
  /** byte offset in the file just after this line (progress of a large import) */
  end: number;
}

/**
 * Streams a file as decoded text lines with flat memory. Splits on LF at byte level (LF never occurs inside a
 * GBK or UTF-8 multi-byte character), strips CR and a UTF-8 BOM, detects UTF-8 or GBK, and refuses undecodable
 * or mixed encodings with the line number instead of producing garbled text.
 */
export async function* readTextLines(path: string, fileName: string): AsyncGenerator<TextLine> {
  let encoding: TextEncoding | null = null;
  let decidedAt = 0;
  let lineNo = 0;
  let carry: Buffer = Buffer.alloc(0);
  /** file offset of the first byte of `carry` */
  let base = 0;
  const decode = (buf: Buffer): string => {
    lineNo++;
    if (lineNo === 1 && buf[0] === 0xef && buf[1] === 0xbb && buf[2] === 0xbf) buf = buf.subarray(3);
    if (buf.length && buf[buf.length - 1] === 0x0d) buf = buf.subarray(0, buf.length - 1);
    const kind = classifyLine(buf);
    if (kind === 'ascii') return buf.toString('latin1');
    if (kind === 'invalid') throw encodingError(fileName, lineNo, kind);
    if (encoding === null) {
      encoding = kind;
      decidedAt = lineNo;
    } else if (encoding !== kind) {
      throw encodingError(fileName, lineNo, kind, { encoding, line: decidedAt });
    }
    return decodeLine(buf, kind);
  };
  for await (const chunk of createReadStream(path, { highWaterMark: 1 << 20 }) as AsyncIterable<Buffer>) {
    let buf = carry.length ? Buffer.concat([carry, chunk]) : chunk;
    let start = 0;
    for (let nl = buf.indexOf(0x0a, start); nl !== -1; nl = buf.indexOf(0x0a, start)) {
      yield { line: lineNo + 1, text: decode(buf.subarray(start, nl)), end: base + nl + 1 };
      start = nl + 1;
    }
    base += start;
    buf = buf.subarray(start);
    carry = Buffer.from(buf);
  }
  if (carry.length) yield { line: lineNo + 1, text: decode(carry), end: base + carry.length };
}
