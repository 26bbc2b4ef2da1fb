import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { sql, type SQL } from 'drizzle-orm';
import { generate, normaliseImportEncounter, type CatalogueEntry } from '@fundguard/core';
import { testBothBackends, testPostgres } from './testing.ts';
import { EncountersRepo, encounterDigest } from './encounters-repo.ts';
import { RealtimeRepo } from './realtime-repo.ts';
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
  assert.deepEqual(replaced.map((r) => [r.mdtrt_id, r.old_medins_id, r.medins_id]), [['ZY2024031000123', line.encounter.medins_id, line.encounter.medins_id]]);
  // the stored digest and the incoming one are computed alike: the old one is the first version's, the new one differs
  assert.equal(replaced[0].old_digest, encounterDigest(line.encounter));
  assert.equal(replaced[0].new_digest, encounterDigest(changed.encounter));
  assert.notEqual(replaced[0].old_digest, replaced[0].new_digest);
  const got = await repo.get('ZY2024031000123');
  assert.equal(got!.encounter.fsi_order_dtos.length, 1);
  assert.equal(got!.encounter.fsi_order_dtos[0].sumamt, 38500);
  assert.equal(await repo.count(), 1);
  assert.equal((await repo.forPatient('610104195801011234')).length, 1);
  assert.equal((await repo.forPatient('610104195801011234', { from: '2024-03-11' })).length, 0);
});

