import { closeSync, existsSync, mkdirSync, openSync, readFileSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { hostname } from 'node:os';
import { join, resolve, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PGlite } from '@electric-sql/pglite';
import { drizzle as drizzlePglite } from 'drizzle-orm/pglite';
import { migrate as migratePglite } from 'drizzle-orm/pglite/migrator';
import { drizzle as drizzlePg } from 'drizzle-orm/node-postgres';
import { migrate as migratePg } from 'drizzle-orm/node-postgres/migrator';
import { sql, type SQL } from 'drizzle-orm';
import type { PgDatabase, PgQueryResultHKT } from 'drizzle-orm/pg-core';
import pg from 'pg';
import { FundGuardError } from '@fundguard/core';
import * as schema from './schema.ts';

// int8 comes back as a string from node-postgres but as a number from PGlite; amounts in fen fit 2^53, so use numbers on both.
pg.types.setTypeParser(20, (v: string) => Number(v));

export type Schema = typeof schema;
/** The drizzle handle, the same type on both backends (a transaction handle is one too). */
export type Db = PgDatabase<PgQueryResultHKT, Schema>;

const MIGRATIONS = resolve(dirname(fileURLToPath(import.meta.url)), '..', 'migrations');

export interface OpenOptions {
  /** `postgres://…`: use that server. */
  url?: string;
  /** PGlite data directory; `memory` or undefined (without url) for an in-memory database (tests). */
  dataDir?: string;
  /** written into the lock file so that a CLI can talk to the server that owns the directory */
  lockInfo?: Record<string, unknown>;
}

export interface Database {
  readonly kind: 'pglite' | 'postgres';
  readonly db: Db;
  /** Runs a query (drizzle `sql` template) and returns its rows. */
  rows<T = Record<string, unknown>>(query: SQL, tx?: Db): Promise<T[]>;
  transaction<T>(fn: (tx: Db) => Promise<T>): Promise<T>;
  /** true when the database answers and migrations are applied */
  ready(): Promise<boolean>;
  close(): Promise<void>;
  /** the lock file of an embedded data directory, if any */
  readonly lockFile: string | null;
  /**
   * PostgreSQL only (null on PGlite, which one process owns): LISTEN on a channel over a connection of its own, for
   * the notifications other processes send with `notify`. A dropped connection is re-opened after a second and
   * `onReconnect` is called, because notifications sent meanwhile are lost.
   */
  listen: ((channel: string, onMessage: (payload: string) => void, onReconnect: () => void) => Promise<{ close(): Promise<void> }>) | null;
  /** pg_notify on PostgreSQL; nothing on PGlite */
  notify(channel: string, payload: string): Promise<void>;
}

/** Opens the database and applies migrations. Embedded directories are locked to this process until close(). */
export async function openDatabase(opts: OpenOptions = {}): Promise<Database> {
  if (opts.url) return openPostgres(opts.url);
  return openPglite(opts.dataDir, opts.lockInfo);
}

function makeDatabase(kind: Database['kind'], db: Db, closeFn: () => Promise<void>, lockFile: string | null, listen: Database['listen'] = null): Database {
  let closed = false;
  const self: Database = {
    kind,
    db,
    lockFile,
    listen,
    async notify(channel, payload) {
      if (kind === 'postgres') await self.rows(sql`select pg_notify(${channel}, ${payload})`);
    },
    async rows<T>(query: SQL, tx?: Db): Promise<T[]> {
      try {
        const res = (await (tx ?? db).execute(query)) as unknown as { rows: T[] };
        return res.rows;
      } catch (e) {
        throw unwrapDriverError(e);
      }
    },
    transaction<T>(fn: (tx: Db) => Promise<T>): Promise<T> {
      return db.transaction((tx) => fn(tx as unknown as Db));
    },
    async ready() {
      try {
        const r = await self.rows<{ n: number }>(sql`select count(*)::int as n from drizzle.__drizzle_migrations`);
        return (r[0]?.n ?? 0) >= MIGRATION_COUNT;
      } catch {
        return false;
      }
    },
    async close() {
      if (closed) return;
      closed = true;
      await closeFn();
    },
  };
  return self;
}

const MIGRATION_COUNT = (JSON.parse(readFileSync(join(MIGRATIONS, 'meta', '_journal.json'), 'utf8')) as { entries: unknown[] }).entries.length;

async function openPostgres(url: string): Promise<Database> {
  const size = Number(process.env.FUNDGUARD_PG_POOL ?? 10);
  // Connections opened stay open (min = max): by default idle ones close after 10 s, and the next burst of 3102
  // calls then waits for new connections and their cold server processes (measured: seconds of 300–500 ms answers).
  const pool = new pg.Pool({ connectionString: url, max: size, min: size });
  pool.on('error', () => {
    /* idle client errors (server restart) surface on the next query instead of crashing the process */
  });
  try {
    await pool.query('select 1');
  } catch (e) {
    await pool.end();
    throw new FundGuardError('E_INTERNAL', `cannot connect to PostgreSQL at ${redactUrl(url)}: ${(e as Error).message}`);
  }
  const db = drizzlePg(pool, { schema }) as unknown as Db;
  // Serialise concurrent start-ups of several processes on one database while migrations run.
  const client = await pool.connect();
  try {
    await client.query('select pg_advisory_lock(726354)');
    await migratePg(drizzlePg(client, { schema }), { migrationsFolder: MIGRATIONS });
  } finally {
    await client.query('select pg_advisory_unlock(726354)').catch(() => undefined);
    client.release();
  }
  return makeDatabase('postgres', db, () => pool.end(), null, (channel, onMessage, onReconnect) => listenPostgres(url, channel, onMessage, onReconnect));
}

/** A dedicated connection that LISTENs on a channel and comes back after the server or network drops it. */
async function listenPostgres(url: string, channel: string, onMessage: (payload: string) => void, onReconnect: () => void): Promise<{ close(): Promise<void> }> {
  let closed = false;
  let client: pg.Client | null = null;
  let retry: NodeJS.Timeout | null = null;
  const open = async (): Promise<pg.Client> => {
    const c = new pg.Client({ connectionString: url, keepAlive: true });
    c.on('notification', (n) => n.channel === channel && onMessage(n.payload ?? ''));
    c.on('error', () => dropped(c));
    c.on('end', () => dropped(c));
    try {
      await c.connect();
      await c.query(`listen ${pg.escapeIdentifier(channel)}`);
    } catch (e) {
      c.end().catch(() => undefined);
      throw e;
    }
    return c;
  };
  const dropped = (c: pg.Client) => {
    if (closed || client !== c) return;
    client = null;
    c.end().catch(() => undefined);
    reconnectSoon();
  };
  const reconnectSoon = () => {
    retry = setTimeout(async () => {
      try {
        const c = await open();
        if (closed) return void (await c.end());
        client = c;
        onReconnect();
      } catch {
        reconnectSoon();
      }
    }, 1000);
    retry.unref();
  };
  client = await open();
  // An idle connection that a NAT or balancer dropped silently raises nothing: ask it something every 30 s, and
  // treat no answer within 10 s as a drop.
  const ping = setInterval(() => {
    const c = client;
    if (!c) return;
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise((_, reject) => (timer = setTimeout(() => reject(new Error('no answer')), 10_000)));
    Promise.race([c.query('select 1'), timeout]).then(() => clearTimeout(timer), () => {
      clearTimeout(timer);
      dropped(c);
    });
  }, 30_000);
  ping.unref();
  return {
    async close() {
      closed = true;
      clearInterval(ping);
      if (retry) clearTimeout(retry);
      await client?.end().catch(() => undefined);
    },
  };
}

async function openPglite(dataDir: string | undefined, lockInfo: Record<string, unknown> = {}): Promise<Database> {
  const inMemory = dataDir === undefined || dataDir === 'memory';
  let lockFile: string | null = null;
  if (!inMemory) {
    const dir = resolve(dataDir);
    mkdirSync(dir, { recursive: true });
    lockFile = acquireLock(dir, lockInfo);
  }
  let client: PGlite;
  try {
    client = inMemory ? new PGlite() : new PGlite(resolve(dataDir!));
    await client.waitReady;
    const db = drizzlePglite(client, { schema }) as unknown as Db;
    await migratePglite(drizzlePglite(client, { schema }), { migrationsFolder: MIGRATIONS });
    const file = lockFile;
    return makeDatabase('pglite', db, async () => {
      try {
        await client.close();
      } finally {
        if (file) releaseLock(file);
      }
    }, lockFile);
  } catch (e) {
    if (lockFile) releaseLock(lockFile);
    throw e;
  }
}

export interface LockInfo {
  pid: number;
  host: string;
  started: string;
  [k: string]: unknown;
}

/** Reads the lock of an embedded data directory: who owns it (and how to reach it), or null when free. */
export function readLock(dataDir: string): LockInfo | null {
  const file = join(resolve(dataDir), 'fundguard.lock');
  if (!existsSync(file)) return null;
  try {
    const info = JSON.parse(readFileSync(file, 'utf8')) as LockInfo;
    return isAlive(info) ? info : null;
  } catch {
    return null;
  }
}

// PGlite gives no protection against a second process opening the same directory (writes would be lost),
// so ownership is claimed with an exclusive-create lock file holding the owner's pid.
function acquireLock(dir: string, info: Record<string, unknown>): string {
  const file = join(dir, 'fundguard.lock');
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(file, 'wx', 0o600);
      writeSync(fd, JSON.stringify({ pid: process.pid, host: hostname(), started: new Date().toISOString(), ...info }));
      closeSync(fd);
      process.once('exit', () => releaseLock(file));
      return file;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      let owner: LockInfo | null = null;
      try {
        owner = JSON.parse(readFileSync(file, 'utf8')) as LockInfo;
      } catch {
        owner = null;
      }
      if (owner && isAlive(owner)) {
        throw new FundGuardError(
          'E_LOCKED',
          `the embedded database in ${dir} is in use by process ${owner.pid} on ${owner.host} (since ${owner.started}); ` +
            'only one process may open it: stop that process, or send the work to it (the CLI does this for a running server), or use DATABASE_URL',
        );
      }
      rmSync(file, { force: true }); // stale: its owner is gone
    }
  }
  throw new FundGuardError('E_LOCKED', `could not lock ${dir}`);
}

