import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { scratchPglite } from '@fundguard/store/testing.ts';
import { FundGuard } from '@fundguard/service';
import { buildApp } from '../../app.ts';

const root = new URL('../../../../../', import.meta.url);
const policy = JSON.parse(readFileSync(new URL('policies/610100/2024-310-inpatient.json', root), 'utf8'));
const encounter = { mdtrt_id: 'ZY1', medins_id: 'H1', medins_lv: '05', adm_date: '2024-05-01', med_mdtrt_type: '2', insutype: '310',
  fsi_order_dtos: [{ rx_id: '1', hilist_code: 'A', hilist_lv: '01', cnt: 1, pric: 2600, sumamt: 2600 }] };

test('POST /api/v1/settlement/calculate and fundguard settle give the same settlement', { timeout: 60_000 }, async () => {
  const s = await scratchPglite();
  const fg = new FundGuard(s.database);
  const { key } = await fg.keys.ensureAdminKey(undefined);
  const app = await buildApp({ fg });
  try {
    const r = await app.inject({ method: 'POST', url: '/api/v1/settlement/calculate', headers: { authorization: `Bearer ${key}` }, payload: { policy, encounter, person: { retiree: false }, accumulators: {} } });
    assert.equal(r.statusCode, 200, r.body);
    // 2 600 − 600 (二级起付线) = 2 000 × 90 % = 1 800; person 800.
    assert.deepEqual([r.json().act_pay_dedc, r.json().hifp_pay, r.json().psn_part_amt], [600, 1800, 800]);
    const bad = await app.inject({ method: 'POST', url: '/api/v1/settlement/calculate', headers: { authorization: `Bearer ${key}` }, payload: { policy: { ...policy, annual_cap: -1 }, encounter, person: {}, accumulators: {} } });
    assert.equal(bad.statusCode, 400);
    assert.match(bad.json().error.message, /policy\.annual_cap/);
    const dir = mkdtempSync(join(tmpdir(), 'fg-settle-'));
    try {
      writeFileSync(join(dir, 'e.json'), JSON.stringify(encounter));
      const cli = spawnSync(process.execPath, ['--import', 'tsx', new URL('packages/cli/src/main.ts', root).pathname, 'settle', '--policy', new URL('policies/610100/2024-310-inpatient.json', root).pathname, '--encounter', join(dir, 'e.json')], { encoding: 'utf8' });
      assert.equal(cli.status, 0, cli.stderr);
      assert.deepEqual(JSON.parse(cli.stdout), r.json());
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  } finally {
    await app.close();
    await s.drop();
  }
});

test('stateful settlement over HTTP: policy import, settle with Idempotency-Key, replay, reverse, statement XLSX, the insured person\'s view', { timeout: 60_000 }, async () => {
  const s = await scratchPglite();
  const fg = new FundGuard(s.database, { clock: () => new Date('2024-05-20T03:00:00Z') });
  const { key } = await fg.keys.ensureAdminKey(undefined);
  const app = await buildApp({ fg });
  const auth = { authorization: `Bearer ${key}` };
  try {
    const imp = await app.inject({ method: 'POST', url: '/api/v1/policy-sets', headers: auth, payload: [policy] });
    assert.equal(imp.statusCode, 201, imp.body);
    assert.equal((await app.inject({ method: 'POST', url: '/api/v1/policy-sets', headers: auth, payload: policy })).statusCode, 200, 'same version again: unchanged');
    const sets = await app.inject({ method: 'GET', url: '/api/v1/policy-sets?region=610100', headers: auth });
    assert.deepEqual(sets.json().items.map((p: { version: string; effective_from: string }) => [p.version, p.effective_from]), [[policy.version, '2024-01-01']]);
    const line = JSON.stringify({ ...encounter, psn_no: 'P1', patn_id: 'P1', patn_name: '李四', gend: '2', brdy: '1980-02-02', poolarea: '610100', medins_admdvs: '610100' });
    const enc = await app.inject({ method: 'POST', url: '/api/v1/encounters', headers: { ...auth, 'content-type': 'application/x-ndjson' }, payload: line + '\n' });
    assert.equal(enc.statusCode, 200, enc.body);

    const noKey = await app.inject({ method: 'POST', url: '/api/v1/settlements', headers: auth, payload: { mdtrt_id: 'ZY1' } });
    assert.equal(noKey.statusCode, 400);
    assert.match(noKey.json().error.message, /idempotency_key/);
    const first = await app.inject({ method: 'POST', url: '/api/v1/settlements', headers: { ...auth, 'idempotency-key': 'his-0001' }, payload: { mdtrt_id: 'ZY1' } });
    assert.equal(first.statusCode, 201, first.body);
    assert.deepEqual([first.json().result.act_pay_dedc, first.json().result.hifp_pay, first.json().result.psn_part_amt], [600, 1800, 800]);
    const replay = await app.inject({ method: 'POST', url: '/api/v1/settlements', headers: { ...auth, 'idempotency-key': 'his-0001' }, payload: { mdtrt_id: 'ZY1' } });
    assert.equal(replay.statusCode, 200);
    assert.equal(replay.json().setl_id, first.json().setl_id);
    const twice = await app.inject({ method: 'POST', url: '/api/v1/settlements', headers: auth, payload: { idempotency_key: 'his-0002', mdtrt_id: 'ZY1' } });
    assert.equal(twice.statusCode, 409);
    const acc = await app.inject({ method: 'GET', url: '/api/v1/accumulators/P1?year=2024', headers: auth });
    assert.deepEqual(acc.json(), { patn_id: 'P1', year: 2024, admissions: 1, catastrophic_base: 800, catastrophic_paid: 0, cap_groups: [{ cap_group: 'inpatient', fund_paid: 1800, deductible_met: 0 }] });

    const stmt = await app.inject({ method: 'GET', url: '/api/v1/statements/H1/2024-05', headers: auth });
    assert.deepEqual([stmt.json().settled.count, stmt.json().payable_fen], [1, 180000]);
    const xlsx = await app.inject({ method: 'GET', url: '/api/v1/statements/H1/2024-05?format=xlsx', headers: auth });
    assert.equal(xlsx.headers['content-type'], 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet');
    assert.equal(xlsx.rawPayload.subarray(0, 2).toString(), 'PK');

    await fg.keys.createUser({ id: 'admin', role: 'admin' }, { username: 'p1', password: 'secret-pass-1', role: 'insured', patnId: 'P1' });
    await fg.keys.createUser({ id: 'admin', role: 'admin' }, { username: 'p2', password: 'secret-pass-2', role: 'insured', patnId: 'P2' });
    const p1 = (await fg.keys.signIn('p1', 'secret-pass-1')).key;
    const mine = await app.inject({ method: 'GET', url: '/api/v1/me/settlements', headers: { authorization: `Bearer ${p1}` } });
    assert.equal(mine.statusCode, 200, mine.body);
    const explained = mine.json().items[0].result.explanation as { part: string; text: string }[];
    assert.ok(explained.find((e) => e.part === 'act_pay_dedc')?.text.includes('起付线'));
    const p2 = (await fg.keys.signIn('p2', 'secret-pass-2')).key;
    assert.deepEqual((await app.inject({ method: 'GET', url: '/api/v1/me/settlements', headers: { authorization: `Bearer ${p2}` } })).json().items, []);
    assert.equal((await app.inject({ method: 'GET', url: `/api/v1/settlements/${first.json().setl_id}`, headers: { authorization: `Bearer ${p2}` } })).statusCode, 404, "another person's settlement answers like a missing one");

    const rev = await app.inject({ method: 'POST', url: `/api/v1/settlements/${first.json().setl_id}/reverse`, headers: { ...auth, 'idempotency-key': 'his-rev-1' }, payload: { reason: '患者退费' } });
    assert.equal(rev.statusCode, 200, rev.body);
    assert.equal(rev.json().status, 'reversed');
    const after = await app.inject({ method: 'GET', url: '/api/v1/accumulators/P1?year=2024', headers: auth });
    assert.deepEqual(after.json().cap_groups, [{ cap_group: 'inpatient', fund_paid: 0, deductible_met: 0 }]);
    assert.equal((await app.inject({ method: 'GET', url: '/api/v1/statements/H1/2024-05', headers: auth })).json().payable_fen, 0);
  } finally {
    await app.close();
    await fg.close();
    await s.drop();
  }
});
