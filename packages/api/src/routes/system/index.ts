import type { FastifyPluginAsync } from 'fastify';
import type { FundGuard } from '@fundguard/service';
import type { LoadStats } from '../../overload.ts';
import { readiness } from './readiness.ts';

export { readiness } from './readiness.ts';

/** A database that does not answer this fast is reported as not ready instead of letting the probe hang. */
const READY_QUERY_MS = 2000;

export const systemRoutes: FastifyPluginAsync<{ fg: FundGuard; load?: () => LoadStats }> = async (app, { fg, load }) => {
  // Never touches the database: it answers while an import or the demo load keeps the embedded database busy.
  app.get('/healthz', { schema: { tags: ['system'], summary: 'process is up', security: [] } }, async () => ({ status: 'ok', phase: readiness.get().phase }));
  app.get('/readyz', { schema: { tags: ['system'], summary: 'database reachable and migrated; 503 with the reason (and progress) until then', security: [] } }, async (_req, reply) => {
    if (readiness.get().reason) return reply.status(503).header('retry-after', '1').send({ ...readiness.body(), database: fg.database.kind });
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<'timeout'>((resolve) => (timer = setTimeout(() => resolve('timeout'), READY_QUERY_MS)));
    const ok = await Promise.race([fg.database.ready(), timeout]).finally(() => clearTimeout(timer));
    if (ok === 'timeout') return reply.status(503).header('retry-after', '1').send({ status: 'not ready', reason: `the database did not answer within ${READY_QUERY_MS} ms`, database: fg.database.kind });
    // The background writer's queue and failures, and the load, are reported; they do not change readiness.
    return reply.status(ok ? 200 : 503).send({ status: ok ? 'ready' : 'not ready', database: fg.database.kind, ...(ok ? {} : { reason: 'migrations not applied' }), writer: fg.ctx.realtime.stats(), load: load?.() });
  });
  // Prometheus text format; counters and gauges only, no personal data.
  app.get('/metrics', { schema: { tags: ['system'], summary: 'process metrics (Prometheus text format)', security: [] } }, async (_req, reply) => {
    const w = fg.ctx.realtime.stats();
    const l = load?.();
    const lines: string[] = [];
    const metric = (name: string, type: 'gauge' | 'counter', help: string, values: [Record<string, string>, number][]) => {
      lines.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`);
      for (const [labels, v] of values) {
        const l = Object.entries(labels).map(([k, x]) => `${k}="${x}"`).join(',');
        lines.push(`${name}${l ? `{${l}}` : ''} ${v}`);
      }
    };
    metric('fundguard_writer_queue_depth', 'gauge', 'rows waiting in the background writer', [[{ table: 'realtime_warnings' }, w.queued_warnings], [{ table: 'fsi_calls' }, w.queued_calls]]);
    metric('fundguard_writer_queue_max', 'gauge', 'bound of each writer queue', [[{}, w.queue_max]]);
    metric('fundguard_writer_rows_written_total', 'counter', 'rows written by the background writer', [[{ table: 'realtime_warnings' }, w.written_warnings], [{ table: 'fsi_calls' }, w.written_calls]]);
    metric('fundguard_writer_rows_refused_total', 'counter', 'rows the database refused, set aside', [[{ table: 'realtime_warnings' }, w.failed_warnings], [{ table: 'fsi_calls' }, w.failed_calls]]);
    metric('fundguard_writer_rows_dropped_total', 'counter', 'rows dropped because the queue was full', [[{ table: 'realtime_warnings' }, w.dropped_warnings], [{ table: 'fsi_calls' }, w.dropped_calls]]);
    metric('fundguard_writer_retried_writes_total', 'counter', 'writes kept for a retry (database unreachable)', [[{}, w.retried_writes]]);
    if (l) {
      metric('fundguard_http_in_flight', 'gauge', 'admitted API requests not yet answered', [[{}, l.in_flight]]);
      metric('fundguard_http_admitted_total', 'counter', 'API requests admitted', [[{}, l.admitted]]);
      metric('fundguard_http_shed_total', 'counter', 'API requests refused with 503 at arrival', [[{ reason: 'in_flight' }, l.shed_in_flight], [{ reason: 'event_loop' }, l.shed_event_loop]]);
      metric('fundguard_event_loop_delay_ms', 'gauge', 'worst event-loop delay of the last sample interval', [[{}, l.event_loop_delay_ms]]);
    }
    return reply.type('text/plain; version=0.0.4').send(`${lines.join('\n')}\n`);
  });
};
