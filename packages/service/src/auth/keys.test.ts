import assert from 'node:assert/strict';
import { sql } from 'drizzle-orm';
import { testBothBackends } from '@fundguard/store/testing.ts';
import { FundGuard } from '../fundguard.ts';
import { createHash } from 'node:crypto';
import { test } from 'node:test';
import type { FundGuardError } from '@fundguard/core';
import { hashKey } from './keys.ts';
import { DEMO_PASSWORD } from './password-policy.ts';
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
  const fg1h = new FundGuard(db, { clock, secrets, auth: { sessionHours: 1, idleMinutes: 120 } });
  const s = await fg1h.keys.signIn('auditor1', 'correct horse');
  assert.deepEqual(await fg1h.keys.authenticate(s.key), { id: 'auditor1', role: 'auditor', institutionId: null, patnId: null });
  now = new Date('2026-11-23T09:00:01Z');
  assert.equal(await fg1h.keys.authenticate(s.key), null, 'expired after one hour');
  const stored = await db.rows<{ password_hash: string }>(sql`select password_hash from users`);
  assert.match(stored[0].password_hash, /^scrypt\$/);
});

testBothBackends('integration keys sign x-tif headers; stale timestamps, wrong signatures and replayed nonces are refused', async (db) => {
  now = new Date('2026-11-23T08:00:00Z');
  const fg = new FundGuard(db, { clock, secrets });
  const admin = { id: 'admin', role: 'admin' as const };
  const created = await fg.keys.create(admin, { role: 'integration', institutionId: 'H61010400001', label: 'HIS' });
  const { key, info } = created;
  const secret = key.split('_').slice(2).join('_');
  // audit-api.md §1: the answer shows paasid and secret as separate fields besides key.
  assert.equal(created.paasid, info.key_id);
  assert.equal(created.secret, secret);
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

const admin = { id: 'admin', role: 'admin' as const };
const at = (iso: string) => (now = new Date(iso));

testBothBackends('password policy: at least 10 characters, not common, not the user name; user names unique regardless of case', async (db) => {
  at('2026-11-23T08:00:00Z');
  const fg = new FundGuard(db, { clock, secrets });
  const mk = (username: string, password: string) => fg.keys.createUser(admin, { username, password, role: 'auditor' });
  await assert.rejects(mk('a1', 'password'), (e: FundGuardError) => e.code === 'E_PASSWORD_POLICY' && /至少 10 个字符/.test(e.message));
  await assert.rejects(mk('a1', 'Password123'), (e: FundGuardError) => e.code === 'E_PASSWORD_POLICY' && /常见密码/.test(e.message));
  await assert.rejects(mk('a1', '1234567890'), /常见密码/);
  await assert.rejects(mk('longusername', 'LongUserName'), /不能与用户名相同/);
  await assert.rejects(mk('a1', 'aaaaaaaaaaaa'), /字符过于单一/);
  await mk('Auditor', 'fundguard-demo'); // the demo password (13 characters) passes the rule
  await assert.rejects(mk('auditor', 'another-good-one'), (e: FundGuardError) => e.code === 'E_CONFLICT' && /Auditor/.test(e.message));
  await assert.rejects(db.rows(sql`insert into users (username, role) values ('AUDITOR', 'auditor')`), /users_username_ci|unique|duplicate/i);
  // Sign-in ignores case: the same person.
  const s = await fg.keys.signIn('AUDITOR', 'fundguard-demo');
  assert.equal(s.actor.id, 'Auditor');
});

testBothBackends('sign-in throttling: five failures lock the account (423, Retry-After) even for the right password; the lock ends; failures are logged', async (db) => {
  at('2026-11-23T08:00:00Z');
  const fg = new FundGuard(db, { clock, secrets });
  await fg.keys.createUser(admin, { username: 'auditor1', password: 'correct horse', role: 'auditor' });
  for (let i = 0; i < 5; i++) await assert.rejects(fg.keys.signIn('auditor1', `wrong-${i}`, { address: '10.0.0.1' }), /用户名或密码错误/);
  const locked = await fg.keys.signIn('auditor1', 'correct horse', { address: '10.0.0.2' }).then(() => null, (e: FundGuardError) => e);
  assert.equal(locked?.code, 'E_ACCOUNT_LOCKED');
  assert.equal(locked?.retryAfterS, 15 * 60);
  // Another case of the same name is the same account.
  await assert.rejects(fg.keys.signIn('AUDITOR1', 'correct horse', { address: '10.0.0.3' }), (e: FundGuardError) => e.code === 'E_ACCOUNT_LOCKED');
  at('2026-11-23T08:10:00Z');
  await assert.rejects(fg.keys.signIn('auditor1', 'correct horse'), (e: FundGuardError) => e.code === 'E_ACCOUNT_LOCKED' && e.retryAfterS === 5 * 60);
  at('2026-11-23T08:15:01Z');
  const s = await fg.keys.signIn('auditor1', 'correct horse', { address: '10.0.0.1' });
  assert.equal(s.actor.id, 'auditor1');
  const log = await fg.ctx.auditLog.list({ entityType: 'user', entityId: 'auditor1' });
  const actions = log.map((e) => e.action);
  assert.equal(actions.filter((a) => a === 'user.sign_in_failed').length, 5);
  assert.equal(actions.filter((a) => a === 'user.locked').length, 1, 'the lock is logged once; attempts refused while locked are not logged one by one');
  assert.deepEqual(log.find((e) => e.action === 'user.sign_in_failed')!.detail, { address: '10.0.0.1', reason: 'wrong_password' });
  assert.deepEqual(log.at(-1)!.detail, { address: '10.0.0.1' });
  assert.equal(log.at(-1)!.action, 'user.sign_in');
  // Unknown users are counted and logged as well (and answer like a wrong password).
  await assert.rejects(fg.keys.signIn('nobody', 'x'), /用户名或密码错误/);
  assert.equal((await fg.ctx.auditLog.list({ entityId: 'nobody' }))[0].detail.reason, 'unknown_user');
});

testBothBackends('sign-in throttling per address: 30 failures over many accounts refuse the address (429) until the window ends', async (db) => {
  at('2026-11-23T08:00:00Z');
  const fg = new FundGuard(db, { clock, secrets });
  await fg.keys.createUser(admin, { username: 'auditor1', password: 'correct horse', role: 'auditor' });
  for (let i = 0; i < 30; i++) await assert.rejects(fg.keys.signIn(`user${i}`, 'guess-guess-1', { address: '203.0.113.9' }), /用户名或密码错误/);
  const e = await fg.keys.signIn('auditor1', 'correct horse', { address: '203.0.113.9' }).then(() => null, (x: FundGuardError) => x);
  assert.equal(e?.code, 'E_TOO_MANY_ATTEMPTS');
  assert.equal(e?.retryAfterS, 600);
  assert.equal((await fg.keys.signIn('auditor1', 'correct horse', { address: '203.0.113.10' })).actor.id, 'auditor1', 'another address is not affected');
  at('2026-11-23T08:10:01Z');
  assert.equal((await fg.keys.signIn('auditor1', 'correct horse', { address: '203.0.113.9' })).actor.id, 'auditor1');
});

testBothBackends('sessions: 30 min idle timeout, 8 h absolute lifetime, logout', async (db) => {
  at('2026-11-23T08:00:00Z');
  const fg = new FundGuard(db, { clock, secrets });
  await fg.keys.createUser(admin, { username: 'auditor1', password: 'correct horse', role: 'auditor' });
  const s = await fg.keys.signIn('auditor1', 'correct horse');
  assert.equal(s.expires_at, '2026-11-23T16:00:00.000Z');
  assert.equal(s.idle_timeout_s, 1800);
  // Used every 29 minutes: alive until the absolute end.
  for (let m = 29; m < 8 * 60; m += 29) {
    at(new Date(Date.parse('2026-11-23T08:00:00Z') + m * 60_000).toISOString());
    assert.ok(await fg.keys.authenticate(s.key), `alive after ${m} min`);
  }
  at('2026-11-23T16:00:00Z');
  assert.equal(await fg.keys.authenticate(s.key), null, 'ended after 8 h although in use');
  // Idle: 30 minutes without use end it, also in another process (which never saw it cached).
  at('2026-11-23T17:00:00Z');
  const t = await fg.keys.signIn('auditor1', 'correct horse');
  at('2026-11-23T17:20:00Z');
  assert.ok(await fg.keys.authenticate(t.key));
  at('2026-11-23T17:49:00Z');
  assert.ok(await new FundGuard(db, { clock, secrets }).keys.authenticate(t.key), '29 min after the last use');
  at('2026-11-23T18:19:30Z');
  assert.equal(await fg.keys.authenticate(t.key), null, 'over 30 min unused');
  assert.equal(await new FundGuard(db, { clock, secrets }).keys.authenticate(t.key), null);
  // Logout ends the session at once.
  const u = await fg.keys.signIn('auditor1', 'correct horse');
  assert.ok(await fg.keys.authenticate(u.key));
  assert.equal(await fg.keys.signOut(u.key), true);
  assert.equal(await fg.keys.authenticate(u.key), null);
  assert.equal((await fg.ctx.auditLog.list({ entityId: 'auditor1' })).at(-1)!.action, 'user.sign_out');
});

testBothBackends('disabling a user, a password change and an admin reset end the user\'s sessions; a reset forces a change', async (db) => {
  at('2026-11-23T08:00:00Z');
  const fg = new FundGuard(db, { clock, secrets });
  await fg.keys.createUser(admin, { username: 'auditor1', password: 'correct horse', role: 'auditor' });
  const a = await fg.keys.signIn('auditor1', 'correct horse');
  const b = await fg.keys.signIn('auditor1', 'correct horse');
  // Change: a wrong current password is refused, a weak new one too; then every session ends and a new one is given.
  await assert.rejects(fg.keys.changePassword(a.actor, 'nope', 'a-much-better-pass'), (e: FundGuardError) => e.code === 'E_FIELD_INVALID' && /当前密码不正确/.test(e.message));
  await assert.rejects(fg.keys.changePassword(a.actor, 'correct horse', 'password123'), /常见密码/);
  await assert.rejects(fg.keys.changePassword({ id: 'key:abc', role: 'admin' }, 'x', 'y'), /只有已登录的用户/);
  const c = await fg.keys.changePassword(a.actor, 'correct horse', 'a-much-better-pass');
  assert.equal(await fg.keys.authenticate(a.key), null);
  assert.equal(await fg.keys.authenticate(b.key), null);
  assert.equal((await fg.keys.authenticate(c.key))!.id, 'auditor1');
  await assert.rejects(fg.keys.signIn('auditor1', 'correct horse'), /用户名或密码错误/);
  // Disable: sessions end, sign-in refused; enable again.
  await fg.keys.setDisabled(admin, 'AUDITOR1', true);
  assert.equal(await fg.keys.authenticate(c.key), null);
  await assert.rejects(fg.keys.signIn('auditor1', 'a-much-better-pass'), /用户名或密码错误/);
  await fg.keys.setDisabled(admin, 'auditor1', false);
  const d = await fg.keys.signIn('auditor1', 'a-much-better-pass');
  // Reset by an administrator: sessions end; the next session must change the password first.
  await assert.rejects(fg.keys.resetPassword({ id: 'x', role: 'auditor' }, 'auditor1', 'temporary-pass-1'), /may not users.manage/);
  await fg.keys.resetPassword(admin, 'auditor1', 'temporary-pass-1');
  assert.equal(await fg.keys.authenticate(d.key), null);
  const e = await fg.keys.signIn('auditor1', 'temporary-pass-1');
  assert.equal(e.password_change_required, true);
  assert.deepEqual(await fg.keys.authenticate(e.key), { id: 'auditor1', role: 'auditor', institutionId: null, patnId: null, mustChangePassword: true });
  const f = await fg.keys.changePassword(e.actor, 'temporary-pass-1', 'my-own-pass-2026');
  assert.equal(f.password_change_required, false);
  assert.equal((await fg.keys.authenticate(f.key))!.mustChangePassword, undefined);
  const users = await fg.keys.listUsers(admin);
  assert.deepEqual(users.map((u) => [u.username, u.disabled, u.must_change_password]), [['auditor1', false, false]]);
  const actions = (await fg.ctx.auditLog.list({ entityId: 'auditor1' })).map((x) => x.action);
  for (const a of ['user.password_change', 'user.disable', 'user.enable', 'user.password_reset']) assert.ok(actions.includes(a), a);
});

testBothBackends('outside demo mode the demo password signs in only to change it; in demo mode it works as is', async (db) => {
  at('2026-11-23T08:00:00Z');
  const demo = new FundGuard(db, { clock, secrets, auth: { demo: true } });
  await demo.keys.createUser(admin, { username: 'auditor', password: DEMO_PASSWORD, role: 'auditor' });
  const s = await demo.keys.signIn('auditor', DEMO_PASSWORD);
  assert.equal(s.password_change_required, false);
  const prod = new FundGuard(db, { clock, secrets, auth: { demo: false } });
  const p = await prod.keys.signIn('auditor', DEMO_PASSWORD);
  assert.equal(p.password_change_required, true);
  assert.equal((await prod.keys.authenticate(p.key))!.mustChangePassword, true);
  await assert.rejects(prod.keys.changePassword(p.actor, DEMO_PASSWORD, DEMO_PASSWORD), /不能与当前密码相同/);
  const q = await prod.keys.changePassword(p.actor, DEMO_PASSWORD, 'a-real-password-1');
  assert.equal(q.password_change_required, false);
});

testBothBackends('integration credentials: a HIS\'s existing paasid + secret are registered (stored encrypted); rotation keeps the old secret for a grace period', async (db) => {
  at('2026-11-23T08:00:00Z');
  const fg = new FundGuard(db, { clock, secrets });
  const ts = () => String(Math.floor(now.getTime() / 1000));
  const sign = (t: string, n: string, s: string) => createHash('sha256').update(`${t}${s}${n}${t}`).digest('hex');
  const reg = await fg.keys.create(admin, { role: 'integration', institutionId: 'H1', paasid: 'his_H1_paas', secret: 'national-secret-123' });
  assert.equal(reg.paasid, 'his_H1_paas');
  assert.equal(reg.secret, 'national-secret-123');
  assert.equal(reg.info.key_id, 'his_H1_paas');
  const stored = JSON.stringify(await db.rows(sql`select * from api_keys where key_id = 'his_H1_paas'`));
  assert.ok(!stored.includes('national-secret-123'), 'stored encrypted');
  const t0 = ts();
  assert.equal((await fg.keys.authenticateTif({ paasid: 'his_H1_paas', timestamp: t0, nonce: 'a', signature: sign(t0, 'a', 'national-secret-123') })).institutionId, 'H1');
  assert.equal((await fg.keys.authenticate(reg.key))!.id, 'key:his_H1_paas', 'the bearer form works too');
  await assert.rejects(fg.keys.create(admin, { role: 'integration', paasid: 'his_H1_paas', secret: 'other-secret-1' }), (e: FundGuardError) => e.code === 'E_CONFLICT');
  await assert.rejects(fg.keys.create(admin, { role: 'auditor', paasid: 'abcd', secret: 'other-secret-1' }), /integration/);
  await assert.rejects(fg.keys.create(admin, { role: 'integration', paasid: 'bad id!', secret: 'other-secret-1' }), /paasid/);
  // Rotation: the new secret works at once, the old one until the grace period ends.
  const rot = await fg.keys.rotate(admin, 'his_H1_paas', { graceHours: 2 });
  assert.equal(rot.paasid, 'his_H1_paas');
  assert.notEqual(rot.secret, 'national-secret-123');
  assert.equal(rot.info.previous_valid_until, '2026-11-23T10:00:00Z');
  at('2026-11-23T09:59:00Z');
  const t1 = ts();
  await fg.keys.authenticateTif({ paasid: 'his_H1_paas', timestamp: t1, nonce: 'b', signature: sign(t1, 'b', 'national-secret-123') });
  await fg.keys.authenticateTif({ paasid: 'his_H1_paas', timestamp: t1, nonce: 'c', signature: sign(t1, 'c', rot.secret!) });
  fg.keys.forgetCached();
  assert.ok(await fg.keys.authenticate(reg.key), 'the old bearer key within the grace period');
  assert.ok(await fg.keys.authenticate(rot.key));
  at('2026-11-23T10:00:01Z');
  fg.keys.forgetCached();
  const t2 = ts();
  await assert.rejects(fg.keys.authenticateTif({ paasid: 'his_H1_paas', timestamp: t2, nonce: 'd', signature: sign(t2, 'd', 'national-secret-123') }), /does not match/);
  await fg.keys.authenticateTif({ paasid: 'his_H1_paas', timestamp: t2, nonce: 'e', signature: sign(t2, 'e', rot.secret!) });
  assert.equal(await fg.keys.authenticate(reg.key), null, 'the old bearer key after the grace period');
  assert.ok(await fg.keys.authenticate(rot.key));
});

testBothBackends('server secret rotation: the previous key still opens; reseal re-encrypts with the new one', async (db) => {
  at('2026-11-23T08:00:00Z');
  const old = new FundGuard(db, { clock, secrets: new SecretBox('old-server-secret-1') });
  const k = await old.keys.create(admin, { role: 'integration', institutionId: 'H1' });
  const rotated = new FundGuard(db, { clock, secrets: new SecretBox('new-server-secret-1', ['old-server-secret-1']) });
  const sign = (t: string, n: string) => createHash('sha256').update(`${t}${k.secret}${n}${t}`).digest('hex');
  const t = String(Math.floor(now.getTime() / 1000));
  await rotated.keys.authenticateTif({ paasid: k.paasid!, timestamp: t, nonce: 'n1', signature: sign(t, 'n1') });
  assert.deepEqual(await rotated.keys.resealSecrets(admin), { resealed: 1, unreadable: [] });
  const onlyNew = new FundGuard(db, { clock, secrets: new SecretBox('new-server-secret-1') });
  await onlyNew.keys.authenticateTif({ paasid: k.paasid!, timestamp: t, nonce: 'n2', signature: sign(t, 'n2') });
  assert.deepEqual(await rotated.keys.resealSecrets(admin), { resealed: 0, unreadable: [] });
});

testBothBackends('a crashed process\'s local CLI key is revoked at the next start', async (db) => {
  at('2026-11-23T08:00:00Z');
  const fg = new FundGuard(db, { clock, secrets });
  const local = await fg.keys.issueLocalKey(7 * 24);
  assert.ok(await fg.keys.authenticate(local.key));
  assert.equal(await fg.keys.revokeStaleLocalKeys(), 1);
  assert.equal(await fg.keys.authenticate(local.key), null);
});

test('SecretBox: FUNDGUARD_SECRET_KEY is required on PostgreSQL, with a message naming it and how to make one', () => {
  assert.throws(() => SecretBox.fromEnv({}, './data', { postgres: true }), (e: FundGuardError) => e.code === 'E_CONFIG_INVALID' && /FUNDGUARD_SECRET_KEY/.test(e.message) && /openssl rand -base64 32/.test(e.message));
  assert.throws(() => SecretBox.fromEnv({ FUNDGUARD_SECRET_KEY: 'short' }, './data', { postgres: true }), /too short/);
  const a = SecretBox.fromEnv({ FUNDGUARD_SECRET_KEY: 'a-shared-secret-of-enough-length' }, undefined, { postgres: true });
  const b = SecretBox.fromEnv({ FUNDGUARD_SECRET_KEY: 'a-shared-secret-of-enough-length' }, undefined, { postgres: true });
  assert.equal(b.open(a.seal('x')), 'x', 'two processes with the same variable open each other\'s secrets');
});
