// What `npm start` runs first (prestart): builds what is missing or older than its sources, and says so —
// the compiled server and CLI (scripts/build-server.mjs, esbuild, ~1–2 s) and the web console (build-console.mjs,
// vite). `--force` builds both regardless.
import { serverStaleReason, buildServer } from './build-server.mjs';
import { consoleIsStale, buildConsole } from './build-console.mjs';

const force = process.argv.includes('--force');
const reason = force ? 'forced' : serverStaleReason();
if (reason) {
  process.stdout.write(`building the server and CLI (packages/cli/dist): ${reason} …\n`);
  const r = await buildServer();
  process.stdout.write(`  built in ${(r.ms / 1000).toFixed(1)} s\n`);
}
if (force || consoleIsStale()) {
  process.stdout.write('building the web console (packages/console) …\n');
  const t0 = Date.now();
  const r = buildConsole();
  // A failed console build must not stop the API from starting (/ then says the console is not built).
  if (!r.ok) process.stderr.write(`console: ${r.message}\n`);
  else process.stdout.write(`  built in ${((Date.now() - t0) / 1000).toFixed(1)} s\n`);
}
