import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { sql } from 'drizzle-orm';
import { testBothBackends } from '@fundguard/store/testing.ts';
import { FundGuard, SecretBox } from '@fundguard/service';
import { buildApp } from '../../app.ts';

const root = new URL('../../../../../', import.meta.url);
const example = JSON.parse(readFileSync(new URL('../shared/examples/3101-request-envelope.json', root), 'utf8'));
const nationalSample = JSON.parse(readFileSync(new URL('rules/national-sample/pack.json', root), 'utf8'));
const xian = JSON.parse(readFileSync(new URL('rules/xian-basic/pack.json', root), 'utf8'));

testBothBackends('3101/3102/3103 against the active packs, wire-compatible with the national envelope', async (db) => {
  const fg = new FundGuard(db, { clock: () => new Date('2024-03-15T02:30:00Z'), secrets: new SecretBox('k') });
  await fg.rules.reload();
  const admin = { id: 'admin', role: 'admin' as const };
  const rulesKey = (await fg.keys.create(admin, { role: 'rule_admin' })).key;
  const his = (await fg.keys.create(admin, { role: 'integration', institutionId: 'H61010400001' })).key;
  const app = await buildApp({ fg });
  try {
    const badPack = await app.inject({ method: 'POST', url: '/api/v1/rule-packs', headers: { authorization: `Bearer ${rulesKey}` }, payload: { ...nationalSample, version: 'bad', rules: [{ ...nationalSample.rules[0], kind: 'nope' }] } });
    assert.equal(badPack.statusCode, 400);
    assert.equal(badPack.json().error.issues[0].record, 'rule=IND-ALB');
    const up = await app.inject({ method: 'POST', url: '/api/v1/rule-packs?activate=true', headers: { authorization: `Bearer ${rulesKey}` }, payload: nationalSample });
    assert.equal(up.statusCode, 201, up.body);
    assert.equal(up.json().status, 'active');
    assert.deepEqual(fg.rules.snapshot().versions, [{ pack: 'national-sample', version: '2024.1' }]);

    const call = (body: Record<string, unknown>, infno = '3101') =>
      app.inject({ method: 'POST', url: `/api/v1/fsi/${infno}`, headers: { authorization: `Bearer ${his}` }, payload: { ...body, infno } });
    const ok = await call(example);
    assert.equal(ok.statusCode, 200, ok.body);
    assert.deepEqual(ok.json().output.result, [], 'albumin 27.4 with cirrhosis ascites is payable');
    assert.equal(ok.json().infcode, 0);

    const high = structuredClone(example);
    high.input.data.patient_dtos[0].fsi_encounter_dtos[0].fsi_lab_dtos[0].rslt_val = '31';
    const r = await call(high);
    const [finding] = r.json().output.result;
    assert.equal(finding.vola_bhvr_type, 'INDICATION');
    assert.equal(finding.vola_amt, 770);
    assert.equal(finding.sev_deg, '1');
    assert.equal(typeof finding.judge_result_detail_dtos[0].jrd_id, 'string');

    // 3103: the doctor proceeds with a reason.
    const fb = await call({ infno: '3103', input: { data: { warn_type: '1', warns: [{ warn_rslt_id: finding.jr_id, dspo_way: '1', dspo_way_rea: '抢救需要' }] } } }, '3103');
    assert.equal(fb.statusCode, 200, fb.body);

    // Contract §5: a male orthopaedic inpatient with an intrauterine device gets a GENDER finding; female none.
    const iud = structuredClone(example);
    const e = iud.input.data.patient_dtos[0].fsi_encounter_dtos[0];
    e.fsi_order_dtos = [{ ...e.fsi_order_dtos[0], rx_id: 'IUD1', hilist_code: 'C14080200100000000201', hilist_name: '宫内节育器', hilist_type: '301', cnt: '1', pric: '120', sumamt: '120' }];
    const male = await call(iud);
    assert.deepEqual(male.json().output.result.map((x: { vola_bhvr_type: string }) => x.vola_bhvr_type), ['GENDER']);
    iud.input.data.patient_dtos[0].gend = '2';
    assert.deepEqual((await call(iud)).json().output.result, []);

    // 3102 stores the encounter; a later 3101 of the same patient sees it as history (7-day dialysis window).
    await app.inject({ method: 'POST', url: '/api/v1/rule-packs?activate=true', headers: { authorization: `Bearer ${rulesKey}` }, payload: xian });
    const hd = (id: string, day: string) => {
      const b = structuredClone(example);
      const enc = b.input.data.patient_dtos[0].fsi_encounter_dtos[0];
      b.input.data.patient_dtos[0].curr_mdtrt_id = id;
      Object.assign(enc, { mdtrt_id: id, med_mdtrt_type: '1', med_type: '14', adm_date: `${day} 07:00:00`, fsi_lab_dtos: [] });
      enc.fsi_order_dtos = [{ ...enc.fsi_order_dtos[0], rx_id: `${id}-1`, hilist_code: '311000001', hilist_name: '血液透析', hilist_type: '201', cnt: '1', pric: '420', sumamt: '420', drord_begn_date: `${day} 08:00:00` }];
      return b;
    };
    for (const [id, day] of [['HD1', '2024-03-01'], ['HD2', '2024-03-03'], ['HD3', '2024-03-05']]) {
      const res = await call(hd(id, day), '3102');
      assert.equal(res.statusCode, 200, res.body);
    }
    assert.ok(await fg.ctx.encounters.get('HD3'), '3102 stored the encounter');
    const fourth = await call(hd('HD4', '2024-03-07'));
    assert.deepEqual(fourth.json().output.result.map((x: { rule_id: string }) => x.rule_id), ['XA-FREQ-HD']);
    assert.equal(await fg.ctx.encounters.get('HD4'), null, '3101 stores no encounter');

    // Bad input: 400, infcode -1, naming patient, encounter, order and field; nothing stored.
    const bad = structuredClone(example);
    bad.input.data.patient_dtos[0].fsi_encounter_dtos[0].fsi_order_dtos[0].pric = 'abc';
    const br = await call(bad, '3102');
    assert.equal(br.statusCode, 400);
    assert.equal(br.json().infcode, -1);
    assert.match(br.json().err_msg, /patient_dtos\[0\]\(patn_id=610104195801011234\)\.fsi_encounter_dtos\[0\]\(mdtrt_id=ZY2024031000123\)\.fsi_order_dtos\[0\]\(rx_id=YZ2024031500087\)\.pric/);
    assert.equal(await fg.ctx.encounters.get('ZY2024031000123'), null);
  } finally {
    await app.close();
  }
});

