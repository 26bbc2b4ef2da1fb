import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, test } from 'node:test';
import { sql } from 'drizzle-orm';
import pg from 'pg';
import { openDatabase, type Database } from '@fundguard/store';
import { testPostgres } from '@fundguard/store/testing.ts';
import { FundGuard, SecretBox } from '@fundguard/service';
import { buildApp } from './app.ts';
import { hasUnsafeText, unsafeTextPath } from './safe-text.ts';
import type { OverloadOptions } from './overload.ts';

const example = JSON.parse(readFileSync(new URL('../../../../shared/examples/3101-request-envelope.json', import.meta.url), 'utf8'));
const NOW = new Date('2026-11-23T08:00:00Z');

let db: Database;
before(async () => {
  db = await openDatabase({ dataDir: 'memory' });
});
after(async () => db.close());

/** An app whose test route /api/v1/test/hold waits for `release()`: an admitted request that stays in flight. */
async function setup(database: Database, overload: Partial<OverloadOptions> = {}, extra: { fsiHandlers?: Parameters<typeof buildApp>[0]['fsiHandlers'] } = {}) {
  const fg = new FundGuard(database, { clock: () => NOW, secrets: new SecretBox('k') });
  const admin = { id: 'admin', role: 'admin' as const };
  const his = await fg.keys.create(admin, { role: 'integration' });
  const adm = await fg.keys.create(admin, { role: 'admin' });
  let release!: () => void;
  let entered!: () => void;
  const held = { released: new Promise<void>((r) => (release = r)), entered: new Promise<void>((r) => (entered = r)) };
  const app = await buildApp({
    fg, overload: { maxInFlight: 1000, maxEventLoopDelayMs: 0, sampleIntervalMs: 50, lagMinArrivals: 0, retryAfterS: 1, ...overload }, ...extra,
    plugins: [async (a) => {
      a.get('/api/v1/test/hold', async () => {
        entered();
        await held.released;
        return { ok: true };
      });
    }],
  });
  return { fg, app, his: his.key, admin: adm.key, release, entered: held.entered };
}

test('hasUnsafeText finds NUL bytes and lone surrogates anywhere, and names where', () => {
  assert.equal(hasUnsafeText({ a: ['ok', '中文', '😀'] }), false);
  assert.equal(hasUnsafeText('A\u0000B'), true);
  assert.equal(unsafeTextPath({ p: [{ medins_id: 'A\u0000B' }] }), 'p[0].medins_id');
  assert.equal(unsafeTextPath({ p: [{}, { hilist_code: 'X\udc00' }] }), 'p[1].hilist_code');
  assert.equal(unsafeTextPath({ x: '\ud800' }), 'x', 'a high surrogate alone');
  assert.equal(unsafeTextPath({ x: '\ud83d\ude00' }), null, 'a pair is fine');
  assert.equal(unsafeTextPath({ ['k\u0000']: 1 }), '(a key)');
  let deep: unknown = 'x\u0000';
  for (let i = 0; i < 100_000; i++) deep = [deep];
  assert.equal(hasUnsafeText(deep), true, 'no stack overflow');
});

test('NUL bytes and lone surrogates are refused at the edge: the national envelope on /api/v1/fsi, E_INPUT_INVALID elsewhere; nothing queued', async () => {
  const { fg, app, his, admin } = await setup(db);
  try {
    const bad = structuredClone(example);
    bad.input.data.patient_dtos[0].fsi_encounter_dtos[0].medins_id = 'A\u0000B';
    const r = await app.inject({ method: 'POST', url: '/api/v1/fsi/3101', headers: { authorization: `Bearer ${his}` }, payload: bad });
    assert.equal(r.statusCode, 400);
    assert.equal(r.json().infcode, -1);
    assert.match(r.json().err_msg, /input\.data\.patient_dtos\[0\]\.fsi_encounter_dtos\[0\]\.medins_id/);
    // A lone surrogate arrives as a JSON escape.
    const raw = JSON.stringify(example).replace(/"hilist_code":"([^"]*)"/, '"hilist_code":"$1\\udc00"');
    const s = await app.inject({ method: 'POST', url: '/api/v1/fsi', headers: { authorization: `Bearer ${his}`, 'content-type': 'application/json' }, payload: raw });
    assert.equal(s.statusCode, 400);
    assert.equal(s.json().infcode, -1);
    assert.match(s.json().err_msg, /hilist_code/);
    assert.equal(fg.ctx.realtime.stats().queued_warnings, 0);
    const q = await app.inject({ url: '/api/v1/catalogue/X01?date=2024%00', headers: { authorization: `Bearer ${admin}` } });
    assert.equal(q.statusCode, 400);
    assert.equal(q.json().error.code, 'E_INPUT_INVALID');
    assert.match(q.json().error.message, /query date/);
    const p = await app.inject({ url: '/api/v1/catalogue/X%00', headers: { authorization: `Bearer ${admin}` } });
    assert.equal(p.statusCode, 400);
    assert.match(p.json().error.message, /params hilist_code/);
    const ok = await app.inject({ method: 'POST', url: '/api/v1/fsi/3101', headers: { authorization: `Bearer ${his}` }, payload: example });
    assert.equal(ok.statusCode, 200, ok.body);
  } finally {
    await app.close();
  }
});