testBothBackends('a replacement never takes another institution\'s encounter, nor moves one to another institution unless allowed', async (db) => {
  const repo = new EncountersRepo(db);
  await db.transaction((tx) => repo.replaceMany(tx, [line], { importId: null, source: 'test' }));
  const hijack = structuredClone(line);
  hijack.encounter.medins_id = 'H_ATTACKER';
  hijack.encounter.fsi_order_dtos[0].sumamt = 1;
  // bound to another institution: refused, whatever the incoming medins_id says
  for (const owner of ['H_ATTACKER', 'H_OTHER']) {
    await assert.rejects(db.transaction((tx) => repo.replaceMany(tx, [hijack], { importId: null, source: 'test', owner })), (e: Error & { code?: string; issues?: { field: string }[] }) => e.code === 'E_CONFLICT' && e.issues?.[0].field === 'mdtrt_id');
  }
  // not bound (an agency import): a move to another institution is refused unless explicitly allowed
  await assert.rejects(db.transaction((tx) => repo.replaceMany(tx, [hijack], { importId: null, source: 'test' })), (e: Error & { code?: string; issues?: { field: string }[] }) => e.code === 'E_CONFLICT' && e.issues?.[0].field === 'medins_id');
  assert.deepEqual(await repo.get(line.encounter.mdtrt_id), line, 'nothing changed');
  // its own institution replaces; an administrator's explicit correction moves it
  const own = await db.transaction((tx) => repo.replaceMany(tx, [line], { importId: null, source: 'test', owner: line.encounter.medins_id }));
  assert.equal(own[0].old_digest, own[0].new_digest, 'an unchanged re-import shows equal digests');
  const moved = await db.transaction((tx) => repo.replaceMany(tx, [hijack], { importId: null, source: 'test', allowInstitutionChange: true }));
  assert.deepEqual([moved[0].old_medins_id, moved[0].medins_id], [line.encounter.medins_id, 'H_ATTACKER']);
  assert.equal((await repo.get(line.encounter.mdtrt_id))!.encounter.medins_id, 'H_ATTACKER');
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
  // The line, diagnosis, operation and lab rows are read out of the detail document by position: each column holds
  // its own field (generated encounters give neighbouring fields of one type different values).
  const generated = [...generate({ encounters: 400, seed: 'rows-from-doc' })].map((r) => r.record).filter((pe) => pe.encounter.fsi_lab_dtos.length).slice(0, 5);
  generated[0].encounter.fsi_operation_dtos.push({ setl_list_oprn_id: 'OP1', oprn_code: '47.0100', oprn_name: '阑尾切除术', main_oprn_flag: true, oprn_date: '2024-03-11' });
  generated[0].encounter.fsi_order_dtos[0] = { ...generated[0].encounter.fsi_order_dtos[0], hilist_pric: null, cnt: 0.3, ext_days: 2, ext_doses: 7, drord_dr_profttl: 3, hosplist_name: '引号"与\\反斜杠' };
  assert.equal(await repo.insertNew(generated, { source: 'test' }), true);
  const columns = (table: string, cols: string[], cast: Record<string, string> = {}) => db.rows<Record<string, unknown>>(sql.raw(
    `select ${cols.map((c) => (cast[c] ? `${c}::${cast[c]} as ${c}` : c)).join(', ')} from ${table} where mdtrt_id = any(array[${generated.map((pe) => `'${pe.encounter.mdtrt_id}'`).join(',')}]) order by mdtrt_id, seq`));
  const sorted = [...generated].sort((a, b) => (a.encounter.mdtrt_id < b.encounter.mdtrt_id ? -1 : 1));
  const pick = (o: object, cols: string[]) => Object.fromEntries(cols.map((c) => [c, (o as Record<string, unknown>)[c]]));
  const lineCols = ['rx_id', 'rxno', 'grpno', 'long_drord_flag', 'hilist_type', 'chrg_type', 'drord_bhvr', 'hilist_code', 'hilist_name', 'hilist_lv', 'hilist_pric',
    'hosplist_code', 'hosplist_name', 'cnt', 'pric', 'sumamt', 'ownpay_amt', 'selfpay_amt', 'spec', 'spec_unt', 'drord_dept_codg', 'drord_dept_name', 'drord_dr_codg',
    'drord_dr_name', 'drord_dr_profttl', 'curr_drord_flag', 'ext_days', 'ext_doses', 'drord_begn_date'];
  assert.deepEqual(await columns('order_lines', lineCols, { drord_begn_date: 'text' }), sorted.flatMap((pe) => pe.encounter.fsi_order_dtos.map((l) => pick(l, lineCols))));
  const diagCols = ['dise_id', 'inout_dise_type', 'maindise_flag', 'dias_srt_no', 'dise_codg', 'dise_name', 'dise_date'];
  assert.deepEqual(await columns('diagnoses', diagCols, { dise_date: 'text' }), sorted.flatMap((pe) => pe.encounter.fsi_diagnose_dtos.map((d) => pick(d, diagCols))));
  const opCols = ['setl_list_oprn_id', 'oprn_code', 'oprn_name', 'main_oprn_flag', 'oprn_date'];
  assert.deepEqual(await columns('operations', opCols, { oprn_date: 'text' }), sorted.flatMap((pe) => pe.encounter.fsi_operation_dtos.map((o) => pick(o, opCols))));
  const labCols = ['lab_code', 'lab_name', 'rslt_val', 'rslt_unt', 'test_date'];
  assert.deepEqual(await columns('lab_results', labCols, { test_date: 'text' }), sorted.flatMap((pe) => pe.encounter.fsi_lab_dtos.map((x) => pick(x, labCols))));
  assert.ok((await db.rows(sql`select 1 from lab_results`)).length > 0, 'the generated encounters have labs');
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
  assert.equal((await db.rows<{ n: number }>(sql`select count(*)::int as n from order_lines where mdtrt_id in ('ZYNEW2', ${line.encounter.mdtrt_id})`))[0].n, line.encounter.fsi_order_dtos.length);
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
    // The replace also writes a warning that insertNew's statement alongside writes too: were that written before
    // the lock, it would wait on the replace's row (and deadlock once the replace wanted the lock back).
    const warnings = new RealtimeRepo(db);
    const warning = { jr_id: 'J-SHARED', stage: 'mid', pack: 'p', pack_version: '1', rule_id: 'R', rule_name: 'r', sev_deg: '1', patn_id: line.patient.patn_id,
      mdtrt_id: line.encounter.mdtrt_id, medins_id: 'H', dept_codg: 'D', dr_codg: 'DR', vola_amt_fen: 0, result: {} };
    const replacing = db.transaction(async (tx) => {
      await warnings.insertWarnings([warning], '2024-03-10T00:00:00Z', tx);
      await repo.replaceMany(tx, [line], { importId: null, source: 'import' });
      holding();
      await released;
    });
    await held;
    const changed = structuredClone(line);
    changed.encounter.fsi_order_dtos[0].cnt = 1;
    const fast = repo.insertNew([changed], { source: 'fsi3102', alongside: { statements: [warnings.warningsStatement([warning], '2024-03-10T00:00:00Z')], notify: { channel: 'fg_test_insert_new', payload: 'fast' } } });
    let settled = false;
    fast.then(() => (settled = true), () => (settled = true));
    try {
      // insertNew is blocked on the encounter's bucket lock (not on a row: it has not inserted anything yet).
      let waiting: { locktype: string }[] = [];
      while (!waiting.length) {
        await new Promise((r) => setTimeout(r, 20));
        assert.equal(settled, false, 'insertNew must wait for the lock the replace holds');
        waiting = await db.rows<{ locktype: string }>(sql`select locktype from pg_locks where not granted and database = (select oid from pg_database where datname = current_database())`);
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
