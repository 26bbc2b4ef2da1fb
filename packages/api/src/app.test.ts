import assert from 'node:assert/strict';
import { test } from 'node:test';
import { readFileSync } from 'node:fs';
import { testBothBackends } from '@fundguard/store/testing.ts';
import type { Database } from '@fundguard/store';
import { FundGuard } from '@fundguard/service';
import { buildApp } from './app.ts';

const example = JSON.parse(readFileSync(new URL('../../../../shared/examples/3101-request-envelope.json', import.meta.url), 'utf8'));
const { fsi_encounter_dtos, ...patientFields } = example.input.data.patient_dtos[0];
const encLine = { ...patientFields, ...fsi_encounter_dtos[0] };
const CSV = 'hilist_code,hilist_name,hilist_type,hilist_lv,price_cap,effective_from\nXB05AAR014B002010104321,人血白蛋白注射液,101,02,400.5,2024-01-01\n';

async function setup(db: Database) {
  const fg = new FundGuard(db, { clock: () => new Date('2026-11-23T08:00:00Z') });
  const { key } = await fg.keys.ensureAdminKey(undefined);
  const app = await buildApp({ fg, today: () => '2026-11-23' });
  const auth = { authorization: `Bearer ${key}` };
  return { fg, app, auth, key: key! };
}

testBothBackends('health, readiness, docs and authentication', async (db) => {
  const { app, key } = await setup(db);
  try {
    assert.equal((await app.inject('/healthz')).statusCode, 200);
    const ready = await app.inject('/readyz');
    assert.equal(ready.statusCode, 200);
    assert.equal(ready.json().status, 'ready');
    const docs = await app.inject('/docs/json');
    assert.equal(docs.statusCode, 200);
    assert.ok(docs.json().paths['/api/v1/catalogue/{hilist_code}']);
    const none = await app.inject('/api/v1/me');
    assert.equal(none.statusCode, 401);
    assert.equal(none.json().error.code, 'E_UNAUTHORIZED');
    assert.equal((await app.inject({ url: '/api/v1/me', headers: { authorization: 'Bearer wrong' } })).statusCode, 401);
    const me = await app.inject({ url: '/api/v1/me', headers: { apikey: key } });
    assert.equal(me.json().role, 'admin');
    assert.ok(me.headers['x-request-id']);
  } finally {
    await app.close();
  }
});

testBothBackends('catalogue import and dated lookup over HTTP', async (db) => {
  const { app, auth } = await setup(db);
  try {
    const imp = await app.inject({ method: 'POST', url: '/api/v1/catalogue?name=cat.csv', headers: { ...auth, 'content-type': 'text/csv' }, payload: CSV });
    assert.equal(imp.statusCode, 200, imp.body);
    assert.equal(imp.json().records, 1);
    const got = await app.inject({ url: '/api/v1/catalogue/XB05AAR014B002010104321?date=2024-03-15', headers: auth });
    assert.equal(got.statusCode, 200);
    assert.equal(got.json().price_cap, 400.5);
    assert.equal(got.json().hilist_lv, '02');
    assert.equal((await app.inject({ url: '/api/v1/catalogue/XB05AAR014B002010104321?date=2023-12-31', headers: auth })).statusCode, 404);
    assert.equal((await app.inject({ url: '/api/v1/catalogue/XB05AAR014B002010104321', headers: auth })).statusCode, 200, 'default date is today');
    const bad = await app.inject({ url: '/api/v1/catalogue/X?date=2024-02-30', headers: auth });
    assert.equal(bad.statusCode, 400);
    const empty = await app.inject({ method: 'POST', url: '/api/v1/catalogue', headers: { ...auth, 'content-type': 'text/csv' }, payload: '' });
    assert.equal(empty.statusCode, 400);
    assert.match(empty.json().error.message, /empty/);
    const badRows = await app.inject({ method: 'POST', url: '/api/v1/catalogue?name=b.csv', headers: { ...auth, 'content-type': 'text/csv' }, payload: CSV.replace(',02,', ',07,') });
    assert.equal(badRows.statusCode, 400);
    assert.deepEqual(badRows.json().error.issues[0], { file: 'b.csv', line: 2, record: 'hilist_code=XB05AAR014B002010104321', field: 'hilist_lv', value: '07', reason: 'must be one of 01, 02, 03' });
    assert.equal(badRows.json().error.total, 1);
    const wrongType = await app.inject({ method: 'POST', url: '/api/v1/catalogue', headers: { ...auth, 'content-type': 'application/pdf' }, payload: 'x' });
    assert.equal(wrongType.statusCode, 415);
  } finally {
    await app.close();
  }
});

