import type { FastifyInstance } from 'fastify';
import { FundGuard, natsConfigFromEnv, SecretBox, WorkQueue } from '@fundguard/service';
import { updateLock } from '@fundguard/store';
import { buildApp } from './app.ts';
import { overloadOptionsFromEnv } from './overload.ts';

export interface ServerConfig {
  port: number;
  host: string;
  databaseUrl?: string;
  dataDir: string;
  demo: boolean;
  adminKey?: string;
  /**
   * Several API processes may serve one PostgreSQL database (FUNDGUARD_API_PROCESSES); one of them, the lead, also
   * does the process-wide chores: resuming runs, loading demo data, the case deadline sweep. A single process leads.
   */
  lead: boolean;
}

export function configFromEnv(env: NodeJS.ProcessEnv = process.env): ServerConfig {
  return {
    port: Number(env.PORT ?? 8080),
    host: env.HOST ?? '127.0.0.1',
    databaseUrl: env.DATABASE_URL || undefined,
    dataDir: env.FUNDGUARD_DATA_DIR ?? './data',
    demo: (env.FUNDGUARD_DEMO ?? '1') === '1',
    adminKey: env.FUNDGUARD_ADMIN_KEY || undefined,
    lead: (env.FUNDGUARD_PROCESS_ROLE ?? 'lead') === 'lead',
  };
}

export interface RunningServer {
  app: FastifyInstance;
  fg: FundGuard;
  url: string;
  stop(): Promise<void>;
}

/** Starts the server: opens the database (locking an embedded directory), ensures the admin key, listens. */
export interface ServerHooks {
  /** once listening (demo data loads here, so the server answers health checks at once) */
  onListening?: (fg: FundGuard, log: FastifyInstance['log']) => Promise<void>;
}

export async function startServer(config: ServerConfig, hooks: ServerHooks = {}): Promise<RunningServer> {
  // FUNDGUARD_NATS_URL: batch runs go to `fundguard worker` processes, which share the PostgreSQL database.
  const nats = natsConfigFromEnv();
  if (nats && !config.databaseUrl) throw new Error('FUNDGUARD_NATS_URL needs DATABASE_URL: workers on other processes share a PostgreSQL database, not the embedded one');
  const work = nats ? await WorkQueue.open(nats) : null;
  const fg = await FundGuard.open({
    url: config.databaseUrl, dataDir: config.dataDir, lockInfo: { port: config.port, host_bind: config.host },
    secrets: SecretBox.fromEnv(process.env, config.dataDir), work,
  }).catch(async (e) => {
    await work?.close();
    throw e;
  });
  let app: FastifyInstance | null = null;
  try {
    app = await buildApp({ fg, overload: overloadOptionsFromEnv(), logger: { level: process.env.LOG_LEVEL ?? 'info', redact: ['req.headers.authorization', 'req.headers.apikey'] } });
    // Never the rows themselves (patients' data): the table, how many rows, the SQLSTATE.
    fg.ctx.realtime.onFlushError = (e, ev) => app?.log.error(ev ? { table: ev.table, rows: ev.rows, code: 'code' in ev ? ev.code : undefined, event: ev.kind } : { err: e },
      ev?.kind === 'rows_refused' ? 'background writer: rows refused by the database were set aside (counted in /metrics); the rest were written'
        : ev?.kind === 'queue_full' ? 'background writer: queue full, rows dropped' : 'background write failed; the rows stay queued and are retried');
    fg.runs.onWarning = (run, warning) => app?.log.warn({ run, stream: work?.config.stream }, `audit run ${run}: ${warning}`);
    fg.ctx.changes.onError = (e, change) => app?.log.error({ err: e, change }, 'applying a change made by another process failed');
    const admin = await fg.keys.ensureAdminKey(config.adminKey);
    if (admin.key) {
      // Printed once, on the first start only; it is stored hashed.
      process.stdout.write(`\n  FundGuard admin API key (shown once, keep it): ${admin.key}\n\n`);
    }
    // Runs whose process is gone (run-lease.ts): batch runs resume, screening runs (all-or-nothing) are failed so they
    // can be started again; runs of live processes are left to them. The lead does this before listening and then
    // with its other chores, so that runs of a process that died beside live ones are picked up too.
    const takeOverAuditRuns = async () => {
      const resumed = await fg.runs.resumeUnfinished();
      if (resumed.length) app?.log.info({ runs: resumed }, 'resuming audit runs of a process that stopped');
    };
    const failInterruptedScreening = async () => {
      const failed = await fg.screening.failInterrupted();
      if (failed) app?.log.warn({ runs: failed }, 'screening runs of a process that stopped marked failed; start them again');
    };
    if (config.lead) {
      await takeOverAuditRuns();
      await failInterruptedScreening();
    }
    const address = await app.listen({ port: config.port, host: config.host });
    app.log.info({ address, database: fg.database.kind }, 'FundGuard listening');
    let localKeyId: string | null = null;
    if (fg.database.lockFile) {
      // The embedded directory is ours alone; `fundguard import` on this machine sends its work here instead,
      // with a short-lived admin key that only the lock file (mode 0600) holds.
      const local = await fg.keys.issueLocalKey(7 * 24);
      localKeyId = local.keyId;
      updateLock(fg.database.lockFile, { url: `http://127.0.0.1:${(app.server.address() as { port: number }).port}`, local_key: local.key });
    }
    // The lead's chores, a minute apart: case deadlines (explanations, SLA per review level, appeals) move on
    // without anyone asking, and runs are taken over as above. Each on its own: one that keeps failing must not stop
    // the others.
    const chores: [string, () => Promise<void>][] = [
      ['case deadline sweep', async () => {
        const r = await fg.cases.sweepDeadlines({ id: 'system', role: 'admin' });
        if (r.moved.length || r.escalated.length) app?.log.info(r, 'case deadlines swept');
      }],
      ['audit run take-over', takeOverAuditRuns],
      ['screening run take-over', failInterruptedScreening],
    ];
    const sweep = setInterval(() => {
      if (!config.lead) return;
      for (const [name, chore] of chores) chore().catch((e) => app?.log.error({ err: e }, `${name} failed`));
    }, Number(process.env.FUNDGUARD_SWEEP_MS ?? 60_000));
    sweep.unref();
    await hooks.onListening?.(fg, app.log);
    const running = app;
    let stopping: Promise<void> | null = null;
    return {
      app: running,
      fg,
      url: address,
      stop() {
        stopping ??= (async () => {
          try {
            clearInterval(sweep);
            await running.close(); // stops accepting, finishes in-flight requests
            await fg.runs.stop(); // batch runs stop after their chunk in flight and resume on the next start
            if (localKeyId) await fg.keys.expireLocalKey(localKeyId).catch(() => undefined);
          } finally {
            await fg.close();
          }
        })();
        return stopping;
      },
    };
  } catch (e) {
    await app?.close().catch(() => undefined);
    await fg.close();
    throw e;
  }
}
