import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { generate, generatedCatalogue } from '@fundguard/core';
import { testBothBackends } from '@fundguard/store/testing.ts';
import { FundGuard } from '@fundguard/service';
import { buildApp } from '../../app.ts';

const root = new URL('../../../../../', import.meta.url);
const xian = JSON.parse(readFileSync(new URL('rules/xian-basic/pack.json', root), 'utf8'));

testBothBackends('batch run over the API with the active packs, cases from its findings, and an impact replay of a draft', async (db) => {
  const fg = new FundGuard(db);
  await db.transaction((tx) => fg.ctx.catalogue.upsertMany(tx, generatedCatalogue(), null));
  await fg.rules.reload();
  const admin = { id: 'admin', role: 'admin' as const };
  await fg.packs.upload(admin, xian, { activate: true });
  const records = [...generate({ encounters: 400, seed: 'runs', rates: { setting: 0.2 } })].map((g) => g.record);
  await db.transaction((tx) => fg.ctx.encounters.replaceMany(tx, records, { importId: null, source: 'test' }));
  const auditor = (await fg.keys.create(admin, { role: 'auditor' })).key;
  const rulesKey = (await fg.keys.create(admin, { role: 'rule_admin' })).key;
  const app = await buildApp({ fg });
  try {
    const started = await app.inject({ method: 'POST', url: '/api/v1/audit-runs', headers: { authorization: `Bearer ${auditor}` }, payload: { from: '2024-01-01', to: '2025-01-01' } });
    assert.equal(started.statusCode, 202, started.body);
    const id = started.json().id;
    const done = await fg.runs.done(id);
    assert.equal(done.status, 'done');
    const status = await app.inject({ url: `/api/v1/audit-runs/${id}`, headers: { authorization: `Bearer ${auditor}` } });
    assert.equal(status.json().done_chunks, status.json().total_chunks);
    const findings = await app.inject({ url: `/api/v1/audit-runs/${id}/findings?rule_id=XA-SET-EXAM-FEE`, headers: { authorization: `Bearer ${auditor}` } });
    assert.ok(findings.json().items.length > 0);
    assert.equal(findings.json().items[0].vola_bhvr_type, 'SETTING');
    const csv = await app.inject({ url: `/api/v1/audit-runs/${id}/findings/export?format=csv&rule_id=XA-SET-EXAM-FEE`, headers: { authorization: `Bearer ${auditor}` } });
    assert.equal(csv.statusCode, 200);
    assert.match(csv.body, /^\uFEFF审核单号,规则编号,规则名称/);
    assert.equal(csv.body.trim().split('\r\n').length, findings.json().items.length + 1);
    const cases = await app.inject({ method: 'POST', url: '/api/v1/cases', headers: { authorization: `Bearer ${auditor}` }, payload: { run_id: id } });
    assert.ok(cases.json().cases.length > 0);

    // Draft: the setting rule removed; the replay reports exactly those findings as removed.
    const draft = { ...xian, version: '2024.2', rules: xian.rules.filter((r: { id: string }) => r.id !== 'XA-SET-EXAM-FEE') };
    await fg.packs.upload(admin, draft);
    const impact = await app.inject({ method: 'POST', url: '/api/v1/rule-packs/xian-basic/versions/2024.2/impact', headers: { authorization: `Bearer ${rulesKey}` }, payload: { from: '2024-01-01', to: '2025-01-01' } });
    assert.equal(impact.statusCode, 200, impact.body);
    const r = impact.json();
    const settingFindings = (await db.rows(await import('drizzle-orm').then(({ sql }) => sql`select count(*)::int as n from findings where run_id = ${id} and rule_id = 'XA-SET-EXAM-FEE'`)))[0] as { n: number };
    assert.equal(r.findings_added, 0);
    assert.equal(r.findings_removed, settingFindings.n);
    assert.deepEqual(r.by_rule.map((x: { rule_id: string }) => x.rule_id), ['XA-SET-EXAM-FEE']);
    assert.ok(r.amount_delta < 0);
    assert.equal(fg.rules.snapshot().versions.find((v) => v.pack === 'xian-basic')!.version, '2024.1', 'the replay does not activate');
  } finally {
    await app.close();
  }
}, { timeout: 300_000 });
