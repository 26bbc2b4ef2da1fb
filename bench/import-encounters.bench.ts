/**
 * Encounter import (issue 3): BENCH_ENCOUNTERS (default 100 000) generated encounters (~29 lines each) written to
 * a JSONL file, then imported through the real path (validate pass + one-transaction apply) into PostgreSQL and
 * into a file-backed PGlite. Also the generator's own throughput. Baseline in the same run: reading and
 * validating the file without writing (the import's parsing floor).
 * Both import paths in the same run, into the same emptied tables: `statements` (validate pass, then batches of
 * inserts with JSON parameters) and `copy` (one pass; COPY into a staging table, applied set-based; issue 20).
 * Aims for the COPY path: ≥ 150 000 lines/s on PostgreSQL, ≥ 50 000 on PGlite, peak RSS bounded (≤ 300 MB for 1 GB).
 */
import { createWriteStream, mkdtempSync, rmSync, statSync } from 'node:fs';
import { once } from 'node:events';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generate, normaliseImportEncounter, toImportShape } from '@fundguard/core';
import type { Database } from '@fundguard/store';
import { onBothBackends } from './backends.ts';
import { FundGuard, SYSTEM_ACTOR } from '@fundguard/service';
import { readTextLines } from '@fundguard/service/imports/lines.ts';
import { sql } from 'drizzle-orm';

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

/** One import into empty tables by `method`; the peak RSS of this process while it runs (sampled every 100 ms). */
async function importOnce(fg: FundGuard, method: 'copy' | 'statements'): Promise<Record<string, number>> {
  await fg.database.rows(sql`truncate encounters, order_lines, diagnoses, operations, lab_results, patients cascade`);
  const rss0 = process.memoryUsage().rss;
  let peak = rss0;
  const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 100);
  const t = performance.now();
  try {
    const r = await fg.imports.importEncounters({ path: file, name: 'encounters.jsonl', format: 'jsonl' }, SYSTEM_ACTOR, undefined, undefined, { method });
    const s = (performance.now() - t) / 1000;
    if (r.records !== N) throw new Error(`imported ${r.records}`);
    return { seconds: round(s), encounters_per_s: Math.round(N / s), lines_per_s: Math.round(lines / s), rss_mb_before: Math.round(rss0 / 1048576), rss_mb_peak: Math.round(peak / 1048576) };
  } finally {
    clearInterval(sampler);
  }
}

/** The earlier path (validate pass, then batches of inserts) and the COPY path, into the same empty tables. */
async function measure(db: Database): Promise<Record<string, unknown>> {
  const fg = new FundGuard(db);
  // COPY first: its peak RSS is then measured from a heap the other path has not grown.
  const copy = await importOnce(fg, 'copy');
  const statements = await importOnce(fg, 'statements');
  return { statements, copy, copy_speedup: round(statements.seconds / copy.seconds) };
}

const result: Record<string, unknown> = {
  bench: 'import-encounters', encounters: N, lines, lines_per_encounter: round(lines / N, 1),
  generator: { seconds: round(genS), encounters_per_s: Math.round(N / genS), lines_per_s: Math.round(lines / genS), rss_mb_start: Math.round(rssStart / 1048576), rss_mb_peak: Math.round(rssPeak / 1048576) },
  baseline_parse_only: { seconds: round(parseS), lines_per_s: Math.round(lines / parseS) },
  file_mb: round(statSync(file).size / 1048576, 1),
  aim: { copy: { postgres_lines_per_s: 150_000, pglite_lines_per_s: 50_000, rss_mb_peak_for_1_gb: 300 } },
};
Object.assign(result, await onBothBackends(dir, measure));
rmSync(dir, { recursive: true, force: true });
console.log(JSON.stringify(result));
