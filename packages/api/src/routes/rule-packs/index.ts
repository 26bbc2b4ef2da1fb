import type { FastifyPluginAsync } from 'fastify';
import { parsePackText, type FundGuard } from '@fundguard/service';
import { actorOf } from '../../auth.ts';
import { Id, T } from '../../schemas.ts';

const PackName = Id('pack name', 100, 'xian-basic');
const Version = Id('version', 50, '2024.1');
export const packParams = T.Object({ pack: PackName }, { additionalProperties: false });
export const packVersionParams = T.Object({ pack: PackName, version: Version }, { additionalProperties: false });

/** Rule packs as versioned data (interfaces.md): upload (JSON or YAML), activate, list, versions, content, diff. */
export const rulePackRoutes: FastifyPluginAsync<{ fg: FundGuard }> = async (app, { fg }) => {
  app.addContentTypeParser(['application/yaml', 'application/x-yaml', 'text/yaml'], { parseAs: 'string' }, (_req, body, done) => done(null, body));

  app.post<{ Querystring: { activate?: boolean } }>('/api/v1/rule-packs', {
    schema: {
      tags: ['rule-packs'], summary: 'Validate and store a pack as a new draft version (JSON, or YAML with content-type application/yaml); 400 lists every error',
      querystring: T.Object({ activate: T.Optional(T.Boolean({ default: false, description: 'activate the new version at once' })) }),
      body: T.Union([T.Object({}, { description: 'the pack (rule-pack.md), JSON' }), T.String({ description: 'the pack as YAML (content-type application/yaml)', maxLength: 16 * 1024 * 1024 })]),
    },
  }, async (req, reply) => {
    const ct = String(req.headers['content-type'] ?? '');
    const pack = typeof req.body === 'string' ? parsePackText(req.body, ct) : req.body;
    const r = await fg.packs.upload(actorOf(req), pack, { activate: req.query.activate === true });
    return reply.status(r.unchanged ? 200 : 201).send(r);
  });

  app.post<{ Params: { pack: string; version: string } }>('/api/v1/rule-packs/:pack/versions/:version/activate', {
    schema: { tags: ['rule-packs'], summary: 'Make a version the active one (atomic switch; the previous stays in history)', params: packVersionParams },
  }, async (req) => fg.packs.activate(actorOf(req), req.params.pack, req.params.version));

  app.get('/api/v1/rule-packs', { schema: { tags: ['rule-packs'], summary: 'Packs with their active version' } }, async (req) => {
    const items = await fg.packs.packs(actorOf(req));
    return { items, active: fg.rules.snapshot().versions };
  });

  app.get<{ Params: { pack: string } }>('/api/v1/rule-packs/:pack/versions', { schema: { tags: ['rule-packs'], summary: 'Versions with author, time, status and change summary', params: packParams } },
    async (req) => ({ items: await fg.packs.versions(actorOf(req), req.params.pack) }));

  app.get<{ Params: { pack: string; version: string } }>('/api/v1/rule-packs/:pack/versions/:version', { schema: { tags: ['rule-packs'], summary: 'The pack content of a version', params: packVersionParams } },
    async (req) => fg.packs.content(actorOf(req), req.params.pack, req.params.version));

  app.get<{ Params: { pack: string }; Querystring: { from: string; to: string } }>('/api/v1/rule-packs/:pack/diff', {
    schema: { tags: ['rule-packs'], summary: 'Field-by-field differences between two versions', params: packParams, querystring: T.Object({ from: Version, to: Version }) },
  }, async (req) => fg.packs.diff(actorOf(req), req.params.pack, req.query.from, req.query.to));
};
