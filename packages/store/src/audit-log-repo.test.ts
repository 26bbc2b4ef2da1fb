import assert from 'node:assert/strict';
import { sql } from 'drizzle-orm';
import { testBothBackends } from './testing.ts';
import { AuditLogRepo } from './audit-log-repo.ts';

testBothBackends('audit log appends a hash chain that verify() proves', async (db) => {
  const log = new AuditLogRepo(db);
  await log.appendNow([
    { actor: 'admin', action: 'import.catalogue', entityType: 'import', entityId: '1', detail: { rows: 3, b: [1, 2], a: '中文' }, at: '2026-11-23T05:00:00.000Z' },
    { actor: 'auditor1', action: 'case.confirm', entityType: 'case', entityId: 'C1', at: '2026-11-23T05:01:00.000Z' },
  ]);
  await log.appendNow([{ actor: 'admin', action: 'pack.activate', entityType: 'rule_pack', entityId: 'national-sample@1', at: '2026-11-23T05:02:00.000Z' }]);
  const v = await log.verify();
  assert.equal(v.ok, true);
  assert.equal(v.entries, 3);
  const entries = await log.list();
  assert.deepEqual(entries.map((e) => e.seq), [1, 2, 3]);
  assert.equal(entries[1].prevHash, entries[0].hash);
  assert.deepEqual(entries[0].detail, { rows: 3, b: [1, 2], a: '中文' });
});

testBothBackends('audit log refuses UPDATE and DELETE, and verify() detects a forged row', async (db) => {
  const log = new AuditLogRepo(db);
  await log.appendNow([{ actor: 'a', action: 'x', entityType: 't', entityId: '1', detail: { amount: 100 }, at: '2026-11-23T05:00:00.000Z' }]);
  await assert.rejects(db.rows(sql`update audit_log set actor = 'b'`), /append-only/);
  await assert.rejects(db.rows(sql`delete from audit_log`), /append-only/);
  // A forger who drops the trigger and edits a row is caught by the chain.
  await db.rows(sql`alter table audit_log disable trigger audit_log_append_only`);
  await db.rows(sql`update audit_log set detail = '{"amount": 1}'::jsonb where seq = 1`);
  const v = await log.verify();
  assert.equal(v.ok, false);
  assert.equal(v.ok === false && v.brokenAt, 1);
});
