/**
 * Catalogue import of 200 000 rows (CSV) through the real import path (validate pass + one-transaction apply),
 * on embedded PGlite (file-backed, as `npm start` uses it) and on PostgreSQL.
 * Baseline in the same run: the database inserting the same number of rows from generate_series (its own floor).
 * Aims (issue 3): ≤ 10 s on PGlite, ≤ 5 s on PostgreSQL.
 */
import { mkdtempSync, rmSync, createWriteStream } from 'node:fs';
import { once } from 'node:events';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'drizzle-orm';
import type { Database } from '@fundguard/store';
import { onBothBackends } from './backends.ts';
import { FundGuard, SYSTEM_ACTOR } from '@fundguard/service';

const ROWS = Number(process.env.BENCH_ROWS ?? 200_000);
const dir = mkdtempSync(join(tmpdir(), 'fg-bench-cat-'));
const csv = join(dir, 'catalogue.csv');

async function writeCsv(): Promise<void> {
  const out = createWriteStream(csv);
  out.write('hilist_code,hilist_name,hilist_type,hilist_lv,selfpay_prop,price_cap,unit,limit_text,group_codes,region,effective_from,effective_to\n');
  const types = ['101', '102', '201', '301'];
  for (let i = 0; i < ROWS; i++) {
    const t = types[i % 4];
    const lv = ['01', '02', '03'][i % 3];
    const line = `X${t}${String(i).padStart(9, '0')},"药品或项目${i}（规格${i % 50}）",${t},${lv},${lv === '02' ? '0.1' : ''},${(i % 9000) + 1}.${String(i % 100).padStart(2, '0')},支,"限${i % 7}级医院",${i % 97 === 0 ? 'GROUP_A;GROUP_B' : ''},${i % 5 === 0 ? '610100' : '*'},2024-01-01,\n`;
    if (!out.write(line)) await once(out, 'drain');
  }
  out.end();
  await once(out, 'finish');
}

async function measure(database: Database): Promise<Record<string, number>> {
  const fg = new FundGuard(database);
  const t0 = performance.now();
  const report = await fg.imports.importCatalogue({ path: csv, name: 'catalogue.csv', format: 'csv' }, SYSTEM_ACTOR);
  const importS = (performance.now() - t0) / 1000;
  if (report.records !== ROWS) throw new Error(`imported ${report.records}`);
  const t1 = performance.now();
  const lookups = 2000;
  for (let i = 0; i < lookups; i++) {
    const code = `X${['101', '102', '201', '301'][i % 4]}${String((i * 97) % ROWS).padStart(9, '0')}`;
    await fg.ctx.catalogue.find(code, '2024-06-01', '610100');
  }
  const lookupMs = (performance.now() - t1) / lookups;
  // Baseline: the database's own insert speed for the same row count.
  await database.rows(sql`create temporary table baseline (like catalogue_entries including defaults)`);
  const t2 = performance.now();
  await database.rows(sql`insert into baseline (hilist_code, hilist_name, hilist_type, hilist_lv, price_cap_fen, region)
    select 'B' || g, '名' || g, '101', '01', g, '*' from generate_series(1, ${ROWS}) g`);
  const baselineS = (performance.now() - t2) / 1000;
  return {
    rows: ROWS,
    import_s: round(importS),
    rows_per_s: Math.round(ROWS / importS),
    lookup_ms: round(lookupMs, 3),
    baseline_sql_insert_s: round(baselineS),
    overhead_vs_baseline: round(importS / baselineS, 1),
  };
}

const round = (x: number, d = 2) => Math.round(x * 10 ** d) / 10 ** d;

await writeCsv();
const result: Record<string, unknown> = { bench: 'import-catalogue', aim: { pglite_s: 10, postgres_s: 5 } };
Object.assign(result, await onBothBackends(dir, measure));
rmSync(dir, { recursive: true, force: true });
console.log(JSON.stringify(result));
