import type { Command } from 'commander';
import { configFromEnv, startServer } from '@fundguard/api';
import { loadDemoIfEmpty } from '@fundguard/service';

export function register(program: Command): void {
  program
    .command('serve')
    .description('serve the API and console (same as npm start); configured by PORT, HOST, DATABASE_URL, FUNDGUARD_DATA_DIR, FUNDGUARD_DEMO, FUNDGUARD_ADMIN_KEY')
    .action(async () => {
      const config = configFromEnv();
      const server = await startServer(config, {
        onReady: async (fg, log) => {
          const resumed = await fg.runs.resumeUnfinished();
          if (resumed.length) log.info({ runs: resumed }, 'resuming audit runs left unfinished');
          // In-process screening runs die with their process (all-or-nothing): mark them failed so they can be run
          // again. With NATS workers another API process may be coordinating them, so they are left alone there.
          if (!fg.screening.work) {
            const failed = await fg.screening.failInterrupted();
            if (failed) log.warn({ runs: failed }, 'screening runs left running by a stopped process marked failed; start them again');
          }
        },
        onListening: async (fg, log) => {
          if (config.demo) await loadDemoIfEmpty(fg, { log: (msg, data) => log.info(data ?? {}, msg) });
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
    });
}
