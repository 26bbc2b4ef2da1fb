import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { sql } from 'drizzle-orm';
import { scratchPglite } from '@fundguard/store/testing.ts';
import { FundGuard, loadDemoIfEmpty, DEMO_PASSWORD } from '@fundguard/service';
import { buildApp } from '../../app.ts';

test('console routes: the bundle at / with SPA fallback, API 404s stay JSON, a clear page without a bundle', async () => {
  const s = await scratchPglite();
  const fg = new FundGuard(s.database);
  const dist = mkdtempSync(join(tmpdir(), 'fg-dist-'));
  const before = process.env.FUNDGUARD_CONSOLE_DIR;
  try {
    mkdirSync(join(dist, 'assets'));
    writeFileSync(join(dist, 'index.html'), '<!doctype html><div id="root"></div>');
    writeFileSync(join(dist, 'assets', 'app-1a2b.js'), 'console.log(1)');
    process.env.FUNDGUARD_CONSOLE_DIR = dist;
    const app = await buildApp({ fg });
    try {
      const root = await app.inject({ url: '/' });
      assert.equal(root.statusCode, 200);
      assert.match(root.headers['content-type'] as string, /text\/html/);
      assert.match(root.body, /id="root"/);
      const deep = await app.inject({ url: '/cases/CASE-H1-2024-01-R1?x=1' });
      assert.equal(deep.statusCode, 200, 'client-side routes get index.html');
      assert.match(deep.body, /id="root"/);
      const asset = await app.inject({ url: '/assets/app-1a2b.js' });
      assert.equal(asset.statusCode, 200);
      assert.match(asset.headers['cache-control'] as string, /immutable/);
      assert.match(asset.headers['content-type'] as string, /javascript/);
      assert.equal((await app.inject({ url: '/assets/missing.js' })).statusCode, 404);
      const api = await app.inject({ url: '/api/v1/no-such-thing' });
      assert.equal(api.statusCode, 404);
      assert.equal(api.json().error.code, 'E_NOT_FOUND');
      assert.equal((await app.inject({ url: '/healthz' })).statusCode, 200);
      assert.ok([200, 302].includes((await app.inject({ url: '/docs' })).statusCode));
      const traversal = await app.inject({ url: '/%2e%2e/%2e%2e/package.json' });
      assert.ok(!traversal.body.includes('"workspaces"'), 'no file outside the bundle is served');
    } finally {
      await app.close();
    }
    process.env.FUNDGUARD_CONSOLE_DIR = join(dist, 'nothing-here');
    const bare = await buildApp({ fg });
    try {
      const r = await bare.inject({ url: '/' });
      assert.equal(r.statusCode, 503);
      assert.match(r.body, /npm run build -w @fundguard\/console/);
      assert.equal((await bare.inject({ url: '/healthz' })).statusCode, 200, 'the API works without the console');
    } finally {
      await bare.close();
    }
  } finally {
    if (before === undefined) delete process.env.FUNDGUARD_CONSOLE_DIR;
    else process.env.FUNDGUARD_CONSOLE_DIR = before;
    rmSync(dist, { recursive: true, force: true });
    await s.drop();
  }
});

