import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Readable } from 'node:stream';
import { FundGuardError } from '@fundguard/core';
import { formatFromName, IMPORT_JOB_BYTES, type Actor, type FundGuard, type ImportKind, type ImportProgress, type ImportReport, type TabularFormat } from '@fundguard/service';
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

/** `job` on every import route: answer 202 with an import job whatever the size. */
export const jobParam = T.Optional(T.Boolean({ default: false, description: `answer 202 with an import job (GET /api/v1/imports/{id}: status, progress, ETA, report or line errors) whatever the size; uploads over ${Math.round(IMPORT_JOB_BYTES / 1048576)} MB (FUNDGUARD_IMPORT_JOB_MB) always do` }));

export const uploadQuery = T.Object({ name: T.Optional(Id('file name to use in error reports', 200, 'catalogue.csv')), job: jobParam });

export const IMPORT_DESCRIPTION = ` All or nothing. A body over ${Math.round(IMPORT_JOB_BYTES / 1048576)} MB (or ?job=true) answers 202 with an import job ` +
  '({ import_id, status, href }, Location: /api/v1/imports/{id}); the job is read with GET /api/v1/imports/{id} (status validating → applying → applied, or failed with the line errors, ' +
  'or interrupted when its process stopped — nothing applied, import the file again). Smaller bodies answer 200 with the report at once.';

/**
 * Runs an import: at once (small uploads: the report, or the error as before), or as a job (large uploads, `?job=true`):
 * 202 with its id. The spooled upload is removed when the import ends either way.
 */
export async function runImport(req: FastifyRequest, reply: FastifyReply, fg: FundGuard, actor: Actor, kind: ImportKind, upload: { upload: SpooledUpload; format: TabularFormat; name: string },
  run: (onProgress: ((p: ImportProgress) => void) | undefined, importId: number | undefined) => Promise<ImportReport>): Promise<unknown> {
  const asJob = (req.query as { job?: boolean }).job === true || upload.upload.bytes > IMPORT_JOB_BYTES;
  if (!asJob) {
    try {
      return await run(undefined, undefined);
    } finally {
      upload.upload.cleanup();
    }
  }
  const job = await fg.importJobs.start(kind, actor, { name: upload.name, format: upload.format, bytes: upload.upload.bytes }, (id, onProgress) => run(onProgress, id), upload.upload.cleanup);
  const href = `/api/v1/imports/${job.id}`;
  return reply.code(202).header('location', href).send({ import_id: job.id, status: 'validating', href });
}
