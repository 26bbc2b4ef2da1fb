import assert from 'node:assert/strict';
import { test } from 'node:test';
import { sql } from 'drizzle-orm';
import pg from 'pg';
import { isFundGuardError } from '@fundguard/core';
import { testPostgres, testBothBackends } from './testing.ts';
import { safeErrorSerializer, StatementError } from './database.ts';

/** Ends every other connection to the scratch database, as `pg_terminate_backend` by an operator (or a failover) does. */
async function killBackends(url: string): Promise<number> {
  const admin = new pg.Client({ connectionString: url });
  await admin.connect();
  try {
    const r = await admin.query('select count(pg_terminate_backend(pid))::int as n from pg_stat_activity where datname = current_database() and pid <> pg_backend_pid()');
    return r.rows[0].n as number;
  } finally {
    await admin.end();
  }
}

testPostgres('a connection lost mid-transaction fails that transaction with E_UNAVAILABLE; the process stays up and the pool recovers', async ({ database: db, url }) => {
  let inside!: () => void;
  const entered = new Promise<void>((r) => (inside = r));
  let go!: () => void;
  const proceed = new Promise<void>((r) => (go = r));
  const tx = db.transaction(async (t) => {
    await db.rows(sql`select 1`, t);
    inside();
    await proceed; // the client is checked out and idle inside the transaction: the case that crashed the process
    await db.rows(sql`select 2`, t);
  });
  await entered;
  assert.ok((await killBackends(url!)) >= 1);
  // Give the socket's close a turn of the event loop to arrive (an unhandled 'error' event would end the process here).
  await new Promise((r) => setImmediate(r));
  await new Promise((r) => setTimeout(r, 100));
  go();
  await assert.rejects(tx, (e: unknown) => isFundGuardError(e) && e.code === 'E_UNAVAILABLE');
  // A statement in flight when the server ends the connection fails the same way.
  const sleeping = db.rows(sql`select pg_sleep(30)`).then(() => null, (e: unknown) => e);
  await new Promise((r) => setTimeout(r, 200));
  await killBackends(url!);
  const failed = await sleeping;
  assert.ok(isFundGuardError(failed) && failed.code === 'E_UNAVAILABLE', String(failed));
  // Recovers by itself: broken clients were discarded, new ones are opened on demand.
  assert.deepEqual(await db.rows(sql`select 1 as one`), [{ one: 1 }]);
  assert.equal(await db.transaction(async (t) => (await db.rows<{ n: number }>(sql`select 3 as n`, t))[0].n), 3);
  assert.equal(await db.ready(), true);
});

testBothBackends('a failed statement never carries its parameters or row values, in the error or in the log', async (db) => {
  const name = '张三丰';
  const idNo = '110101199003071234';
  let caught: unknown;
  try {
    await db.rows(sql`insert into patients (patn_id, patn_name) values (${idNo}, ${name}), (${idNo}, ${name})`);
  } catch (e) {
    caught = e;
  }
  assert.ok(caught instanceof StatementError, String(caught));
  assert.equal(caught.code, '23505');
  assert.equal(caught.statement, 'insert into patients');
  assert.equal(caught.params, 4);
  let inTx: unknown;
  try {
    await db.transaction(async (t) => {
      await t.execute(sql`select ${name}::int`);
    });
  } catch (e) {
    inTx = e;
  }
  assert.ok(inTx instanceof StatementError, String(inTx));
  assert.equal(inTx.code, '22P02');
  for (const e of [caught, inTx]) {
    const logged = JSON.stringify(safeErrorSerializer()(e)) + (e as Error).message + JSON.stringify(e);
    assert.ok(!logged.includes(name) && !logged.includes(idNo), logged);
  }
});

test('the log serializer cleans a driver error that did not pass through rows(): drizzle\'s "Failed query … params", the driver\'s detail', () => {
  const driver = Object.assign(new Error('duplicate key value violates unique constraint "patients_pkey"'), { code: '23505', severity: 'ERROR', detail: 'Key (patn_id)=(110101199003071234) already exists.', where: 'row 张三' });
  const drizzle = Object.assign(new Error('Failed query: insert into patients values ($1, $2)\nparams: 110101199003071234,张三'), { query: 'insert into patients values ($1, $2)', params: ['110101199003071234', '张三'], cause: driver });
  for (const e of [drizzle, driver]) {
    const out = JSON.stringify(safeErrorSerializer()(e));
    assert.ok(!out.includes('110101199003071234') && !out.includes('张三'), out);
    assert.match(out, /23505/);
  }
});
