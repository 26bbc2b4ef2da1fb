import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { testBothBackends } from '@fundguard/store/testing.ts';
import type { Database } from '@fundguard/store';
import { FundGuard, SecretBox } from '@fundguard/service';
import { buildApp } from '../../app.ts';
import { sql } from 'drizzle-orm';

const sqlCount = sql`select count(*)::int as n from warning_feedback`;

const NOW = new Date('2026-11-23T08:00:00.123Z');

async function setup(db: Database) {
  const fg = new FundGuard(db, { clock: () => NOW, secrets: new SecretBox('k') });
  const admin = { id: 'admin', role: 'admin' as const };
  const his = await fg.keys.create(admin, { role: 'integration', institutionId: 'H1' });
  const app = await buildApp({ fg });
  return { fg, app, his };
}

function checkEnvelope(body: Record<string, unknown>, infcode: number): void {
  assert.equal(body.infcode, infcode);
  assert.equal(typeof body.infcode, 'number');
  assert.equal(body.enctype, '');
  assert.equal(body.signtype, '');
  assert.match(String(body.refmsg_time), /^\d{17}$/);
  assert.match(String(body.respond_time), /^\d{17}$/);
}

testBothBackends('9001 sign-in and the envelope, by path or by body infno, with Bearer, apikey or x-tif', async (db) => {
  const { app, his } = await setup(db);
  try {
    const byPath = await app.inject({ method: 'POST', url: '/api/v1/fsi/9001', headers: { authorization: `Bearer ${his.key}` }, payload: { infno: '9001', msgid: 'M1', input: {} } });
    assert.equal(byPath.statusCode, 200);
    const b = byPath.json();
    checkEnvelope(b, 0);
    assert.equal(b.inf_refmsgid, 'M1');
    assert.equal(b.err_msg, null);
    assert.equal(b.refmsg_time, '20261123160000123', 'Beijing time');
    assert.equal(b.output.signinoutb.sign_time, '2026-11-23 16:00:00');
    const byBody = await app.inject({ method: 'POST', url: '/api/v1/fsi', headers: { apikey: his.key }, payload: { infno: '9001' } });
    assert.equal(byBody.statusCode, 200);
    assert.match(byBody.json().inf_refmsgid, /^FG/);
    const ts = String(Math.floor(NOW.getTime() / 1000));
    const secret = his.key.split('_').slice(2).join('_');
    const sig = createHash('sha256').update(`${ts}${secret}abc${ts}`).digest('hex');
    const signed = await app.inject({ method: 'POST', url: '/api/v1/fsi/9001', headers: { 'x-tif-paasid': his.info.key_id, 'x-tif-timestamp': ts, 'x-tif-nonce': 'abc', 'x-tif-signature': sig }, payload: {} });
    assert.equal(signed.statusCode, 200, signed.body);
    const replay = await app.inject({ method: 'POST', url: '/api/v1/fsi/9001', headers: { 'x-tif-paasid': his.info.key_id, 'x-tif-timestamp': ts, 'x-tif-nonce': 'abc', 'x-tif-signature': sig }, payload: {} });
    assert.equal(replay.statusCode, 401);
    checkEnvelope(replay.json(), -1);
  } finally {
    await app.close();
  }
});

testBothBackends('errors answer in the national envelope: unknown transaction, infno mismatch, missing or wrong key', async (db) => {
  const { app, his } = await setup(db);
  try {
    const auth = { authorization: `Bearer ${his.key}` };
    const unknown = await app.inject({ method: 'POST', url: '/api/v1/fsi/3199', headers: auth, payload: { data: {} } });
    assert.equal(unknown.statusCode, 400);
    checkEnvelope(unknown.json(), -1);
    assert.equal(unknown.json().err_msg, '不支持的交易 3199');
    const mismatch = await app.inject({ method: 'POST', url: '/api/v1/fsi/3103', headers: auth, payload: { infno: '3101', msgid: 'X', input: { data: {} } } });
    assert.equal(mismatch.statusCode, 400);
    assert.equal(mismatch.json().inf_refmsgid, 'X');
    const noKey = await app.inject({ method: 'POST', url: '/api/v1/fsi/9001', payload: {} });
    assert.equal(noKey.statusCode, 401);
    checkEnvelope(noKey.json(), -1);
    const wrongKey = await app.inject({ method: 'POST', url: '/api/v1/fsi/9001', headers: { authorization: 'Bearer nope' }, payload: {} });
    assert.equal(wrongKey.statusCode, 401);
    checkEnvelope(wrongKey.json(), -1);
    const notJson = await app.inject({ method: 'POST', url: '/api/v1/fsi/9001', headers: { ...auth, 'content-type': 'application/json' }, payload: '{"infno":' });
    assert.equal(notJson.statusCode, 400);
    checkEnvelope(notJson.json(), -1);
  } finally {
    await app.close();
  }
});

