import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import { sql } from 'drizzle-orm';
import { boundInstitution, importTemplate, permissionTable, ROLES, requirePermission, TEMPLATE_KINDS, type FundGuard, type Role, type Session, type TemplateKind } from '@fundguard/service';
import { SerialParams, T } from '../../schemas.ts';
import type { AuditAnchor } from '@fundguard/store';
import { actorOf, presentedKey } from '../../auth.ts';

/** Text without NUL, lone surrogates or U+FFFD (undecodable input): PostgreSQL text cannot hold NUL (a 500, not a 400). */
const str = (maxLength: number, extra: Record<string, unknown> = {}) => ({ type: 'string', maxLength, pattern: '^[^\\u0000\\ud800-\\udfff\\ufffd]*$', ...extra }) as const;

const keyBody = {
  type: 'object',
  required: ['role'],
  properties: {
    role: { type: 'string', enum: [...ROLES] }, label: str(200),
    institution_id: str(64), patn_id: str(64),
    paasid: { type: 'string', minLength: 4, maxLength: 64, pattern: '^[A-Za-z0-9_.:-]+$', description: 'integration keys: the HIS\'s existing national x-tif-paasid' },
    secret: str(256, { minLength: 8, description: 'integration keys: the HIS\'s existing national secret (stored encrypted)' }),
  },
  additionalProperties: false,
} as const;

/** str as TypeBox (the newer routes here are TypeBox; the shared pieces stay plain JSON schema). */
const tstr = (maxLength: number, extra: Record<string, unknown> = {}) => T.String({ maxLength, pattern: '^[^\\u0000\\ud800-\\udfff\\ufffd]*$', ...extra });
const username = str(64, { minLength: 1 });

interface AuditQuery { actor?: string; action?: string; entity_type?: string; entity_id?: string; from?: string; to?: string; q?: string; after?: number; order?: 'asc' | 'desc'; limit?: number; offset?: number }
const password = str(256, { minLength: 1 });
const userParams = { type: 'object', required: ['username'], properties: { username }, additionalProperties: false } as const;

/** The client address for sign-in throttling (the proxy's client address with FUNDGUARD_TRUST_PROXY). */
const addressOf = (req: FastifyRequest) => req.ip || 'unknown';

const sessionAnswer = (s: Session) => ({
  token: s.key, expires_at: s.expires_at, idle_timeout_s: s.idle_timeout_s, password_change_required: s.password_change_required, user: s.actor,
});

