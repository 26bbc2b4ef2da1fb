import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { anchorFileFromEnv, authSettingsFromEnv, FundGuard, natsConfigFromEnv, SecretBox, WorkQueue } from '@fundguard/service';
import { readLock, updateLock } from '@fundguard/store';
import { buildApp } from './app.ts';
import { overloadOptionsFromEnv } from './overload.ts';
import { readiness } from './routes/system/readiness.ts';

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
  /** the OpenAPI UI at /docs: FUNDGUARD_DOCS=1/0; default on in demo mode and NODE_ENV=development, off otherwise */
  docs?: boolean;
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
    docs: env.FUNDGUARD_DOCS ? env.FUNDGUARD_DOCS === '1' : (env.FUNDGUARD_DEMO ?? '1') === '1' || env.NODE_ENV === 'development',
  };
}

export interface RunningServer {
  app: FastifyInstance;
  fg: FundGuard;
  url: string;
  stop(): Promise<void>;
}

export interface ServerHooks {
  /**
   * Once the app serves requests, before /readyz turns 200: quick work only (the demo loader creates its users here
   * and goes on in the background, setting the readiness itself).
   */
  onListening?: (fg: FundGuard, log: FastifyInstance['log']) => Promise<void>;
}

/** Before the app is built: /healthz answers, /readyz and everything else 503 with the reason. */
function answerStarting(req: IncomingMessage, res: ServerResponse): void {
  const path = (req.url ?? '/').split('?')[0];
  const body = path === '/healthz' ? { status: 'ok', phase: readiness.get().phase } : path === '/readyz' ? readiness.body() : { error: { code: 'E_UNAVAILABLE', message: `starting: ${readiness.get().reason}; retry shortly`, issues: [] } };
  res.writeHead(path === '/healthz' ? 200 : 503, { 'content-type': 'application/json; charset=utf-8', 'retry-after': '1' });
  res.end(JSON.stringify(body));
}

const logLine = (msg: string, data: Record<string, unknown> = {}) => process.stdout.write(`${JSON.stringify({ level: 30, time: Date.now(), pid: process.pid, msg, ...data })}\n`);

/**
 * Starts the server. It listens first, so that /healthz answers from the first second and /readyz says why it is not
 * ready (503), then opens the database (locking an embedded directory, applying migrations), ensures the admin key and
 * hands the connections to the app.
 */
