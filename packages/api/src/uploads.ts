import { createWriteStream, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { Transform } from 'node:stream';
import { FundGuardError } from '@fundguard/core';
import { pidAlive } from '@fundguard/service/run-lease.ts';

/** Upload bodies up to this size stream to a temporary file; imports read it twice (validate, then apply). */
export const MAX_UPLOAD_BYTES = Number(process.env.FUNDGUARD_MAX_UPLOAD_MB ?? 2048) * 1024 * 1024;

export interface SpooledUpload {
  path: string;
  bytes: number;
  cleanup(): void;
}

/** Spool directories carry the owning process's pid, so that a later start can tell the abandoned ones. */
const SPOOL_PREFIX = 'fg-upload-';

/**
 * Removes the spool directories of processes that are gone (killed mid-upload: -9 runs no cleanup). Directories of
 * live processes — other API processes on this host — are left alone. Returns how many were removed.
 */
export function removeAbandonedUploads(dir = tmpdir()): number {
  let removed = 0;
  for (const name of readdirSync(dir)) {
    if (!name.startsWith(SPOOL_PREFIX)) continue;
    const pid = Number(/^fg-upload-(\d+)-/.exec(name)?.[1]);
    if (pid && (pid === process.pid || pidAlive(pid))) continue;
    rmSync(join(dir, name), { recursive: true, force: true });
    removed++;
  }
  return removed;
}

export async function spoolToTempFile(body: Readable, name: string, limit = MAX_UPLOAD_BYTES): Promise<SpooledUpload> {
  const dir = mkdtempSync(join(tmpdir(), `${SPOOL_PREFIX}${process.pid}-`));
  const path = join(dir, name.replace(/[^A-Za-z0-9_.-]/g, '_') || 'upload');
  const cleanup = () => rmSync(dir, { recursive: true, force: true });
  let bytes = 0;
  const counter = new Transform({
    transform(chunk: Buffer, _enc, cb) {
      bytes += chunk.length;
      if (bytes > limit) cb(new FundGuardError('E_INPUT_INVALID', `upload larger than ${Math.round(limit / 1048576)} MB`));
      else cb(null, chunk);
    },
  });
  try {
    await pipeline(body, counter, createWriteStream(path));
  } catch (e) {
    cleanup();
    throw e;
  }
  return { path, bytes, cleanup };
}

/** Reads a small upload (attachment, policy file) into memory, refusing it past `limit` bytes with `tooLarge` as the message. */
export async function readBoundedBody(body: unknown, limit: number, tooLarge: string): Promise<Buffer> {
  if (Buffer.isBuffer(body)) return body;
  // A JSON (or empty) body was parsed, not streamed: the file itself must be the body
  if (!body || typeof (body as Readable)[Symbol.asyncIterator] !== 'function') {
    throw new FundGuardError('E_INPUT_INVALID', 'the body must be the file itself (content-type of the file, e.g. application/pdf, image/jpeg, application/octet-stream or the XLSX type)', [{ field: '(body)', reason: 'not a file upload' }]);
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const c of body as Readable) {
    size += (c as Buffer).length;
    if (size > limit) throw new FundGuardError('E_TOO_LARGE', tooLarge);
    chunks.push(c as Buffer);
  }
  return Buffer.concat(chunks);
}
