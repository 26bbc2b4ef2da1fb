/**
 * Encounter import (issue 3): BENCH_ENCOUNTERS (default 100 000) generated encounters (~29 lines each) written to
 * a JSONL file, then imported through the real path (validate pass + one-transaction apply) into PostgreSQL and
 * into a file-backed PGlite. Also the generator's own throughput. Baseline in the same run: reading and
 * validating the file without writing (the import's parsing floor).
 * Aims: ≥ 100 000 lines/s on PostgreSQL; report PGlite.
 */
import { createWriteStream, mkdtempSync, rmSync } from 'node:fs';
import { once } from 'node:events';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generate, normaliseImportEncounter, toImportShape } from '@fundguard/core';
import type { Database } from '@fundguard/store';
import { onBothBackends } from './backends.ts';
import { FundGuard, SYSTEM_ACTOR } from '@fundguard/service';
import { readTextLines } from '@fundguard/service/imports/lines.ts';

const N = Number(process.env.BENCH_ENCOUNTERS ?? 100_000);
const dir = mkdtempSync(join(tmpdir(), 'fg-bench-enc-'));
const file = join(dir, 'encounters.jsonl');
const round = (x: number, d = 2) => Math.round(x * 10 ** d) / 10 ** d;

const tg = performance.now();
const out = createWriteStream(file);
let lines = 0;
const rssStart = process.memoryUsage().rss;
let rssPeak = rssStart;
for (const g of generate({ encounters: N, seed: 'bench-import' })) {
  lines += g.record.encounter.fsi_order_dtos.length;
  if (!out.write(JSON.stringify(toImportShape(g.record)) + '\n')) await once(out, 'drain');
  if ((lines & 0xffff) < 40) rssPeak = Math.max(rssPeak, process.memoryUsage().rss);
}
out.end();
await once(out, 'finish');
const genS = (performance.now() - tg) / 1000;

// Baseline: the parsing floor — read, decode and normalise every line without touching a database.
const tb = performance.now();
for await (const { text } of readTextLines(file, 'encounters.jsonl')) if (text) normaliseImportEncounter(JSON.parse(text));
const parseS = (performance.now() - tb) / 1000;

async function measure(db: Database): Promise<Record<string, number>> {
  const fg = new FundGuard(db);
  const t = performance.now();
  const r = await fg.imports.importEncounters({ path: file, name: 'encounters.jsonl', format: 'jsonl' }, SYSTEM_ACTOR);
  const s = (performance.now() - t) / 1000;
  if (r.records !== N) throw new Error(`imported ${r.records}`);
  return { seconds: round(s), encounters_per_s: Math.round(N / s), lines_per_s: Math.round(lines / s) };
}

const result: Record<string, unknown> = {
  bench: 'import-encounters', encounters: N, lines, lines_per_encounter: round(lines / N, 1),
  generator: { seconds: round(genS), encounters_per_s: Math.round(N / genS), lines_per_s: Math.round(lines / genS), rss_mb_start: Math.round(rssStart / 1048576), rss_mb_peak: Math.round(rssPeak / 1048576) },
  baseline_parse_only: { seconds: round(parseS), lines_per_s: Math.round(lines / parseS) },
  aim: { postgres_lines_per_s: 100_000 },
};
Object.assign(result, await onBothBackends(dir, measure));
rmSync(dir, { recursive: true, force: true });
console.log(JSON.stringify(result));