test('GET /api/v1/dashboard: SQL aggregates of findings in cases, scoped for hospitals; encounter context; run list; reveal is logged', { timeout: 120_000 }, async () => {
  const s = await scratchPglite();
  const fg = new FundGuard(s.database);
  try {
    await loadDemoIfEmpty(fg, { encounters: 400, audit: false });
    const admin = { id: 'admin', role: 'admin' as const };
    const run = await fg.runs.start(admin, { from: '2024-01-01', to: '2025-01-01' }, { wait: true });
    assert.equal(run.status, 'done');
    const opened = await fg.cases.openFromRun(admin, run.id);
    assert.ok(opened.length > 0);
    const app = await buildApp({ fg });
    try {
      const login = async (username: string) => (await app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { username, password: DEMO_PASSWORD } })).json() as { token: string; user: { institutionId: string } };
      const auditor = await login('auditor');
      const hospital = await login('hospital');
      const get = (token: string, url: string) => app.inject({ url, headers: { authorization: `Bearer ${token}` } });

      // The demo has no class C (hilist_lv 03) or own-pay lines: every other line of one institution's encounters
      // becomes both, and the first line of each, so that the share is above the 15 % limit whatever the amounts.
      const [{ over }] = await fg.database.rows<{ over: string }>(sql`select min(medins_id) as over from encounters`);
      await fg.database.rows(sql`update order_lines set hilist_lv = '03', ownpay_amt = sumamt where (seq % 2 = 0 or seq = 0)
        and mdtrt_id in (select mdtrt_id from encounters where medins_id = ${over})`);
      await fg.database.rows(sql`update order_lines ol set hilist_lv = '03', ownpay_amt = sumamt from (
          select distinct on (mdtrt_id) mdtrt_id, seq from order_lines where mdtrt_id in (select mdtrt_id from encounters where medins_id = ${over}) order by mdtrt_id, sumamt desc
        ) top where ol.mdtrt_id = top.mdtrt_id and ol.seq = top.seq`);
      const d = (await get(auditor.token, '/api/v1/dashboard')).json();
      const [expected] = await fg.database.rows<{ n: number; amount: number }>(sql`select count(*)::int as n, coalesce(sum(amount_fen), 0)::float8 as amount from findings where case_id is not null`);
      assert.equal(d.totals.findings, expected.n);
      assert.equal(d.totals.amount, expected.amount);
      assert.equal(d.by_month.reduce((x: number, m: { amount: number }) => x + m.amount, 0), expected.amount);
      assert.equal(d.by_category.reduce((x: number, m: { amount: number }) => x + m.amount, 0), expected.amount);
      assert.equal(d.totals.cases, opened.length);
      assert.ok(d.totals.encounters >= 400 - 5 && d.totals.encounters <= 400, 'encounters of the period by admission month');
      assert.ok(d.by_rule.length > 0 && d.by_rule[0].rule_name);
      for (let i = 1; i < d.by_rule.length; i++) assert.ok(d.by_rule[i - 1].amount >= d.by_rule[i].amount, 'top rules by amount');

      // 协议管理指标 per institution, checked against the rows summed here.
      const encs = await fg.database.rows<{ mdtrt_id: string; medins_id: string; t: string; fee: number; los: number | null }>(sql`
        select mdtrt_id, medins_id, med_mdtrt_type as t, lines_sumamt::float8 as fee, (dscg_date::date - adm_date::date) as los from encounters`);
      const lines = await fg.database.rows<{ mdtrt_id: string; ty: string; lv: string; sumamt: number; ownpay: number }>(sql`
        select mdtrt_id, hilist_type as ty, hilist_lv as lv, sumamt::float8 as sumamt, ownpay_amt::float8 as ownpay from order_lines`);
      assert.equal(d.agreement_limits.class_c_share, 0.15);
      assert.equal(d.agreement.length, new Set(encs.map((e) => e.medins_id)).size, 'one row per institution');
      assert.deepEqual(d.agreement.filter((k: { over_limit: boolean }) => k.over_limit).map((k: { medins_id: string }) => k.medins_id), [over], 'only the institution above 15 % is flagged');
      assert.ok(d.agreement[0].medins_id === over && d.agreement[0].class_c_share > 0.15 && d.agreement[0].ownpay_share > 0);
      for (const k of d.agreement.slice(0, 5)) {
        const mine = encs.filter((e) => e.medins_id === k.medins_id);
        const ids = new Set(mine.map((e) => e.mdtrt_id));
        const ls = lines.filter((l) => ids.has(l.mdtrt_id));
        const total = ls.reduce((a, l) => a + l.sumamt, 0);
        const inp = mine.filter((e) => e.t === '2');
        const out = mine.filter((e) => e.t !== '2');
        assert.equal(k.inpatient, inp.length);
        assert.equal(k.outpatient, out.length);
        if (inp.length) assert.equal(k.inpatient_avg_fee, Math.round(inp.reduce((a, e) => a + e.fee, 0) / inp.length));
        if (out.length) assert.equal(k.outpatient_avg_fee, Math.round(out.reduce((a, e) => a + e.fee, 0) / out.length));
        const stays = inp.filter((e) => e.los !== null).map((e) => Math.max(Number(e.los), 1));
        if (stays.length) assert.equal(k.avg_los, Math.round((stays.reduce((a, b) => a + b, 0) / stays.length) * 10) / 10);
        const close = (a: number, b: number) => assert.ok(Math.abs(a - b) < 1e-9, `${a} ≈ ${b}`);
        close(k.drug_share, ls.filter((l) => l.ty.startsWith('1')).reduce((a, l) => a + l.sumamt, 0) / total);
        close(k.ownpay_share, ls.reduce((a, l) => a + l.ownpay, 0) / total);
        close(k.class_c_share, ls.filter((l) => l.lv === '03').reduce((a, l) => a + l.sumamt, 0) / total);
        assert.equal(k.over_limit, k.class_c_share > 0.15);
      }

      const one = (await get(auditor.token, '/api/v1/dashboard?from=2024-03&to=2024-03')).json();
      assert.ok(one.by_month.every((m: { month: string }) => m.month === '2024-03'));
      assert.equal((await get(auditor.token, '/api/v1/dashboard?from=2024-3')).statusCode, 400);

      const h = (await get(hospital.token, '/api/v1/dashboard?medins_id=SOMEONE-ELSE')).json();
      assert.equal(h.scope.medins_id, hospital.user.institutionId, 'a hospital sees its own institution whatever it asks');
      assert.ok(h.by_institution.every((r: { medins_id: string }) => r.medins_id === hospital.user.institutionId));
      assert.deepEqual(h.agreement.map((r: { medins_id: string }) => r.medins_id), [hospital.user.institutionId], 'agreement KPIs of its own institution only');
      assert.equal((await get((await login('insured')).token, '/api/v1/dashboard')).statusCode, 403);

      const [f] = await fg.database.rows<{ mdtrt_id: string; medins_id: string }>(sql`select mdtrt_id, medins_id from findings where case_id is not null order by id limit 1`);
      const ctx = (await get(auditor.token, `/api/v1/encounters/${f.mdtrt_id}/context`)).json();
      assert.ok(ctx.findings.length >= 1 && ctx.history.some((e: { mdtrt_id: string }) => e.mdtrt_id === f.mdtrt_id));
      const [foreign] = await fg.database.rows<{ mdtrt_id: string }>(sql`select mdtrt_id from encounters where medins_id <> ${hospital.user.institutionId} limit 1`);
      assert.equal((await get(hospital.token, `/api/v1/encounters/${foreign.mdtrt_id}/context`)).statusCode, 404, "another institution's encounter answers like a missing one");

      const runs = (await get(auditor.token, '/api/v1/audit-runs')).json();
      assert.equal(runs.items[0].id, run.id);
      assert.equal(runs.items[0].cases, opened.length);

      // Validate without storing, and run a pack's cases against a stored version.
      const ruleadmin = await login('ruleadmin');
      const pack = JSON.parse(readFileSync(new URL('../../../../../rules/xian-basic/pack.json', import.meta.url), 'utf8'));
      const post = (token: string, url: string, payload: unknown) => app.inject({ method: 'POST', url, headers: { authorization: `Bearer ${token}` }, payload: payload as Record<string, unknown> });
      const versionsBefore = (await get(ruleadmin.token, '/api/v1/rule-packs/xian-basic/versions')).json().items.length;
      const bad = await post(ruleadmin.token, '/api/v1/rule-packs/validate', { ...pack, version: 'v-check', rules: pack.rules.map((r: { params?: Record<string, unknown> }, i: number) => (i === 0 ? { ...r, params: { ...r.params, max: -1 } } : r)) });
      assert.equal(bad.statusCode, 400);
      assert.equal(bad.json().error.issues[0].record, `rule=${pack.rules[0].id}`);
      const ok = await post(ruleadmin.token, '/api/v1/rule-packs/validate', { ...pack, version: 'v-check' });
      assert.equal(ok.statusCode, 200, ok.body);
      assert.deepEqual(ok.json(), { valid: true, pack: 'xian-basic', version: 'v-check', rule_count: pack.rules.length });
      assert.equal((await get(ruleadmin.token, '/api/v1/rule-packs/xian-basic/versions')).json().items.length, versionsBefore, 'validating stores nothing');
      const casesDir = new URL('../../../../../rules/xian-basic/cases/', import.meta.url);
      const cases = readdirSync(casesDir).filter((f) => f.endsWith('.json')).map((f) => JSON.parse(readFileSync(new URL(f, casesDir), 'utf8')));
      const wrong = { ...cases[0], name: 'wrong', expected: cases[0].expected.slice(1) };
      const caseRun = await post(auditor.token, `/api/v1/rule-packs/xian-basic/versions/${pack.version}/cases`, { cases: [...cases, wrong] });
      assert.equal(caseRun.statusCode, 200, caseRun.body);
      assert.equal(caseRun.json().passed, cases.length);
      const failed = caseRun.json().results.find((r: { name: string }) => r.name === 'wrong');
      assert.equal(failed.passed, false);
      assert.deepEqual(failed.unexpected.map((x: { rule_id: string }) => x.rule_id), [cases[0].expected[0].rule_id]);
      assert.equal((await post(hospital.token, `/api/v1/rule-packs/xian-basic/versions/${pack.version}/cases`, { cases })).statusCode, 200, 'hospitals may read rules');
      assert.equal((await post((await login('insured')).token, `/api/v1/rule-packs/xian-basic/versions/${pack.version}/cases`, { cases })).statusCode, 403);

      // Personal data leaves the server masked; revealing needs a reveal role and a reason, and is logged first.
      const stored = (await fg.ctx.encounters.get(f.mdtrt_id))!;
      const shown = (await get(auditor.token, `/api/v1/encounters/${f.mdtrt_id}`)).json();
      assert.equal(shown.patn_name, [...stored.patient.patn_name][0] + '*'.repeat([...stored.patient.patn_name].length - 1));
      assert.equal(shown.patn_id, `${stored.patient.patn_id.slice(0, 6)}${'*'.repeat(stored.patient.patn_id.length - 10)}${stored.patient.patn_id.slice(-4)}`);
      const revealBody = { entity_type: 'encounter', entity_id: f.mdtrt_id, field: 'patn_name' };
      const reveals = async () => (await fg.database.rows<{ n: number }>(sql`select count(*)::int as n from audit_log where action = 'personal_data.reveal' and entity_id = ${f.mdtrt_id}`))[0].n;
      assert.equal((await post(auditor.token, '/api/v1/audit-log/reveal', revealBody)).statusCode, 400, 'a reason is required');
      assert.equal((await post(hospital.token, '/api/v1/audit-log/reveal', { ...revealBody, reason: '核对' })).statusCode, 403, 'hospitals are not a reveal role by default');
      assert.equal(await reveals(), 0);
      const reveal = await post(auditor.token, '/api/v1/audit-log/reveal', { ...revealBody, reason: '核实住院病历' });
      assert.equal(reveal.statusCode, 200, reveal.body);
      assert.equal(reveal.json().value, stored.patient.patn_name);
      const [logged] = await fg.database.rows<{ n: number; reason: string }>(sql`select count(*)::int as n, max(detail->>'reason') as reason from audit_log where action = 'personal_data.reveal' and actor = 'auditor' and entity_id = ${f.mdtrt_id}`);
      assert.deepEqual([logged.n, logged.reason], [1, '核实住院病历']);
      const [read] = await fg.database.rows<{ n: number }>(sql`select count(*)::int as n from audit_log where action = 'personal_data.read' and actor = 'auditor' and entity_id = ${f.mdtrt_id}`);
      assert.equal(read.n, 1, 'the read of personal data is logged');
    } finally {
      await app.close();
    }
  } finally {
    await s.drop();
  }
});
