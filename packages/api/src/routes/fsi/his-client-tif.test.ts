import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { testBothBackends } from '@fundguard/store/testing.ts';
import { FundGuard, SecretBox } from '@fundguard/service';
import { buildApp } from '../../app.ts';
// @ts-expect-error: a plain JavaScript example without types
import { callFsi, tifHeaders } from '../../../../../examples/his-client-tif.mjs';

const root = new URL('../../../../../', import.meta.url);
const example = JSON.parse(readFileSync(new URL('../shared/examples/3101-request-envelope.json', root), 'utf8'));
const pack = JSON.parse(readFileSync(new URL('rules/national-sample/pack.json', root), 'utf8'));

testBothBackends('the x-tif example client (README "Connecting a HIS"): base URL with a trailing slash + infno, signed headers; without the slash a 404 envelope naming the URL', async (db) => {
  const fg = new FundGuard(db, { secrets: new SecretBox('k') });
  await fg.rules.reload();
  const admin = { id: 'admin', role: 'admin' as const };
  await fg.packs.upload(admin, pack, { activate: true });
  const { key, info } = await fg.keys.create(admin, { role: 'integration', institutionId: 'H61010400001' });
  // the current derivation (README): paasid = the key's id, secret = what follows `fg_<id>_`
  const paasid = info.key_id;
  const secret = key.slice(`fg_${paasid}_`.length);
  const app = await buildApp({ fg });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const host = `http://127.0.0.1:${(app.server.address() as { port: number }).port}`;
  try {
    const order = structuredClone(example);
    order.input.data.patient_dtos[0].fsi_encounter_dtos[0].fsi_lab_dtos[0].rslt_val = '31';
    const answer = await callFsi({ baseUrl: `${host}/api/v1/fsi/`, paasid, secret, infno: '3101', envelope: order });
    assert.equal(answer.infcode, 0, JSON.stringify(answer));
    assert.deepEqual(answer.output.result.map((r: { rule_id: string; sev_deg: string }) => [r.rule_id, r.sev_deg]), [['IND-ALB', '1']]);
    const signIn = await callFsi({ baseUrl: `${host}/api/v1/fsi/`, paasid, secret, infno: '9001', envelope: {} });
    assert.equal(signIn.infcode, 0);

    const noSlash = await callFsi({ baseUrl: `${host}/api/v1/fsi`, paasid, secret, infno: '3101', envelope: order });
    assert.equal(noSlash.infcode, -1);
    assert.match(noSlash.err_msg, /地址 \/api\/v1\/fsi3101 不存在.*\/api\/v1\/fsi\//);

    const wrongSecret = await callFsi({ baseUrl: `${host}/api/v1/fsi/`, paasid, secret: `${secret}x`, infno: '9001', envelope: {} });
    assert.equal(wrongSecret.infcode, -1);
    const h = tifHeaders({ paasid, secret, now: Date.now() - 3600_000, nonce: 'old' });
    const skewed = await fetch(`${host}/api/v1/fsi/9001`, { method: 'POST', headers: { 'content-type': 'application/json', ...h }, body: '{}' });
    assert.equal(skewed.status, 401, 'a clock an hour off is refused');
    assert.equal((await skewed.json()).infcode, -1);
  } finally {
    await app.close();
  }
});
