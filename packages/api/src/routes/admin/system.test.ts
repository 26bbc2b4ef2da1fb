import assert from 'node:assert/strict';
import { testBothBackends } from '@fundguard/store/testing.ts';
import type { Database } from '@fundguard/store';
import { FundGuard, permissionTable, SecretBox } from '@fundguard/service';
import { buildApp } from '../../app.ts';

let now = new Date('2026-11-23T08:00:00Z');
const clock = () => now;

async function setup(db: Database) {
  now = new Date('2026-11-23T08:00:00Z');
  const fg = new FundGuard(db, { clock, secrets: new SecretBox('system-test-secret') });
  const { key } = await fg.keys.ensureAdminKey(undefined);
  const app = await buildApp({ fg });
  const admin = { authorization: `Bearer ${key}` };
  const root = { id: 'root', role: 'admin' as const };
  await fg.keys.createUser(root, { username: 'root', password: 'root-password-1', role: 'admin' });
  await fg.keys.createUser(root, { username: 'auditor1', password: 'auditor-pass-1', role: 'auditor', displayName: '审核员 甲' });
  const session = async (username: string, password: string) => ({ authorization: `Bearer ${(await fg.keys.signIn(username, password)).key}` });
  return { fg, app, admin, session };
}

testBothBackends('PATCH /api/v1/users/:username: role, name and institution; a change of scope ends the sessions; bad input is a 400 that changes nothing; logged with before and after', async (db) => {
  const { fg, app, admin, session } = await setup(db);
  try {
    const a1 = await session('auditor1', 'auditor-pass-1');
    const patch = (username: string, payload: unknown, headers = admin) => app.inject({ method: 'PATCH', url: `/api/v1/users/${username}`, payload: payload as Record<string, unknown>, headers });
    // A hospital user needs an institution: 400 naming the record and field, and nothing changes.
    const bad = await patch('auditor1', { role: 'hospital' });
    assert.equal(bad.statusCode, 400, bad.body);
    assert.deepEqual(bad.json().error.issues.map((i: { record: string; field: string }) => [i.record, i.field]), [['username=auditor1', 'institution_id']]);
    for (const body of [{}, { role: 'boss' }, { nonsense: 1 }, { display_name: 'A\u0000B' }, { institution_id: '' }]) assert.equal((await patch('auditor1', body)).statusCode, 400, JSON.stringify(body));
    assert.equal((await app.inject({ url: '/api/v1/me', headers: a1 })).statusCode, 200, 'refused changes end no session');
    assert.equal((await patch('nobody', { display_name: 'x' })).statusCode, 404);
    assert.equal((await patch('auditor1', { display_name: 'x' }, a1)).statusCode, 403, 'an auditor may not');
    // The name alone: the session goes on.
    const renamed = await patch('auditor1', { display_name: ' 审核员 乙 ' });
    assert.equal(renamed.statusCode, 200, renamed.body);
    assert.equal(renamed.json().display_name, '审核员 乙');
    assert.equal((await app.inject({ url: '/api/v1/me', headers: a1 })).statusCode, 200);
    // Role and institution: the old session (auditor scope) ends; the next sign-in acts as the hospital.
    const moved = await patch('AUDITOR1', { role: 'hospital', institution_id: 'H1' });
    assert.equal(moved.statusCode, 200, moved.body);
    assert.deepEqual([moved.json().username, moved.json().role, moved.json().institution_id], ['auditor1', 'hospital', 'H1']);
    assert.equal((await app.inject({ url: '/api/v1/me', headers: a1 })).statusCode, 401, 'the session with the old role ended');
    const again = await app.inject({ url: '/api/v1/me', headers: await session('auditor1', 'auditor-pass-1') });
    assert.deepEqual([again.json().role, again.json().institutionId], ['hospital', 'H1']);
    // null removes a binding (back to an agency role)
    assert.equal((await patch('auditor1', { role: 'auditor', institution_id: null })).json().institution_id, null);
    // An administrator does not take away their own role.
    const self = await patch('root', { role: 'auditor' }, await session('root', 'root-password-1'));
    assert.equal(self.statusCode, 409);
    const log = (await fg.ctx.auditLog.list({ entityType: 'user', entityId: 'auditor1' })).filter((e) => e.action === 'user.update');
    assert.equal(log.length, 3);
    assert.deepEqual(log[1].detail.before, { role: 'auditor', display_name: '审核员 乙', institution_id: null, patn_id: null });
    assert.deepEqual(log[1].detail.after, { role: 'hospital', display_name: '审核员 乙', institution_id: 'H1', patn_id: null });
    assert.equal(log[1].detail.sessions_ended, 1);
  } finally {
    await app.close();
  }
});

