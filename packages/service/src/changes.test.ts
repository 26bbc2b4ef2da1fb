import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { sql } from 'drizzle-orm';
import { openDatabase } from '@fundguard/store';
import { testPostgres } from '@fundguard/store/testing.ts';
import { FundGuard } from './fundguard.ts';
import { PenaltyService } from './penalties/penalty-service.ts';
import { FeedbackService } from './realtime/feedback.ts';

const admin = { id: 'admin', role: 'admin' as const };
const pack = (name: string) => JSON.parse(readFileSync(new URL(`../../../rules/${name}/pack.json`, import.meta.url), 'utf8'));
const example = JSON.parse(readFileSync(new URL('../../../../shared/examples/3101-request-envelope.json', import.meta.url), 'utf8'));
const patnId: string = example.input.data.patient_dtos[0].patn_id;

/** Waits for another process's change to arrive (NOTIFY is asynchronous); fails after 10 s. */
async function eventually(what: string, check: () => Promise<boolean> | boolean): Promise<void> {
  for (let i = 0; i < 200; i++) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  assert.fail(`not seen within 10 s: ${what}`);
}

testPostgres('two processes on one database keep each other current: pack activation, 3102 history, 名单 from a penalty, key revocation, and a lost LISTEN connection', async (scratch) => {
  // Two FundGuard instances with their own pools and LISTEN connections: what two API processes have.
  const a = await FundGuard.open({ url: scratch.url! });
  const b = await FundGuard.open({ url: scratch.url! });
  try {
    // Rule packs: activated in A, compiled and active in B.
    assert.deepEqual(b.rules.snapshot().versions, []);
    await a.packs.upload(admin, pack('national-sample'), { activate: true });
    await eventually('the pack active in B', () => b.rules.snapshot().versions.some((v) => v.pack === 'national-sample'));

    // History: B has cached the patient's empty history; A stores an encounter by 3102; B's next 3101 must see it.
    assert.equal((await b.history.get(patnId)).length, 0);
    await a.realtime.audit(admin, 'mid', example.input.data, { msgid: 'M1' });
    await eventually('the 3102 encounter in B\'s history', async () => (await b.history.get(patnId)).length === 1);

    // 名单: a suspension decided in A is enforced by B's blacklist look-ups.
    assert.equal(b.rules.snapshot().listed('patient', patnId, '2026-12-01'), null);
    await new PenaltyService(a.ctx).suspendPerson(admin, patnId, '2026-12-01', 3, '骗保');
    await eventually('the suspension in B', () => b.rules.snapshot().listed('patient', patnId, '2026-12-01')?.list === 'suspended');

    // Keys: B has the key cached; revoked in A, it stops working in B at once (not after the 30 s cache).
    const { key, info } = await a.keys.create(admin, { role: 'integration' });
    assert.equal((await b.keys.authenticate(key))?.role, 'integration');
    await a.keys.revoke(admin, info.key_id);
    await eventually('the revocation in B', async () => (await b.keys.authenticate(key)) === null);

    // 3103 answered by B for a 3101 answered by A a moment ago: A writes its warnings within 200 ms, B waits for them.
    const high = structuredClone(example.input.data);
    high.patient_dtos[0].fsi_encounter_dtos[0].fsi_lab_dtos[0].rslt_val = '31';
    const [warning] = (await a.realtime.audit(admin, 'pre', high, { msgid: 'M2' })).result as { jr_id: string }[];
    assert.deepEqual(await new FeedbackService(b.ctx).record(admin, { warn_type: '1', warns: [{ warn_rslt_id: warning.jr_id, dspo_way: '1', dspo_way_rea: '病情需要' }] }), { stored: 1 });

    // B's LISTEN connection dies; a pack activated meanwhile is not notified to it, yet B catches up on reconnecting.
    const killed = await a.database.rows<{ n: number }>(sql`select count(pg_terminate_backend(pid))::int as n from pg_stat_activity
      where datname = current_database() and query ilike 'listen %'`);
    assert.equal(killed[0].n, 2);
    await a.packs.upload(admin, pack('xian-basic'), { activate: true });
    await eventually('the second pack active in B after its reconnect', () => b.rules.snapshot().versions.some((v) => v.pack === 'xian-basic'));
  } finally {
    await a.close();
    await b.close();
  }
});

testPostgres('a change is applied in the publishing process at once, and PGlite has no other process to tell', async (scratch) => {
  const lite = await openDatabase();
  try {
    assert.equal(lite.listen, null);
    const fg = new FundGuard(lite);
    await fg.packs.upload(admin, pack('national-sample'), { activate: true });
    assert.ok(fg.rules.snapshot().versions.some((v) => v.pack === 'national-sample'), 'applied before upload returns');
  } finally {
    await lite.close();
  }
  assert.ok(scratch.database.listen);
});
