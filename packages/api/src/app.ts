import Fastify, { LogController,  type FastifyInstance, type FastifyPluginAsync, type FastifyServerOptions } from 'fastify';
import fp from 'fastify-plugin';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import helmet from '@fastify/helmet';
import { randomUUID } from 'node:crypto';
import pino from 'pino';
import type { FundGuard } from '@fundguard/service';
import { errorHandler } from './errors.ts';
import { validationOptions } from './validation.ts';
import { authHook } from './auth.ts';
import { acceptUploads } from './routes/imports.ts';
import { removeAbandonedUploads } from './uploads.ts';
import { systemRoutes } from './routes/system/index.ts';
import { catalogueRoutes } from './routes/catalogue/index.ts';
import { encounterRoutes } from './routes/encounters/index.ts';
import { listRoutes } from './routes/lists/index.ts';
import { adminRoutes } from './routes/admin/index.ts';
import { fsiRoutes, type FsiHandler } from './routes/fsi/index.ts';
import { caseRoutes } from './routes/cases/index.ts';
import { penaltyRoutes } from './routes/penalties/index.ts';
import { rulePackRoutes } from './routes/rule-packs/index.ts';
import { auditRunRoutes } from './routes/audit-runs/index.ts';
import { realtimeRoutes } from './routes/realtime/index.ts';
import { settlementRoutes } from './routes/settlement/index.ts';
import { screeningRoutes } from './routes/screening/index.ts';
import { FundGuardError } from '@fundguard/core';
import { safeErrorSerializer } from '@fundguard/store';
import { installLoadShedding, overloadOptionsFromEnv, type OverloadOptions } from './overload.ts';
import { unsafeTextPath } from './safe-text.ts';

export interface AppOptions {
  fg: FundGuard;
  /** today's date (YYYY-MM-DD) for "in force today" defaults; injected for tests */
  today?: () => string;
  /** 3101/3102 handlers of the real-time audit (audit-api.md) */
  fsiHandlers?: Record<string, FsiHandler>;
  /** bound on concurrent real-time calls per process */
  fsiMaxConcurrent?: number;
  /** extra route plugins (later features register here) */
  plugins?: FastifyPluginAsync<{ fg: FundGuard }>[];
  /** load shedding at request arrival (overload.ts); default from the environment */
  overload?: OverloadOptions;
  /** serve the OpenAPI UI at /docs (default true; the server turns it off outside demo/dev: FUNDGUARD_DOCS) */
  docs?: boolean;
}

