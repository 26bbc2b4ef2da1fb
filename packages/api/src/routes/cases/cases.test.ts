import assert from 'node:assert/strict';
import { testBothBackends } from '@fundguard/store/testing.ts';
import { CasesRepo } from '@fundguard/store';
import { FundGuard } from '@fundguard/service';
import { buildApp } from '../../app.ts';

testBothBackends('cases over HTTP: hospitals see and act only on their own institution; attachments round-trip with their checksum', async (db) => {
  const fg = new FundGuard(db, { clock: () => new Date('2024-04-01T00:00:00Z') });
  const admin = { id: 'admin', role: 'admin' as const };
  const auditorKey = (await fg.keys.create(admin, { role: 'auditor' })).key;
  const h1 = (await fg.keys.create(admin, { role: 'hospital', institutionId: 'H1' })).key;
  const h2 = (await fg.keys.create(admin, { role: 'hospital', institutionId: 'H2' })).key;
  const base = { run_id: 7, pack: 'p', pack_version: '1', rule_id: 'R', rule_name: 'r', category: 'QUANTITY', severity: 'suspicious', appealable: true, patn_id: 'P', dept_codg: '', dr_codg: '', month: '2024-03', result: {} };
  await db.transaction((tx) => new CasesRepo(db).insertFindings(tx, [
    { ...base, id: 'A', mdtrt_id: 'M1', medins_id: 'H1', amount_fen: 1000 },
    { ...base, id: 'B', mdtrt_id: 'M2', medins_id: 'H2', amount_fen: 2000 },
  ]));
  const app = await buildApp({ fg });
  const as = (key: string) => ({ authorization: `Bearer ${key}` });
  try {
    const opened = await app.inject({ method: 'POST', url: '/api/v1/cases', headers: as(auditorKey), payload: { run_id: 7 } });
    assert.equal(opened.statusCode, 201, opened.body);
    assert.deepEqual(opened.json().cases.sort(), ['CASE-H1-2024-03-R7', 'CASE-H2-2024-03-R7']);
    assert.equal((await app.inject({ method: 'POST', url: '/api/v1/cases', headers: as(h1), payload: { run_id: 7 } })).statusCode, 403);
    // not notified yet: hidden from the hospital (404, like a missing case)
    assert.deepEqual((await app.inject({ url: '/api/v1/cases', headers: as(h1) })).json(), { items: [], total: 0 });
    assert.equal((await app.inject({ url: '/api/v1/cases/CASE-H1-2024-03-R7', headers: as(h1) })).statusCode, 404);
    const n = await app.inject({ method: 'POST', url: '/api/v1/cases/CASE-H1-2024-03-R7/events', headers: as(auditorKey), payload: { type: 'notify' } });
    assert.equal(n.json().status, 'awaiting_explanation');
    await app.inject({ method: 'POST', url: '/api/v1/cases/CASE-H2-2024-03-R7/events', headers: as(auditorKey), payload: { type: 'notify' } });
    const mine = await app.inject({ url: '/api/v1/cases', headers: as(h1) });
    assert.deepEqual(mine.json().items.map((c: { id: string; proposed: number; risk: unknown }) => [c.id, c.proposed, c.risk]), [['CASE-H1-2024-03-R7', 10, null]]);
    assert.equal(mine.json().total, 1);
    const other = await app.inject({ url: '/api/v1/cases/CASE-H2-2024-03-R7', headers: as(h1) });
    assert.equal(other.statusCode, 404, 'another institution\'s case answers like a missing one');
    assert.equal(other.json().error.message, (await app.inject({ url: '/api/v1/cases/NO-SUCH', headers: as(h1) })).json().error.message.replace('NO-SUCH', 'CASE-H2-2024-03-R7'));
    const own = await app.inject({ url: '/api/v1/cases/CASE-H1-2024-03-R7', headers: as(h1) });
    assert.equal(own.statusCode, 200);
    assert.equal(own.json().state.findings[0].amount, 10, 'yuan, not fen');
    assert.equal(own.json().findings[0].amount, 10);
    assert.equal(own.json().findings[0].case_id, 'CASE-H1-2024-03-R7');
    assert.deepEqual(own.json().allowed, ['explain', 'submit_explanations']);
    assert.equal((await app.inject({ url: '/api/v1/cases/CASE-H1-2024-03-R7', headers: as(h2) })).statusCode, 404);
    assert.deepEqual((await app.inject({ url: '/api/v1/cases?mdtrt_id=M2', headers: as(auditorKey) })).json().items.map((c: { id: string }) => c.id), ['CASE-H2-2024-03-R7']);
    assert.deepEqual((await app.inject({ url: '/api/v1/cases?patn_id=P', headers: as(auditorKey) })).json().total, 2);
    assert.deepEqual((await app.inject({ url: '/api/v1/cases?patn_id=Q', headers: as(auditorKey) })).json().total, 0);
    const up = await app.inject({ method: 'POST', url: '/api/v1/cases/CASE-H1-2024-03-R7/attachments?name=%E7%97%85%E5%8E%86.pdf', headers: { ...as(h1), 'content-type': 'application/pdf' }, payload: Buffer.from('%PDF-1.4 x') });
    assert.equal(up.statusCode, 201, up.body);
    const sha = up.json().sha256;
    assert.equal((await app.inject({ method: 'POST', url: '/api/v1/cases/CASE-H2-2024-03-R7/attachments?name=x.pdf', headers: { ...as(h1), 'content-type': 'application/pdf' }, payload: Buffer.from('x') })).statusCode, 404);
    const ex = await app.inject({ method: 'POST', url: '/api/v1/cases/CASE-H1-2024-03-R7/events', headers: as(h1), payload: { type: 'explain', finding: 'A', text: '见病历', attachments: [up.json()] } });
    assert.equal(ex.statusCode, 200, ex.body);
    const illegal = await app.inject({ method: 'POST', url: '/api/v1/cases/CASE-H1-2024-03-R7/events', headers: as(h1), payload: { type: 'appeal', findings: ['A'], reason: 'x', evidence: [] } });
    assert.equal(illegal.statusCode, 409);
    assert.equal(illegal.json().error.code, 'E_ILLEGAL_TRANSITION');
    const dl = await app.inject({ url: `/api/v1/cases/CASE-H1-2024-03-R7/attachments/${sha}`, headers: as(auditorKey) });
    assert.equal(dl.body, '%PDF-1.4 x');
    const bulk = await app.inject({ method: 'POST', url: '/api/v1/cases/bulk-events', headers: as(auditorKey), payload: { ids: ['CASE-H1-2024-03-R7', 'CASE-H2-2024-03-R7'], command: { type: 'notify' } } });
    assert.deepEqual(bulk.json().results.map((r: { ok: boolean }) => r.ok), [false, false], 'both were notified already');
    const csv = await app.inject({ url: '/api/v1/cases/export?format=csv', headers: as(h1) });
    assert.equal(csv.statusCode, 200);
    assert.match(csv.body, /审核单号,定点机构编码,月份,状态/);
    assert.ok(csv.body.includes('CASE-H1-2024-03-R7') && !csv.body.includes('CASE-H2-2024-03-R7'), 'exports are scoped too');
    const xlsx = await app.inject({ url: '/api/v1/cases/export', headers: as(auditorKey) });
    assert.equal(xlsx.statusCode, 200);
    assert.equal(xlsx.rawPayload.subarray(0, 2).toString(), 'PK');
    const notYet = await app.inject({ url: '/api/v1/cases/CASE-H1-2024-03-R7/notice.xlsx', headers: as(auditorKey) });
    assert.equal(notYet.statusCode, 409);
  } finally {
    await app.close();
  }
});
