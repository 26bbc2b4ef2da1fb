import cluster, { type Worker } from 'node:cluster';
import { availableParallelism } from 'node:os';
import type { Command } from 'commander';
import type { ServerConfig } from '@fundguard/api/server.ts';

/** FUNDGUARD_API_PROCESSES: a whole number ≥ 1, or `auto` (one per core). */
export function apiProcesses(env: NodeJS.ProcessEnv = process.env): number {
  const raw = (env.FUNDGUARD_API_PROCESSES ?? '1').trim();
  if (raw === 'auto') return availableParallelism();
  if (!/^[1-9]\d*$/.test(raw)) throw new Error(`FUNDGUARD_API_PROCESSES=${raw}: expected a whole number ≥ 1 or "auto"`);
  return Number(raw);
}

export function register(program: Command): void {
  program
    .command('serve')
    .description('serve the API and console (same as npm start); configured by PORT, HOST, DATABASE_URL, FUNDGUARD_DATA_DIR, FUNDGUARD_DEMO, FUNDGUARD_ADMIN_KEY, FUNDGUARD_API_PROCESSES')
    .action(async () => {
      const { configFromEnv } = await import('@fundguard/api/server.ts');
      const config = configFromEnv();
      const processes = cluster.isPrimary ? apiProcesses() : 1;
      if (processes > 1) return superviseCluster(processes, config);
      return serveOne(config);
    });
}

async function serveOne(config: ServerConfig): Promise<void> {
  const [{ startServer }, { startDemoIfEmpty }, { readiness }] = await Promise.all([
    import('@fundguard/api/server.ts'), import('@fundguard/service/demo.ts'), import('@fundguard/api/routes/system/readiness.ts'),
  ]);
  const server = await startServer(config, {
    // Demo users first (sign-in works at once); the rest loads in the background while /readyz says how far it got.
    onListening: async (fg, log) => {
      if (!config.demo || !config.lead) return;
      const demo = await startDemoIfEmpty(fg, {
        log: (msg, data) => log.info(data ?? {}, msg),
        onProgress: (percent, what) => readiness.notReady('loading demo data', `loading demo data: ${what}`, percent),
      });
      if (!demo) return;
      demo.done.then(
        () => readiness.ready(),
        (e) => {
          log.error({ err: e }, 'loading the demo data failed; the server goes on with what was loaded');
          readiness.ready();
        },
      );
    },
  });
  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) return;
    stopping = true;
    server.app.log.info({ signal }, 'shutting down');
    // Whatever happens, exit within 10 s (interfaces.md).
    const force = setTimeout(() => {
      server.app.log.error('shutdown took longer than 10 s; exiting');
      process.exit(1);
    }, 9_500);
    force.unref();
    server.stop().then(
      () => process.exit(0),
      (e) => {
        server.app.log.error({ err: e }, 'error during shutdown');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));
}

/**
 * Several API processes on one port (node:cluster shares the listening socket; connections are dealt round-robin).
 * They share the PostgreSQL database and keep each other's caches current through the change feed. The lead starts
 * first (migrations, the admin key, demo data) and the others once it listens; a process that dies is started again.
 */
async function superviseCluster(processes: number, config: ServerConfig): Promise<void> {
  if (!config.databaseUrl) {
    throw new Error(`FUNDGUARD_API_PROCESSES=${processes} needs DATABASE_URL: only one process may open the embedded database`);
  }
  // A young generation of 32 MB (V8's default is 16): a 3101 body is ~50 KB of short-lived objects, and the smaller
  // one promotes them into the old generation, whose collections then cost throughput (measured: +23 % 3101/s).
  if (!process.execArgv.some((a) => a.startsWith('--max-semi-space-size'))) cluster.setupPrimary({ execArgv: [...process.execArgv, '--max-semi-space-size=32'] });
  const log = (msg: string, data: Record<string, unknown> = {}) => process.stdout.write(`${JSON.stringify({ level: 30, time: Date.now(), pid: process.pid, msg, ...data })}\n`);
  const indexOf = new Map<Worker, number>();
  /** restarts of each process within the last minute, for a growing pause when one keeps dying */
  const recentRestarts = new Map<number, number[]>();
  let stopping = false;
  let started = false;
  const fork = (index: number): Worker => {
    const w = cluster.fork({ FUNDGUARD_PROCESS_ROLE: index === 0 ? 'lead' : 'replica', FUNDGUARD_PROCESS_INDEX: String(index) });
    indexOf.set(w, index);
    return w;
  };
  cluster.on('exit', (w, code, signal) => {
    const index = indexOf.get(w)!;
    indexOf.delete(w);
    if (stopping || !started) {
      if (stopping && indexOf.size === 0) process.exit(0);
      return; // a lead that fails to start fails the whole start (below)
    }
    const now = Date.now();
    const recent = (recentRestarts.get(index) ?? []).filter((t) => now - t < 60_000);
    recentRestarts.set(index, [...recent, now]);
    const pause = Math.min(30_000, 1000 * 2 ** recent.length); // 1 s, 2 s, 4 s … while it keeps dying
    log('API process exited; starting it again', { index, code, signal, in_ms: pause });
    setTimeout(() => stopping || fork(index), pause);
  });
  const shutdown = () => {
    if (stopping) return;
    stopping = true;
    for (const w of indexOf.keys()) w.process.kill('SIGTERM');
    setTimeout(() => process.exit(1), 9_800).unref(); // each process exits within 10 s on its own
  };
  process.on('SIGTERM', shutdown);
  process.on('SIGINT', shutdown);
  const lead = fork(0);
  await new Promise<void>((resolve, reject) => {
    lead.once('listening', () => resolve());
    lead.once('exit', (code) => reject(new Error(`the lead API process exited during start-up (code ${code})`)));
  });
  started = true;
  const replicas = Array.from({ length: processes - 1 }, (_, i) => fork(i + 1));
  await Promise.all(replicas.map((w) => new Promise((resolve) => w.once('listening', resolve).once('exit', resolve))));
  log('FundGuard API processes listening', { processes });
}