testBothBackends('encounters import, read back, and hospital scope', async (db) => {
  const { fg, app, auth } = await setup(db);
  try {
    const imp = await app.inject({ method: 'POST', url: '/api/v1/encounters', headers: { ...auth, 'content-type': 'application/x-ndjson' }, payload: JSON.stringify(encLine) + '\n' });
    assert.equal(imp.statusCode, 200, imp.body);
    const got = await app.inject({ url: '/api/v1/encounters/ZY2024031000123', headers: auth });
    assert.equal(got.statusCode, 200);
    const body = got.json();
    assert.equal(body.patn_id, '610104********1234', 'personal data leaves the server masked');
    assert.equal(body.patn_name, [...encLine.patn_name][0] + '*'.repeat([...encLine.patn_name].length - 1));
    assert.equal(body.brdy, `${encLine.brdy.slice(0, 4)}-**-**`);
    assert.equal(body.fsi_order_dtos[0].sumamt, 770);
    assert.equal(body.fsi_order_dtos[0].pric, 385);
    assert.equal((await app.inject({ url: '/api/v1/encounters/NOPE', headers: auth })).statusCode, 404);
    const admin = (await fg.keys.authenticate(auth.authorization.slice(7)))!;
    const own = await fg.keys.create(admin, { role: 'hospital', institutionId: 'H61010400001' });
    const other = await fg.keys.create(admin, { role: 'hospital', institutionId: 'H999' });
    assert.equal((await app.inject({ url: '/api/v1/encounters/ZY2024031000123', headers: { authorization: `Bearer ${own.key}` } })).statusCode, 200);
    const denied = await app.inject({ url: '/api/v1/encounters/ZY2024031000123', headers: { authorization: `Bearer ${other.key}` } });
    assert.equal(denied.statusCode, 404, 'another institution\'s encounter answers exactly like a missing one');
    assert.equal(denied.json().error.message, (await app.inject({ url: '/api/v1/encounters/NOPE', headers: { authorization: `Bearer ${other.key}` } })).json().error.message.replace('NOPE', 'ZY2024031000123'));
    // imports list: a hospital sees its own imports only
    const ownImport = await app.inject({ method: 'POST', url: '/api/v1/encounters', headers: { authorization: `Bearer ${own.key}`, 'content-type': 'application/x-ndjson' }, payload: JSON.stringify(encLine) + '\n' });
    assert.equal(ownImport.statusCode, 200, ownImport.body);
    const importsOf = async (key: string) => (await app.inject({ url: '/api/v1/imports', headers: { authorization: `Bearer ${key}` } })).json().items.map((i: { id: number }) => i.id);
    assert.deepEqual(await importsOf(own.key), [ownImport.json().import_id]);
    assert.deepEqual(await importsOf(other.key), []);
    assert.equal((await importsOf(auth.authorization.slice(7))).length, 2, 'the agency sees every import');
    const noImport = await app.inject({ method: 'POST', url: '/api/v1/catalogue', headers: { authorization: `Bearer ${own.key}`, 'content-type': 'text/csv' }, payload: CSV });
    assert.equal(noImport.statusCode, 403);
    const verify = await app.inject({ url: '/api/v1/audit-log/verify', headers: auth });
    assert.equal(verify.json().ok, true);
  } finally {
    await app.close();
  }
});

testBothBackends('security headers on every answer: CSP without inline script, no framing, no referrer, nosniff', async (db) => {
  const { app, auth } = await setup(db);
  try {
    for (const r of [await app.inject('/healthz'), await app.inject({ url: '/api/v1/no-such-route', headers: auth }), await app.inject({ url: '/api/v1/catalogue/X', headers: auth }), await app.inject({ url: '/api/v1/catalogue/X' })]) {
      const csp = String(r.headers['content-security-policy']);
      assert.match(csp, /script-src 'self'(;|$)/, `${r.statusCode}: ${csp}`);
      assert.doesNotMatch(csp, /script-src[^;]*unsafe-inline/);
      assert.match(csp, /frame-ancestors 'none'/);
      assert.equal(r.headers['x-frame-options'], 'DENY');
      assert.equal(r.headers['referrer-policy'], 'no-referrer');
      assert.equal(r.headers['x-content-type-options'], 'nosniff');
    }
  } finally {
    await app.close();
  }
});

test('upload spool directories of stopped processes are removed at start; those of live processes stay', async () => {
  const { mkdtempSync, mkdirSync, writeFileSync, existsSync, rmSync } = await import('node:fs');
  const { join } = await import('node:path');
  const { tmpdir } = await import('node:os');
  const { spawnSync } = await import('node:child_process');
  const { removeAbandonedUploads } = await import('./uploads.ts');
  const dir = mkdtempSync(join(tmpdir(), 'fg-spool-test-'));
  try {
    const gone = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))']).stdout.toString(); // a pid that has exited
    for (const name of [`fg-upload-${gone}-abc`, `fg-upload-${process.pid}-def`, 'fg-upload-old', 'other-dir']) {
      mkdirSync(join(dir, name));
      writeFileSync(join(dir, name, 'encounters.jsonl'), 'x'.repeat(1000));
    }
    assert.equal(removeAbandonedUploads(dir), 2);
    assert.equal(existsSync(join(dir, `fg-upload-${gone}-abc`)), false);
    assert.equal(existsSync(join(dir, 'fg-upload-old')), false, 'a spool of the format without a pid is abandoned');
    assert.equal(existsSync(join(dir, `fg-upload-${process.pid}-def`)), true, 'this process\'s own spool stays');
    assert.equal(existsSync(join(dir, 'other-dir')), true);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
