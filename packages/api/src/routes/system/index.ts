import type { FastifyPluginAsync } from 'fastify';
import type { FundGuard } from '@fundguard/service';

export const systemRoutes: FastifyPluginAsync<{ fg: FundGuard }> = async (app, { fg }) => {
  app.get('/healthz', { schema: { tags: ['system'], summary: 'process is up', security: [] } }, async () => ({ status: 'ok' }));
  app.get('/readyz', { schema: { tags: ['system'], summary: 'database reachable and migrated', security: [] } }, async (_req, reply) => {
    const ok = await fg.database.ready();
    return reply.status(ok ? 200 : 503).send({ status: ok ? 'ready' : 'not ready', database: fg.database.kind });
  });
};
