import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { sql, type SQL } from 'drizzle-orm';
import { generate, normaliseImportEncounter, type CatalogueEntry } from '@fundguard/core';
import { testBothBackends, testPostgres } from './testing.ts';
import { EncountersRepo } from './encounters-repo.ts';
import { CatalogueRepo } from './catalogue-repo.ts';
import { ListsRepo } from './lists-repo.ts';

const example = JSON.parse(readFileSync(new URL('../../../../shared/examples/3101-request-envelope.json', import.meta.url), 'utf8'));
const { fsi_encounter_dtos, ...patientFields } = example.input.data.patient_dtos[0];
const line = normaliseImportEncounter({ ...patientFields, ...fsi_encounter_dtos[0] }).value!;

testBothBackends('an encounter round-trips through the store unchanged, and re-import replaces it', async (db) => {
  const repo = new EncountersRepo(db);
  const replaced0 = await db.transaction((tx) => repo.replaceMany(tx, [line], { importId: null, source: 'test' }));
  assert.deepEqual(replaced0, []);
  assert.deepEqual(await repo.get(line.encounter.mdtrt_id), line);
  const changed = structuredClone(line);
  changed.encounter.fsi_order_dtos[0].cnt = 1;
  changed.encounter.fsi_order_dtos[0].sumamt = 38500;
  const replaced = await db.transaction((tx) => repo.replaceMany(tx, [changed], { importId: null, source: 'test' }));
  assert.deepEqual(replaced, ['ZY2024031000123']);
  const got = await repo.get('ZY2024031000123');
  assert.equal(got!.encounter.fsi_order_dtos.length, 1);
  assert.equal(got!.encounter.fsi_order_dtos[0].sumamt, 38500);
  assert.equal(await repo.count(), 1);
  assert.equal((await repo.forPatient('610104195801011234')).length, 1);
  assert.equal((await repo.forPatient('610104195801011234', { from: '2024-03-11' })).length, 0);
});

testBothBackends('encounters load from their detail document as stored, and migration 0010 builds the same documents from the rows', async (db) => {
  const repo = new EncountersRepo(db);
  const withOperation = structuredClone(line);
  withOperation.encounter.fsi_operation_dtos.push({ setl_list_oprn_id: 'OP1', oprn_code: '47.0100', oprn_name: '阑尾切除术', main_oprn_flag: true, oprn_date: '2024-03-11' });
  withOperation.encounter.fsi_order_dtos[0].hilist_pric = null;
  withOperation.encounter.fsi_order_dtos[0].cnt = 0.3; // a fraction that binary floating point cannot hold exactly
  const records = [withOperation, ...[...generate({ encounters: 300, seed: 'detail-doc' })].map((g) => g.record)];
  await db.transaction((tx) => repo.replaceMany(tx, records, { importId: null, source: 'test' }));
  // Loaded back whole: lines, diagnoses, operations and labs in their order, nulls and fractions kept.
  const loaded = await repo.load(sql`true`);
  const byId = new Map(loaded.map((pe) => [pe.encounter.mdtrt_id, pe]));
  for (const r of records) assert.deepEqual(byId.get(r.encounter.mdtrt_id), r, r.encounter.mdtrt_id);
  assert.ok(records.some((r) => r.encounter.fsi_lab_dtos.length > 0) && records.some((r) => r.encounter.fsi_diagnose_dtos.length > 1));

  // The migration's back-fill (for encounters stored before the column) must give what the writer gives.
  const written = await db.rows<{ mdtrt_id: string; detail_doc: string }>(sql`select mdtrt_id, detail_doc from encounters order by mdtrt_id`);
  await db.rows(sql`update encounters set detail_doc = '[[],[],[],[]]'`);
  const migration = readFileSync(new URL('../migrations/0010_encounter_detail_doc.sql', import.meta.url), 'utf8');
  const backfill = migration.split('--> statement-breakpoint').map((x) => x.trim()).find((x) => x.startsWith('UPDATE'))!;
  await db.rows(sql.raw(backfill));
  const rebuilt = await db.rows<{ mdtrt_id: string; detail_doc: string }>(sql`select mdtrt_id, detail_doc from encounters order by mdtrt_id`);
  assert.equal(rebuilt.length, records.length);
  for (let i = 0; i < written.length; i++) assert.deepEqual(JSON.parse(rebuilt[i].detail_doc), JSON.parse(written[i].detail_doc), written[i].mdtrt_id);
});

