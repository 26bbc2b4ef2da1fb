/**
 * Test support: run the same test against embedded PGlite and against the real PostgreSQL server, each in a
 * database of its own that is dropped afterwards. With REQUIRE_POSTGRES=1 (CI) an unreachable server fails
 * the test instead of skipping it.
 */
import { test, type TestContext } from 'node:test';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { openDatabase, type Database } from './database.ts';

export const TEST_PG_URL = process.env.DATABASE_URL_TEST ?? 'postgres://postgres@127.0.0.1:5432/test';

/**
 * Processes on PostgreSQL need the shared server secret (FUNDGUARD_SECRET_KEY); servers and workers that tests start
 * inherit this one. A test that checks the start-up error removes it from the child's environment itself.
 */
export const TEST_SECRET_KEY = 'fundguard-test-secret-key-not-for-production';
process.env.FUNDGUARD_SECRET_KEY ??= TEST_SECRET_KEY;

let pgReachable: Promise<boolean> | null = null;
function postgresReachable(): Promise<boolean> {
  pgReachable ??= (async () => {
    const c = new pg.Client({ connectionString: TEST_PG_URL, connectionTimeoutMillis: 3000 });
    try {
      await c.connect();
      await c.end();
      return true;
    } catch {
      return false;
    }
  })();
  return pgReachable;
}

export interface ScratchDatabase {
  database: Database;
  /** the URL of the scratch PostgreSQL database (for tests that start other processes), null for PGlite */
  url: string | null;
  drop(): Promise<void>;
}

/** A fresh, migrated PostgreSQL database; `drop()` closes and removes it. */
export async function scratchPostgres(): Promise<ScratchDatabase> {
  const name = `fg_t_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: TEST_PG_URL });
  await admin.connect();
  await admin.query(`create database ${name}`);
  await admin.end();
  const url = withDatabase(TEST_PG_URL, name);
  const database = await openDatabase({ url });
  return {
    database,
    url,
    async drop() {
      await database.close();
      const a = new pg.Client({ connectionString: TEST_PG_URL });
      await a.connect();
      await a.query(`drop database if exists ${name} with (force)`);
      await a.end();
    },
  };
}

export async function scratchPglite(): Promise<ScratchDatabase> {
  const database = await openDatabase({ dataDir: 'memory' });
  return { database, url: null, drop: () => database.close() };
}

function withDatabase(url: string, name: string): string {
  const u = new URL(url);
  u.pathname = `/${name}`;
  return u.toString();
}

/** Registers `name` once per backend: `[pglite] name` and `[postgres] name`. */
export function testBothBackends(name: string, fn: (db: Database, t: TestContext) => Promise<void>, opts: { timeout?: number } = {}): void {
  test(`[pglite] ${name}`, { timeout: opts.timeout ?? 120_000 }, async (t) => {
    const s = await scratchPglite();
    try {
      await fn(s.database, t);
    } finally {
      await s.drop();
    }
  });
  testPostgres(name, (s, t) => fn(s.database, t), opts);
}

/**
 * `[postgres] name`, given a scratch database and its URL (for tests that open more connections or processes on it);
 * skipped when PostgreSQL is unreachable, failed instead under REQUIRE_POSTGRES=1.
 */
export function testPostgres(name: string, fn: (s: ScratchDatabase, t: TestContext) => Promise<void>, opts: { timeout?: number } = {}): void {
  test(`[postgres] ${name}`, { timeout: opts.timeout ?? 120_000 }, async (t) => {
    if (!(await postgresReachable())) {
      if (process.env.REQUIRE_POSTGRES === '1') throw new Error(`PostgreSQL is required (REQUIRE_POSTGRES=1) but ${TEST_PG_URL} is unreachable`);
      t.skip('PostgreSQL not reachable');
      return;
    }
    const s = await scratchPostgres();
    try {
      await fn(s, t);
    } finally {
      await s.drop();
    }
  });
}
