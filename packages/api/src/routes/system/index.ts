import type { FastifyPluginAsync } from 'fastify';
import type { FundGuard } from '@fundguard/service';
import { readiness } from './readiness.ts';

export { readiness } from './readiness.ts';

/** A database that does not answer this fast is reported as not ready instead of letting the probe hang. */
const READY_QUERY_MS = 2000;

export const systemRoutes: FastifyPluginAsync<{ fg: FundGuard }> = async (app, { fg }) => {
  // Never touches the database: it answers while an import or the demo load keeps the embedded database busy.
  app.get('/healthz', { schema: { tags: ['system'], summary: 'process is up', security: [] } }, async () => ({ status: 'ok', phase: readiness.get().phase }));
  app.get('/readyz', { schema: { tags: ['system'], summary: 'database reachable and migrated; 503 with the reason (and progress) until then', security: [] } }, async (_req, reply) => {
    if (readiness.get().reason) return reply.status(503).header('retry-after', '1').send({ ...readiness.body(), database: fg.database.kind });
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<'timeout'>((resolve) => (timer = setTimeout(() => resolve('timeout'), READY_QUERY_MS)));
    const ok = await Promise.race([fg.database.ready(), timeout]).finally(() => clearTimeout(timer));
    if (ok === 'timeout') return reply.status(503).header('retry-after', '1').send({ status: 'not ready', reason: `the database did not answer within ${READY_QUERY_MS} ms`, database: fg.database.kind });
    return reply.status(ok ? 200 : 503).send({ status: ok ? 'ready' : 'not ready', database: fg.database.kind, ...(ok ? {} : { reason: 'migrations not applied' }) });
  });
};
