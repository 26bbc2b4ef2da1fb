import type { Command } from 'commander';
import { CliInputError } from '../exit.ts';

/** `fundguard worker`: a batch-work process (many may run, on many hosts) taking chunks from NATS JetStream. */
export function register(program: Command): void {
  program
    .command('worker')
    .description('take batch-audit chunks from the NATS JetStream work queue (FUNDGUARD_NATS_URL) and write their findings to the shared PostgreSQL (DATABASE_URL); runs until SIGTERM/SIGINT')
    .option('--nats <url>', 'NATS server (default FUNDGUARD_NATS_URL)')
    .option('--name <name>', 'worker name recorded on the chunks it does (default host:pid)')
    .action(async (o: { nats?: string; name?: string }) => {
      const { FundGuard, natsConfigFromEnv, startWorker, WorkQueue } = await import('@fundguard/service');
      const config = natsConfigFromEnv({ ...process.env, ...(o.nats ? { FUNDGUARD_NATS_URL: o.nats } : {}) });
      if (!config) throw new CliInputError('no NATS server: set FUNDGUARD_NATS_URL or give --nats nats://host:4222');
      if (!process.env.DATABASE_URL) throw new CliInputError('workers share the system of record: set DATABASE_URL to the PostgreSQL server the API uses');
      const work = await WorkQueue.open(config);
      const fg = await FundGuard.open({ url: process.env.DATABASE_URL }).catch(async (e) => {
        await work.close();
        throw e;
      });
      const log = (msg: string, data: Record<string, unknown> = {}) => process.stdout.write(`${JSON.stringify({ time: new Date().toISOString(), msg, ...data })}\n`);
      const pause = Number(process.env.FUNDGUARD_FAULT_PAUSE_MS ?? 0);
      const worker = await startWorker(fg, work, { name: o.name, log, ...(pause ? { pauseBeforeCommitMs: pause } : {}) });
      const shutdown = async () => {
        log('worker stopping', { worker: worker.name });
        await worker.stop(); // the task in hand finishes and is acked first
        await fg.close();
        process.exit(0);
      };
      process.once('SIGTERM', () => void shutdown());
      process.once('SIGINT', () => void shutdown());
      await worker.done;
    });
}
