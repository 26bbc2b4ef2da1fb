import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { sql } from 'drizzle-orm';
import { testBothBackends } from '@fundguard/store/testing.ts';
import { FundGuard, SecretBox } from '@fundguard/service';
import { buildApp } from './app.ts';
// @ts-expect-error: a plain JavaScript example without types
import { auditOrder } from '../../../examples/his-client.mjs';

const root = new URL('../../../', import.meta.url);
const example = JSON.parse(readFileSync(new URL('../shared/examples/3101-request-envelope.json', root), 'utf8'));
const pack = JSON.parse(readFileSync(new URL('rules/national-sample/pack.json', root), 'utf8'));

testBothBackends('the example HIS client: 3101, the doctor decides, 3103; fail-open on timeout and on a dead service', async (db) => {
  const fg = new FundGuard(db, { secrets: new SecretBox('k') });
  await fg.rules.reload();
  const admin = { id: 'admin', role: 'admin' as const };
  await fg.packs.upload(admin, pack, { activate: true });
  const { key } = await fg.keys.create(admin, { role: 'integration', institutionId: 'H61010400001' });
  const app = await buildApp({ fg });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const baseUrl = `http://127.0.0.1:${(app.server.address() as { port: number }).port}`;
  try {
    const order = structuredClone(example);
    order.input.data.patient_dtos[0].fsi_encounter_dtos[0].fsi_lab_dtos[0].rslt_val = '31';
    const r = await auditOrder({ baseUrl, apiKey: key, envelope: order, decide: () => ({ dspo_way: '1', dspo_way_rea: '患者病情危重，临床必需' }) });
    assert.equal(r.failOpen, false);
    assert.equal(r.warnings.length, 1);
    assert.equal(r.warnings[0].rule_id, 'IND-ALB');
    const fb = await db.rows<{ jr_id: string; dspo_way: string }>(sql`select jr_id, dspo_way from warning_feedback`);
    assert.deepEqual(fb, [{ jr_id: r.warnings[0].jr_id, dspo_way: '1' }]);

    // A service that never answers: the client gives up after its timeout and proceeds.
    const silent = createServer(() => undefined);
    silent.listen(0, '127.0.0.1');
    await once(silent, 'listening');
    const slow = await auditOrder({ baseUrl: `http://127.0.0.1:${(silent.address() as { port: number }).port}`, apiKey: key, envelope: order, decide: () => ({}), timeoutMs: 200 });
    assert.deepEqual([slow.failOpen, slow.reason], [true, 'timeout']);
    silent.closeAllConnections();
    silent.close();
    const dead = await auditOrder({ baseUrl: 'http://127.0.0.1:9', apiKey: key, envelope: order, decide: () => ({}) });
    assert.equal(dead.failOpen, true);
  } finally {
    await app.close();
  }
});
