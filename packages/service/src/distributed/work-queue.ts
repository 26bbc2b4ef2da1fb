import { readFileSync } from 'node:fs';
import { connect, credsAuthenticator, nanos, type NatsConnection } from '@nats-io/transport-node';
import { AckPolicy, jetstream, jetstreamManager, RetentionPolicy, type JetStreamClient, type JsMsg } from '@nats-io/jetstream';
import { FundGuardError } from '@fundguard/core';

/** Where the work goes: NATS JetStream (an existing, proven engine) with PostgreSQL as the system of record. */
export interface NatsConfig {
  url: string;
  user?: string;
  pass?: string;
  token?: string;
  /** a .creds file (NATS decentralised auth) */
  creds?: string;
  /** the work-queue stream; its subjects are `<stream>.>` (lower-cased) */
  stream: string;
  /** redelivery after this long without an ack or a heartbeat: how soon a dead worker's chunk moves on */
  ackWaitMs: number;
  /** deliveries of one chunk before the run is failed (a chunk that kills every worker must not loop forever) */
  maxDeliver: number;
  /**
   * ackWaitMs and maxDeliver are settings of the one durable consumer that every process shares: a process whose
   * values differ from the consumer's is refused, unless this is set (FUNDGUARD_NATS_RECONFIGURE=1), which changes
   * them for the whole deployment.
   */
  reconfigure?: boolean;
}

/** FUNDGUARD_NATS_URL switches batch work to NATS workers; without it, work stays in-process (the one-machine default). */
export function natsConfigFromEnv(env: NodeJS.ProcessEnv = process.env): NatsConfig | null {
  if (!env.FUNDGUARD_NATS_URL) return null;
  return {
    url: env.FUNDGUARD_NATS_URL, user: env.FUNDGUARD_NATS_USER || undefined, pass: env.FUNDGUARD_NATS_PASS || undefined,
    token: env.FUNDGUARD_NATS_TOKEN || undefined, creds: env.FUNDGUARD_NATS_CREDS || undefined,
    stream: env.FUNDGUARD_NATS_STREAM || 'FUNDGUARD_WORK', ackWaitMs: Number(env.FUNDGUARD_NATS_ACK_WAIT_MS ?? 60_000),
    maxDeliver: Number(env.FUNDGUARD_NATS_MAX_DELIVER ?? 10), reconfigure: env.FUNDGUARD_NATS_RECONFIGURE === '1',
  };
}

/** One unit of distributed work. Screens are partitioned by institution, batch audit by chunks of patients. */
export type WorkTask = { kind: 'audit'; run_id: number; chunk_no: number } | { kind: 'screen'; run_id: number; medins_id: string };

const CONSUMER = 'workers';

/** A JetStream work-queue stream and its one durable pull consumer, shared by every worker process. */
export class WorkQueue {
  /** true when this process created the stream (a worker that did so with a mistyped name would wait forever: logged) */
  createdStream = false;

  private constructor(readonly nc: NatsConnection, private readonly js: JetStreamClient, readonly config: NatsConfig) {}

  get subject(): string {
    return `${this.config.stream.toLowerCase()}.task`;
  }

