import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { sql } from 'drizzle-orm';
import { testBothBackends } from '@fundguard/store/testing.ts';
import { FundGuard, SecretBox } from '@fundguard/service';
import { buildApp } from '../../app.ts';

const root = new URL('../../../../../', import.meta.url);
const example = JSON.parse(readFileSync(new URL('../shared/examples/3101-request-envelope.json', root), 'utf8'));
const nationalSample = JSON.parse(readFileSync(new URL('rules/national-sample/pack.json', root), 'utf8'));

/** A real hospital's 3101 shape: no msgid, hilist_lv "--" and "2", med_mdtrt_type 4, slash dates, nulls, vendor fields, no ext fields. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- a JSON payload edited freely by the tests
type Json = any;
function hospitalCall(): Record<string, Json> {
  const b = structuredClone(example);
  delete b.msgid;
  b.vendor = { name: 'HIS-X', build: 7 };
  const p = b.input.data.patient_dtos[0];
  const e = p.fsi_encounter_dtos[0];
  delete e.fsi_lab_dtos;
  delete e.ext_flags;
  e.adm_date = '2024/03/10 09:12:00';
  e.dscg_date = '9999-12-31 00:00:00';
  e.wardarea_codg = null;
  e.fsi_order_dtos[0].hilist_lv = '--';
  e.fsi_order_dtos.push({ ...e.fsi_order_dtos[0], rx_id: 'YZ-2', hilist_code: 'Z0001', hilist_name: '普通项目', hilist_lv: '2', sumamt: ' 10.00 ', cnt: 1, pric: 10 });
  return b;
}

testBothBackends('a real hospital 3101 is accepted and audited; its normalisations are counted and reported per institution; missing labs ask (sev_deg 2)', async (db) => {
  const fg = new FundGuard(db, { clock: () => new Date('2024-03-15T02:30:00Z'), secrets: new SecretBox('k') });
  await fg.rules.reload();
  const admin = { id: 'admin', role: 'admin' as const };
  await fg.packs.upload(admin, nationalSample, { activate: true });
  const his = (await fg.keys.create(admin, { role: 'integration', institutionId: 'H61010400001' })).key;
  const adminKey = (await fg.keys.create(admin, { role: 'admin' })).key;
  const ownHospital = (await fg.keys.create(admin, { role: 'hospital', institutionId: 'H61010400001' })).key;
  const otherHospital = (await fg.keys.create(admin, { role: 'hospital', institutionId: 'H999' })).key;
  const app = await buildApp({ fg });
  try {
    const res = await app.inject({ method: 'POST', url: '/api/v1/fsi/3101', headers: { authorization: `Bearer ${his}` }, payload: hospitalCall() });
    assert.equal(res.statusCode, 200, res.body);
    const body = res.json();
    assert.equal(body.infcode, 0);
    assert.match(body.inf_refmsgid, /^FG/);
    // the albumin line's ALB result was not sent: asked (2), not accused (1), same amount
    assert.deepEqual(body.output.result.map((r: Json) => [r.rule_id, r.sev_deg, r.vola_amt]), [['IND-ALB', '2', 770]]);
    assert.match(body.output.result[0].vola_cont, /^需核实：未提供检验结果 ALB；/);

    // med_mdtrt_type 4 (其他) is accepted too
    const other = hospitalCall();
    other.input.data.patient_dtos[0].fsi_encounter_dtos[0].med_mdtrt_type = '4';
    assert.equal((await app.inject({ method: 'POST', url: '/api/v1/fsi/3101', headers: { authorization: `Bearer ${his}` }, payload: other })).statusCode, 200);

    const report = async (key: string, qs = '') => app.inject({ method: 'GET', url: `/api/v1/realtime/normalisations${qs}`, headers: { authorization: `Bearer ${key}` } });
    const r = await report(adminKey, '?from=2024-03-15&to=2024-03-15');
    assert.equal(r.statusCode, 200, r.body);
    const got = r.json().items.map((i: Json) => `${i.medins_id}|${i.field}|${i.variant}|${i.count}|${i.first_day}`).sort();
    assert.deepEqual(got, [
      'H61010400001|fsi_encounter_dtos.adm_date|yyyy/MM/dd|2|2024-03-15',
      'H61010400001|fsi_encounter_dtos.dscg_date|9999-12-31 → none|2|2024-03-15',
      'H61010400001|fsi_encounter_dtos.fsi_order_dtos.hilist_lv|"--" → unknown|2|2024-03-15',
      'H61010400001|fsi_encounter_dtos.fsi_order_dtos.hilist_lv|"2" → 02|2|2024-03-15',
      'H61010400001|fsi_encounter_dtos.fsi_order_dtos.sumamt|blanks around number|2|2024-03-15',
    ]);
    assert.equal((await report(adminKey, '?from=2024-03-16')).json().items.length, 0);
    // the hospital's 医保办 sees its own institution; another hospital sees nothing of it
    assert.equal((await report(ownHospital)).json().items.length, 5);
    assert.deepEqual((await report(otherHospital, '?medins_id=H61010400001')).json().items, []);
    assert.equal((await report(his)).statusCode, 403, 'an integration key reads no reports');
    // each call's normalisations are in its call-log row too (envelope fields, no clinical payload)
    await fg.ctx.realtime.flush();
    const calls = await db.rows<{ envelope: Record<string, unknown> }>(sql`select envelope from fsi_calls where infno = '3101' order by id`);
    assert.deepEqual(calls[0].envelope.normalised, {
      'fsi_encounter_dtos.adm_date: yyyy/MM/dd': 1, 'fsi_encounter_dtos.dscg_date: 9999-12-31 → none': 1, 'fsi_encounter_dtos.fsi_order_dtos.hilist_lv: "--" → unknown': 1,
      'fsi_encounter_dtos.fsi_order_dtos.hilist_lv: "2" → 02': 1, 'fsi_encounter_dtos.fsi_order_dtos.sumamt: blanks around number': 1,
    });
    assert.equal(calls[0].envelope.input, undefined);
  } finally {
    await app.close();
  }
});

testBothBackends('3102 keeps the missing evidence and the stop date through storage: a resent unchanged encounter is not rewritten', async (db) => {
  const fg = new FundGuard(db, { clock: () => new Date('2024-03-15T02:30:00Z'), secrets: new SecretBox('k') });
  await fg.rules.reload();
  const admin = { id: 'admin', role: 'admin' as const };
  const his = (await fg.keys.create(admin, { role: 'integration', institutionId: 'H61010400001' })).key;
  const app = await buildApp({ fg });
  try {
    const b = hospitalCall();
    b.input.data.patient_dtos[0].fsi_encounter_dtos[0].fsi_order_dtos[0].drord_stop_date = '2024-03-20 08:00:00';
    const call = () => app.inject({ method: 'POST', url: '/api/v1/fsi/3102', headers: { authorization: `Bearer ${his}` }, payload: { ...b, infno: '3102' } });
    assert.equal((await call()).statusCode, 200);
    const stored = (await fg.ctx.encounters.get('ZY2024031000123'))!.encounter;
    assert.equal(stored.no_lab_dtos, true);
    assert.equal(stored.no_ext_flags, true);
    assert.equal(stored.fsi_order_dtos[0].drord_stop_date, '2024-03-20 08:00:00');
    assert.equal(stored.fsi_order_dtos[1].drord_stop_date, undefined);
    assert.equal(stored.fsi_order_dtos[0].hilist_lv, '');
    assert.equal(stored.fsi_order_dtos[1].hilist_lv, '02');
    assert.equal(stored.dscg_date, null);
    const before = (await db.rows<{ t: string }>(sqlUpdatedAt))[0].t;
    assert.equal((await call()).statusCode, 200);
    assert.equal((await db.rows<{ t: string }>(sqlUpdatedAt))[0].t, before, 'stored as parsed: not rewritten');
  } finally {
    await app.close();
  }
});

const sqlUpdatedAt = sql`select updated_at::text as t from encounters where mdtrt_id = 'ZY2024031000123'`;
