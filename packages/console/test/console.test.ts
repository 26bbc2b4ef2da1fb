// The web console in a real browser (playwright-core driving Debian's /usr/bin/chromium; never a browser download)
// against the real server, started in-process on an embedded PGlite database in a temp dir with demo data.
// Screenshots of the main pages go to test-artifacts/console/ (gitignored).
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { test } from 'node:test';
import { chromium, type Browser, type Page } from 'playwright-core';
import { startServer, type RunningServer } from '@fundguard/api';
import { DEMO_PASSWORD, loadDemoIfEmpty } from '@fundguard/service';
import { sql } from 'drizzle-orm';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const ROOT = new URL('../../../', import.meta.url).pathname;
const ARTIFACTS = join(ROOT, 'test-artifacts', 'console');
const required = process.env.REQUIRE_POSTGRES === '1';
const skip = existsSync(CHROMIUM) ? false : required ? false : `no browser at ${CHROMIUM} (install Debian's chromium: apt-get install chromium fonts-wqy-microhei; .ci/run does)`;

interface CaseView { id: string; medins_id: string; status: string; finding_count: number; version: number; state: { findings: { appealable: boolean; severity: string }[] } }

test('console: sign-in, dashboard, worklist, case flow with appeal, rules upload errors, language, scope', { skip, timeout: 600_000 }, async () => {
  assert.ok(existsSync(CHROMIUM), `REQUIRE_POSTGRES=1 (CI) needs a browser at ${CHROMIUM}`);
  const build = spawnSync(process.execPath, [join(ROOT, 'scripts', 'build-console.mjs'), '--strict'], { stdio: 'inherit' });
  assert.equal(build.status, 0, 'console build');
  assert.ok(existsSync(join(ROOT, 'packages', 'console', 'dist', 'index.html')), 'the console bundle was built');
  mkdirSync(ARTIFACTS, { recursive: true });

  process.env.LOG_LEVEL ??= 'warn';
  const dir = mkdtempSync(join(tmpdir(), 'fg-console-'));
  let failPage: Page | null = null;
  let server: RunningServer | null = null;
  let browser: Browser | null = null;
  try {
    server = await startServer({ port: 0, host: '127.0.0.1', dataDir: join(dir, 'data'), demo: true, adminKey: 'fg-console-test-admin-key', lead: true });
    const fg = server.fg;
    const base = server.url;
    await loadDemoIfEmpty(fg, { encounters: 3000 });
    // The demo's batch audit opens cases when it finishes.
    const admin = { id: 'demo', role: 'admin' as const };
    for (let i = 0; i < 600 && (await fg.cases.list(admin, { limit: 1 })).total === 0; i++) await new Promise((r) => setTimeout(r, 200));
    assert.ok((await fg.cases.list(admin, { limit: 1 })).total > 0, 'demo cases were opened');

    const call = async <T>(token: string, method: string, path: string, body?: unknown): Promise<{ status: number; json: T }> => {
      const r = await fetch(base + path, { method, headers: { authorization: `Bearer ${token}`, ...(body ? { 'content-type': 'application/json' } : {}) }, body: body ? JSON.stringify(body) : undefined });
      return { status: r.status, json: (await r.json().catch(() => null)) as T };
    };
    const login = async (username: string) => {
      const r = await fetch(base + '/api/v1/auth/login', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username, password: DEMO_PASSWORD }) });
      return (await r.json()) as { token: string; user: { institutionId: string } };
    };
    const adminKey = 'fg-console-test-admin-key';
    const hospital = await login('hospital');
    const H = hospital.user.institutionId;
    const mine = (await call<{ items: CaseView[] }>(adminKey, 'GET', `/api/v1/cases?medins_id=${H}&status=draft&limit=500`)).json.items;
    assert.ok(mine.length, `the hospital's institution ${H} has demo cases`);
    // A small case with a finding the hospital may appeal (some rules' findings are not appealable).
    // Cases without 可疑 findings first: those go straight to the agency (the hospital's own levels are case-chain.test.ts).
    const suspicious = (c: CaseView) => c.state.findings.filter((f) => f.severity === 'suspicious').length;
    const target = [...mine].filter((c) => c.state.findings.some((f) => f.appealable && f.severity !== 'reminder')).sort((a, b) => suspicious(a) - suspicious(b) || a.finding_count - b.finding_count)[0];
    assert.ok(target, `the hospital's institution ${H} has a case with an appealable finding`);
    const other = (await call<{ items: CaseView[] }>(adminKey, 'GET', '/api/v1/cases?limit=50')).json.items.find((c) => c.medins_id !== H)!;
    assert.ok(other, 'a case of another institution');

    // The demo has no class C (hilist_lv 03) or own-pay lines: half the lines of one other institution become both (above the 15 % limit).
    const [{ over }] = await fg.database.rows<{ over: string }>(sql`select min(medins_id) as over from encounters where medins_id <> ${H} and medins_id <> ${other.medins_id}`);
    await fg.database.rows(sql`update order_lines set hilist_lv = '03', ownpay_amt = sumamt where seq % 2 = 0 and mdtrt_id in (select mdtrt_id from encounters where medins_id = ${over})`);

    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--disable-dev-shm-usage'] });
    const context = await browser.newContext({ viewport: { width: 1440, height: 960 }, locale: 'zh-CN', acceptDownloads: true });
    const page = await context.newPage();
    // CI runs this beside other heavy tests (two at a time): server work such as impact replay may take a while there.
    page.setDefaultTimeout(90_000);
    failPage = page;
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    const shot = (name: string) => page.screenshot({ path: join(ARTIFACTS, `${name}.png`), fullPage: true, animations: 'disabled' });
    const signIn = async (p: Page, user: string, path = '/') => {
      await p.goto(base + path);
      await p.locator('#username').fill(user);
      await p.locator('#password').fill(DEMO_PASSWORD);
      await p.getByTestId('login-submit').click();
      // The header names the person (display name); the user name is its title.
      await p.locator(`[data-testid="whoami"][title="${user}"]`).waitFor();
    };
    const signOut = async (p: Page) => {
      await p.getByTestId('logout').click();
      await p.getByTestId('login-form').waitFor();
    };
    const caseStatus = (p: Page) => p.getByTestId('case-status');

    // Sign-in page, in Chinese by default.
    await page.goto(base + '/');
    await page.getByText('医保基金智能审核与监管平台').first().waitFor();
    // The title is not cut off by the language button: the card title wraps beside it.
    const titleBox = await page.locator('.fg-login .ant-card-head-title').boundingBox();
    const langBox = await page.getByTestId('lang-switch').boundingBox();
    assert.ok(titleBox && langBox && titleBox.x + titleBox.width <= langBox.x + 1, 'the login title ends before the language button');
    await shot('01-login');

    // Auditor: the dashboard's charts render.
    await signIn(page, 'auditor');
    await page.waitForURL('**/dashboard');
    for (const id of ['chart-month', 'chart-category', 'chart-status']) {
      await page.locator(`[data-testid="${id}"][data-rendered="true"] canvas`).first().waitFor();
    }
    // The header shows the person's name, not the user name.
    await page.getByTestId('whoami').filter({ hasText: '张敏' }).waitFor();
    // Rankings are sorted tables with full names: rules by name, institutions by name (not H6101…), departments by name.
    await page.getByText('违规金额居前的规则').waitFor();
    await page.getByTestId('rank-rule').locator('tr.ant-table-row').first().waitFor();
    const instNames = await page.getByTestId('rank-institution-name').allTextContents();
    assert.ok(instNames.length > 0 && instNames.every((n) => /[\u4e00-\u9fff]/.test(n)), `institutions by name: ${instNames.join(', ')}`);
    const deptNames = await page.getByTestId('rank-department-name').allTextContents();
    assert.ok(deptNames.every((n) => /^[\u4e00-\u9fff]/.test(n)), `departments by name: ${deptNames.join(', ')}`);
    assert.equal(await page.getByText('立案').count(), 0, 'no 立案 for findings in cases');
    // The fund line never drops to 0 in a month with findings (fund use by settlement month, as findings).
    const dash = (await call<{ by_month: { month: string; findings: number; hifp_pay: number }[] }>(adminKey, 'GET', '/api/v1/dashboard?fresh=true')).json;
    for (const m of dash.by_month) if (m.findings > 0) assert.ok(m.hifp_pay > 0, `fund use in ${m.month}`);
    // 协议管理指标: one row per institution, sorted by the class C share, those over the 15 % limit highlighted.
    const kpis = (await call<{ agreement: { medins_id: string; over_limit: boolean }[] }>(adminKey, 'GET', '/api/v1/dashboard')).json.agreement;
    assert.ok(kpis.length > 0, 'agreement KPIs per institution');
    const agreement = page.getByTestId('agreement');
    await agreement.locator('tr.ant-table-row').first().waitFor();
    await agreement.getByText('平均住院日').first().waitFor();
    await agreement.getByText('目录外/丙类占比').first().waitFor();
    assert.deepEqual(kpis.filter((k) => k.over_limit).map((k) => k.medins_id), [over]);
    // Sorted by the class C share, highest first: the institution over the limit is the first row, highlighted.
    await agreement.locator('tr.ant-table-row.fg-row-over').first().getByText(over).waitFor();
    assert.equal(await agreement.locator('tr.ant-table-row.fg-row-over').count(), 1, 'only the institution over the limit is highlighted');
    await agreement.getByTestId('agreement-over-count').filter({ hasText: '超限 1 家' }).waitFor();
    await shot('02-dashboard');
    await agreement.screenshot({ path: join(ARTIFACTS, '02b-agreement-kpis.png'), animations: 'disabled' });
    // The columns sort: by drug share, ascending, then descending.
    const drugHeader = agreement.locator('th').filter({ hasText: '药占比' }).first();
    const drugShares = async () => (await agreement.locator('tr.ant-table-row td:nth-child(7)').allTextContents()).map((v) => parseFloat(v));
    await drugHeader.click();
    await agreement.locator('th[aria-sort="ascending"]').filter({ hasText: '药占比' }).waitFor();
    const asc = await drugShares();
    assert.deepEqual(asc, [...asc].sort((a, b) => a - b), 'sorted by drug share, ascending');
    await drugHeader.click();
    await agreement.locator('th[aria-sort="descending"]').filter({ hasText: '药占比' }).waitFor();
    const desc = await drugShares();
    assert.deepEqual(desc, [...desc].sort((a, b) => b - a), 'sorted by drug share, descending');

    // 待办: the header counts the auditor's tasks; the page lists them (drafts to notify), each opening its case.
    await page.getByTestId('task-badge').click();
    await page.getByTestId('task-table').locator('tr.ant-table-row').first().getByText('通知医院').waitFor();
    const myTasks = (await call<{ total: number; items: { action: string }[] }>((await login('auditor')).token, 'GET', '/api/v1/tasks')).json;
    assert.ok(myTasks.total > 0 && myTasks.items.some((x) => x.action === 'notify'), 'the auditor has drafts to notify');
    await shot('02c-tasks');

    // Worklist → filter by institution → open the case.
    await page.getByTestId('nav').getByText('审核工作台').click();
    await page.getByTestId('filter-medins').fill(H);
    await page.getByTestId('filter-apply').click();
    await page.getByTestId('case-link').filter({ hasText: target.id }).waitFor();
    await shot('03-worklist');
    // Bulk action on another draft case of the list (the server applies it case by case).
    const otherRow = page.locator('[data-testid="worklist"] tr.ant-table-row').filter({ hasText: '待通知' }).filter({ hasNotText: target.id }).first();
    if (await otherRow.count()) {
      await otherRow.locator('input[type=checkbox]').check();
      await page.getByText('批量通知医院').click();
      await page.getByText(/完成 1 单，失败 0 单/).waitFor();
    }
    await page.getByTestId('case-link').filter({ hasText: target.id }).click();
    await page.getByTestId('case-detail').waitFor();
    await page.getByTestId('act-notify').click();
    await page.getByTestId('confirm-ok').click();
    await caseStatus(page).filter({ hasText: /待医院说明|审核中/ }).waitFor();
    if ((await caseStatus(page).textContent()) === '待医院说明') {
      // The hospital has nothing to explain here: each department that billed a 可疑 finding submits its level, then the 医保办 sends it on.
      const c = (await call<{ state: { hospitalReview?: { departments: string[] } } }>(adminKey, 'GET', `/api/v1/cases/${target.id}`)).json;
      for (const d of c.state.hospitalReview?.departments ?? []) {
        const username = `dept_${d}`.replace(/[^A-Za-z0-9_.@-]/g, '_');
        await call(adminKey, 'POST', '/api/v1/users', { username, password: 'Console-test-pass-1', role: 'hospital', institution_id: H, dept_codg: d });
        const r = await fetch(base + '/api/v1/auth/login', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username, password: 'Console-test-pass-1' }) });
        assert.equal((await call(((await r.json()) as { token: string }).token, 'POST', `/api/v1/cases/${target.id}/events`, { type: 'dept_submit' })).status, 200);
      }
      assert.equal((await call(hospital.token, 'POST', `/api/v1/cases/${target.id}/events`, { type: 'submit_explanations' })).status, 200);
      await page.reload();
    }
    await caseStatus(page).filter({ hasText: '审核中' }).waitFor();
    // Confirm one finding, then the rest, then approve level 1.
    await page.getByTestId('decide-confirm').first().click();
    await page.getByTestId('decision').filter({ hasText: '确认' }).first().waitFor();
    await page.getByTestId('act-confirm-all').click();
    await page.waitForFunction(() => !document.querySelector('[data-testid="decide-confirm"]') || document.querySelectorAll('[data-testid="decision"]').length >= document.querySelectorAll('[data-testid="findings"] tbody tr.ant-table-row').length);
    await page.getByTestId('act-approve').click();
    await page.getByTestId('confirm-ok').click();
    await page.getByTestId('levels').getByText(/auditor/).waitFor();
    await shot('04-case-review');

    // The flagged encounter: lines table with the flagged lines highlighted.
    await page.getByTestId('encounter-link').first().click();
    await page.getByTestId('encounter').waitFor();
    await page.locator('tr.fg-row-flagged').first().waitFor();
    // Personal data is masked until revealed, and revealing it is logged.
    assert.equal(await page.getByTestId('revealed').count(), 0);
    await shot('05-encounter');
    await page.getByRole('button', { name: '显示' }).first().click();
    await page.getByTestId('reveal-reason').fill('核实住院病历');
    await page.locator('.ant-modal-confirm').getByRole('button', { name: /显\s*示/ }).click();
    await page.getByTestId('revealed').first().waitFor();
    const revealed = await fg.ctx.auditLog.list({ entityType: 'encounter' });
    assert.ok(revealed.some((e) => e.action === 'personal_data.reveal' && e.actor === 'auditor' && e.detail.reason === '核实住院病历'), 'the reveal and its reason are in the audit log');

    // Levels 2 and 3 by other reviewers (三级审核: one person per level; 复审 an auditor, 终审 a supervisor).
    const supervisor = await login('supervisor');
    assert.equal((await call((await login('auditor3')).token, 'POST', `/api/v1/cases/${target.id}/events`, { type: 'approve_level' })).status, 200);
    assert.equal((await call(supervisor.token, 'POST', `/api/v1/cases/${target.id}/events`, { type: 'approve_level' })).status, 200);
    await signOut(page);

    // Hospital: appeal with an attachment.
    await signIn(page, 'hospital', `/cases/${encodeURIComponent(target.id)}`);
    await caseStatus(page).filter({ hasText: '已决定' }).waitFor();
    await page.getByTestId('act-appeal').click();
    const dialog = page.locator('.ant-modal');
    await dialog.getByTestId('reason-input').fill('该患者病情需要，附病程记录，请复核。');
    const evidence = join(dir, '病程记录.pdf');
    writeFileSync(evidence, '%PDF-1.4\n% FundGuard console test evidence\n');
    await dialog.locator('input[type=file]').setInputFiles(evidence);
    await dialog.getByTestId('uploaded-files').filter({ hasText: '病程记录.pdf' }).waitFor();
    await shot('06-appeal-dialog');
    await dialog.getByRole('button', { name: /确\s*定|OK/ }).click();
    await dialog.waitFor({ state: 'hidden' });
    await caseStatus(page).filter({ hasText: '已申诉' }).waitFor();
    await page.getByTestId('attachment-link').filter({ hasText: '病程记录.pdf' }).waitFor();
    // The hospital cannot open another institution's case: it answers exactly like a missing one (404), the page says so.
    await page.goto(`${base}/cases/${encodeURIComponent(other.id)}`);
    await page.getByText('页面不存在').waitFor();
    assert.equal((await call(hospital.token, 'GET', `/api/v1/cases/${other.id}`)).status, 404);
    await shot('07-hospital-forbidden');
    // The hospital's dashboard: the agreement KPIs of its own institution only.
    await page.getByTestId('nav').getByText('监管看板').click();
    await page.getByTestId('agreement').locator('tr.ant-table-row').first().waitFor();
    assert.equal(await page.getByTestId('agreement').locator('tr.ant-table-row').count(), 1);
    await page.getByTestId('agreement').getByTestId('agreement-medins').filter({ hasText: H }).waitFor();
    await signOut(page);

    // The supervisor assigns the re-review; auditor2 (not involved in the decision) decides it.
    assert.equal((await call(supervisor.token, 'POST', `/api/v1/cases/${target.id}/events`, { type: 'assign_re_review', reviewer: 'auditor2' })).status, 200);
    await signIn(page, 'auditor2', `/cases/${encodeURIComponent(target.id)}`);
    await caseStatus(page).filter({ hasText: '复核中' }).waitFor();
    await page.getByTestId('act-rereview').click();
    await dialog.getByTestId('reason-input').fill('病程记录不足以证明必要性，维持原决定。');
    await dialog.getByRole('button', { name: /确\s*定|OK/ }).click();
    await dialog.waitFor({ state: 'hidden' });
    await caseStatus(page).filter({ hasText: '已生效' }).waitFor();
    await page.getByTestId('appeal-result').first().waitFor();
    await shot('08-case-final');
    const final = (await call<{ status: string; state: { deduction: number } }>(adminKey, 'GET', `/api/v1/cases/${target.id}`)).json;
    assert.equal(final.status, 'final');
    assert.ok(final.state.deduction > 0, 'the upheld deduction stands');
    await signOut(page);

    // The supervisor fines the final case (1× the recovered amount, hearing offered).
    await signIn(page, 'supervisor', `/cases/${encodeURIComponent(target.id)}`);
    await page.getByTestId('act-penalty').click();
    await dialog.getByRole('button', { name: /确\s*定|OK/ }).click();
    await page.getByTestId('confirm-ok').click();
    await page.getByText(/罚款 ¥/).waitFor();
    await signOut(page);

    // Rules: a pack with an error shows it beside the rule.
    await signIn(page, 'ruleadmin');
    await page.getByTestId('nav').getByText('规则库').click();
    await page.getByTestId('versions').waitFor();
    const pack = JSON.parse(readFileSync(join(ROOT, 'rules', 'xian-basic', 'pack.json'), 'utf8'));
    pack.version = '2024.9-console-test';
    pack.rules[0].params.max = -1;
    pack.rules[2].kind = 'no_such_kind';
    const bad = join(dir, 'xian-basic-bad.json');
    writeFileSync(bad, JSON.stringify(pack, null, 2));
    await page.locator('[data-testid="pack-upload"] input[type=file]').setInputFiles(bad);
    const err0 = page.getByTestId(`rule-errors-${pack.rules[0].id}`);
    await err0.waitFor();
    assert.match((await err0.textContent()) ?? '', /params\.max|max/);
    await page.getByTestId(`rule-errors-${pack.rules[2].id}`).waitFor();
    assert.equal(await page.getByTestId(`rule-errors-${pack.rules[1].id}`).count(), 0, 'a valid rule shows no error');
    await shot('09-rules-upload-errors');

    // A valid new version: field-by-field diff against the active one, impact replay, activation.
    const good = JSON.parse(readFileSync(join(ROOT, 'rules', 'xian-basic', 'pack.json'), 'utf8'));
    const active = good.version as string;
    good.version = '2024.9-console-test';
    good.rules[0].params.max = good.rules[0].params.max + 1;
    const goodFile = join(dir, 'xian-basic-next.json');
    writeFileSync(goodFile, JSON.stringify(good, null, 2));
    await page.locator('[data-testid="pack-upload"] input[type=file]').setInputFiles(goodFile);
    await page.getByText(`已保存为 xian-basic@${good.version}`).waitFor();
    const pick = async (select: string, label: string) => {
      const open = page.locator('.ant-select-dropdown:not(.ant-select-dropdown-hidden)');
      await page.getByTestId(select).click();
      await open.locator('.ant-select-item-option').filter({ hasText: label }).click();
      await open.first().waitFor({ state: 'hidden' });
    };
    await pick('diff-from', `${active}（生效中）`);
    await pick('diff-to', `${good.version}（草稿）`);
    await page.getByTestId('diff-compare').click();
    const diff = page.getByTestId('diff');
    await diff.getByText('params.max').waitFor();
    assert.match((await diff.textContent()) ?? '', new RegExp(`${good.rules[0].id}.*params\\.max`));
    // The pack's shipped cases pass on the active version; a case expecting another amount fails and says why.
    const casesDir = join(ROOT, 'rules', 'xian-basic', 'cases');
    const caseFiles = readdirSync(casesDir).filter((f) => f.endsWith('.json')).map((f) => join(casesDir, f));
    const wrong = JSON.parse(readFileSync(caseFiles[0], 'utf8'));
    wrong.name = '金额错误的用例';
    wrong.expected[0].vola_amt += 1;
    writeFileSync(join(dir, 'wrong-case.json'), JSON.stringify(wrong));
    await page.locator(`[data-testid="cases-${active}"] input[type=file]`).setInputFiles([...caseFiles, join(dir, 'wrong-case.json')]);
    await page.getByTestId('case-run').getByText(`通过 ${caseFiles.length} 个，未通过 1 个`).waitFor();
    await page.getByTestId('case-run').getByText(`− ${wrong.expected[0].mdtrt_id} ${wrong.expected[0].rule_id}`).waitFor();
    await page.getByTestId(`impact-${good.version}`).click();
    await page.getByTestId('impact-run').click();
    // The replay's answer, or the error the console shows instead (then the test says which, at once).
    await page.getByTestId('impact-result').or(page.locator('.ant-message-error')).first().waitFor({ timeout: 240_000 });
    assert.ok(await page.getByTestId('impact-result').isVisible(), `impact replay failed: ${await page.locator('.ant-message-error').first().textContent().catch(() => '')}`);
    await shot('10-rules-impact');
    await page.getByTestId('impact-activate').click();
    // Activating asks first.
    await page.getByTestId('confirm-ok').click();
    await page.getByText(`已启用 ${good.version}`).waitFor();
    assert.deepEqual(fg.rules.snapshot().versions.find((v) => v.pack === 'xian-basic'), { pack: 'xian-basic', version: good.version });

    // Language: English, remembered across a reload, then back to Chinese.
    await page.getByTestId('lang-switch').click();
    await page.getByTestId('nav').getByText('Rules').waitFor();
    await page.reload();
    await page.getByTestId('nav').getByText('Rules').waitFor();
    await page.getByText('Rule packs').first().waitFor();
    await shot('11-rules-english');
    await page.getByTestId('nav').getByText('Dashboard').click();
    await page.locator('[data-testid="chart-month"][data-rendered="true"]').waitFor();
    await page.getByText('Rules with the largest amounts').waitFor();
    // Cached figures until refreshed: the refresh shows the deduction decided above.
    await page.getByTestId('dashboard-refresh').click();
    await page.getByTestId('kpi-deducted').filter({ hasNotText: '¥0.00' }).waitFor();
    await shot('11-dashboard-english');
    await page.getByTestId('lang-switch').click();
    await page.getByTestId('nav').getByText('规则库').waitFor();
    await signOut(page);

    // Settlement calculator with its trace, and the runs page.
    await signIn(page, 'auditor', '/settlement');
    await page.getByTestId('settle').click();
    await page.locator('[data-testid="trace"] tbody tr.ant-table-row').first().waitFor();
    await shot('12-settlement');
    // The monthly statement opens on the institution and month of the newest settlement, names it, never "¥-0.00".
    await page.getByText('机构月度结算单').click();
    const statement = page.getByTestId('statement');
    await statement.waitFor();
    assert.notEqual(await page.locator('input[data-testid="statement-month"], [data-testid="statement-month"] input').first().inputValue(), '', 'a month is chosen');
    assert.doesNotMatch((await statement.textContent()) ?? '', /¥-|−¥0\.00/, 'no negative zero');
    await shot('12b-statement');
    // 就诊查询: by diagnosis code, with the diagnosis named; a missing encounter is said in Chinese, no English.
    await page.getByTestId('nav').getByText('就诊查询').click();
    const lookup = page.locator('input[data-testid="encounter-lookup"], [data-testid="encounter-lookup"] input').first();
    await lookup.fill('C16.900');
    await lookup.press('Enter');
    await page.locator('[data-testid="encounter-results"] tr.ant-table-row').first().getByText('胃恶性肿瘤').waitFor();
    await shot('12c-encounter-search');
    await page.goto(`${base}/encounters/NO-SUCH-1`);
    await page.getByText('没有找到就诊 NO-SUCH-1').waitFor();
    assert.doesNotMatch((await page.locator('.fg-content').textContent()) ?? '', /no encounter|not found/i, 'the error is in Chinese');
    // A batch run started here shows its progress until it is done (the page polls while a run is running).
    await page.getByTestId('nav').getByText('批量审核与导入').click();
    const runsBefore = await fg.database.rows<{ n: number }>(sql`select count(*)::int as n from audit_runs where kind = 'batch'`);
    // The period is picked with antd's range picker, both days included (the API's end is the day after).
    const period = page.getByTestId('run-period').locator('input');
    await period.nth(0).click();
    await period.nth(0).fill('2024-03-01');
    await period.nth(0).press('Enter');
    await period.nth(1).fill('2024-03-31');
    await period.nth(1).press('Enter');
    await page.getByTestId('run-start').click();
    const newRun = page.locator('[data-testid="run-table"] tr.ant-table-row').filter({ hasText: '2024-03-01 至 2024-03-31' });
    await newRun.getByText('已完成').waitFor({ timeout: 240_000 });
    const [lastRun] = await fg.database.rows<{ params: { from: string; to: string } }>(sql`select params from audit_runs where kind = 'batch' order by id desc limit 1`);
    assert.deepEqual([lastRun.params.from, lastRun.params.to], ['2024-03-01', '2024-04-01'], 'the inclusive end became the exclusive API end');
    await newRun.getByText('生成审核单').waitFor();
    assert.equal((await fg.database.rows<{ n: number }>(sql`select count(*)::int as n from audit_runs where kind = 'batch'`))[0].n, runsBefore[0].n + 1);
    await shot('13-runs');

    // Screening: a run of the six screens over the year, followed to done, its ranked leads listed.
    await page.getByTestId('nav').getByText('筛查与队列').click();
    await page.getByTestId('screening-start').click();
    await page.locator('[data-testid="screening-runs"] tr.ant-table-row').first().getByText('已完成').waitFor({ timeout: 240_000 });
    const [screened] = await fg.database.rows<{ leads: number }>(sql`select leads from screening_runs order by id desc limit 1`);
    if (screened.leads > 0) {
      await page.locator('[data-testid="leads"] tr.ant-table-row').first().waitFor();
      assert.doesNotMatch((await page.getByTestId('lead-summary').first().textContent()) ?? '', /\d{15}/, 'ID numbers in lead summaries are masked');
    }
    await shot('14-screening');

    // 抽查: a stratified draw by amount band, stored with its seed; its strata and drawn records shown.
    const field = (id: string) => page.locator(`input[data-testid="${id}"], [data-testid="${id}"] input`).first();
    await page.getByTestId('tab-sampling').click();
    await field('draw-seed').fill('console-test-seed');
    await page.getByTestId('draw-start').click();
    await page.getByTestId('draw-seed-shown').filter({ hasText: 'console-test-seed' }).waitFor();
    const strataRows = page.locator('[data-testid="strata"] tr.ant-table-row');
    await strataRows.first().waitFor();
    const stored = (await call<{ items: { id: number; kind: string; params: { seed: string; method: string } }[] }>(adminKey, 'GET', '/api/v1/sample-draws')).json.items[0];
    assert.deepEqual([stored.kind, stored.params.seed, stored.params.method], ['encounters', 'console-test-seed', 'stratified']);
    const drawn = (await call<{ draw: { strata: { key: string; sampled: number }[]; ids: string[] } }>(adminKey, 'GET', `/api/v1/sample-draws/${stored.id}`)).json.draw;
    assert.equal(await strataRows.count(), Math.min(drawn.strata.length, 10));
    assert.match((await page.getByTestId('stratum-key').first().textContent()) ?? '', /^amount_band=/);
    await page.getByTestId('drawn-link').filter({ hasText: drawn.ids[0] }).waitFor();
    // An error amount entered for a drawn record: the estimate with its 95 % CI.
    await field('error-input').fill('100');
    await page.getByTestId('extrapolate').click();
    const extrapolation = page.getByTestId('extrapolation');
    await extrapolation.getByText('95% 置信区间').waitFor();
    await extrapolation.getByText('¥100.00').first().waitFor();
    const x = (await call<{ extrapolation: { found_fen: number; estimate: number; low: number; high: number } }>(adminKey, 'GET', `/api/v1/sample-draws/${stored.id}`)).json.extrapolation;
    assert.equal(x.found_fen, 10_000);
    assert.ok(x.low <= x.estimate && x.estimate <= x.high && x.estimate >= 10_000, 'the estimate lies in its interval');
    await shot('14b-sampling');
    // A preset-proportion draw within one institution: the seeds' ×2/×3 figure beside the estimate.
    const methods = page.locator('.ant-select-dropdown:not(.ant-select-dropdown-hidden)');
    await page.getByTestId('draw-method').click();
    await methods.locator('.ant-select-item-option').filter({ hasText: '按比例预设' }).click();
    await field('draw-medins').fill(H);
    await field('draw-medins').press('Enter');
    await field('draw-seed').fill('console-test-preset');
    await page.getByTestId('draw-start').click();
    await page.getByTestId('draw-seed-shown').filter({ hasText: 'console-test-preset' }).waitFor();
    await field('error-input').fill('50');
    await page.getByTestId('extrapolate').click();
    await page.getByTestId('simple-factor').getByText(/^按 ×\d+ 简单推算$/).waitFor();
    const preset = (await call<{ items: { id: number }[] }>(adminKey, 'GET', '/api/v1/sample-draws')).json.items[0];
    const px = (await call<{ draw: { factor: number }; extrapolation: { simpleFactorEstimate: number } }>(adminKey, 'GET', `/api/v1/sample-draws/${preset.id}`)).json;
    assert.equal(px.extrapolation.simpleFactorEstimate, 5_000 * px.draw.factor);
    await shot('14b-sampling-preset');
    // The drawn id opens the encounter page.
    await page.getByTestId('drawn-link').first().click();
    await page.getByTestId('encounter').waitFor();
    await page.goBack();

    // 双随机: institutions × inspector teams, and the list to publish (一公开).
    await page.getByTestId('tab-inspection').click();
    await field('inspection-seed').fill('console-test-inspection');
    await page.getByTestId('inspection-start').click();
    const publication = page.getByTestId('publication');
    await publication.getByTestId('publication-line').first().waitFor();
    assert.match((await publication.getByTestId('publication-line').first().textContent()) ?? '', /^1\. .+（.+）：检查人员 .+/);
    await publication.getByText('随机种子：console-test-inspection', { exact: false }).waitFor();
    await shot('14c-inspection');
    await page.getByTestId('lang-switch').click();
    await publication.getByText('Publication list').waitFor();
    await shot('14d-inspection-english');
    await page.getByTestId('lang-switch').click();
    await publication.getByText('公示名单（一公开）').waitFor();

    await signOut(page);

    // The insured person's portal: their own settlements, explained.
    await signIn(page, 'insured');
    await page.waitForURL('**/me');
    await page.getByTestId('me').getByText('本年累计', { exact: false }).waitFor();
    await shot('15-insured');
    assert.equal(await page.getByTestId('nav').getByText('审核工作台').count(), 0, 'the insured person sees no worklist');

    assert.deepEqual(errors, [], 'no uncaught errors in the page');
  } catch (e) {
    await failPage?.screenshot({ path: join(ARTIFACTS, 'failure.png'), fullPage: true }).catch(() => undefined);
    throw e;
  } finally {
    await browser?.close().catch(() => undefined);
    await server?.stop().catch(() => undefined);
    rmSync(dir, { recursive: true, force: true });
  }
});
