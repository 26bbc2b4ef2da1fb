import assert from 'node:assert/strict';
import { sql } from 'drizzle-orm';
import { testBothBackends } from './testing.ts';
import { RealtimeRepo, type WarningRow, type WriterEvent } from './realtime-repo.ts';
import type { Database } from './database.ts';

const warning = (jr_id: string, over: Partial<WarningRow> = {}): WarningRow => ({
  jr_id, stage: 'pre', pack: 'p', pack_version: '1', rule_id: 'R', rule_name: 'r', sev_deg: '1', patn_id: 'P1', mdtrt_id: 'M1',
  medins_id: 'H1', dept_codg: 'D', dr_codg: 'DR', vola_amt_fen: 100, result: { patn_name: '张三' }, ...over,
});
const stored = async (db: Database) => (await db.rows<{ jr_id: string }>(sql`select jr_id from realtime_warnings order by jr_id`)).map((r) => r.jr_id);

testBothBackends('the background writer sets a poisoned warning aside, writes the rest, and keeps writing later ones', async (db) => {
  const repo = new RealtimeRepo(db);
  const events: WriterEvent[] = [];
  repo.onFlushError = (_e, ev) => ev && events.push(ev);
  // A NUL byte (and a lone surrogate) cannot be stored as text/jsonb by PostgreSQL: the whole statement fails.
  repo.queueWarnings([warning('J1'), warning('J2', { medins_id: 'A\u0000B' }), warning('J3'), warning('J4', { result: { hilist_code: 'X\udc00' } }), warning('J5')], '2026-01-01T00:00:00Z');
  await repo.flush();
  assert.deepEqual(await stored(db), ['J1', 'J3', 'J5']);
  repo.queueWarnings([warning('J6')], '2026-01-01T00:00:01Z');
  await repo.flush();
  assert.deepEqual(await stored(db), ['J1', 'J3', 'J5', 'J6'], 'later warnings are written: the bad rows were not retried with them');
  const stats = repo.stats();
  assert.equal(stats.failed_warnings, 2);
  assert.equal(stats.written_warnings, 4);
  assert.equal(stats.queued_warnings, 0);
  assert.ok(stats.last_error?.code);
  const refused = events.filter((e) => e.kind === 'rows_refused');
  assert.equal(refused.length, 2);
  for (const e of refused) {
    // What is told (and logged) names the table, the count and the SQLSTATE, never the row.
    const told = e.error.message + JSON.stringify({ ...e, error: undefined });
    assert.ok(!['张三', 'A\u0000B', '"P1"'].some((v) => told.includes(v)), told);
  }
  // A poisoned call-log row is set aside the same way.
  const call = { infno: '3101', msgid: 'm', key_actor: 'k', envelope: {}, infcode: 0, err_msg: null, results: 0, received_at: '2026-01-01T00:00:00Z', ms: 1 };
  repo.logCall(call);
  repo.logCall({ ...call, msgid: 'bad\u0000' });
  repo.logCall({ ...call, msgid: 'm3' });
  await repo.flush();
  assert.equal((await db.rows<{ n: number }>(sql`select count(*)::int as n from fsi_calls`))[0].n, 2);
  assert.equal(repo.stats().failed_calls, 1);
});

testBothBackends('the write queue is bounded: beyond it rows are dropped and counted', async (db) => {
  const repo = new RealtimeRepo(db, 3);
  const events: WriterEvent[] = [];
  repo.onFlushError = (_e, ev) => ev && events.push(ev);
  repo.queueWarnings([warning('J1'), warning('J2')], '2026-01-01T00:00:00Z');
  repo.queueWarnings([warning('J3'), warning('J4'), warning('J5')], '2026-01-01T00:00:00Z');
  assert.equal(repo.stats().queued_warnings, 3);
  assert.equal(repo.stats().dropped_warnings, 2);
  assert.deepEqual(events.map((e) => e.kind), ['queue_full']);
  await repo.flush();
  assert.deepEqual(await stored(db), ['J1', 'J2', 'J3']);
});

testBothBackends('a write that fails for want of the database is kept and retried, within the bound', async (db) => {
  const repo = new RealtimeRepo(db);
  const events: WriterEvent[] = [];
  repo.onFlushError = (_e, ev) => ev && events.push(ev);
  const real = db.rows.bind(db);
  let down = true;
  const { FundGuardError } = await import('@fundguard/core');
  (db as { rows: Database['rows'] }).rows = async (q, tx) => {
    if (down) throw new FundGuardError('E_UNAVAILABLE', 'connection lost');
    return real(q, tx);
  };
  try {
    repo.queueWarnings([warning('J1'), warning('J2')], '2026-01-01T00:00:00Z');
    await repo.flush();
    assert.equal(repo.stats().queued_warnings, 2, 'kept for a retry');
    assert.equal(repo.stats().retried_writes, 1);
    assert.equal(repo.stats().failed_warnings, 0, 'not set aside as bad rows');
    down = false;
    await repo.flush();
    assert.deepEqual(await stored(db), ['J1', 'J2']);
    assert.equal(repo.stats().queued_warnings, 0);
  } finally {
    (db as { rows: Database['rows'] }).rows = real;
  }
});
