import assert from 'node:assert/strict';
import { sql } from 'drizzle-orm';
import { testBothBackends } from '@fundguard/store/testing.ts';
import { FundGuard } from '../fundguard.ts';
import { createHash } from 'node:crypto';
import { hashKey } from './keys.ts';
import { SecretBox } from './secret-box.ts';

const secrets = new SecretBox('test-server-secret');

let now = new Date('2026-11-23T08:00:00Z');
const clock = () => now;

testBothBackends('keys are hashed at rest, authenticate to their role and scope, and can be revoked', async (db) => {
  const fg = new FundGuard(db, { clock, secrets });
  const boot = await fg.keys.ensureAdminKey(undefined);
  assert.equal(boot.created, true);
  assert.match(boot.key!, /^fg_[0-9a-f]{12}_/);
  assert.deepEqual(await fg.keys.ensureAdminKey(undefined), { created: false });
  const admin = (await fg.keys.authenticate(boot.key!))!;
  assert.equal(admin.role, 'admin');
  const { key, info } = await fg.keys.create(admin, { role: 'hospital', institutionId: 'H61010400001', label: 'HIS' });
  const stored = await db.rows<{ key_hash: string }>(sql`select key_hash from api_keys where key_id = ${info.key_id}`);
  assert.equal(stored[0].key_hash, hashKey(key));
  const allText = JSON.stringify(await db.rows(sql`select * from api_keys`));
  assert.ok(!allText.includes(key), 'the plain key is stored nowhere');
  assert.deepEqual(await fg.keys.authenticate(key), { id: `key:${info.key_id}`, role: 'hospital', institutionId: 'H61010400001', patnId: null });
  await assert.rejects(fg.keys.create({ id: 'h', role: 'hospital', institutionId: 'x' }, { role: 'admin' }), /may not keys.manage/);
  await assert.rejects(fg.keys.create(admin, { role: 'hospital' }), /institution_id/);
  await fg.keys.revoke(admin, info.key_id);
  assert.equal(await fg.keys.authenticate(key), null);
  assert.equal(await fg.keys.authenticate('fg_nonsense'), null);
});

testBothBackends('FUNDGUARD_ADMIN_KEY is ensured as an admin key', async (db) => {
  const fg = new FundGuard(db, { clock, secrets });
  assert.deepEqual(await fg.keys.ensureAdminKey('my-admin-secret-123'), { created: true });
  assert.deepEqual(await fg.keys.ensureAdminKey('my-admin-secret-123'), { created: false });
  assert.equal((await fg.keys.authenticate('my-admin-secret-123'))!.role, 'admin');
});

testBothBackends('users sign in with a password and get an expiring session', async (db) => {
  now = new Date('2026-11-23T08:00:00Z');
  const fg = new FundGuard(db, { clock, secrets });
  const admin = { id: 'admin', role: 'admin' as const };
  await fg.keys.createUser(admin, { username: 'auditor1', password: 'correct horse', role: 'auditor', displayName: '审核员一' });
  await assert.rejects(fg.keys.signIn('auditor1', 'wrong password'), /用户名或密码错误/);
  await assert.rejects(fg.keys.signIn('nobody', 'correct horse'), /用户名或密码错误/);
  const s = await fg.keys.signIn('auditor1', 'correct horse', 1);
  assert.deepEqual(await fg.keys.authenticate(s.key), { id: 'auditor1', role: 'auditor', institutionId: null, patnId: null });
  now = new Date('2026-11-23T09:00:01Z');
  assert.equal(await fg.keys.authenticate(s.key), null, 'expired after one hour');
  const stored = await db.rows<{ password_hash: string }>(sql`select password_hash from users`);
  assert.match(stored[0].password_hash, /^scrypt\$/);
});

testBothBackends('integration keys sign x-tif headers; stale timestamps, wrong signatures and replayed nonces are refused', async (db) => {
  now = new Date('2026-11-23T08:00:00Z');
  const fg = new FundGuard(db, { clock, secrets });
  const admin = { id: 'admin', role: 'admin' as const };
  const { key, info } = await fg.keys.create(admin, { role: 'integration', institutionId: 'H61010400001', label: 'HIS' });
  const secret = key.split('_').slice(2).join('_');
  const stored = await db.rows<{ secret_enc: string }>(sql`select secret_enc from api_keys where key_id = ${info.key_id}`);
  assert.ok(stored[0].secret_enc && !stored[0].secret_enc.includes(secret), 'the secret is stored encrypted');
  const ts = String(Math.floor(now.getTime() / 1000));
  const sign = (t: string, n: string, s = secret) => createHash('sha256').update(`${t}${s}${n}${t}`).digest('hex');
  const actor = await fg.keys.authenticateTif({ paasid: info.key_id, timestamp: ts, nonce: 'n1', signature: sign(ts, 'n1') });
  assert.deepEqual(actor, { id: `key:${info.key_id}`, role: 'integration', institutionId: 'H61010400001' });
  await assert.rejects(fg.keys.authenticateTif({ paasid: info.key_id, timestamp: ts, nonce: 'n1', signature: sign(ts, 'n1') }), /already used/);
  const old = String(Number(ts) - 301);
  await assert.rejects(fg.keys.authenticateTif({ paasid: info.key_id, timestamp: old, nonce: 'n2', signature: sign(old, 'n2') }), /within 300 s/);
  await assert.rejects(fg.keys.authenticateTif({ paasid: info.key_id, timestamp: ts, nonce: 'n3', signature: sign(ts, 'n3', 'wrong') }), /does not match/);
  await assert.rejects(fg.keys.authenticateTif({ paasid: 'nope', timestamp: ts, nonce: 'n4', signature: sign(ts, 'n4') }), /unknown x-tif-paasid/);
  // Another server key cannot open the stored secret.
  const other = new FundGuard(db, { clock, secrets: new SecretBox('another') });
  await assert.rejects(other.keys.authenticateTif({ paasid: info.key_id, timestamp: ts, nonce: 'n5', signature: sign(ts, 'n5') }), /cannot be decrypted/);
});
