import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { FundGuardError, isFundGuardError, parseFsiFeedback } from '@fundguard/core';
import { FeedbackService, requirePermission, type Actor, type FundGuard } from '@fundguard/service';
import { STATUS } from '../../errors.ts';
import { envelope, generatedMsgId, nationalDateTime, unwrap } from './envelope.ts';

/** What a transaction does with the request `data`: returns the `output` object. */
export type FsiHandler = (data: unknown, actor: Actor, ctx: { msgid: string; received: Date }) => Promise<{ output: Record<string, unknown>; results: number; normalised?: Record<string, number> }>;

/** 3101/3102 are added by the real-time audit feature through `handlers`. */
export interface FsiOptions {
  fg: FundGuard;
  handlers?: Record<string, FsiHandler>;
  /**
   * Requests handled at once per process; beyond it a fast 503 with Retry-After instead of a queue. A HIS waits at
   * most 10 s and then proceeds without us, so an answer that comes late is worth nothing and a quick "busy" is better.
   */
  maxConcurrent?: number;
}

export const DEFAULT_FSI_CONCURRENCY = Number(process.env.FUNDGUARD_FSI_CONCURRENCY ?? 64);

/** A HIS waits at most 10 s; a forwarded call gives up before that, so the HIS gets our answer, not its own timeout. */
export const DEFAULT_UPSTREAM_TIMEOUT_MS = 8000;

/** The transactions FundGuard answers itself; with an upstream, 9001 sign-in goes there too (the HIS needs the national sign_no). */
const LOCAL = new Set(['3101', '3102', '3103']);

/** What to tell a HIS that posts to a URL we do not serve (e.g. a base URL without its trailing slash). */
export const URL_HINT = '请将HIS接口地址配置为 http(s)://<服务器>/api/v1/fsi/ （以 / 结尾，HIS 在其后追加交易号，如 /api/v1/fsi/3101），或 /api/v1/fsi （交易号放在报文 infno 中）';

const header = (req: FastifyRequest, name: string): string => {
  const v = req.headers[name];
  return typeof v === 'string' ? v.trim() : '';
};

/**
 * The national real-time interface (audit-api.md): POST /api/v1/fsi/{infno} or /api/v1/fsi with `infno` in the
 * body; every answer, errors included, is the national envelope.
 */
