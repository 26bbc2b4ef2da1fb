/**
 * `npm run bench [name…]`: runs each bench/*.bench.ts (or those whose name contains an argument) in its own
 * process, one after another (the machine has 2 cores; benches must not compete), and collects the JSON each
 * prints on its last stdout line into bench/out/results.json.
 */
import { readdirSync, mkdirSync, writeFileSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { spawnSync } from 'node:child_process';

const here = dirname(fileURLToPath(import.meta.url));
const filters = process.argv.slice(2);
const files = readdirSync(here)
  .filter((f) => f.endsWith('.bench.ts'))
  .filter((f) => filters.length === 0 || filters.some((x) => f.includes(x)))
  .sort();
const results: Record<string, unknown> = {};
for (const f of files) {
  process.stderr.write(`bench: ${f}\n`);
  // --max-semi-space-size=32 as `npm start` runs the server (benches that serve in-process measure the same V8 settings)
  const r = spawnSync(process.execPath, ['--expose-gc', '--max-semi-space-size=32', '--import', 'tsx', join(here, f)], { stdio: ['ignore', 'pipe', 'inherit'], encoding: 'utf8', maxBuffer: 64 << 20 });
  const last = r.stdout.trim().split('\n').filter(Boolean).at(-1) ?? '';
  try {
    results[f.replace(/\.bench\.ts$/, '')] = JSON.parse(last);
  } catch {
    results[f.replace(/\.bench\.ts$/, '')] = { error: `exit ${r.status}`, output: r.stdout.slice(-2000) };
  }
  process.stdout.write(`${JSON.stringify({ bench: f, result: results[f.replace(/\.bench\.ts$/, '')] })}\n`);
}
mkdirSync(join(here, 'out'), { recursive: true });
writeFileSync(join(here, 'out', 'results.json'), JSON.stringify(results, null, 2));
