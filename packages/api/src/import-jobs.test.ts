import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { testBothBackends } from '@fundguard/store/testing.ts';
import type { Database } from '@fundguard/store';
import { FundGuard } from '@fundguard/service';
import { buildApp } from './app.ts';

const example = JSON.parse(readFileSync(new URL('../../../../shared/examples/3101-request-envelope.json', import.meta.url), 'utf8'));
const { fsi_encounter_dtos, ...patientFields } = example.input.data.patient_dtos[0];
const encLine = { ...patientFields, ...fsi_encounter_dtos[0] };
const lines = (n: number, medins = encLine.medins_id as string) =>
  Array.from({ length: n }, (_, i) => JSON.stringify({ ...encLine, mdtrt_id: `JOB${i}`, patn_id: `PJ${i % 50}`, medins_id: medins })).join('\n') + '\n';

async function setup(db: Database) {
  const fg = new FundGuard(db, { clock: () => new Date('2026-11-23T08:00:00Z') });
  const { key } = await fg.keys.ensureAdminKey(undefined);
  const app = await buildApp({ fg, today: () => '2026-11-23' });
  return { fg, app, auth: { authorization: `Bearer ${key}` } };
}

testBothBackends('a large upload answers 202 with an import job; its progress, then its report, through the API; another institution gets 404', async (db) => {
  const { fg, app, auth } = await setup(db);
  try {
    const post = await app.inject({ method: 'POST', url: '/api/v1/encounters?job=true&name=big.jsonl', headers: { ...auth, 'content-type': 'application/x-ndjson' }, payload: lines(600) });
    assert.equal(post.statusCode, 202, post.body);
    const { import_id: id, href } = post.json();
    assert.equal(href, `/api/v1/imports/${id}`);
    assert.equal(post.headers.location, href);
    // Every answer while it runs is a consistent picture: a status and figures that only grow.
    const seen: { status: string; validated: number; applied: number; percent: number }[] = [];
    let job: Record<string, unknown>;
    for (;;) {
      const r: Awaited<ReturnType<typeof app.inject>> = await app.inject({ url: href as string, headers: auth });
      assert.equal(r.statusCode, 200, r.body);
      job = r.json();
      seen.push({ status: String(job.status), validated: Number(job.records_validated), applied: Number(job.records_applied), percent: Number(job.percent) });
      if (job.status !== 'validating' && job.status !== 'applying') break;
      await new Promise((res) => setTimeout(res, 5));
    }
    await fg.importJobs.idle();
    assert.equal(job.status, 'applied', JSON.stringify(job));
    assert.deepEqual([job.records, job.records_validated, job.records_applied, job.percent, job.eta_seconds, job.mode], [600, 600, 600, 100, null, 'all-or-nothing']);
    assert.deepEqual([(job.report as { records: number }).records, (job.report as { inserted: number }).inserted], [600, 600]);
    for (let i = 1; i < seen.length; i++) assert.ok(seen[i].validated >= seen[i - 1].validated && seen[i].applied >= seen[i - 1].applied && seen[i].percent >= seen[i - 1].percent, JSON.stringify(seen));
    assert.equal(await fg.ctx.encounters.count(), 600);
    // the list shows it with its outcome
    const list = (await app.inject({ url: '/api/v1/imports', headers: auth })).json().items;
    assert.deepEqual([list[0].id, list[0].status, list[0].records], [id, 'applied', 600]);
    // scope: another institution's hospital key sees 404, exactly like a missing import
    const admin = (await fg.keys.authenticate(auth.authorization.slice(7)))!;
    const other = await fg.keys.create(admin, { role: 'hospital', institutionId: 'H999' });
    const denied = await app.inject({ url: href, headers: { authorization: `Bearer ${other.key}` } });
    assert.equal(denied.statusCode, 404);
    assert.equal((await app.inject({ url: '/api/v1/imports/99999', headers: auth })).statusCode, 404);
    assert.equal((await app.inject({ url: '/api/v1/imports/99999999999999999999', headers: auth })).statusCode, 400);
  } finally {
    await app.close();
  }
});

testBothBackends('a failed import job reports its line errors and changes nothing', async (db) => {
  const { fg, app, auth } = await setup(db);
  try {
    const text = lines(300).replace('"JOB250"', '"JOB250","cnt_oops":1').split('\n');
    text[120] = text[120].slice(0, 50); // cut off
    const post = await app.inject({ method: 'POST', url: '/api/v1/encounters?job=true&name=bad.jsonl', headers: { ...auth, 'content-type': 'application/x-ndjson' }, payload: text.join('\n') });
    assert.equal(post.statusCode, 202);
    await fg.importJobs.idle();
    const job = (await app.inject({ url: post.json().href, headers: auth })).json();
    assert.equal(job.status, 'failed');
    assert.equal(job.error.code, 'E_IMPORT_INVALID');
    assert.deepEqual(job.error.issues.map((i: { file: string; line: number; field: string }) => [i.file, i.line, i.field]), [['bad.jsonl', 121, '(line)']]);
    assert.equal(job.error.total, 1);
    assert.equal(await fg.ctx.encounters.count(), 0);
    // the list shows the failure (待办 picks up failed imports)
    assert.equal((await app.inject({ url: '/api/v1/imports', headers: auth })).json().items[0].status, 'failed');
  } finally {
    await app.close();
  }
});
