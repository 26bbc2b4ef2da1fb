import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'drizzle-orm';
import { testBothBackends } from '@fundguard/store/testing.ts';
import type { Database } from '@fundguard/store';
import { FundGuard, SecretBox, type AuthSettings } from '@fundguard/service';
import { buildApp } from '../../app.ts';

let now = new Date('2026-11-23T08:00:00Z');
const clock = () => now;

async function setup(db: Database, auth: Partial<AuthSettings> = {}, extra: { anchorFile?: string } = {}) {
  now = new Date('2026-11-23T08:00:00Z');
  const fg = new FundGuard(db, { clock, secrets: new SecretBox('admin-test-secret'), auth, anchorFile: extra.anchorFile ?? null });
  const { key } = await fg.keys.ensureAdminKey(undefined);
  const app = await buildApp({ fg });
  const admin = { authorization: `Bearer ${key}` };
  await fg.keys.createUser({ id: 'admin', role: 'admin' }, { username: 'auditor1', password: 'correct horse', role: 'auditor' });
  const login = (username: string, password: string, ip = '10.1.1.1') => app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { username, password }, remoteAddress: ip });
  return { fg, app, admin, login };
}

testBothBackends('authentication comes before body validation: an unauthenticated bad body is a 401, not a 400', async (db) => {
  const { app, admin } = await setup(db);
  try {
    for (const [method, url] of [['POST', '/api/v1/keys'], ['POST', '/api/v1/users'], ['POST', '/api/v1/rule-packs'], ['POST', '/api/v1/auth/password']] as const) {
      const r = await app.inject({ method, url, payload: { nonsense: true } });
      assert.equal(r.statusCode, 401, `${method} ${url}`);
      assert.equal(r.json().error.code, 'E_UNAUTHORIZED');
      const wrong = await app.inject({ method, url, payload: { nonsense: true }, headers: { authorization: 'Bearer fg_wrong' } });
      assert.equal(wrong.statusCode, 401);
    }
    // With a key, the same bad body is a 400; public routes still validate; unknown URLs still 404.
    assert.equal((await app.inject({ method: 'POST', url: '/api/v1/keys', payload: { nonsense: true }, headers: admin })).statusCode, 400);
    // Text the database cannot hold is a 400, not a 500.
    for (const label of ['A\u0000B', 'A\ud800B']) assert.equal((await app.inject({ method: 'POST', url: '/api/v1/keys', payload: { role: 'admin', label }, headers: admin })).statusCode, 400);
    assert.equal((await app.inject({ method: 'POST', url: '/api/v1/users/A%00B/disable', headers: admin })).statusCode, 400);
    assert.equal((await app.inject({ url: '/api/v1/audit-log?after=99999999999999999999', headers: admin })).statusCode, 400);
    assert.equal((await app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: {} })).statusCode, 400);
    assert.equal((await app.inject({ url: '/api/v1/no-such-thing' })).statusCode, 404);
    // The fsi routes authenticate themselves (x-tif): their own answer, in the national envelope.
    const fsi = await app.inject({ method: 'POST', url: '/api/v1/fsi/3101', payload: {} });
    assert.equal(fsi.statusCode, 401);
  } finally {
    await app.close();
  }
});

