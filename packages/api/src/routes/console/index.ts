import type { FastifyPluginAsync, FastifyReply } from 'fastify';
import { createReadStream, existsSync, statSync } from 'node:fs';
import { extname, join, resolve, sep, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FundGuard } from '@fundguard/service';
import { consoleApiRoutes } from './api.ts';

/** Where vite writes the bundle (packages/console/dist); FUNDGUARD_CONSOLE_DIR overrides it. */
export const CONSOLE_DIST = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', '..', 'console', 'dist');

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8', '.css': 'text/css; charset=utf-8', '.json': 'application/json',
  '.svg': 'image/svg+xml', '.png': 'image/png', '.ico': 'image/x-icon', '.woff2': 'font/woff2', '.woff': 'font/woff', '.txt': 'text/plain; charset=utf-8',
};

const MISSING = `<!doctype html><html lang="zh-CN"><meta charset="utf-8"><title>FundGuard</title>
<body style="font-family:sans-serif;max-width:40em;margin:4em auto">
<h1>控制台尚未构建 · The console is not built</h1>
<p>The API is running (<a href="/docs">/docs</a>, <a href="/healthz">/healthz</a>). Build the web console with
<code>npm run build -w @fundguard/console</code> (<code>npm start</code> does it when the bundle is missing or stale), then reload.</p></body></html>`;

/**
 * The web console: the vite bundle served at /, with index.html for every other non-API path (client-side routes).
 * Hashed assets are cached for a year; index.html never. Without a bundle, / explains how to build it.
 */
export const consoleRoutes: FastifyPluginAsync<{ fg: FundGuard; dist?: string }> = async (app, opts) => {
  await app.register(consoleApiRoutes, { fg: opts.fg });
  const dist = opts.dist ?? process.env.FUNDGUARD_CONSOLE_DIR ?? CONSOLE_DIST;

  const send = (reply: FastifyReply, file: string, cache: string) =>
    reply.header('content-type', TYPES[extname(file)] ?? 'application/octet-stream').header('cache-control', cache)
      .header('x-content-type-options', 'nosniff').send(createReadStream(file));

  const index = (reply: FastifyReply) => {
    const file = join(dist, 'index.html');
    if (!existsSync(file)) return reply.status(503).header('content-type', 'text/html; charset=utf-8').header('cache-control', 'no-store').send(MISSING);
    return send(reply, file, 'no-cache');
  };

  app.get('/', { schema: { hide: true } }, async (_req, reply) => index(reply));
  app.get<{ Params: { '*': string } }>('/*', { schema: { hide: true } }, async (req, reply) => {
    const path = req.params['*'];
    // Unknown API and docs paths stay 404s in the API's error shape; they are never the SPA.
    if (/^(api|docs)(\/|$)/.test(path)) {
      return reply.status(404).send({ error: { code: 'E_NOT_FOUND', message: `no route ${req.method} ${req.url.split('?')[0]}` } });
    }
    let file: string;
    try {
      file = resolve(dist, decodeURIComponent(path));
    } catch {
      return reply.status(400).send({ error: { code: 'E_INPUT_INVALID', message: 'malformed path' } });
    }
    if (file.startsWith(dist + sep) && existsSync(file) && statSync(file).isFile()) {
      return send(reply, file, path.startsWith('assets/') ? 'public, max-age=31536000, immutable' : 'no-cache');
    }
    // A missing asset is a 404; anything else is a client-side route.
    if (path.startsWith('assets/') || /\.[a-z0-9]+$/i.test(path)) return reply.status(404).send({ error: { code: 'E_NOT_FOUND', message: `no file ${path}` } });
    return index(reply);
  });
};
