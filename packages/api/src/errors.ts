import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { isFundGuardError, type ErrorCode } from '@fundguard/core';

/** The one place where error codes become HTTP statuses (architecture.md §4). */
export const STATUS: Record<ErrorCode, number> = {
  E_FIELD_REQUIRED: 400,
  E_FIELD_INVALID: 400,
  E_INPUT_INVALID: 400,
  E_IMPORT_INVALID: 400,
  E_ENCODING: 400,
  E_PACK_INVALID: 400,
  E_NOT_FOUND: 404,
  E_CONFLICT: 409,
  E_UNAUTHORIZED: 401,
  E_FORBIDDEN: 403,
  E_LOCKED: 423,
  E_TOO_LARGE: 413,
  E_ILLEGAL_TRANSITION: 409,
  E_UNAVAILABLE: 503,
  E_INTERNAL: 500,
  E_CONFIG_INVALID: 500,
  E_ACCOUNT_LOCKED: 423,
  E_TOO_MANY_ATTEMPTS: 429,
  E_PASSWORD_POLICY: 400,
  E_PASSWORD_CHANGE_REQUIRED: 403,
};

export interface ErrorBody {
  error: { code: string; message: string; issues?: unknown[]; total?: number };
}

/** Maps thrown errors to responses: 4xx name the record and field, a 5xx never leaks internals. */
export function errorHandler(err: FastifyError | Error, req: FastifyRequest, reply: FastifyReply): FastifyReply {
  if (isFundGuardError(err)) {
    const status = STATUS[err.code] ?? 500;
    // The database (or another dependency) is unreachable for now: a 503 the caller may retry, nothing internal told.
    if (status === 503) return reply.status(503).header('retry-after', '1').send({ error: { code: err.code, message: 'temporarily unavailable, retry later' } } satisfies ErrorBody);
    if (status >= 500) return internal(err, req, reply);
    if (err.retryAfterS !== undefined) reply.header('retry-after', String(Math.max(1, Math.ceil(err.retryAfterS))));
    return reply.status(status).send({ error: { code: err.code, message: err.message, ...(err.issues.length ? { issues: err.issues, total: err.total } : {}) } } satisfies ErrorBody);
  }
  const fe = err as FastifyError;
  if (fe.validation) {
    const issues = fe.validation.map((v) => ({ field: (v.instancePath || '/').replace(/^\//, '').replace(/\//g, '.') || String(v.params?.missingProperty ?? '(body)'), reason: v.message ?? 'invalid' }));
    return reply.status(400).send({ error: { code: 'E_INPUT_INVALID', message: `${fe.validationContext ?? 'request'}: ${fe.message}`, issues, total: issues.length } });
  }
  if (fe.statusCode && fe.statusCode >= 400 && fe.statusCode < 500) {
    return reply.status(fe.statusCode).send({ error: { code: fe.code ?? 'E_INPUT_INVALID', message: fe.message } });
  }
  return internal(err, req, reply);
}

function internal(err: Error, req: FastifyRequest, reply: FastifyReply): FastifyReply {
  req.log.error({ err }, 'internal error');
  return reply.status(500).send({ error: { code: 'E_INTERNAL', message: `internal error (request ${req.id})` } });
}