testBothBackends('sign-in over HTTP: 423 with Retry-After after repeated failures, 429 per address, case-insensitive names, logout', async (db) => {
  const { app, login, fg } = await setup(db);
  try {
    for (let i = 0; i < 5; i++) assert.equal((await login('auditor1', 'wrong password')).statusCode, 401);
    const locked = await login('auditor1', 'correct horse');
    assert.equal(locked.statusCode, 423);
    assert.equal(locked.headers['retry-after'], '900');
    assert.equal(locked.json().error.code, 'E_ACCOUNT_LOCKED');
    now = new Date('2026-11-23T08:15:00Z');
    const ok = await login('Auditor1', 'correct horse');
    assert.equal(ok.statusCode, 200);
    const body = ok.json();
    assert.equal(body.user.id, 'auditor1');
    assert.equal(body.expires_at, '2026-11-23T16:15:00.000Z');
    assert.equal(body.idle_timeout_s, 1800);
    assert.equal(body.password_change_required, false);
    const token = { authorization: `Bearer ${body.token}` };
    assert.equal((await app.inject({ url: '/api/v1/me', headers: token })).json().id, 'auditor1');
    assert.equal((await app.inject({ method: 'POST', url: '/api/v1/auth/logout', headers: token })).statusCode, 204);
    assert.equal((await app.inject({ url: '/api/v1/me', headers: token })).statusCode, 401, 'the session ended at logout');
    // One address guessing over many accounts.
    for (let i = 0; i < 30; i++) await login(`guess${i}`, 'guess-guess-guess', '198.51.100.7');
    const blocked = await login('auditor1', 'correct horse', '198.51.100.7');
    assert.equal(blocked.statusCode, 429);
    assert.equal(blocked.headers['retry-after'], '600');
    const failed = await fg.ctx.auditLog.list({ entityType: 'user', entityId: 'guess0' });
    assert.deepEqual(failed.map((e) => [e.action, e.detail.address, e.detail.reason]), [['user.sign_in_failed', '198.51.100.7', 'unknown_user']]);
  } finally {
    await app.close();
  }
});

testBothBackends('a session that must change its password may only do that; change, reset, disable over HTTP', async (db) => {
  const { app, admin, login } = await setup(db, { demo: false });
  try {
    const reset = await app.inject({ method: 'POST', url: '/api/v1/users/auditor1/password', payload: { password: 'temporary-pass-1' }, headers: admin });
    assert.equal(reset.statusCode, 204);
    const s = (await login('auditor1', 'temporary-pass-1')).json();
    assert.equal(s.password_change_required, true);
    const token = { authorization: `Bearer ${s.token}` };
    const refused = await app.inject({ url: '/api/v1/rule-packs', headers: token });
    assert.equal(refused.statusCode, 403);
    assert.equal(refused.json().error.code, 'E_PASSWORD_CHANGE_REQUIRED');
    assert.equal((await app.inject({ url: '/api/v1/me', headers: token })).json().mustChangePassword, true);
    const weak = await app.inject({ method: 'POST', url: '/api/v1/auth/password', payload: { current_password: 'temporary-pass-1', new_password: 'password' }, headers: token });
    assert.equal(weak.statusCode, 400);
    assert.equal(weak.json().error.code, 'E_PASSWORD_POLICY');
    const changed = await app.inject({ method: 'POST', url: '/api/v1/auth/password', payload: { current_password: 'temporary-pass-1', new_password: 'my-new-pass-2026' }, headers: token });
    assert.equal(changed.statusCode, 200);
    assert.equal((await app.inject({ url: '/api/v1/me', headers: token })).statusCode, 401, 'the old session ended');
    const fresh = { authorization: `Bearer ${changed.json().token}` };
    assert.equal((await app.inject({ url: '/api/v1/rule-packs', headers: fresh })).statusCode, 200);
    // Disable: the session ends at once.
    assert.equal((await app.inject({ method: 'POST', url: '/api/v1/users/auditor1/disable', headers: fresh })).statusCode, 403, 'an auditor may not');
    assert.equal((await app.inject({ method: 'POST', url: '/api/v1/users/auditor1/disable', headers: admin })).statusCode, 204);
    assert.equal((await app.inject({ url: '/api/v1/me', headers: fresh })).statusCode, 401);
    const users = (await app.inject({ url: '/api/v1/users', headers: admin })).json().items;
    assert.deepEqual(users.map((u: { username: string; disabled: boolean }) => [u.username, u.disabled]), [['auditor1', true]]);
    const created = await app.inject({ method: 'POST', url: '/api/v1/users', payload: { username: 'AUDITOR1', password: 'another-pass-12', role: 'auditor' }, headers: admin });
    assert.equal(created.statusCode, 409, 'case-variant user names are one');
  } finally {
    await app.close();
  }
});

