import assert from 'node:assert/strict';
import { sql } from 'drizzle-orm';
import { testBothBackends } from './testing.ts';
import { createHash } from 'node:crypto';
import { AuditLogRepo, entryHash, type ChainKey } from './audit-log-repo.ts';

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

const key = (id: string, material: string): ChainKey => ({ id, key: createHash('sha256').update(material).digest() });
const entry = (i: number) => ({ actor: 'a', action: 'x', entityType: 't', entityId: String(i), detail: { amount: i }, at: `2026-11-23T05:0${i % 10}:00.000Z` });

testBothBackends('keyed chain: a forger with database write access who recomputes the hashes is caught', async (db) => {
  const log = new AuditLogRepo(db);
  log.useKeys([key('k1', 'server secret')]);
  await log.appendNow([entry(1), entry(2), entry(3)]);
  assert.deepEqual((await log.list()).map((e) => e.macKey), ['k1', 'k1', 'k1']);
  const v = await log.verify();
  assert.equal(v.ok && v.keyedFrom, 1);
  // The forger drops the trigger, changes entry 2 and recomputes entry 2 and 3 the way the unkeyed chain did.
  await db.rows(sql`alter table audit_log disable trigger audit_log_append_only`);
  const [e1, e2, e3] = await log.list();
  const forged2 = { ...e2, detail: { amount: 1 } };
  const h2 = entryHash(e1.hash, forged2);
  const h3 = entryHash(h2, e3);
  await db.rows(sql`update audit_log set detail = '{"amount": 1}'::jsonb, hash = ${h2} where seq = 2`);
  await db.rows(sql`update audit_log set prev_hash = ${h2}, hash = ${h3} where seq = 3`);
  const bad = await log.verify();
  assert.deepEqual(bad, { ok: false, entries: 1, brokenAt: 2, reason: 'content does not match its hash' });
  // Nor can they pass the forged rows off as unkeyed ones.
  await db.rows(sql`update audit_log set mac_key = null where seq >= 2`);
  const downgraded = await log.verify();
  assert.equal(downgraded.ok === false && downgraded.reason, 'entry 2 is not keyed although entries from 1 on are (written without the server secret, or forged)');
});

testBothBackends('anchors: deleting the last entries or rewriting the tail is caught against the latest anchor; a forged anchor is refused', async (db) => {
  const log = new AuditLogRepo(db);
  log.useKeys([key('k1', 'server secret')]);
  await log.appendNow([entry(1), entry(2), entry(3)]);
  const anchor = (await log.anchor('2026-11-23T06:00:00Z'))!;
  assert.equal(anchor.seq, 3);
  assert.equal(anchor.key_id, 'k1');
  await log.appendNow([entry(4)]);
  const ok = await log.verify({ anchor });
  assert.deepEqual(ok.ok && ok.anchor, { seq: 3, at: '2026-11-23T06:00:00.000Z' });
  await db.rows(sql`alter table audit_log disable trigger audit_log_append_only`);
  await db.rows(sql`delete from audit_log where seq >= 3`);
  assert.equal((await log.verify()).ok, true, 'without an anchor, a removed tail is not noticed');
  const cut = await log.verify({ anchor });
  assert.equal(cut.ok === false && cut.reason, 'the log ends at entry 2 but the anchor of 2026-11-23T06:00:00.000Z records entry 3: entries were removed');
  const forged = { ...anchor, seq: 2 };
  const refused = await log.verify({ anchor: forged });
  assert.equal(refused.ok === false && refused.reason, 'the anchor\'s signature does not match: the anchor file was altered');
});

testBothBackends('upgrade: unkeyed entries of before still verify; keyed ones follow; a rotated server secret verifies with the previous key kept', async (db) => {
  const legacy = new AuditLogRepo(db);
  await legacy.appendNow([entry(1), entry(2)]);
  const keyed = new AuditLogRepo(db);
  keyed.useKeys([key('k1', 'first secret')]);
  await keyed.appendNow([entry(3)]);
  const v = await keyed.verify();
  assert.equal(v.ok && v.keyedFrom, 3);
  assert.deepEqual((await keyed.list()).map((e) => e.macKey), [null, null, 'k1']);
  // Rotation: new entries with k2; k1 kept as a previous key to verify the older ones.
  const rotated = new AuditLogRepo(db);
  rotated.useKeys([key('k2', 'second secret'), key('k1', 'first secret')]);
  await rotated.appendNow([entry(4)]);
  assert.equal((await rotated.verify()).ok, true);
  const withoutOld = new AuditLogRepo(db);
  withoutOld.useKeys([key('k2', 'second secret')]);
  const r = await withoutOld.verify();
  assert.equal(r.ok === false && r.brokenAt, 3);
  assert.match(r.ok === false ? r.reason : '', /chain key k1, which this process does not have/);
});
