import type { FastifyPluginAsync } from 'fastify';
import { sql } from 'drizzle-orm';
import { ROLES, requirePermission, type FundGuard, type Role } from '@fundguard/service';
import { actorOf } from '../../auth.ts';

const keyBody = {
  type: 'object',
  required: ['role'],
  properties: {
    role: { type: 'string', enum: [...ROLES] }, label: { type: 'string', maxLength: 200 },
    institution_id: { type: 'string' }, patn_id: { type: 'string' },
  },
  additionalProperties: false,
} as const;

/** Keys, users, sign-in, who-am-I, the audit log and import history. */
export const adminRoutes: FastifyPluginAsync<{ fg: FundGuard }> = async (app, { fg }) => {
  app.post<{ Body: { username: string; password: string } }>('/api/v1/auth/login', {
    schema: {
      tags: ['auth'], summary: 'Sign in with user name and password; returns a session key (Bearer) valid for 12 h', security: [],
      body: { type: 'object', required: ['username', 'password'], properties: { username: { type: 'string' }, password: { type: 'string' } } },
    },
  }, async (req) => {
    const s = await fg.keys.signIn(req.body.username, req.body.password);
    return { token: s.key, expires_at: s.expires_at, user: s.actor };
  });

  app.get('/api/v1/me', { schema: { tags: ['auth'], summary: 'The identity of the presented key, with the user\'s display name' } }, async (req) => ({ ...actorOf(req), display_name: (await fg.database.rows<{ display_name: string }>(sql`select display_name from users where username = ${actorOf(req).id}`))[0]?.display_name || null }));

  app.post<{ Body: { role: Role; label?: string; institution_id?: string; patn_id?: string } }>('/api/v1/keys', {
    schema: { tags: ['admin'], summary: 'Create an API key (shown once)', body: keyBody },
  }, async (req, reply) => {
    const b = req.body;
    const r = await fg.keys.create(actorOf(req), { role: b.role, label: b.label, institutionId: b.institution_id, patnId: b.patn_id });
    return reply.status(201).send({ key: r.key, ...r.info });
  });
  app.get('/api/v1/keys', { schema: { tags: ['admin'], summary: 'API keys (never their secrets)' } }, async (req) => {
    requirePermission(actorOf(req), 'keys.manage');
    return { items: await fg.keys.list() };
  });
  app.delete<{ Params: { key_id: string } }>('/api/v1/keys/:key_id', { schema: { tags: ['admin'], summary: 'Revoke a key' } }, async (req, reply) => {
    await fg.keys.revoke(actorOf(req), req.params.key_id);
    return reply.status(204).send();
  });

  app.post<{ Body: { username: string; password: string; role: Role; display_name?: string; institution_id?: string; patn_id?: string } }>('/api/v1/users', {
    schema: {
      tags: ['admin'], summary: 'Create a user who signs in with a password',
      body: {
        type: 'object', required: ['username', 'password', 'role'], additionalProperties: false,
        properties: { username: { type: 'string' }, password: { type: 'string' }, role: { type: 'string', enum: [...ROLES] }, display_name: { type: 'string' }, institution_id: { type: 'string' }, patn_id: { type: 'string' } },
      },
    },
  }, async (req, reply) => {
    const b = req.body;
    const id = await fg.keys.createUser(actorOf(req), { username: b.username, password: b.password, role: b.role, displayName: b.display_name, institutionId: b.institution_id, patnId: b.patn_id });
    return reply.status(201).send({ id, username: b.username, role: b.role });
  });

  app.get<{ Querystring: { entity_type?: string; entity_id?: string; after?: number; limit?: number } }>('/api/v1/audit-log', {
    schema: {
      tags: ['admin'], summary: 'Audit log entries (append-only, hash-chained)',
      querystring: { type: 'object', properties: { entity_type: { type: 'string' }, entity_id: { type: 'string' }, after: { type: 'integer', minimum: 0 }, limit: { type: 'integer', minimum: 1, maximum: 1000, default: 100 } } },
    },
  }, async (req) => {
    requirePermission(actorOf(req), 'auditlog.read');
    const q = req.query;
    return { items: await fg.ctx.auditLog.list({ entityType: q.entity_type, entityId: q.entity_id, afterSeq: q.after, limit: q.limit }) };
  });
  app.get('/api/v1/audit-log/verify', { schema: { tags: ['admin'], summary: 'Prove the audit log hash chain' } }, async (req) => {
    requirePermission(actorOf(req), 'auditlog.read');
    return fg.ctx.auditLog.verify();
  });

  app.get<{ Querystring: { limit?: number } }>('/api/v1/imports', {
    schema: { tags: ['imports'], summary: 'Recent imports with their outcome', querystring: { type: 'object', properties: { limit: { type: 'integer', minimum: 1, maximum: 500, default: 50 } } } },
  }, async (req) => {
    requirePermission(actorOf(req), 'imports.read');
    const items = await fg.database.rows(sql`
      select id, kind, file_name, format, status, records, replaced, warnings, actor,
        to_char(started_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') as started_at,
        to_char(finished_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') as finished_at
      from imports order by id desc limit ${req.query.limit ?? 50}`);
    return { items };
  });
};
