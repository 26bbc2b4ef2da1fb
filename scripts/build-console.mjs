// Builds the web console (packages/console → dist) when the bundle is missing or older than its sources, so that
// `npm ci && npm start` serves it; `--force` always builds. Used by `prestart` and by the console's browser test.
import { closeSync, existsSync, openSync, readdirSync, rmSync, statSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const pkg = join(root, 'packages', 'console');
const bundle = join(pkg, 'dist', 'index.html');

function newest(p) {
  const s = statSync(p);
  if (!s.isDirectory()) return s.mtimeMs;
  let m = 0;
  for (const n of readdirSync(p)) m = Math.max(m, newest(join(p, n)));
  return m;
}

export function consoleIsStale() {
  if (!existsSync(bundle)) return true;
  const sources = ['src', 'index.html', 'vite.config.ts', 'package.json'].map((f) => join(pkg, f)).filter(existsSync);
  return Math.max(...sources.map(newest)) > statSync(bundle).mtimeMs;
}

export function buildConsole() {
  let vite = null;
  try {
    vite = join(dirname(createRequire(join(pkg, 'package.json')).resolve('vite/package.json')), 'bin', 'vite.js');
  } catch {
    /* not installed */
  }
  if (!vite || !existsSync(vite)) return { ok: false, message: 'vite is not installed (npm ci); the server will start without the console' };
  const r = spawnSync(process.execPath, [vite, 'build', '--logLevel', 'warn'], { cwd: pkg, stdio: 'inherit' });
  return r.status === 0 ? { ok: true } : { ok: false, message: `vite build failed (exit ${r.status})` };
}

/**
 * One build at a time per working tree: two browser tests starting together (the runner runs two files at once) must
 * not both empty and rebuild dist while the other's browser loads it. The second waits, then finds the bundle fresh.
 */
function withBuildLock(fn) {
  const lock = join(tmpdir(), `fundguard-console-build-${createHash('sha256').update(pkg).digest('hex').slice(0, 12)}.lock`);
  const sleep = (ms) => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
  for (;;) {
    try {
      const fd = openSync(lock, 'wx');
      try {
        return fn();
      } finally {
        closeSync(fd);
        rmSync(lock, { force: true });
      }
    } catch (e) {
      if (e.code !== 'EEXIST') throw e;
      // a lock left by a killed build is stale after 10 minutes
      try {
        if (Date.now() - statSync(lock).mtimeMs > 600_000) rmSync(lock, { force: true });
      } catch { /* released meanwhile */ }
      sleep(500);
    }
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) withBuildLock(() => {
  if (process.argv.includes('--force') || consoleIsStale()) {
    process.stdout.write('building the web console (packages/console) …\n');
    const r = buildConsole();
    // A failed build must not stop the API from starting (/ then says the console is not built); --strict (tests) fails.
    if (!r.ok) {
      process.stderr.write(`console: ${r.message}\n`);
      if (process.argv.includes('--strict')) process.exitCode = 1; // not exit(): the lock is released first
    }
  }
});