/** Adds facts to this process's lock file (e.g. how a CLI reaches the server that owns the directory). */
export function updateLock(file: string, extra: Record<string, unknown>): void {
  const owner = JSON.parse(readFileSync(file, 'utf8')) as LockInfo;
  if (owner.pid !== process.pid) throw new Error(`lock ${file} is not ours`);
  writeFileSync(file, JSON.stringify({ ...owner, ...extra }), { mode: 0o600 });
}

function releaseLock(file: string): void {
  try {
    const owner = JSON.parse(readFileSync(file, 'utf8')) as LockInfo;
    if (owner.pid === process.pid) rmSync(file, { force: true });
  } catch {
    /* already gone */
  }
}

function isAlive(owner: LockInfo): boolean {
  if (owner.host !== hostname()) return true; // cannot tell for another host: assume it is alive
  try {
    process.kill(owner.pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** drizzle wraps driver errors as "Failed query: …"; the driver's own error says what went wrong, so surface that. */
export function unwrapDriverError(e: unknown): unknown {
  const cause = (e as { cause?: unknown }).cause;
  return e instanceof Error && e.message.startsWith('Failed query') && cause instanceof Error ? cause : e;
}

export function redactUrl(url: string): string {
  return url.replace(/\/\/([^:@/]+):[^@/]*@/, '//$1:***@');
}
