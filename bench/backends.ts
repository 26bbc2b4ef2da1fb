import { join } from 'node:path';
import { openDatabase, type Database } from '@fundguard/store';
import { scratchPostgres } from '@fundguard/store/testing.ts';

/**
 * Runs a measurement on a file-backed PGlite (as `npm start` uses it) and on a scratch PostgreSQL database, each
 * dropped afterwards; an unreachable PostgreSQL is reported in the result, not thrown.
 */
export async function onBothBackends<T>(dir: string, measure: (db: Database) => Promise<T>): Promise<{ pglite?: T; postgres?: T | { error: string } }> {
  // BENCH_BACKENDS=postgres (or pglite) measures one backend only, e.g. for the 1 M-encounter runs.
  const wanted = (process.env.BENCH_BACKENDS ?? 'pglite,postgres').split(',');
  let pglite: T | undefined;
  if (wanted.includes('pglite')) {
    const lite = await openDatabase({ dataDir: join(dir, 'pglite') });
    try {
      pglite = await measure(lite);
    } finally {
      await lite.close();
    }
  }
  if (!wanted.includes('postgres')) return { pglite };
  let postgres: T | { error: string };
  try {
    const pg = await scratchPostgres();
    try {
      postgres = await measure(pg.database);
    } finally {
      await pg.drop();
    }
  } catch (e) {
    postgres = { error: (e as Error).message };
  }
  return { pglite, postgres };
}