const entry = (over: Partial<CatalogueEntry>): CatalogueEntry => ({
  hilist_code: 'X1', hilist_name: '药', hilist_type: '101', hilist_lv: '02', selfpay_prop: 0.1, price_cap: 1000, unit: '支', limit_text: '',
  group_codes: [], region: '*', effective_from: null, effective_to: null, ...over,
});

testBothBackends('catalogue lookups honour effective dates and prefer the exact region', async (db) => {
  const repo = new CatalogueRepo(db);
  await db.transaction((tx) => repo.upsertMany(tx, [
    entry({ effective_to: '2024-01-01', price_cap: 900 }),
    entry({ effective_from: '2024-01-01', price_cap: 1000, group_codes: ['GINKGO_INJ'] }),
    entry({ region: '610100', effective_from: '2024-01-01', price_cap: 800 }),
  ], null));
  assert.equal((await repo.find('X1', '2023-12-31'))!.price_cap, 900);
  assert.equal((await repo.find('X1', '2024-01-01'))!.price_cap, 1000);
  assert.equal((await repo.find('X1', '2024-06-01', '610100'))!.price_cap, 800);
  assert.equal(await repo.find('X2', '2024-06-01'), null);
  assert.deepEqual([...(await repo.groups()).entries()], [['GINKGO_INJ', ['X1']]]);
  // Re-import of the same key updates in place.
  const r = await db.transaction((tx) => repo.upsertMany(tx, [entry({ effective_from: '2024-01-01', price_cap: 1200 })], null));
  assert.deepEqual(r, { inserted: 0, updated: 1 });
  assert.equal(await repo.count(), 3);
  assert.deepEqual([...(await repo.groups()).entries()], []);
});

testBothBackends('lists keep entries by period', async (db) => {
  const repo = new ListsRepo(db);
  await db.transaction((tx) => repo.upsertMany(tx, [
    { list: 'blacklist', subject_type: 'doctor', subject_code: 'D1', reason: '骗保', effective_from: '2024-01-01', effective_to: '2024-07-01' },
    { list: 'watch', subject_type: 'institution', subject_code: 'H1', reason: '', effective_from: null, effective_to: null },
  ], 'import', 'admin'));
  assert.equal((await repo.query({ day: '2024-03-01' })).length, 2);
  assert.deepEqual((await repo.query({ day: '2024-08-01' })).map((e) => e.subject_code), ['H1']);
  assert.equal((await repo.query({ list: 'blacklist' }))[0].effective_to, '2024-07-01');
});

testBothBackends('one transaction can store thousands of encounters (writer locks stay bounded)', async (db) => {
  const repo = new EncountersRepo(db);
  const many = Array.from({ length: 20000 }, (_, i) => {
    const pe = structuredClone(line);
    pe.encounter.mdtrt_id = `BULK${i}`;
    pe.encounter.fsi_order_dtos[0].rx_id = `R${i}`;
    return pe;
  });
  await db.transaction(async (tx) => {
    for (let i = 0; i < many.length; i += 2000) await repo.replaceMany(tx, many.slice(i, i + 2000), { importId: null, source: 'test' });
  });
  assert.equal(await repo.count(), 20000);
}, { timeout: 180_000 });