  /** Connects and makes sure the stream and consumer exist; an unreachable server is a clear error at once. */
  static async open(config: NatsConfig): Promise<WorkQueue> {
    let nc: NatsConnection;
    try {
      nc = await connect({
        servers: config.url, timeout: 3000, name: 'fundguard', maxReconnectAttempts: -1,
        ...(config.user ? { user: config.user, pass: config.pass } : {}),
        ...(config.token ? { token: config.token } : {}),
        ...(config.creds ? { authenticator: credsAuthenticator(readFileSync(config.creds)) } : {}),
      });
    } catch (e) {
      throw new FundGuardError('E_UNAVAILABLE', `NATS at ${config.url} is unreachable (${(e as Error).message}): start nats-server with JetStream (-js), or unset FUNDGUARD_NATS_URL to run work in-process`);
    }
    try {
      const jsm = await jetstreamManager(nc);
      const subjects = [`${config.stream.toLowerCase()}.>`];
      let createdStream = false;
      try {
        await jsm.streams.info(config.stream);
      } catch {
        await jsm.streams.add({ name: config.stream, subjects, retention: RetentionPolicy.Workqueue, duplicate_window: nanos(10 * 60_000) });
        createdStream = true;
      }
      const consumer = { durable_name: CONSUMER, ack_policy: AckPolicy.Explicit, ack_wait: nanos(config.ackWaitMs), max_deliver: config.maxDeliver, max_ack_pending: 1000 };
      const existing = await jsm.consumers.info(config.stream, CONSUMER).catch(() => null);
      if (!existing) await jsm.consumers.add(config.stream, consumer).catch(async (e) => {
        if (!(await jsm.consumers.info(config.stream, CONSUMER).catch(() => null))) throw e; // else another process added it just now
      });
      else {
        // One consumer serves the whole deployment, so its settings are the deployment's: this process runs with the
        // consumer's values or is refused, instead of silently overwriting what every other process relies on.
        const theirs = { ackWaitMs: Math.round(Number(existing.config.ack_wait) / 1e6), maxDeliver: Number(existing.config.max_deliver) };
        if (theirs.ackWaitMs !== config.ackWaitMs || theirs.maxDeliver !== config.maxDeliver) {
          if (!config.reconfigure) {
            throw new FundGuardError('E_CONFLICT', `the work queue ${config.stream} is configured with FUNDGUARD_NATS_ACK_WAIT_MS=${theirs.ackWaitMs} and FUNDGUARD_NATS_MAX_DELIVER=${theirs.maxDeliver}, this process with ${config.ackWaitMs} and ${config.maxDeliver}: these are one setting per deployment — use the same values on every process, or change them for all with FUNDGUARD_NATS_RECONFIGURE=1 (docs/deployment.md)`);
          }
          await jsm.consumers.update(config.stream, CONSUMER, { ack_wait: consumer.ack_wait, max_deliver: consumer.max_deliver });
        }
      }
      const q = new WorkQueue(nc, jetstream(nc), config);
      q.createdStream = createdStream;
      return q;
    } catch (e) {
      await nc.close();
      if (e instanceof FundGuardError) throw e;
      throw new FundGuardError('E_UNAVAILABLE', `NATS at ${config.url} has no usable JetStream (${(e as Error).message}): start nats-server with -js`);
    }
  }

  /** Publishes tasks; the message id makes a republish within the duplicate window a no-op. */
  async publish(tasks: readonly WorkTask[]): Promise<void> {
    await Promise.all(tasks.map((t) => this.js.publish(this.subject, JSON.stringify(t), { msgID: t.kind === 'audit' ? `audit-${t.run_id}-${t.chunk_no}` : `screen-${t.run_id}-${t.medins_id}` })));
  }

  /**
   * Takes tasks one at a time until `stop()`: the handler runs with a heartbeat that keeps the task from being
   * redelivered while it works; it is acked only after the handler's transaction committed. A handler error naks
   * it for a retry elsewhere; on the last delivery `onGiveUp` is told instead.
   */
  async consume(handler: (task: WorkTask, info: { deliveries: number }) => Promise<void>, opts: { onGiveUp?: (task: WorkTask, error: Error) => Promise<void>; onError?: (e: Error) => void } = {}): Promise<{ stop: () => Promise<void>; done: Promise<void> }> {
    const consumer = await this.js.consumers.get(this.config.stream, CONSUMER);
    const messages = await consumer.consume({ max_messages: 1 });
    const done = (async () => {
      for await (const m of messages) await this.handle(m, handler, opts);
    })();
    return { stop: async () => { await messages.close(); await done.catch(() => undefined); }, done };
  }

  private async handle(m: JsMsg, handler: (task: WorkTask, info: { deliveries: number }) => Promise<void>, opts: { onGiveUp?: (task: WorkTask, error: Error) => Promise<void>; onError?: (e: Error) => void }): Promise<void> {
    let task: WorkTask;
    try {
      task = m.json<WorkTask>();
    } catch (e) {
      opts.onError?.(new Error(`dropping a task that is not JSON: ${(e as Error).message}`));
      m.term();
      return;
    }
    const beat = setInterval(() => m.working(), Math.max(200, Math.floor(this.config.ackWaitMs / 3)));
    try {
      await handler(task, { deliveries: m.info.deliveryCount });
      m.ack();
    } catch (e) {
      opts.onError?.(e as Error);
      if (m.info.deliveryCount >= this.config.maxDeliver) {
        await opts.onGiveUp?.(task, e as Error);
        m.term();
      } else m.nak(1000);
    } finally {
      clearInterval(beat);
    }
  }

  /** Removes the stream (tests). */
  async destroy(): Promise<void> {
    const jsm = await jetstreamManager(this.nc);
    await jsm.streams.delete(this.config.stream).catch(() => undefined);
  }

  async close(): Promise<void> {
    await this.nc.drain().catch(() => this.nc.close());
  }
}
