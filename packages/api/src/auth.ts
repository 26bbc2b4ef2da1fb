import type { FastifyRequest } from 'fastify';
import { FundGuardError } from '@fundguard/core';
import type { Actor, FundGuard } from '@fundguard/service';

declare module 'fastify' {
  interface FastifyRequest {
    actor: Actor | null;
  }
}

/** The key a request presents: `Authorization: Bearer <key>` or the `apikey` header (as HIS gateways send it). */
export function presentedKey(req: FastifyRequest): string | null {
  const auth = req.headers.authorization;
  if (typeof auth === 'string' && /^Bearer\s+/i.test(auth)) return auth.replace(/^Bearer\s+/i, '').trim();
  const apikey = req.headers.apikey;
  if (typeof apikey === 'string' && apikey.trim()) return apikey.trim();
  return null;
}

/** Resolves the actor of a request (null when no key was presented); a wrong key is a 401. */
export async function authenticate(fg: FundGuard, req: FastifyRequest): Promise<Actor | null> {
  const key = presentedKey(req);
  if (key === null) return null;
  const actor = await fg.keys.authenticate(key);
  if (!actor) throw new FundGuardError('E_UNAUTHORIZED', '密钥无效、已撤销、已过期或会话已超时 (unknown, revoked or expired API key or session)');
  return actor;
}

/**
 * Routes that answer without a key: those whose schema declares `security: []` (sign-in, health) and the national
 * fsi routes, which accept x-tif signatures and check them themselves.
 */
function isPublic(req: FastifyRequest): boolean {
  const url = req.routeOptions.url ?? '';
  if (url === '/api/v1/fsi' || url.startsWith('/api/v1/fsi/') || url.startsWith('/api/v1/fsi*')) return true;
  const security = (req.routeOptions.schema as { security?: unknown[] } | undefined)?.security;
  return Array.isArray(security) && security.length === 0;
}

/** What a session that must change its password may still do. */
const WHILE_PASSWORD_CHANGE_REQUIRED = new Set(['/api/v1/me', '/api/v1/auth/password', '/api/v1/auth/logout']);

/**
 * The onRequest hook of every /api/ route: resolves the actor and refuses a missing or wrong key with 401 before the
 * body is read or validated (an unauthenticated bad body answers 401, not 400). Unmatched URLs fall through to the
 * 404 handler; a session that must change its password may only do that.
 */
export function authHook(fg: FundGuard) {
  return async (req: FastifyRequest): Promise<void> => {
    if (!req.url.startsWith('/api/')) return;
    req.actor = await authenticate(fg, req);
    // Unmatched /api/ URLs (the console's catch-all route included) go on to their 404.
    if (!req.routeOptions.url?.startsWith('/api/') || isPublic(req)) return;
    if (!req.actor) throw new FundGuardError('E_UNAUTHORIZED', '需要登录或 API 密钥 (an API key is required: Authorization: Bearer <key>)');
    if (req.actor.mustChangePassword && !WHILE_PASSWORD_CHANGE_REQUIRED.has(req.routeOptions.url)) {
      throw new FundGuardError('E_PASSWORD_CHANGE_REQUIRED', '请先修改密码 (change your password first: POST /api/v1/auth/password)');
    }
  };
}

/** The actor of an authenticated route; routes call this first. */
export function actorOf(req: FastifyRequest): Actor {
  if (!req.actor) throw new FundGuardError('E_UNAUTHORIZED', 'an API key is required (Authorization: Bearer <key>)');
  return req.actor;
}