testBothBackends('insertNew stores new encounters with the statements alongside in one statement, and gives way without changing anything when one is stored', async (db) => {
  const repo = new EncountersRepo(db);
  const marker = (tag: string) => (where: SQL) => sql`insert into fsi_calls (infno, msgid, key_actor, envelope, infcode, results, received_at, ms) select '3102', ${tag}, 'test', '{}'::jsonb, 0, 0, now(), 0 where ${where}`;
  const markers = async () => (await db.rows<{ msgid: string }>(sql`select msgid from fsi_calls order by msgid`)).map((r) => r.msgid);
  assert.equal(await repo.insertNew([line], { source: 'test', alongside: { statements: [marker('first')] } }), true);
  assert.deepEqual(await repo.get(line.encounter.mdtrt_id), line);
  assert.deepEqual(await markers(), ['first']);

  // A second encounter beside one already stored: the whole statement fails on the key, nothing of it stays.
  const other = structuredClone(line);
  other.encounter.mdtrt_id = 'ZYNEW2';
  other.patient.patn_name = '改名';
  const changed = structuredClone(line);
  changed.encounter.fsi_order_dtos[0].cnt = 1;
  assert.equal(await repo.insertNew([other, changed], { source: 'test', alongside: { statements: [marker('second')] } }), false);
  assert.equal(await repo.get('ZYNEW2'), null);
  assert.deepEqual(await repo.get(line.encounter.mdtrt_id), line, 'the stored encounter is untouched');
  assert.deepEqual(await markers(), ['first'], 'the statements alongside were not written');
  assert.equal((await db.rows<{ n: number }>(sql`select count(*)::int as n from order_lines`))[0].n, line.encounter.fsi_order_dtos.length);
});

testPostgres('insertNew waits for a replaceMany of the same encounter, then gives way to it; its notification is sent only when it stores', async ({ database: db }) => {
  const repo = new EncountersRepo(db);
  const received: string[] = [];
  const listening = await db.listen!('fg_test_insert_new', (payload) => received.push(payload), () => undefined);
  try {
    let holding!: () => void;
    const held = new Promise<void>((r) => (holding = r));
    let release!: () => void;
    const released = new Promise<void>((r) => (release = r));
    const replacing = db.transaction(async (tx) => {
      await repo.replaceMany(tx, [line], { importId: null, source: 'import' });
      holding();
      await released;
    });
    await held;
    const changed = structuredClone(line);
    changed.encounter.fsi_order_dtos[0].cnt = 1;
    const fast = repo.insertNew([changed], { source: 'fsi3102', alongside: { notify: { channel: 'fg_test_insert_new', payload: 'fast' } } });
    fast.catch(() => undefined);
    try {
      // insertNew is blocked on the encounter's bucket lock (not on a row: it has not inserted anything yet).
      let waiting: { locktype: string }[] = [];
      while (!waiting.length) {
        await new Promise((r) => setTimeout(r, 20));
        waiting = await db.rows<{ locktype: string }>(sql`select locktype from pg_locks where not granted`);
      }
      assert.deepEqual(waiting.map((w) => w.locktype), ['advisory']);
    } finally {
      release();
      await replacing;
    }
    assert.equal(await fast, false, 'the encounter committed meanwhile makes insertNew give way');
    assert.deepEqual(await repo.get(line.encounter.mdtrt_id), line);

    const other = structuredClone(line);
    other.encounter.mdtrt_id = 'ZYNEW3';
    assert.equal(await repo.insertNew([other], { source: 'fsi3102', alongside: { notify: { channel: 'fg_test_insert_new', payload: 'stored' } } }), true);
    while (received.length < 1) await new Promise((r) => setTimeout(r, 20));
    await db.notify('fg_test_insert_new', 'after');
    while (received.length < 2) await new Promise((r) => setTimeout(r, 20));
    assert.deepEqual(received, ['stored', 'after'], 'the statement that gave way sent nothing');
  } finally {
    await listening.close();
  }
});