testBothBackends('POST /api/v1/keys: integration keys answer paasid and secret; existing national credentials are registered; rotation with a grace period', async (db) => {
  const { app, admin } = await setup(db);
  try {
    const gen = await app.inject({ method: 'POST', url: '/api/v1/keys', payload: { role: 'integration', institution_id: 'H1' }, headers: admin });
    assert.equal(gen.statusCode, 201);
    const g = gen.json();
    assert.equal(g.paasid, g.key_id);
    assert.equal(g.key, `fg_${g.paasid}_${g.secret}`);
    const reg = await app.inject({ method: 'POST', url: '/api/v1/keys', payload: { role: 'integration', institution_id: 'H2', paasid: 'H2_national', secret: 'their-secret-42' }, headers: admin });
    assert.equal(reg.statusCode, 201);
    assert.deepEqual([reg.json().paasid, reg.json().secret, reg.json().key_id], ['H2_national', 'their-secret-42', 'H2_national']);
    const ts = String(Math.floor(now.getTime() / 1000));
    const sig = (s: string, n: string) => createHash('sha256').update(`${ts}${s}${n}${ts}`).digest('hex');
    const tif = (s: string, n: string) => ({ 'x-tif-paasid': 'H2_national', 'x-tif-timestamp': ts, 'x-tif-nonce': n, 'x-tif-signature': sig(s, n) });
    const signin9001 = (s: string, n: string) => app.inject({ method: 'POST', url: '/api/v1/fsi/9001', payload: { infno: '9001', input: {} }, headers: tif(s, n) });
    assert.equal((await signin9001('their-secret-42', 'n1')).statusCode, 200);
    const rot = await app.inject({ method: 'POST', url: '/api/v1/keys/H2_national/rotate', payload: { grace_hours: 1 }, headers: admin });
    assert.equal(rot.statusCode, 200);
    assert.equal(rot.json().previous_valid_until, '2026-11-23T09:00:00Z');
    assert.equal((await signin9001('their-secret-42', 'n2')).statusCode, 200, 'the old secret in the grace period');
    assert.equal((await signin9001(rot.json().secret, 'n3')).statusCode, 200, 'the new secret at once');
    const stored = JSON.stringify(await db.rows(sql`select * from api_keys`));
    assert.ok(!stored.includes('their-secret-42') && !stored.includes(rot.json().secret), 'secrets are stored encrypted');
  } finally {
    await app.close();
  }
});

testBothBackends('the audit-log verification checks the latest anchor; /docs can be turned off', async (db) => {
  const dir = mkdtempSync(join(tmpdir(), 'fg-anchor-'));
  const anchorFile = join(dir, 'audit-anchors.jsonl');
  const { app, admin, fg } = await setup(db, {}, { anchorFile });
  try {
    assert.equal(await fg.auditChain.ensureKeyed(), null, 'keyed from the first entry: no marker needed');
    const a = await fg.auditChain.writeAnchor();
    assert.equal(JSON.parse(readFileSync(anchorFile, 'utf8').trim()).seq, a!.seq);
    const v = await app.inject({ url: '/api/v1/audit-log/verify', headers: admin });
    assert.equal(v.json().ok, true);
    assert.deepEqual(v.json().anchor.seq, a!.seq);
    await db.rows(sql`alter table audit_log disable trigger audit_log_append_only`);
    await db.rows(sql`delete from audit_log where seq = ${a!.seq}`);
    const cut = (await app.inject({ url: '/api/v1/audit-log/verify', headers: admin })).json();
    assert.equal(cut.ok, false);
    assert.match(cut.reason, /entries were removed/);
  } finally {
    await app.close();
    rmSync(dir, { recursive: true, force: true });
  }
  const closed = await buildApp({ fg, docs: false });
  try {
    assert.equal((await closed.inject('/docs')).statusCode, 404);
  } finally {
    await closed.close();
  }
});
