import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { FundGuardError, isFundGuardError, parseFsiFeedback } from '@fundguard/core';
import { FeedbackService, requirePermission, type Actor, type FundGuard } from '@fundguard/service';
import { STATUS } from '../../errors.ts';
import { envelope, generatedMsgId, nationalDateTime, unwrap } from './envelope.ts';

/** What a transaction does with the request `data`: returns the `output` object. */
export type FsiHandler = (data: unknown, actor: Actor, ctx: { msgid: string; received: Date }) => Promise<{ output: Record<string, unknown>; results: number }>;

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
  const feedback = new FeedbackService(fg.ctx);
  const all: Record<string, FsiHandler> = {
    '9001': async (_data, _actor, ctx) => ({ output: { signinoutb: { sign_time: nationalDateTime(ctx.received), sign_no: ctx.msgid } }, results: 0 }),
    '3101': async (data, actor, ctx) => {
      const out = await fg.realtime.audit(actor, 'pre', data, { msgid: ctx.msgid });
      return { output: out, results: out.result.length };
    },
    '3102': async (data, actor, ctx) => {
      const out = await fg.realtime.audit(actor, 'mid', data, { msgid: ctx.msgid });
      return { output: out, results: out.result.length };
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
    const handler = all[infno];
    if (!handler) throw new FundGuardError('E_INPUT_INVALID', `不支持的交易 ${infno}`);
    if (infno !== '9001' && data === undefined) throw new FundGuardError('E_INPUT_INVALID', 'input.data: required');
    let outcome: { output: Record<string, unknown>; results: number } | null = null;
    let error: string | null = null;
    try {
      outcome = await handler(data, actor, { msgid, received });
      return reply.send(envelope({ msgid, received, responded: fg.ctx.clock(), output: outcome.output }));
    } catch (e) {
      error = e instanceof Error ? e.message : String(e);
      throw e;
    } finally {
      // The call log keeps the envelope fields (who, when, from where), not the clinical payload.
      fg.ctx.realtime.logCall({
        infno, msgid, key_actor: actor.id, envelope: env, infcode: error === null ? 0 : -1, err_msg: error, results: outcome?.results ?? 0,
        received_at: received.toISOString(), ms: Math.round(performance.now() - t0),
      });
    }
  };

  const schema = { tags: ['fsi'], summary: '3101 事前 / 3102 事中 / 3103 反馈 / 9001 签到, national envelope (audit-api.md)', body: { type: 'object' } };
  app.post<{ Params: { infno: string } }>('/api/v1/fsi/:infno', { schema }, (req, reply) => handle(req, reply, req.params.infno));
  app.post('/api/v1/fsi', { schema }, (req, reply) => handle(req, reply, null));
};
