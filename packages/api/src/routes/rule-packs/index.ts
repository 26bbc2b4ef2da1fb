import type { FastifyPluginAsync } from 'fastify';
import { parsePackText, type FundGuard } from '@fundguard/service';
import { actorOf } from '../../auth.ts';

/** Rule packs as versioned data (interfaces.md): upload (JSON or YAML), activate, list, versions, content, diff. */
export const rulePackRoutes: FastifyPluginAsync<{ fg: FundGuard }> = async (app, { fg }) => {
  app.addContentTypeParser(['application/yaml', 'application/x-yaml', 'text/yaml'], { parseAs: 'string' }, (_req, body, done) => done(null, body));

  app.post<{ Querystring: { activate?: boolean } }>('/api/v1/rule-packs', {
    schema: {
      tags: ['rule-packs'], summary: 'Validate and store a pack as a new draft version (JSON, or YAML with content-type application/yaml); 400 lists every error',
      querystring: { type: 'object', properties: { activate: { type: 'boolean', default: false } } },
    },
  }, async (req, reply) => {
    const ct = String(req.headers['content-type'] ?? '');
    const pack = typeof req.body === 'string' ? parsePackText(req.body, ct) : req.body;
    const r = await fg.packs.upload(actorOf(req), pack, { activate: req.query.activate === true });
    return reply.status(r.unchanged ? 200 : 201).send(r);
  });

  app.post<{ Params: { pack: string; version: string } }>('/api/v1/rule-packs/:pack/versions/:version/activate', {
    schema: { tags: ['rule-packs'], summary: 'Make a version the active one (atomic switch; the previous stays in history)' },
  }, async (req) => fg.packs.activate(actorOf(req), req.params.pack, req.params.version));

  app.get('/api/v1/rule-packs', { schema: { tags: ['rule-packs'], summary: 'Packs with their active version' } }, async (req) => {
    const items = await fg.packs.packs(actorOf(req));
    return { items, active: fg.rules.snapshot().versions };
  });

  app.get<{ Params: { pack: string } }>('/api/v1/rule-packs/:pack/versions', { schema: { tags: ['rule-packs'], summary: 'Versions with author, time, status and change summary' } },
    async (req) => ({ items: await fg.packs.versions(actorOf(req), req.params.pack) }));

  app.get<{ Params: { pack: string; version: string } }>('/api/v1/rule-packs/:pack/versions/:version', { schema: { tags: ['rule-packs'], summary: 'The pack content of a version' } },
    async (req) => fg.packs.content(actorOf(req), req.params.pack, req.params.version));

  app.get<{ Params: { pack: string }; Querystring: { from: string; to: string } }>('/api/v1/rule-packs/:pack/diff', {
    schema: { tags: ['rule-packs'], summary: 'Field-by-field differences between two versions', querystring: { type: 'object', required: ['from', 'to'], properties: { from: { type: 'string' }, to: { type: 'string' } } } },
  }, async (req) => fg.packs.diff(actorOf(req), req.params.pack, req.query.from, req.query.to));
};
