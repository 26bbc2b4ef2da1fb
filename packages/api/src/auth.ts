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
  if (!actor) throw new FundGuardError('E_UNAUTHORIZED', 'unknown, revoked or expired API key');
  return actor;
}

/** The actor of an authenticated route; routes call this first. */
export function actorOf(req: FastifyRequest): Actor {
  if (!req.actor) throw new FundGuardError('E_UNAUTHORIZED', 'an API key is required (Authorization: Bearer <key>)');
  return req.actor;
}