testBothBackends('concurrent 3102 calls for the same encounter all succeed and leave one stored copy', async (db) => {
  const fg = new FundGuard(db, { secrets: new SecretBox('k') });
  await fg.rules.reload();
  const admin = { id: 'admin', role: 'admin' as const };
  await fg.packs.upload(admin, nationalSample, { activate: true });
  const his = (await fg.keys.create(admin, { role: 'integration', institutionId: 'H61010400001' })).key;
  const app = await buildApp({ fg });
  try {
    const body = { ...example, infno: '3102' };
    const results = await Promise.all(Array.from({ length: 8 }, () => app.inject({ method: 'POST', url: '/api/v1/fsi/3102', headers: { authorization: `Bearer ${his}` }, payload: body })));
    assert.deepEqual(results.map((r) => r.statusCode), Array(8).fill(200));
    assert.equal(await fg.ctx.encounters.count(), 1);
    assert.equal((await fg.ctx.encounters.get('ZY2024031000123'))!.encounter.fsi_order_dtos.length, 1);
  } finally {
    await app.close();
  }
});

testBothBackends('3102 writes only encounters that are new or changed: a resent unchanged encounter is not rewritten, a changed one is', async (db) => {
  const fg = new FundGuard(db, { secrets: new SecretBox('k') });
  await fg.rules.reload();
  const admin = { id: 'admin', role: 'admin' as const };
  const his = (await fg.keys.create(admin, { role: 'integration', institutionId: 'H61010400001' })).key;
  const app = await buildApp({ fg });
  const writtenAt = async () => (await db.rows<{ t: string }>(sql`select updated_at::text as t from encounters where mdtrt_id = 'ZY2024031000123'`))[0]?.t;
  const call = (body: Record<string, unknown>) => app.inject({ method: 'POST', url: '/api/v1/fsi/3102', headers: { authorization: `Bearer ${his}` }, payload: body });
  try {
    assert.equal((await call({ ...example, infno: '3102' })).statusCode, 200);
    const first = await writtenAt();
    assert.ok(first);
    await new Promise((r) => setTimeout(r, 20));
    assert.equal((await call({ ...example, infno: '3102' })).statusCode, 200);
    assert.equal(await writtenAt(), first, 'the same encounter again: not rewritten');
    const changed = structuredClone(example);
    changed.input.data.patient_dtos[0].fsi_encounter_dtos[0].fsi_order_dtos[0].cnt = '3'; // the example bills 2
    changed.input.data.patient_dtos[0].fsi_encounter_dtos[0].fsi_order_dtos[0].sumamt = '1155';
    assert.equal((await call({ ...changed, infno: '3102' })).statusCode, 200);
    assert.notEqual(await writtenAt(), first, 'a changed encounter is written');
    assert.equal((await fg.ctx.encounters.get('ZY2024031000123'))!.encounter.fsi_order_dtos[0].sumamt, 115500);
  } finally {
    await app.close();
  }
});