export async function startServer(config: ServerConfig, hooks: ServerHooks = {}): Promise<RunningServer> {
  readiness.notReady('starting', 'starting');
  // FUNDGUARD_NATS_URL: batch runs go to `fundguard worker` processes, which share the PostgreSQL database.
  const nats = natsConfigFromEnv();
  if (nats && !config.databaseUrl) throw new Error('FUNDGUARD_NATS_URL needs DATABASE_URL: workers on other processes share a PostgreSQL database, not the embedded one');
  // On PostgreSQL every process must share FUNDGUARD_SECRET_KEY (x-tif secrets, the audit chain key): a clear error first.
  const secrets = SecretBox.fromEnv(process.env, config.dataDir, { postgres: !!config.databaseUrl });
  const auth = authSettingsFromEnv(process.env, config.demo);
  const openDb = (work: WorkQueue | null) => FundGuard.open({
    url: config.databaseUrl, dataDir: config.dataDir, lockInfo: { port: config.port, host_bind: config.host },
    secrets, work, auth, anchorFile: anchorFileFromEnv(process.env, config.dataDir),
  });
  // An embedded directory another live process owns: fail with its E_LOCKED (who owns it) before taking the port.
  // (Should the owner have died meanwhile, the directory is simply opened first.)
  const openedEarly = !config.databaseUrl && readLock(config.dataDir) ? await openDb(null) : null;
  let handle: (req: IncomingMessage, res: ServerResponse) => void = answerStarting;
  const server = createServer((req, res) => handle(req, res));
  // Fastify's own defaults (its server is not used): keep-alive 72 s, no request timeout (large imports).
  server.keepAliveTimeout = 72_000;
  server.requestTimeout = 0;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(config.port, config.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  const address = `http://${config.host.includes(':') ? `[${config.host}]` : config.host}:${port}`;
  const t0 = performance.now();
  const ms = () => Math.round(performance.now() - t0);
  logLine('FundGuard accepting connections; starting', { address });
  const closeServer = () => new Promise<void>((resolve) => {
    server.close(() => resolve());
    server.closeIdleConnections();
  });
  let fg: FundGuard;
  let work: WorkQueue | null = null;
  if (openedEarly) fg = openedEarly;
  else {
    try {
      work = nats ? await WorkQueue.open(nats) : null;
      readiness.notReady('opening database', config.databaseUrl ? 'connecting to PostgreSQL and applying migrations' : 'opening the embedded database and applying migrations');
      fg = await openDb(work);
      logLine('database open', { database: fg.database.kind, ms: ms() });
    } catch (e) {
      await work?.close().catch(() => undefined);
      await closeServer();
      throw e;
    }
  }
  let app: FastifyInstance | null = null;
  try {
    app = await buildApp({ fg, overload: overloadOptionsFromEnv(), docs: config.docs ?? config.demo, logger: { level: process.env.LOG_LEVEL ?? 'info', redact: ['req.headers.authorization', 'req.headers.apikey'] } });
    // Never the rows themselves (patients' data): the table, how many rows, the SQLSTATE.
    fg.ctx.realtime.onFlushError = (e, ev) => app?.log.error(ev ? { table: ev.table, rows: ev.rows, code: 'code' in ev ? ev.code : undefined, event: ev.kind } : { err: e },
      ev?.kind === 'rows_refused' ? 'background writer: rows refused by the database were set aside (counted in /metrics); the rest were written'
        : ev?.kind === 'queue_full' ? 'background writer: queue full, rows dropped' : 'background write failed; the rows stay queued and are retried');
    fg.runs.onWarning = (run, warning) => app?.log.warn({ run, stream: work?.config.stream }, `audit run ${run}: ${warning}`);
    fg.screening.onWarning = (run, warning) => app?.log.warn({ run, stream: work?.config.stream }, `screening run ${run}: ${warning}`);
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
    // Import jobs are all-or-nothing: one whose process stopped applied nothing, and is marked so (import the file again).
    const failInterruptedImports = async () => {
      const ids = await fg.importJobs.failInterrupted();
      if (ids.length) app?.log.warn({ imports: ids }, 'import jobs of a process that stopped marked interrupted (nothing applied); import the files again');
    };
    // The audit chain: a marker when it is first keyed (or the server secret was rotated), then anchors of its head
    // outside the database (the anchor file and this log), so that `fundguard verify` notices a rewritten or cut tail.
    const anchor = async (force = false) => {
      const a = await fg.auditChain.writeAnchor(force);
      if (a) app?.log.info({ audit_anchor: a }, 'audit log anchor');
    };
    if (config.lead) {
      const keyed = await fg.auditChain.ensureKeyed();
      if (keyed) app.log.info({ key_id: fg.ctx.auditLog.currentKeyId }, keyed === 'keyed' ? 'audit log chain keyed from now on' : 'audit log chain key rotated');
      await anchor(true);
      await takeOverAuditRuns();
      await failInterruptedScreening();
      await failInterruptedImports();
    }
    await app.ready();
    handle = app.routing;
    app.log.info({ ms: ms() }, 'API ready');
    let localKeyId: string | null = null;
    if (fg.database.lockFile) {
      // The embedded directory is ours alone; `fundguard import` on this machine sends its work here instead,
      // with a short-lived admin key that only the lock file (mode 0600) holds.
      // A crashed process never expired its key: whatever local key is left is revoked before a new one is issued.
      const stale = await fg.keys.revokeStaleLocalKeys();
      if (stale) app.log.info({ revoked: stale }, 'local CLI keys of an earlier process revoked');
      const local = await fg.keys.issueLocalKey(7 * 24);
      localKeyId = local.keyId;
      updateLock(fg.database.lockFile, { url: `http://127.0.0.1:${port}`, local_key: local.key });
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
      ['import job take-over', failInterruptedImports],
      ['audit log anchor', () => anchor()],
    ];
    const sweep = setInterval(() => {
      if (!config.lead) return;
      for (const [name, chore] of chores) chore().catch((e) => app?.log.error({ err: e }, `${name} failed`));
    }, Number(process.env.FUNDGUARD_SWEEP_MS ?? 60_000));
    sweep.unref();
    await hooks.onListening?.(fg, app.log);
    if (readiness.get().phase === 'opening database') readiness.ready(); // else the hook's background work says when
    app.log.info({ address, database: fg.database.kind, ready: readiness.get().phase === 'ready' }, 'FundGuard listening');
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
            const closing = closeServer(); // stops accepting, finishes in-flight requests
            await running.close();
            await closing;
            await fg.runs.stop(); // batch runs stop after their chunk in flight and resume on the next start
            if (localKeyId) await fg.keys.expireLocalKey(localKeyId).catch(() => undefined);
            if (config.lead) await anchor().catch((e) => running.log.error({ err: e }, 'audit log anchor failed'));
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
    await closeServer();
    throw e;
  }
}
