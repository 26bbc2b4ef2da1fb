import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { envelope, generatedMsgId } from './routes/fsi/envelope.ts';

/**
 * Load shedding at request arrival (issue 17 item 4). Under overload requests used to queue in the event loop and
 * in body parsing before any handler could count them: answers took seconds and the HIS timed out (fail-open, so a
 * late answer is worth nothing). Here a request is refused in its onRequest hook — before its body is read — when
 * too many admitted requests are still unanswered, or when the event loop is late (everything queued behind it would
 * be late too). The refusal is a 503 with Retry-After, in the national envelope under /api/v1/fsi.
 */
export interface OverloadOptions {
  /** admitted requests not yet answered, beyond which new ones are refused (FUNDGUARD_MAX_IN_FLIGHT) */
  maxInFlight: number;
  /** event-loop delay (ms, the worst of the last sample interval) beyond which new requests are refused (FUNDGUARD_MAX_EVENT_LOOP_DELAY_MS; 0 = off) */
  maxEventLoopDelayMs: number;
  /** how often the event-loop delay is sampled */
  sampleIntervalMs: number;
  /**
   * the event-loop criterion applies only when at least this many API requests arrived in the last sample interval:
   * a late loop under light traffic (start-up, an embedded-database query, a GC) is not ours to relieve by refusing
   */
  lagMinArrivals: number;
  /** Retry-After seconds */
  retryAfterS: number;
  /** the event-loop delay in ms (tests inject one; default: a perf_hooks histogram) */
  eventLoopDelay?: () => number;
}

export function overloadOptionsFromEnv(env: NodeJS.ProcessEnv = process.env): OverloadOptions {
  return {
    maxInFlight: Number(env.FUNDGUARD_MAX_IN_FLIGHT ?? 32),
    maxEventLoopDelayMs: Number(env.FUNDGUARD_MAX_EVENT_LOOP_DELAY_MS ?? 30),
    sampleIntervalMs: 50,
    lagMinArrivals: 5,
    retryAfterS: 1,
  };
}

export interface LoadStats {
  in_flight: number;
  max_in_flight: number;
  admitted: number;
  shed_in_flight: number;
  shed_event_loop: number;
  event_loop_delay_ms: number;
}

/** Shed only API calls: health, readiness, metrics and the console's files stay answerable under load. */
const shedable = (url: string) => url.startsWith('/api/');

export function installLoadShedding(app: FastifyInstance, opts: OverloadOptions): { stats: () => LoadStats } {
  let inFlight = 0;
  const counts = { admitted: 0, shed_in_flight: 0, shed_event_loop: 0 };
  let delayMs = 0;
  let arrivals = 0;
  let recentArrivals = 0;
  let sample: (() => number) | null = opts.eventLoopDelay ?? null;
  let timer: NodeJS.Timeout | null = null;
  let sampledAt = performance.now();
  if (!sample && opts.maxEventLoopDelayMs > 0) {
    const h = monitorEventLoopDelay({ resolution: 10 });
    h.enable();
    // The worst delay of the last interval, less the sampling resolution: a timer that fired that late means work
    // queued that long, and a request arriving now waits behind it. (The mean, which @fastify/under-pressure uses,
    // hides a 100 ms stall among the on-time samples of the same interval.)
    timer = setInterval(() => {
      delayMs = h.count > 0 ? Math.max(0, h.max / 1e6 - 10) : 0;
      // Arrivals per nominal interval: on a starved machine this timer fires late, and a slow trickle of a console's
      // requests over a stretched interval must not look like a burst (it would shed a lone person's request).
      const now = performance.now();
      recentArrivals = (arrivals * opts.sampleIntervalMs) / Math.max(opts.sampleIntervalMs, now - sampledAt);
      sampledAt = now;
      arrivals = 0;
      h.reset();
    }, opts.sampleIntervalMs);
    timer.unref();
    app.addHook('onClose', async () => {
      clearInterval(timer!);
      h.disable();
    });
    sample = () => delayMs;
  }
  const released = Symbol('released');
  const release = (req: FastifyRequest) => {
    const r = req as FastifyRequest & { [released]?: boolean };
    if (r[released] !== false) return;
    r[released] = true;
    inFlight--;
  };
  app.addHook('onRequest', async (req, reply) => {
    if (!shedable(req.url)) return;
    arrivals++;
    const lag = sample ? sample() : 0;
    const current = timer ? (arrivals * opts.sampleIntervalMs) / Math.max(opts.sampleIntervalMs, performance.now() - sampledAt) : arrivals;
    const busy = Math.max(recentArrivals, current) >= opts.lagMinArrivals;
    const overLag = opts.maxEventLoopDelayMs > 0 && lag > opts.maxEventLoopDelayMs && busy;
    if (inFlight >= opts.maxInFlight || overLag) {
      if (overLag) counts.shed_event_loop++;
      else counts.shed_in_flight++;
      return refuse(req, reply, opts.retryAfterS);
    }
    inFlight++;
    counts.admitted++;
    (req as FastifyRequest & { [released]?: boolean })[released] = false;
    // 'close' comes once whether the answer was sent or the client went away.
    reply.raw.once('close', () => release(req));
  });
  app.addHook('onResponse', async (req) => release(req));
  return { stats: () => ({ in_flight: inFlight, max_in_flight: opts.maxInFlight, ...counts, event_loop_delay_ms: Math.round((sample ? sample() : 0) * 10) / 10 }) };
}

function refuse(req: FastifyRequest, reply: FastifyReply, retryAfterS: number): FastifyReply {
  reply.header('retry-after', String(retryAfterS)).status(503);
  if (req.url.startsWith('/api/v1/fsi')) {
    const now = new Date();
    return reply.send(envelope({ msgid: generatedMsgId(now), received: now, responded: now, error: '服务繁忙，请稍后重试 (busy, retry later)' }));
  }
  return reply.send({ error: { code: 'E_UNAVAILABLE', message: 'busy, retry later' } });
}