test('overload: requests beyond the in-flight bound are refused at arrival with 503 + Retry-After (national envelope for fsi); health and metrics still answer', async () => {
  const { app, his, admin, release, entered } = await setup(db, { maxInFlight: 1 });
  try {
    const holding = app.inject({ url: '/api/v1/test/hold', headers: { authorization: `Bearer ${admin}` } });
    await entered;
    const fsi = await app.inject({ method: 'POST', url: '/api/v1/fsi/3101', headers: { authorization: `Bearer ${his}` }, payload: example });
    assert.equal(fsi.statusCode, 503);
    assert.equal(fsi.headers['retry-after'], '1');
    assert.equal(fsi.json().infcode, -1);
    assert.equal(typeof fsi.json().inf_refmsgid, 'string');
    assert.match(fsi.json().err_msg, /busy/);
    const mgmt = await app.inject({ url: '/api/v1/me', headers: { authorization: `Bearer ${admin}` } });
    assert.equal(mgmt.statusCode, 503);
    assert.equal(mgmt.json().error.code, 'E_UNAVAILABLE');
    assert.equal((await app.inject('/healthz')).statusCode, 200);
    const ready = (await app.inject('/readyz')).json();
    assert.equal(ready.load.in_flight, 1);
    assert.equal(ready.load.shed_in_flight, 2);
    assert.equal(ready.writer.queued_warnings, 0);
    const metrics = (await app.inject('/metrics')).body;
    assert.match(metrics, /fundguard_http_shed_total\{reason="in_flight"\} 2/);
    assert.match(metrics, /fundguard_writer_queue_depth\{table="realtime_warnings"\} 0/);
    release();
    assert.equal((await holding).statusCode, 200);
    assert.equal((await app.inject({ method: 'POST', url: '/api/v1/fsi/3101', headers: { authorization: `Bearer ${his}` }, payload: example })).statusCode, 200, 'admitted again once the in-flight request answered');
  } finally {
    release();
    await app.close();
  }
});

test('overload: a late event loop refuses new API requests at arrival', async () => {
  let lag = 0;
  const { app, his } = await setup(db, { maxEventLoopDelayMs: 30, eventLoopDelay: () => lag });
  try {
    assert.equal((await app.inject({ method: 'POST', url: '/api/v1/fsi/3101', headers: { authorization: `Bearer ${his}` }, payload: example })).statusCode, 200);
    lag = 120;
    const r = await app.inject({ method: 'POST', url: '/api/v1/fsi/3101', headers: { authorization: `Bearer ${his}` }, payload: example });
    assert.equal(r.statusCode, 503);
    assert.equal(r.json().infcode, -1);
    assert.equal((await app.inject('/readyz')).json().load.shed_event_loop, 1);
    lag = 5;
    assert.equal((await app.inject({ method: 'POST', url: '/api/v1/fsi/3101', headers: { authorization: `Bearer ${his}` }, payload: example })).statusCode, 200);
  } finally {
    await app.close();
  }
});

testPostgres('PostgreSQL connections killed mid-request: that request answers 503 (national envelope on fsi), the server stays up and recovers', async ({ database, url }) => {
  let inside!: () => void;
  const entered = new Promise<void>((r) => (inside = r));
  let go!: () => void;
  const proceed = new Promise<void>((r) => (go = r));
  const { app, his } = await setup(database, {}, {
    fsiHandlers: {
      // a 3102-like handler: a transaction that is open when the connection goes
      '3102': async () => {
        await database.transaction(async (tx) => {
          await database.rows(sql`select 1`, tx);
          inside();
          await proceed;
          await database.rows(sql`select 2`, tx);
        });
        return { output: { result: [] }, results: 0 };
      },
    },
  });
  try {
    // (a request answered early, e.g. 400, would leave `entered` pending: fail instead of hanging)
    const inFlight = app.inject({ method: 'POST', url: '/api/v1/fsi/3102', headers: { authorization: `Bearer ${his}` }, payload: { ...example, infno: '3102' } });
    await Promise.race([entered, inFlight.then((r) => assert.fail(`answered before the handler ran: ${r.statusCode} ${r.body}`))]);
    const admin = new pg.Client({ connectionString: url! });
    await admin.connect();
    await admin.query('select pg_terminate_backend(pid) from pg_stat_activity where datname = current_database() and pid <> pg_backend_pid()');
    await admin.end();
    await new Promise((r) => setTimeout(r, 100)); // the socket's close arrives (it used to end the process here)
    go();
    const r = await inFlight;
    assert.equal(r.statusCode, 503, r.body);
    assert.equal(r.headers['retry-after'], '1');
    assert.equal(r.json().infcode, -1);
    // Recovered by itself: the next calls (key lookup, audit) get new connections.
    const again = await app.inject({ method: 'POST', url: '/api/v1/fsi/3101', headers: { authorization: `Bearer ${his}` }, payload: example });
    assert.equal(again.statusCode, 200, again.body);
    assert.equal((await app.inject('/readyz')).statusCode, 200);
  } finally {
    go();
    await app.close();
  }
});