/** The whole HTTP application as one plugin, so tests and the server mount the same thing. */
const app_: FastifyPluginAsync<AppOptions> = async (app, opts) => {
  const { fg } = opts;
  const today = opts.today ?? (() => new Date().toISOString().slice(0, 10));
  app.decorateRequest('actor', null);
  // Security headers on every answer. Scripts only from the server itself (the console is a bundle with no inline
  // script); antd writes its styles at run time, so inline styles stay allowed. No framing, no referrer.
  await app.register(helmet, {
    contentSecurityPolicy: {
      useDefaults: false,
      directives: {
        defaultSrc: ["'self'"], scriptSrc: ["'self'"], styleSrc: ["'self'", "'unsafe-inline'"], imgSrc: ["'self'", 'data:', 'blob:'], fontSrc: ["'self'", 'data:'],
        connectSrc: ["'self'"], frameSrc: ["'self'", 'blob:'], objectSrc: ["'none'"], baseUri: ["'self'"], formAction: ["'self'"], frameAncestors: ["'none'"],
      },
    },
    frameguard: { action: 'deny' },
    referrerPolicy: { policy: 'no-referrer' },
    crossOriginEmbedderPolicy: false,
  });
  app.setErrorHandler(errorHandler);
  // First: a refused request costs nothing more. The server passes its settings (server.ts); mounted without them (tests,
  // benches) only the in-flight bound applies, as an event loop made late by the host is no reason to refuse there.
  const load = installLoadShedding(app, opts.overload ?? { ...overloadOptionsFromEnv(), maxEventLoopDelayMs: 0 });
  // Authentication next: a request without a valid key is refused before its body is read or validated.
  app.addHook('onRequest', authHook(fg));
  // No string of any request may hold a NUL byte or a lone surrogate (safe-text.ts); fsi routes answer in the national envelope.
  app.addHook('preValidation', async (req) => {
    // Percent-encoding that is not UTF-8 would reach the handler as replacement characters: refused, never coerced.
    try {
      decodeURIComponent(req.url);
    } catch {
      throw new FundGuardError('E_INPUT_INVALID', 'URL: 含有无效的百分号编码 (percent-encoding that is not UTF-8)', [{ field: '(url)', reason: 'percent-encoding that is not UTF-8' }]);
    }
    const json = /json/i.test(String(req.headers['content-type'] ?? ''));
    for (const [where, value] of [['params', req.params], ['query', req.query], ['body', json ? req.body : undefined]] as const) {
      const field = unsafeTextPath(value);
      if (field !== null) throw new FundGuardError('E_INPUT_INVALID', `${where} ${field}: 含有 NUL 字符或不成对的代理字符 (contains a NUL byte or a lone surrogate)`, [{ field: `${where}.${field}`, reason: 'contains a NUL byte or a lone surrogate' }]);
    }
  });
  acceptUploads(app);

  await app.register(swagger, {
    openapi: {
      openapi: '3.0.3',
      info: { title: 'FundGuard API 医保基金智能审核与监管平台', version: '0.1.0', description: 'Management API (interfaces.md) and, in later features, 3101/3102/3103 (audit-api.md).' },
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' }, apikey: { type: 'apiKey', in: 'header', name: 'apikey' } } },
      security: [{ bearer: [] }, { apikey: [] }],
    },
  });
  if (opts.docs !== false) await app.register(swaggerUi, { routePrefix: '/docs', staticCSP: true });

  await app.register(systemRoutes, { fg, load: load.stats });
  await app.register(adminRoutes, { fg });
  await app.register(catalogueRoutes, { fg, today });
  await app.register(encounterRoutes, { fg });
  await app.register(listRoutes, { fg });
  await app.register(rulePackRoutes, { fg });
  await app.register(auditRunRoutes, { fg });
  await app.register(realtimeRoutes, { fg });
  await app.register(settlementRoutes, { fg });
  await app.register(screeningRoutes, { fg });
  await app.register(caseRoutes, { fg });
  await app.register(penaltyRoutes, { fg });
  await app.register((await import('./routes/dictionary/index.ts')).dictionaryRoutes, { fg });
  await app.register(fsiRoutes, { fg, handlers: opts.fsiHandlers, maxConcurrent: opts.fsiMaxConcurrent });
  for (const plugin of opts.plugins ?? []) await app.register(plugin, { fg });
  await app.register((await import('./routes/console/index.ts')).consoleRoutes, { fg });
};
export const fundguardApp = fp(app_, { name: 'fundguard' });

export interface BuildOptions extends AppOptions {
  logger?: FastifyServerOptions['logger'];
}

/**
 * A Fastify instance with the app mounted. Logs carry request ids and no personal data: requests are logged by
 * route pattern (never the raw URL with ids), and bodies and auth headers are never logged.
 */
export async function buildApp(opts: BuildOptions): Promise<FastifyInstance> {
  const logger = opts.logger && typeof opts.logger === 'object' && !('child' in opts.logger)
    ? { ...opts.logger, serializers: { err: safeErrorSerializer(pino.stdSerializers.err as (e: Error) => unknown) as (e: Error) => { type: string; message: string; stack: string } } } // no statement parameters in logs
    : (opts.logger ?? false);
  const app = Fastify({
    logger,
    bodyLimit: Number(process.env.FUNDGUARD_JSON_LIMIT_MB ?? 16) * 1024 * 1024,
    genReqId: (req) => (typeof req.headers['x-request-id'] === 'string' && req.headers['x-request-id'].length <= 64 ? req.headers['x-request-id'] : randomUUID()),
    requestIdHeader: false,
    // Behind a reverse proxy (FUNDGUARD_TRUST_PROXY=1 or its address), req.ip is the client's: sign-in throttling is per address.
    trustProxy: trustProxy(process.env.FUNDGUARD_TRUST_PROXY),
    logController: new LogController({ disableRequestLogging: true }),
    ...validationOptions({ coerceTypes: 'array', removeAdditional: false, useDefaults: true, allErrors: true }),
  });
  app.addHook('onResponse', async (req, reply) => {
    req.log.info({ method: req.method, route: req.routeOptions.url ?? '(unmatched)', status: reply.statusCode, ms: Math.round(reply.elapsedTime), actor_role: req.actor?.role }, 'request');
  });
  app.addHook('onSend', async (req, reply) => {
    reply.header('x-request-id', req.id);
  });
  const abandoned = removeAbandonedUploads();
  if (abandoned) app.log.info({ removed: abandoned }, 'removed upload spool directories left by stopped processes');
  await app.register(fundguardApp, opts);
  return app;
}

function trustProxy(v: string | undefined): boolean | string {
  if (!v || v === '0') return false;
  return v === '1' ? true : v;
}
