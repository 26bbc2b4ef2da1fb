import assert from 'node:assert/strict';
import { testBothBackends } from '@fundguard/store/testing.ts';
import { CasesRepo } from '@fundguard/store';
import { FundGuard } from '@fundguard/service';
import { buildApp } from '../../app.ts';

/** Department binding in the users API and the hospital's levels over HTTP (科室初审 → 医保办复审). */
testBothBackends('case chain over HTTP: a department-bound user sees its department only; bad chain events answer 400', async (db) => {
  const fg = new FundGuard(db, { clock: () => new Date('2024-04-01T00:00:00Z') });
  const admin = { id: 'admin', role: 'admin' as const };
  const adminKey = (await fg.keys.create(admin, { role: 'admin' })).key;
  const auditorKey = (await fg.keys.create(admin, { role: 'auditor' })).key;
  const base = { run_id: 3, pack: 'p', pack_version: '1', rule_id: 'R', rule_name: 'r', category: 'QUANTITY', severity: 'suspicious', appealable: true, patn_id: 'P', dr_codg: '', month: '2024-03', result: {}, medins_id: 'H1' };
  await db.transaction((tx) => new CasesRepo(db).insertFindings(tx, [
    { ...base, id: 'A', mdtrt_id: 'M1', dept_codg: '0302', amount_fen: 1000 },
    { ...base, id: 'B', mdtrt_id: 'M2', dept_codg: '0801', amount_fen: 2000 },
  ]));
  const app = await buildApp({ fg });
  const as = (key: string) => ({ authorization: `Bearer ${key}` });
  const post = (key: string, url: string, payload: unknown) => app.inject({ method: 'POST', url, headers: as(key), payload: payload as Record<string, unknown> });
  try {
    // The users API: a hospital user bound to a department; the binding is refused for other roles and ill-formed codes.
    const user = { username: 'cardio', password: 'Cardio-review-2024', role: 'hospital', institution_id: 'H1', dept_codg: '0302', display_name: '心内科 审核员' };
    assert.equal((await post(adminKey, '/api/v1/users', user)).statusCode, 201);
    const wrongRole = await post(adminKey, '/api/v1/users', { ...user, username: 'aud9', role: 'auditor' });
    assert.equal(wrongRole.statusCode, 400);
    assert.equal(wrongRole.json().error.issues[0].field, 'dept_codg');
    assert.equal((await post(adminKey, '/api/v1/users', { ...user, username: 'bad', dept_codg: '03 02;' })).statusCode, 400);
    assert.equal((await post(adminKey, '/api/v1/users', { ...user, username: 'office', dept_codg: undefined })).statusCode, 201);
    const users = (await app.inject({ url: '/api/v1/users', headers: as(adminKey) })).json().items as { username: string; dept_codg: string | null }[];
    assert.deepEqual(users.filter((u) => ['cardio', 'office'].includes(u.username)).map((u) => [u.username, u.dept_codg]), [['cardio', '0302'], ['office', null]]);
    const login = async (username: string) => (await app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { username, password: user.password } })).json() as { token: string; user: { deptCodg?: string } };
    const cardio = await login('cardio');
    assert.equal(cardio.user.deptCodg, '0302');
    assert.equal((await app.inject({ url: '/api/v1/me', headers: as(cardio.token) })).json().deptCodg, '0302');
    const office = await login('office');

    const [id] = (await post(auditorKey, '/api/v1/cases', { run_id: 3 })).json().cases as string[];
    assert.equal((await post(auditorKey, `/api/v1/cases/${id}/events`, { type: 'notify' })).statusCode, 200);
    const seen = (await app.inject({ url: `/api/v1/cases/${id}`, headers: as(cardio.token) })).json();
    assert.deepEqual([seen.findings.map((f: { id: string }) => f.id), seen.allowed], [['A'], ['explain', 'dept_submit']]);
    assert.deepEqual((await app.inject({ url: '/api/v1/cases', headers: as(cardio.token) })).json().total, 1);
    // office_return needs a reason; a department list must be a list of codes; nothing changes on a refusal
    const v = (await app.inject({ url: `/api/v1/cases/${id}`, headers: as(office.token) })).json().version;
    for (const bad of [{ type: 'office_return' }, { type: 'office_return', reason: 'x', departments: '0302' }, { type: 'rectify' }, { type: 'dept_submit', extra: 1 }]) {
      const r = await post(office.token, `/api/v1/cases/${id}/events`, bad);
      assert.equal(r.statusCode, 400, `${JSON.stringify(bad)} → ${r.body}`);
    }
    assert.equal((await app.inject({ url: `/api/v1/cases/${id}`, headers: as(office.token) })).json().version, v);
    // the office waits for the departments: 409 with the reason, and the case page says why
    const early = await post(office.token, `/api/v1/cases/${id}/events`, { type: 'submit_explanations' });
    assert.equal(early.statusCode, 409);
    assert.match(early.json().error.message, /科室初审进行中/);
    assert.equal((await post(cardio.token, `/api/v1/cases/${id}/events`, { type: 'dept_submit' })).statusCode, 200);
    assert.equal((await post(cardio.token, `/api/v1/cases/${id}/events`, { type: 'dept_submit' })).statusCode, 409, 'once');
  } finally {
    await app.close();
  }
});