testBothBackends('3103 stores feedback for known warnings; an unknown jr_id is a 400 naming it and stores nothing', async (db) => {
  const { fg, app, his } = await setup(db);
  try {
    await fg.ctx.realtime.insertWarnings([{ jr_id: 'J1', stage: 'pre', pack: 'p', pack_version: '1', rule_id: 'R1', rule_name: 'r', sev_deg: '1', patn_id: 'P', mdtrt_id: 'M', medins_id: 'H1', dept_codg: '', dr_codg: 'D', vola_amt_fen: 1, result: {} }], NOW.toISOString());
    const auth = { authorization: `Bearer ${his.key}` };
    const bad = await app.inject({ method: 'POST', url: '/api/v1/fsi/3103', headers: auth, payload: { infno: '3103', input: { data: { warn_type: '1', warns: [{ warn_rslt_id: 'J1', dspo_way: '2' }, { warn_rslt_id: 'J2', dspo_way: '2' }] } } } });
    assert.equal(bad.statusCode, 400);
    assert.match(bad.json().err_msg, /warns\[1\]\(warn_rslt_id=J2\)/);
    const noReason = await app.inject({ method: 'POST', url: '/api/v1/fsi/3103', headers: auth, payload: { data: { warn_type: '1', warns: [{ warn_rslt_id: 'J1', dspo_way: '1', dspo_way_rea: '' }] } } });
    assert.equal(noReason.statusCode, 400);
    assert.equal((await db.rows(sqlCount)).at(0)!.n, 0, 'nothing stored on error');
    const ok = await app.inject({ method: 'POST', url: '/api/v1/fsi/3103', headers: auth, payload: { data: { warn_type: '1', warns: [{ warn_rslt_id: 'J1', dspo_way: '1', dspo_way_rea: '病情需要' }] } } });
    assert.equal(ok.statusCode, 200);
    assert.deepEqual(ok.json().output, { result: [] });
    assert.equal((await db.rows(sqlCount)).at(0)!.n, 1);
  } finally {
    await app.close();
  }
});

testBothBackends('beyond the concurrency bound a request gets a fast 503 with Retry-After, not a queue', async (db) => {
  const fg = new FundGuard(db, { clock: () => NOW, secrets: new SecretBox('k') });
  const his = await fg.keys.create({ id: 'admin', role: 'admin' }, { role: 'integration', institutionId: 'H1' });
  let release!: () => void;
  const gate = new Promise<void>((r) => (release = r));
  let entered!: () => void;
  const started = new Promise<void>((r) => (entered = r));
  const app = await buildApp({ fg, fsiMaxConcurrent: 1, fsiHandlers: { '3101': async () => { entered(); await gate; return { output: { result: [] }, results: 0 }; } } });
  try {
    const auth = { authorization: `Bearer ${his.key}` };
    const first = app.inject({ method: 'POST', url: '/api/v1/fsi/3101', headers: auth, payload: { data: {} } });
    await started;
    const second = await app.inject({ method: 'POST', url: '/api/v1/fsi/3101', headers: auth, payload: { msgid: 'B', data: {} } });
    assert.equal(second.statusCode, 503);
    assert.equal(second.headers['retry-after'], '1');
    checkEnvelope(second.json(), -1);
    assert.equal(second.json().inf_refmsgid, 'B');
    release();
    assert.equal((await first).statusCode, 200);
    const third = await app.inject({ method: 'POST', url: '/api/v1/fsi/9001', headers: auth, payload: {} });
    assert.equal(third.statusCode, 200, 'capacity is back once the first finished');
  } finally {
    await app.close();
  }
});