/** Keys, users, sign-in, who-am-I, the audit log and import history. */
export const adminRoutes: FastifyPluginAsync<{ fg: FundGuard }> = async (app, { fg }) => {
  app.post<{ Body: { username: string; password: string } }>('/api/v1/auth/login', {
    schema: {
      tags: ['auth'], security: [],
      summary: 'Sign in with user name (case-insensitive) and password; returns a session key (Bearer) that ends after 8 h, after 30 min unused, or at logout. Repeated failures: 423 (account locked) or 429 (address), with Retry-After',
      body: { type: 'object', required: ['username', 'password'], properties: { username: str(128), password: str(1024) } },
    },
  }, async (req) => sessionAnswer(await fg.keys.signIn(req.body.username, req.body.password, { address: addressOf(req) })));

  app.post('/api/v1/auth/logout', { schema: { tags: ['auth'], summary: 'End the presented session (in every process)' } }, async (req, reply) => {
    actorOf(req);
    await fg.keys.signOut(presentedKey(req) ?? '');
    return reply.status(204).send();
  });

  app.post<{ Body: { current_password: string; new_password: string } }>('/api/v1/auth/password', {
    schema: {
      tags: ['auth'], summary: 'Change your own password (at least 10 characters, not common, not the user name); every session of the user ends and a new one is returned',
      body: { type: 'object', required: ['current_password', 'new_password'], additionalProperties: false, properties: { current_password: password, new_password: password } },
    },
  }, async (req) => sessionAnswer(await fg.keys.changePassword(actorOf(req), req.body.current_password, req.body.new_password, { address: addressOf(req) })));

  app.get('/api/v1/me', { schema: { tags: ['auth'], summary: 'The identity of the presented key, with the user\'s display name' } }, async (req) => ({ ...actorOf(req), display_name: (await fg.database.rows<{ display_name: string }>(sql`select display_name from users where username = ${actorOf(req).id}`))[0]?.display_name || null }));

  app.post<{ Body: { role: Role; label?: string; institution_id?: string; patn_id?: string; paasid?: string; secret?: string } }>('/api/v1/keys', {
    schema: { tags: ['admin'], summary: 'Create an API key (shown once). Integration keys answer paasid and secret (x-tif) as separate fields; with paasid + secret in the body, a HIS\'s existing national credentials are registered', body: keyBody },
  }, async (req, reply) => {
    const b = req.body;
    const r = await fg.keys.create(actorOf(req), { role: b.role, label: b.label, institutionId: b.institution_id, patnId: b.patn_id, paasid: b.paasid, secret: b.secret });
    return reply.status(201).send({ key: r.key, ...(r.paasid ? { paasid: r.paasid, secret: r.secret } : {}), ...r.info });
  });
  app.get('/api/v1/keys', { schema: { tags: ['admin'], summary: 'API keys (never their secrets)' } }, async (req) => {
    requirePermission(actorOf(req), 'keys.manage');
    return { items: await fg.keys.list() };
  });
  app.delete<{ Params: { key_id: string } }>('/api/v1/keys/:key_id', {
    schema: { tags: ['admin'], summary: 'Revoke a key', params: { type: 'object', required: ['key_id'], properties: { key_id: str(64, { minLength: 1 }) } } },
  }, async (req, reply) => {
    await fg.keys.revoke(actorOf(req), req.params.key_id);
    return reply.status(204).send();
  });
  app.post<{ Params: { key_id: string }; Body: { secret?: string; grace_hours?: number } }>('/api/v1/keys/:key_id/rotate', {
    schema: {
      tags: ['admin'], summary: 'Rotate a key without downtime: a new key (and x-tif secret, generated or given) at once; the previous stays valid for grace_hours (default 24)',
      params: { type: 'object', required: ['key_id'], properties: { key_id: str(64, { minLength: 1 }) } },
      body: { type: 'object', additionalProperties: false, properties: { secret: str(256, { minLength: 8 }), grace_hours: { type: 'number', minimum: 0, maximum: 720 } } },
    },
  }, async (req) => {
    const r = await fg.keys.rotate(actorOf(req), req.params.key_id, { secret: req.body?.secret, graceHours: req.body?.grace_hours });
    return { key: r.key, ...(r.paasid ? { paasid: r.paasid, secret: r.secret } : {}), ...r.info };
  });

  app.post('/api/v1/keys/reseal', {
    schema: { tags: ['admin'], summary: 'After a rotation of FUNDGUARD_SECRET_KEY: re-encrypt every stored integration secret with the current server key' },
  }, async (req) => fg.keys.resealSecrets(actorOf(req)));

  app.get('/api/v1/users', { schema: { tags: ['admin'], summary: 'Users (never their passwords), with whether they are disabled, locked or must change their password' } }, async (req) => ({ items: await fg.keys.listUsers(actorOf(req)) }));
  app.post<{ Body: { username: string; password: string; role: Role; display_name?: string; institution_id?: string; dept_codg?: string; patn_id?: string; must_change_password?: boolean } }>('/api/v1/users', {
    schema: {
      tags: ['admin'], summary: 'Create a user who signs in with a password (at least 10 characters, not common, not the user name; user names unique regardless of case)',
      body: {
        type: 'object', required: ['username', 'password', 'role'], additionalProperties: false,
        properties: {
          username, password, role: { type: 'string', enum: [...ROLES] }, display_name: str(200),
          institution_id: str(64),
          dept_codg: { ...str(64), description: 'hospital users: the department (科室编码) they review for (科室初审); they see only its cases and findings. Without it a hospital user is the 医保办', examples: ['0801'] },
          patn_id: str(64), must_change_password: { type: 'boolean' },
        },
      },
    },
  }, async (req, reply) => {
    const b = req.body;
    const id = await fg.keys.createUser(actorOf(req), { username: b.username, password: b.password, role: b.role, displayName: b.display_name, institutionId: b.institution_id, deptCodg: b.dept_codg, patnId: b.patn_id, mustChangePassword: b.must_change_password });
    return reply.status(201).send({ id, username: b.username, role: b.role });
  });
  app.patch<{ Params: { username: string }; Body: { role?: Role; display_name?: string; institution_id?: string | null; patn_id?: string | null } }>('/api/v1/users/:username', {
    schema: {
      tags: ['admin'],
      summary: 'Change a user\'s role, display name or binding (institution_id for hospital users, patn_id for insured persons; null removes it). A change of role or binding ends the user\'s sessions; logged with before and after',
      params: userParams,
      body: T.Object({
        role: T.Optional(T.Union(ROLES.map((r) => T.Literal(r)), { description: 'the new role' })),
        display_name: T.Optional(tstr(200, { description: 'the person\'s name as the console shows it', examples: ['审核员 张敏'] })),
        institution_id: T.Optional(T.Union([tstr(64, { minLength: 1 }), T.Null()], { description: '定点机构编码 the user acts for (hospital users)', examples: ['H61010000001'] })),
        patn_id: T.Optional(T.Union([tstr(64, { minLength: 1 }), T.Null()], { description: 'the insured person (insured users)' })),
      }, { additionalProperties: false, minProperties: 1 }),
    },
  }, async (req) => {
    const b = req.body;
    return fg.keys.updateUser(actorOf(req), req.params.username, { role: b.role, displayName: b.display_name, institutionId: b.institution_id, patnId: b.patn_id });
  });
  app.get('/api/v1/roles', {
    schema: { tags: ['admin'], summary: 'The roles and, for every permission the server checks, which roles hold it (the table the service enforces)' },
  }, async (req) => {
    requirePermission(actorOf(req), 'users.manage');
    return { roles: [...ROLES], permissions: permissionTable() };
  });
  app.post<{ Params: { username: string }; Body: { password: string } }>('/api/v1/users/:username/password', {
    schema: {
      tags: ['admin'], summary: 'Administrator reset: a new password the user must change at the next sign-in; the user\'s sessions end and a lock is lifted',
      params: userParams, body: { type: 'object', required: ['password'], additionalProperties: false, properties: { password } },
    },
  }, async (req, reply) => {
    await fg.keys.resetPassword(actorOf(req), req.params.username, req.body.password);
    return reply.status(204).send();
  });
  app.post<{ Params: { username: string } }>('/api/v1/users/:username/disable', {
    schema: { tags: ['admin'], summary: 'Disable a user: no sign-in, every session ends at once', params: userParams },
  }, async (req, reply) => {
    await fg.keys.setDisabled(actorOf(req), req.params.username, true);
    return reply.status(204).send();
  });
  app.post<{ Params: { username: string } }>('/api/v1/users/:username/enable', {
    schema: { tags: ['admin'], summary: 'Enable a disabled user', params: userParams },
  }, async (req, reply) => {
    await fg.keys.setDisabled(actorOf(req), req.params.username, false);
    return reply.status(204).send();
  });
  app.delete<{ Params: { username: string } }>('/api/v1/users/:username/sessions', {
    schema: { tags: ['admin'], summary: 'End every session of a user', params: userParams },
  }, async (req) => ({ ended: await fg.keys.revokeSessions(actorOf(req), req.params.username) }));

  app.get<{ Querystring: AuditQuery }>('/api/v1/audit-log', {
    schema: {
      tags: ['admin'],
      summary: 'Audit log entries (append-only, hash-chained), filtered by actor, action, entity, period and text, newest first (in order of seq after `after`), with `total` for paging',
      querystring: T.Object({
        actor: T.Optional(tstr(128, { description: 'who acted: a user name (any case) or key:<key_id>', examples: ['auditor'] })),
        action: T.Optional(tstr(64, { description: 'an action, or its first part: `user` matches user.create, user.disable …', examples: ['user'] })),
        entity_type: T.Optional(tstr(64, { description: 'what was acted on', examples: ['user'] })),
        entity_id: T.Optional(tstr(200, { description: 'which one', examples: ['auditor'] })),
        from: T.Optional(T.String({ format: 'date', description: 'first day (UTC), included', examples: ['2024-01-01'] })),
        to: T.Optional(T.String({ format: 'date', description: 'the day after the last (UTC), excluded', examples: ['2024-02-01'] })),
        q: T.Optional(tstr(200, { description: 'text in the actor, the entity id or the detail', examples: ['核实'] })),
        after: T.Optional(T.Integer({ minimum: 0, maximum: 9_007_199_254_740_991, description: 'only entries after this seq, oldest first (reading the log in order)' })),
        order: T.Optional(T.Union([T.Literal('asc'), T.Literal('desc')], { description: 'by seq; default desc (asc with `after`)' })),
        limit: T.Optional(T.Integer({ minimum: 1, maximum: 1000, default: 100, description: 'rows per page' })),
        offset: T.Optional(T.Integer({ minimum: 0, maximum: 100_000_000, default: 0, description: 'rows to skip' })),
      }, { additionalProperties: false }),
    },
  }, async (req) => {
    requirePermission(actorOf(req), 'auditlog.read');
    const q = req.query;
    return fg.ctx.auditLog.search({
      actor: q.actor || undefined, action: q.action || undefined, entityType: q.entity_type || undefined, entityId: q.entity_id || undefined,
      from: q.from, to: q.to, text: q.q?.trim() || undefined, afterSeq: q.after, order: q.order ?? (q.after !== undefined ? 'asc' : 'desc'), limit: q.limit ?? 100, offset: q.offset ?? 0,
    });
  });
  app.get('/api/v1/audit-log/verify', { schema: { tags: ['admin'], summary: 'Prove the audit log chain (keyed with the server secret) and check it against the latest anchor written outside the database' } }, async (req) => {
    requirePermission(actorOf(req), 'auditlog.read');
    return fg.auditChain.verify();
  });
  app.post<{ Body: { anchor: AuditAnchor } }>('/api/v1/audit-log/verify', {
    schema: {
      tags: ['admin'], summary: 'Prove the audit log chain against a given anchor (one kept elsewhere: a copy of the anchor file or the server log)',
      body: {
        type: 'object', required: ['anchor'], additionalProperties: false,
        properties: {
          anchor: {
            type: 'object', required: ['seq', 'hash', 'at'], additionalProperties: false,
            properties: { seq: { type: 'integer', minimum: 1, maximum: 9_007_199_254_740_991 }, hash: str(128), at: str(40), key_id: { type: ['string', 'null'], maxLength: 64 }, mac: { type: ['string', 'null'], maxLength: 128 } },
          },
        },
      },
    },
  }, async (req) => {
    requirePermission(actorOf(req), 'auditlog.read');
    const a = req.body.anchor;
    return fg.auditChain.verify({ seq: a.seq, hash: a.hash, at: a.at, key_id: a.key_id ?? null, mac: a.mac ?? null });
  });

  app.get<{ Querystring: { limit?: number } }>('/api/v1/imports', {
    schema: { tags: ['imports'], summary: 'Recent imports with their outcome', querystring: { type: 'object', properties: { limit: { type: 'integer', minimum: 1, maximum: 500, default: 50 } } } },
  }, async (req) => {
    const actor = actorOf(req);
    requirePermission(actor, 'imports.read');
    // A hospital sees the imports made by its own people and keys, never another institution's.
    const bound = boundInstitution(actor);
    const items = await fg.database.rows(sql`
      select id, kind, file_name, format, status, records, replaced, warnings, actor,
        to_char(started_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') as started_at,
        to_char(finished_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') as finished_at
      from imports i
      where ${bound}::text is null
        or i.actor in (select u.username from users u where u.institution_id = ${bound} union all select 'key:' || k.key_id from api_keys k where k.institution_id = ${bound})
      order by id desc limit ${req.query.limit ?? 50}`);
    return { items };
  });

  app.get<{ Params: { id: number } }>('/api/v1/imports/:id', {
    schema: {
      tags: ['imports'], params: SerialParams('id', 'the import (import_id of a 202 answer)'),
      summary: 'One import or import job: status (validating, applying, applied, failed, interrupted), records validated and applied, bytes read, percent and ETA, then the report or the line errors',
      description: 'All or nothing: until status is applied nothing of the file is visible; failed and interrupted imports changed nothing (import the file again). Another institution\'s import answers 404.',
    },
  }, async (req) => {
    const actor = actorOf(req);
    requirePermission(actor, 'imports.read');
    return fg.importJobs.get(actor, req.params.id);
  });

  app.get<{ Params: { kind: TemplateKind } }>('/api/v1/import-templates/:kind', {
    schema: {
      tags: ['imports'], params: T.Object({ kind: T.Union(TEMPLATE_KINDS.map((k) => T.Literal(k)), { description: 'catalogue 医保目录, lists 名单, encounters 就诊数据 (sheets encounters/orders/diagnoses), policies 待遇政策参数' }) }, { additionalProperties: false }),
      summary: 'An XLSX import template: headers in Chinese with the national field names, one example row that imports as it is, and a 说明 sheet explaining each field',
    },
  }, async (req, reply) => {
    requirePermission(actorOf(req), 'imports.read');
    const t = await importTemplate(req.params.kind);
    return reply.header('content-type', 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet')
      .header('content-disposition', `attachment; filename*=UTF-8''${encodeURIComponent(t.fileName)}`).send(t.body);
  });
};