export const fsiRoutes: FastifyPluginAsync<FsiOptions> = async (app, { fg, handlers = {}, maxConcurrent = DEFAULT_FSI_CONCURRENCY }) => {
  let inflight = 0;
  // The national platform's base URL (audit-api.md §1): every other transaction is forwarded there unchanged.
  const upstream = (process.env.FUNDGUARD_FSI_UPSTREAM ?? '').trim().replace(/\/+$/, '') || null;
  const upstreamTimeout = Number(process.env.FUNDGUARD_FSI_UPSTREAM_TIMEOUT_MS ?? DEFAULT_UPSTREAM_TIMEOUT_MS);
  if (upstream) {
    // Forwarding sends the body bytes as received: keep them beside the parsed body (this plugin's routes only).
    const json = app.getDefaultJsonParser('error', 'ignore');
    app.removeContentTypeParser('application/json');
    app.addContentTypeParser('application/json', { parseAs: 'buffer' }, (req, body, done) => {
      (req as FastifyRequest & { rawBody?: Buffer }).rawBody = body as Buffer;
      json(req, (body as Buffer).toString('utf8'), done);
    });
  }
  const feedback = new FeedbackService(fg.ctx);
  const all: Record<string, FsiHandler> = {
    '9001': async (_data, _actor, ctx) => ({ output: { signinoutb: { sign_time: nationalDateTime(ctx.received), sign_no: ctx.msgid } }, results: 0 }),
    '3101': async (data, actor, ctx) => {
      const { normalised, ...out } = await fg.realtime.audit(actor, 'pre', data, { msgid: ctx.msgid });
      return { output: out, results: out.result.length, normalised };
    },
    '3102': async (data, actor, ctx) => {
      const { normalised, ...out } = await fg.realtime.audit(actor, 'mid', data, { msgid: ctx.msgid });
      return { output: out, results: out.result.length, normalised };
    },
    '3103': async (data, actor) => {
      await feedback.record(actor, parseFsiFeedback(data));
      return { output: { result: [] }, results: 0 };
    },
    ...handlers,
  };

  // Errors of these routes (authentication included) answer in the national envelope, never in the management API's shape.
  app.setErrorHandler((err, req, reply) => {
    const received = (req as FastifyRequest & { fsiReceived?: Date }).fsiReceived ?? fg.ctx.clock();
    const { msgid } = unwrap(req.body);
    let status = 500;
    let message = `内部错误 internal error (request ${req.id})`;
    if (isFundGuardError(err) && STATUS[err.code] < 500) {
      status = STATUS[err.code];
      message = err.message;
    } else if (isFundGuardError(err) && err.code === 'E_UNAVAILABLE') {
      status = 503; // e.g. the database connection was lost: the HIS may retry
      message = '服务暂不可用，请稍后重试 (temporarily unavailable, retry later)';
      reply.header('retry-after', '1');
    } else if ((err as { statusCode?: number }).statusCode && (err as { statusCode: number }).statusCode < 500) {
      status = (err as { statusCode: number }).statusCode;
      message = (err as Error).message;
    } else {
      req.log.error({ err }, 'fsi internal error');
    }
    return reply.status(status).send(envelope({ msgid: msgid ?? generatedMsgId(received), received, responded: fg.ctx.clock(), error: message }));
  });

  const handle = async (req: FastifyRequest, reply: FastifyReply, pathInfno: string | null) => {
    if (inflight >= maxConcurrent) {
      const now = fg.ctx.clock();
      const { msgid } = unwrap(req.body);
      return reply.status(503).header('retry-after', '1').send(envelope({ msgid: msgid ?? generatedMsgId(now), received: now, responded: now, error: '服务繁忙，请稍后重试 (busy, retry later)' }));
    }
    inflight++;
    try {
      return await handleNow(req, reply, pathInfno);
    } finally {
      inflight--;
    }
  };

  const handleNow = async (req: FastifyRequest, reply: FastifyReply, pathInfno: string | null) => {
    const received = fg.ctx.clock();
    (req as FastifyRequest & { fsiReceived?: Date }).fsiReceived = received;
    const t0 = performance.now();
    const { envelope: env, data, infno: bodyInfno, msgid: givenMsgid } = unwrap(req.body);
    const msgid = givenMsgid ?? generatedMsgId(received);
    const infno = pathInfno ?? bodyInfno;
    let actor = req.actor;
    if (!actor && header(req, 'x-tif-paasid')) {
      actor = await fg.keys.authenticateTif({ paasid: header(req, 'x-tif-paasid'), timestamp: header(req, 'x-tif-timestamp'), nonce: header(req, 'x-tif-nonce'), signature: header(req, 'x-tif-signature') });
    }
    if (!actor) throw new FundGuardError('E_UNAUTHORIZED', '缺少认证 (Authorization: Bearer <key>, apikey, or x-tif-* headers)');
    requirePermission(actor, 'audit.realtime');
    if (!infno) throw new FundGuardError('E_INPUT_INVALID', 'infno: required (in the path or the body)');
    if (pathInfno && bodyInfno && pathInfno !== bodyInfno) throw new FundGuardError('E_INPUT_INVALID', `infno ${bodyInfno} in the body differs from ${pathInfno} in the path`);
    if (upstream && !LOCAL.has(infno) && !handlers[infno]) {
      return forward(req, reply, { infno, msgid, env, actorId: actor.id, received, t0 });
    }
    const handler = all[infno];
    if (!handler) throw new FundGuardError('E_INPUT_INVALID', `不支持的交易 ${infno}`);
    if (infno !== '9001' && data === undefined) throw new FundGuardError('E_INPUT_INVALID', 'input.data: required');
    let outcome: Awaited<ReturnType<FsiHandler>> | null = null;
    let error: string | null = null;
    try {
      outcome = await handler(data, actor, { msgid, received });
      return reply.send(envelope({ msgid, received, responded: fg.ctx.clock(), output: outcome.output }));
    } catch (e) {
      error = e instanceof Error ? e.message : String(e);
      throw e;
    } finally {
      // The call log keeps the envelope fields (who, when, from where), not the clinical payload.
      // The normalisations this call needed ride in the logged envelope (audit-api.md §1), as `field: variant` → count.
      fg.ctx.realtime.logCall({
        infno, msgid, key_actor: actor.id, envelope: outcome?.normalised ? { ...env, normalised: outcome.normalised } : env, infcode: error === null ? 0 : -1, err_msg: error, results: outcome?.results ?? 0,
        received_at: received.toISOString(), ms: Math.round(performance.now() - t0),
      });
    }
  };

  /**
   * Forwards a transaction FundGuard does not answer to the upstream national platform: the path suffix after
   * /api/v1/fsi, the body bytes and the x-tif-* / apikey headers as received; its status and body come back unchanged.
   * A failure or a timeout (below the HIS's 10 s) answers 502/504 in the national envelope. Logged without bodies.
   */
  const forward = async (req: FastifyRequest, reply: FastifyReply, c: { infno: string; msgid: string; env: Record<string, unknown>; actorId: string; received: Date; t0: number }) => {
    const suffix = req.url.slice('/api/v1/fsi'.length);
    const headers: Record<string, string> = { 'content-type': header(req, 'content-type') || 'application/json' };
    for (const [k, v] of Object.entries(req.headers)) if ((k.startsWith('x-tif-') || k === 'apikey') && typeof v === 'string') headers[k] = v;
    const raw = (req as FastifyRequest & { rawBody?: Buffer }).rawBody ?? Buffer.from(JSON.stringify(req.body ?? {}));
    let status = 0;
    let error: string | null = null;
    try {
      const res = await fetch(`${upstream}${suffix}`, { method: 'POST', headers, body: new Uint8Array(raw), signal: AbortSignal.timeout(upstreamTimeout), redirect: 'manual' });
      status = res.status;
      const body = Buffer.from(await res.arrayBuffer());
      const type = res.headers.get('content-type');
      if (type) reply.header('content-type', type);
      return reply.status(status).send(body);
    } catch (e) {
      const timedOut = (e as Error).name === 'TimeoutError' || (e as Error).name === 'AbortError';
      status = timedOut ? 504 : 502;
      error = timedOut ? `上游国家平台 ${upstreamTimeout} ms 内未应答 (upstream timeout), 交易 ${c.infno}` : `上游国家平台不可达 (upstream unreachable: ${(e as Error).message}), 交易 ${c.infno}`;
      req.log.warn({ infno: c.infno, status, err: (e as Error).message }, 'fsi upstream failed');
      return reply.status(status).send(envelope({ msgid: c.msgid, received: c.received, responded: fg.ctx.clock(), error }));
    } finally {
      const ms = Math.round(performance.now() - c.t0);
      req.log.info({ infno: c.infno, status, ms }, 'fsi forwarded');
      fg.ctx.realtime.logCall({
        infno: c.infno, msgid: c.msgid, key_actor: c.actorId, envelope: { ...c.env, forwarded: { status } }, infcode: error === null && status < 400 ? 0 : -1,
        err_msg: error ?? (status >= 400 ? `upstream HTTP ${status}` : null), results: 0, received_at: c.received.toISOString(), ms,
      });
    }
  };

  const schema = { tags: ['fsi'], summary: '3101 事前 / 3102 事中 / 3103 反馈 / 9001 签到, national envelope (audit-api.md)', body: { type: 'object' } };
  app.post<{ Params: { infno: string } }>('/api/v1/fsi/:infno', { schema }, (req, reply) => handle(req, reply, req.params.infno));
  app.post('/api/v1/fsi', { schema }, (req, reply) => handle(req, reply, null));
  // Any other POST under /api/v1/fsi (e.g. /api/v1/fsi3101 from a base URL without its trailing slash) answers 404 in
  // the national envelope, naming the URL to configure: HIS clients read infcode first and crash on another shape.
  app.post('/api/v1/fsi*', { schema: { tags: ['fsi'], summary: 'no such transaction URL: 404 in the national envelope', hide: true } }, async (req, reply) => {
    const now = fg.ctx.clock();
    const { msgid } = unwrap(req.body);
    return reply.status(404).send(envelope({ msgid: msgid ?? generatedMsgId(now), received: now, responded: now, error: `地址 ${req.url.split('?')[0]} 不存在 (no such URL). ${URL_HINT}` }));
  });
};
