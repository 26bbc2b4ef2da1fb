import { closeSync, existsSync, mkdirSync, openSync, readFileSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { once } from 'node:events';
import { hostname } from 'node:os';
import { join, resolve, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
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
  /**
   * A bulk load's own connection (PostgreSQL: a pooled client held until `fn` ends, so that its temporary staging
   * tables live as long as the load; PGlite: the one session, taken statement by statement, so that other requests
   * run between a load's statements). COPY goes through it; its transaction runs on the same connection.
   */
  bulkSession<T>(fn: (session: BulkSession) => Promise<T>): Promise<T>;
}

/** See Database.bulkSession. */
export interface BulkSession {
  /** the connection as a drizzle handle: pass it to `rows(query, db)` */
  readonly db: Db;
  /**
   * One COPY of `data` (rows in PostgreSQL's text format: tab-separated, `\N` for null, escaped per escapeCopyText)
   * into `table` (`columns` in order): pg-copy-streams on PostgreSQL, COPY FROM '/dev/blob' on PGlite.
   */
  copyIn(table: string, columns: readonly string[], data: string): Promise<void>;
  /** a transaction on this connection (PGlite: the session is held until it ends) */
  transaction<T>(fn: (tx: Db) => Promise<T>): Promise<T>;
}

/** A value as a field of COPY's text format: backslash, tab, newline and carriage return escaped; null as \N. */
export function escapeCopyText(v: string | number | boolean | null | undefined): string {
  if (v === null || v === undefined) return '\\N';
  const s = typeof v === 'string' ? v : String(v);
  return COPY_SPECIAL.test(s) ? s.replace(COPY_SPECIAL_G, (c) => COPY_ESCAPES[c]) : s;
}
const COPY_SPECIAL = /[\\\t\n\r]/;
const COPY_SPECIAL_G = /[\\\t\n\r]/g;
const COPY_ESCAPES: Record<string, string> = { '\\': '\\\\', '\t': '\\t', '\n': '\\n', '\r': '\\r' };

const copyStatement = (table: string, columns: readonly string[], from: string) =>
  `copy ${table} (${columns.join(', ')}) from ${from}`;

/** Opens the database and applies migrations. Embedded directories are locked to this process until close(). */
export async function openDatabase(opts: OpenOptions = {}): Promise<Database> {
  if (opts.url) return openPostgres(opts.url);
  return openPglite(opts.dataDir, opts.lockInfo);
}

function makeDatabase(kind: Database['kind'], db: Db, closeFn: () => Promise<void>, lockFile: string | null, bulk: (self: Database) => Database['bulkSession'], listen: Database['listen'] = null): Database {
  let closed = false;
  const self: Database = {
    kind,
    db,
    lockFile,
    listen,
    bulkSession: (fn) => bulk(self)(fn),
    async notify(channel, payload) {
      if (kind === 'postgres') await self.rows(sql`select pg_notify(${channel}, ${payload})`);
    },
    async rows<T>(query: SQL, tx?: Db): Promise<T[]> {
      try {
        const res = (await (tx ?? db).execute(query)) as unknown as { rows: T[] };
        return res.rows;
      } catch (e) {
        throw statementError(e);
      }
    },
    transaction: (fn) => transactionOn(db, fn),
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

async function transactionOn<T>(db: Db, fn: (tx: Db) => Promise<T>): Promise<T> {
  try {
    return await db.transaction((tx) => fn(tx as unknown as Db));
  } catch (e) {
    throw statementError(e);
  }
}

const MIGRATION_COUNT = (JSON.parse(readFileSync(join(MIGRATIONS, 'meta', '_journal.json'), 'utf8')) as { entries: unknown[] }).entries.length;

async function openPostgres(url: string): Promise<Database> {
  const size = Number(process.env.FUNDGUARD_PG_POOL ?? 10);
  // Connections opened stay open (min = max): by default idle ones close after 10 s, and the next burst of 3102
  // calls then waits for new connections and their cold server processes (measured: seconds of 300–500 ms answers).
  const pool = new pg.Pool({ connectionString: url, max: size, min: size });
  // A connection the server drops (restart, pg_terminate_backend, network) emits 'error' on its client: on an idle one
  // the pool's listener gets it, but a checked-out client (mid-transaction) has none, and an unhandled 'error' event
  // ends the process. Every client gets a listener of its own: the query in flight fails (E_UNAVAILABLE, a 503), the
  // broken client is discarded on release, and the pool opens a new one on demand.
  pool.on('error', () => {
    /* idle client errors surface on the next query instead of crashing the process */
  });
  pool.on('connect', (client) => {
    client.on('error', () => {
      /* the query in flight (if any) fails with this error; see statementError */
    });
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
  const bulk = (): Database['bulkSession'] => async (fn) => {
    const client = await pool.connect().catch((e: unknown) => {
      throw statementError(e);
    });
    const session: BulkSession = {
      db: drizzlePg(client, { schema }) as unknown as Db,
      async copyIn(table, columns, data) {
        // Loaded on first use: only PostgreSQL bulk loads need it.
        const { from } = await import('pg-copy-streams');
        try {
          const stream = client.query(from(copyStatement(table, columns, 'stdin')));
          await new Promise<void>((resolve, reject) => {
            stream.on('error', reject);
            stream.on('finish', resolve);
            stream.end(data);
          });
        } catch (e) {
          throw statementError(Object.assign(e as Error, { query: `copy ${table}` }));
        }
      },
      transaction: (f) => transactionOn(session.db, f),
    };
    let broken = false;
    try {
      return await fn(session);
    } catch (e) {
      broken = true; // a COPY or transaction cut short may leave the connection mid-protocol: never reuse it
      throw e;
    } finally {
      client.release(broken);
    }
  };
  return makeDatabase('postgres', db, () => pool.end(), null, bulk, (channel, onMessage, onReconnect) => listenPostgres(url, channel, onMessage, onReconnect));
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
    if (!inMemory && !existsSync(join(resolve(dataDir!), 'PG_VERSION'))) await createClusterOffThread(resolve(dataDir!));
    client = inMemory ? new PGlite() : new PGlite(resolve(dataDir!));
    await client.waitReady;
    shareTheEventLoop(client);
    const db = drizzlePglite(client, { schema }) as unknown as Db;
    await migratePglite(drizzlePglite(client, { schema }), { migrationsFolder: MIGRATIONS });
    const file = lockFile;
    const bulk = (self: Database): Database['bulkSession'] => (fn) => fn({
      db,
      async copyIn(table, columns, data) {
        try {
          await client.query(copyStatement(table, columns, "'/dev/blob'"), [], { blob: new Blob([data]) });
        } catch (e) {
          throw statementError(Object.assign(e as Error, { query: `copy ${table}` }));
        }
      },
      transaction: (f) => self.transaction(f),
    });
    return makeDatabase('pglite', db, async () => {
      try {
        await client.close();
      } finally {
        if (file) releaseLock(file);
      }
    }, lockFile, bulk);
  } catch (e) {
    if (lockFile) releaseLock(lockFile);
    throw e;
  }
}

/**
 * A new embedded data directory needs initdb: seconds of WebAssembly that would hold this thread (no /healthz, no
 * sign-in meanwhile on a first start). It runs in a worker thread instead; this thread then opens the directory, as
 * on any later start. The worker's PGlite is closed (files flushed) before this one opens them.
 */
async function createClusterOffThread(dir: string): Promise<void> {
  const worker = new Worker(
    `const { workerData, parentPort } = require('node:worker_threads');
    import(workerData.pglite).then(async ({ PGlite }) => {
      const db = new PGlite(workerData.dir);
      await db.waitReady;
      await db.close();
      parentPort.postMessage({ ok: true });
    }).catch((e) => parentPort.postMessage({ error: String((e && e.stack) || e) }));`,
    { eval: true, workerData: { dir, pglite: import.meta.resolve('@electric-sql/pglite') } },
  );
  try {
    const [answer] = (await once(worker, 'message')) as [{ ok?: true; error?: string }];
    if (answer.error) throw new Error(`creating the embedded database in ${dir} failed: ${answer.error}`);
  } finally {
    await worker.terminate();
  }
}

/**
 * PGlite runs each statement synchronously in this thread and resolves its promises in microtasks, so a loop of
 * awaited statements (a demo load, a case opening, a thousand settlements) never lets the event loop turn: timers,
 * sockets and every HTTP request wait until the loop ends — measured 10 s without a /healthz answer during the demo's
 * settlements. Every protocol message first yields to the event loop when this thread has run for more than
 * YIELD_EVERY_MS without doing so. The connection's own lock is held meanwhile, so no statement of another caller
 * slips in between; requests that need no database (health, cached 3101 rules) are answered in the gap.
 */
const YIELD_EVERY_MS = 10;
function shareTheEventLoop(client: PGlite): void {
  const run = client.execProtocolStream.bind(client);
  let lastTurn = performance.now();
  client.execProtocolStream = (async (...args: Parameters<PGlite['execProtocolStream']>) => {
    if (performance.now() - lastTurn > YIELD_EVERY_MS) {
      await new Promise<void>((resolve) => setImmediate(resolve));
      lastTurn = performance.now();
    }
    return run(...args);
  }) as PGlite['execProtocolStream'];
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

/**
 * A failed statement, described without its parameters or any row value (they hold patients' names and ID
 * numbers, and errors end up in logs): the statement's name (its verb and table), the SQLSTATE and the parameter
 * count. The driver's own message is kept only up to its first ": " (what follows is usually the offending value).
 */
export class StatementError extends Error {
  /** SQLSTATE (e.g. 23505), or the driver's code */
  readonly code: string;
  readonly statement: string;
  readonly params: number;
  constructor(code: string, statement: string, params: number, reason: string) {
    super(`statement "${statement}" failed: ${code} ${reason} (${params} parameter(s))`);
    this.name = 'StatementError';
    this.code = code;
    this.statement = statement;
    this.params = params;
  }
}

// Connection exceptions (08), operator intervention (57: pg_terminate_backend, shutdown), too many connections.
const CONNECTION_STATES = /^(08...|57P0[1-4]|53300)$/;
const CONNECTION_MESSAGES = /Connection terminated|connection error|ECONNRESET|ECONNREFUSED|EPIPE|ETIMEDOUT|timeout exceeded when trying to connect|Client was closed|not queryable/i;

/** The SQLSTATE (or driver code) of a database error, '' when there is none. */
export function errorCode(e: unknown): string {
  const inner = unwrapDriverError(e) as { code?: unknown };
  return typeof inner?.code === 'string' ? inner.code : '';
}

/** True when the statement failed because the connection to the database was lost or could not be had, not because of what it said. */
export function isConnectionError(e: unknown): boolean {
  if (e instanceof FundGuardError) return e.code === 'E_UNAVAILABLE';
  const inner = unwrapDriverError(e);
  const code = errorCode(inner);
  if (CONNECTION_STATES.test(code)) return true;
  return !/^[0-9A-Z]{5}$/.test(code) && inner instanceof Error && CONNECTION_MESSAGES.test(inner.message);
}

/**
 * What a failed statement throws: a lost connection becomes E_UNAVAILABLE (a 503: the caller may retry, and the
 * pool reconnects by itself); any other driver error a StatementError that carries no values. Errors of our own
 * (FundGuardError, thrown inside a transaction) pass unchanged.
 */
export function statementError(e: unknown): unknown {
  if (e instanceof FundGuardError || e instanceof StatementError) return e;
  const query = (e as { query?: unknown }).query;
  const params = (e as { params?: unknown }).params;
  const inner = unwrapDriverError(e);
  if (!(inner instanceof Error)) return e;
  // Only the database's own errors (drizzle's wrapper, the protocol's DatabaseError with its severity, a lost
  // connection): an error of our own code inside a transaction (a file not found, a NATS error) keeps its message.
  const isDriver = typeof query === 'string' || 'severity' in inner || isConnectionError(inner);
  if (!isDriver) return e;
  const name = statementName(typeof query === 'string' ? query : '');
  if (isConnectionError(inner)) {
    return new FundGuardError('E_UNAVAILABLE', `the database connection was lost or could not be had (${errorCode(inner) || 'no code'}, statement "${name}"); retry`);
  }
  return new StatementError(errorCode(inner) || 'unknown', name, Array.isArray(params) ? params.length : 0, inner.message.split(': ')[0].slice(0, 200));
}

/** The verb and first table of a statement (`insert into realtime_warnings`), never its values. */
export function statementName(query: string): string {
  const q = query.replace(/\s+/g, ' ').trim();
  const m = /\b(insert into|update|delete from|select\b.*?\bfrom|copy)\s+("?[\w.]+"?)/i.exec(q);
  if (m) return `${m[1].toLowerCase().startsWith('select') ? 'select from' : m[1].toLowerCase()} ${m[2].replace(/"/g, '')}`;
  return q.split(' ').slice(0, 3).join(' ').replace(/\$\d+|'[^']*'/g, '?') || '(statement)';
}

/**
 * A log serializer for errors that strips statement parameters and row values from any database error that reached
 * a log without passing through `rows()`/`transaction()` (drizzle's "Failed query … params: …", the driver's
 * detail/where fields). Other errors are serialized as usual by `fallback`.
 */
export function safeErrorSerializer(fallback: (e: Error) => unknown = (e) => ({ type: e.name, message: e.message, stack: e.stack })) {
  return (e: unknown): unknown => {
    if (!(e instanceof Error)) return e;
    const safe = statementError(e);
    if (safe !== e) return fallback(safe as Error);
    if (e instanceof StatementError) return { type: e.name, message: e.message, code: e.code, statement: e.statement, params: e.params };
    return fallback(e);
  };
}

export function redactUrl(url: string): string {
  return url.replace(/\/\/([^:@/]+):[^@/]*@/, '//$1:***@');
}
