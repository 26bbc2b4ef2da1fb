import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Readable } from 'node:stream';
import { FundGuardError } from '@fundguard/core';
import { formatFromName, type TabularFormat } from '@fundguard/service';
import { spoolToTempFile, type SpooledUpload } from '../uploads.ts';
import { Id, T } from '../schemas.ts';

export const UPLOAD_TYPES = ['text/csv', 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet', 'application/x-ndjson', 'application/jsonl'];

/** Upload bodies are passed through as streams (never buffered whole); the route spools them to a file. */
export function acceptUploads(app: FastifyInstance): void {
  app.addContentTypeParser(UPLOAD_TYPES, (_req, payload, done) => done(null, payload));
}

/** Spools the upload and says which format it is; `name` (query) names the file in error reports. */
export async function receiveUpload(req: FastifyRequest, allowed: readonly TabularFormat[]): Promise<{ upload: SpooledUpload; format: TabularFormat; name: string }> {
  const contentType = String(req.headers['content-type'] ?? '');
  const query = req.query as { name?: string };
  const format = formatFromName(query.name ?? '', contentType);
  if (!format || !allowed.includes(format)) {
    throw new FundGuardError('E_INPUT_INVALID', `content-type ${contentType || '(none)'} is not accepted here; use ${allowed.map((f) => ({ csv: 'text/csv', xlsx: UPLOAD_TYPES[1], jsonl: 'application/x-ndjson' })[f]).join(' or ')}`);
  }
  const name = query.name ?? `upload.${format}`;
  const upload = await spoolToTempFile(req.body as Readable, name);
  if (upload.bytes === 0) {
    upload.cleanup();
    throw new FundGuardError('E_IMPORT_INVALID', `${name}: the upload is empty (0 bytes)`, [{ file: name, field: '(file)', reason: 'empty upload' }]);
  }
  return { upload, format, name };
}

export const uploadQuery = T.Object({ name: T.Optional(Id('file name to use in error reports', 200, 'catalogue.csv')) });