testBothBackends('GET /api/v1/roles: the permission table the service enforces; administrators only', async (db) => {
  const { app, admin, session } = await setup(db);
  try {
    const r = await app.inject({ url: '/api/v1/roles', headers: admin });
    assert.equal(r.statusCode, 200);
    assert.deepEqual(r.json().roles, ['admin', 'rule_admin', 'auditor', 'supervisor', 'hospital', 'insured', 'integration']);
    assert.deepEqual(r.json().permissions, permissionTable());
    assert.deepEqual(r.json().permissions.find((p: { permission: string }) => p.permission === 'auditlog.read').roles, ['admin', 'supervisor']);
    assert.equal((await app.inject({ url: '/api/v1/roles', headers: await session('auditor1', 'auditor-pass-1') })).statusCode, 403);
  } finally {
    await app.close();
  }
});

testBothBackends('GET /api/v1/audit-log: filters by actor, action (or its first part), entity, period and text; newest first with a total; `after` reads in order', async (db) => {
  const { fg, app, admin, session } = await setup(db);
  try {
    const at = (d: string) => new Date(`${d}T10:00:00Z`).toISOString();
    await fg.ctx.auditLog.appendNow([
      { actor: 'auditor1', action: 'personal_data.reveal', entityType: 'encounter', entityId: 'ZY1', at: at('2026-11-01'), detail: { reason: '核实住院病历 100%_done' } },
      { actor: 'auditor1', action: 'personal_data.read', entityType: 'encounter', entityId: 'ZY2', at: at('2026-11-02'), detail: { rows: 1 } },
      { actor: 'root', action: 'user.disable', entityType: 'user', entityId: 'auditor1', at: at('2026-11-03'), detail: {} },
    ]);
    const get = async (q: string) => {
      const r = await app.inject({ url: `/api/v1/audit-log?${q}`, headers: admin });
      assert.equal(r.statusCode, 200, r.body);
      return r.json() as { items: { seq: number; action: string; entityId: string }[]; total: number };
    };
    const all = await get('');
    assert.ok(all.total >= 5 && all.items.length === all.total);
    assert.deepEqual(all.items.map((e) => e.seq), [...all.items.map((e) => e.seq)].sort((a, b) => b - a), 'newest first');
    assert.deepEqual((await get('action=personal_data')).items.map((e) => e.entityId), ['ZY2', 'ZY1']);
    assert.deepEqual((await get('action=personal_data.reveal')).items.map((e) => e.entityId), ['ZY1']);
    assert.deepEqual((await get('action=personal')).items, [], 'a part is a whole dotted segment');
    assert.deepEqual((await get('actor=AUDITOR1&entity_type=encounter')).items.map((e) => e.entityId), ['ZY2', 'ZY1']);
    assert.deepEqual((await get('entity_type=user&entity_id=auditor1')).items.map((e) => e.action), ['user.disable', 'user.create']);
    assert.deepEqual((await get('from=2026-11-02&to=2026-11-03')).items.map((e) => e.entityId), ['ZY2'], 'to is exclusive');
    assert.deepEqual((await get('q=核实')).items.map((e) => e.entityId), ['ZY1']);
    assert.deepEqual((await get(`q=${encodeURIComponent('100%_')}`)).items.map((e) => e.entityId), ['ZY1'], '% and _ are plain text');
    assert.deepEqual((await get('q=%25%25%25')).items, []);
    const page2 = await get('limit=2&offset=2');
    assert.deepEqual(page2.items.map((e) => e.seq), all.items.slice(2, 4).map((e) => e.seq));
    assert.equal(page2.total, all.total);
    assert.deepEqual((await get(`after=${all.items[2].seq}`)).items.map((e) => e.seq), all.items.slice(0, 2).map((e) => e.seq).reverse(), 'after: oldest first');
    for (const q of ['from=2026-13-01', 'order=sideways', 'limit=0', 'offset=-1', `actor=${'x'.repeat(129)}`]) {
      assert.equal((await app.inject({ url: `/api/v1/audit-log?${q}`, headers: admin })).statusCode, 400, q);
    }
    assert.equal((await app.inject({ url: '/api/v1/audit-log', headers: await session('auditor1', 'auditor-pass-1') })).statusCode, 403);
  } finally {
    await app.close();
  }
});
