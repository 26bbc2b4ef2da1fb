// The console's system pages (系统管理), the shared table (column settings, saved filters, XLSX export), the A4
// print view of a deduction notice, the personal-data watermark and the insured person's own year, in a real browser
// (playwright-core driving Debian's /usr/bin/chromium; never a browser download) against the real server started
// in-process on an embedded PGlite database with demo data. Screenshots go to test-artifacts/console/ (gitignored).
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { test } from 'node:test';
import ExcelJS from 'exceljs';
import { chromium, type Browser, type Page } from 'playwright-core';
import { startServer, type RunningServer } from '@fundguard/api';
import { DEMO_PASSWORD, loadDemoIfEmpty } from '@fundguard/service';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const ROOT = new URL('../../../', import.meta.url).pathname;
const ARTIFACTS = join(ROOT, 'test-artifacts', 'console');
const required = process.env.REQUIRE_POSTGRES === '1';
const skip = existsSync(CHROMIUM) ? false : required ? false : `no browser at ${CHROMIUM} (install Debian's chromium: apt-get install chromium fonts-wqy-microhei; .ci/run does)`;

interface CaseView { id: string; medins_id: string; status: string; proposed: number; risk: number | null; state: { findings: { id: string; severity: string; decision?: unknown }[]; deduction?: number } }

test('console system pages: users, roles, institutions, keys (secret shown once), audit log with chain verification; table settings and export; print notice; watermark; insured year; zh-CN and English', { skip, timeout: 600_000 }, async () => {
  assert.ok(existsSync(CHROMIUM), `REQUIRE_POSTGRES=1 (CI) needs a browser at ${CHROMIUM}`);
  const build = spawnSync(process.execPath, [join(ROOT, 'scripts', 'build-console.mjs'), '--strict'], { stdio: 'inherit' });
  assert.equal(build.status, 0, 'console build');
  mkdirSync(ARTIFACTS, { recursive: true });

  process.env.LOG_LEVEL ??= 'warn';
  const dir = mkdtempSync(join(tmpdir(), 'fg-system-'));
  const adminKey = 'fg-system-test-admin-key';
  let failPage: Page | null = null;
  let server: RunningServer | null = null;
  let browser: Browser | null = null;
  try {
    server = await startServer({ port: 0, host: '127.0.0.1', dataDir: join(dir, 'data'), demo: true, adminKey, lead: true });
    const fg = server.fg;
    const base = server.url;
    await loadDemoIfEmpty(fg, { encounters: 1500 });
    const system = { id: 'demo', role: 'admin' as const };
    for (let i = 0; i < 600 && (await fg.cases.list(system, { limit: 1 })).total === 0; i++) await new Promise((r) => setTimeout(r, 200));
    assert.ok((await fg.cases.list(system, { limit: 1 })).total > 0, 'demo cases were opened');

    const call = async <T>(token: string, method: string, path: string, body?: unknown): Promise<{ status: number; json: T }> => {
      const r = await fetch(base + path, { method, headers: { authorization: `Bearer ${token}`, ...(body ? { 'content-type': 'application/json' } : {}) }, body: body ? JSON.stringify(body) : undefined });
      return { status: r.status, json: (await r.json().catch(() => null)) as T };
    };
    const login = async (username: string) => {
      const r = await fetch(base + '/api/v1/auth/login', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username, password: DEMO_PASSWORD }) });
      return (await r.json()) as { token: string; user: { institutionId: string; patnId: string } };
    };
    const dictionary = (await call<{ institutions: Record<string, string> }>(adminKey, 'GET', '/api/v1/dictionary?kinds=institutions')).json.institutions;

    // A case driven to 已决定 over the API (notify, explanations, every finding confirmed, three levels by three people).
    const hospital = await login('hospital');
    const H = hospital.user.institutionId;
    const auditor = await login('auditor');
    const supervisor = await login('supervisor');
    const drafts = (await call<{ items: CaseView[] }>(adminKey, 'GET', `/api/v1/cases?medins_id=${H}&status=draft&limit=50`)).json.items;
    // Cases without 可疑 findings first: they go straight to the agency (the hospital's own levels are case-chain.test.ts).
    const suspicious = (c: CaseView) => c.state.findings.filter((f) => f.severity === 'suspicious').length;
    const target = [...drafts].filter((c) => c.state.findings.some((f) => f.severity !== 'reminder')).sort((a, b) => suspicious(a) - suspicious(b))[0];
    assert.ok(target, `a draft case of ${H}`);
    const send = (token: string, body: unknown) => call<{ status: string }>(token, 'POST', `/api/v1/cases/${target.id}/events`, body);
    assert.equal((await send(auditor.token, { type: 'notify' })).status, 200);
    const notified = (await call<CaseView & { state: { hospitalReview?: { departments: string[] } } }>(adminKey, 'GET', `/api/v1/cases/${target.id}`)).json;
    if (notified.status === 'awaiting_explanation') {
      // each department that billed a 可疑 finding submits its level (nothing to explain here), then the 医保办 sends it on
      for (const d of notified.state.hospitalReview?.departments ?? []) {
        const username = `dept_${d}`.replace(/[^A-Za-z0-9_.@-]/g, '_');
        await call(adminKey, 'POST', '/api/v1/users', { username, password: 'System-test-pass-1', role: 'hospital', institution_id: H, dept_codg: d });
        const r = await fetch(base + '/api/v1/auth/login', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username, password: 'System-test-pass-1' }) });
        assert.equal((await send(((await r.json()) as { token: string }).token, { type: 'dept_submit' })).status, 200);
      }
      assert.equal((await send(hospital.token, { type: 'submit_explanations' })).status, 200);
    }
    for (const f of (await call<CaseView>(adminKey, 'GET', `/api/v1/cases/${target.id}`)).json.state.findings) {
      if (f.severity !== 'reminder' && !f.decision) assert.equal((await send(auditor.token, { type: 'decide', finding: f.id, outcome: 'confirmed' })).status, 200);
    }
    // 初审, 复审 (another auditor), 终审 (a supervisor): the default level roles
    for (const token of [auditor.token, (await login('auditor3')).token, supervisor.token]) assert.equal((await send(token, { type: 'approve_level' })).status, 200);
    const decided = (await call<CaseView & { state: { deduction: number } }>(adminKey, 'GET', `/api/v1/cases/${target.id}`)).json;
    assert.equal(decided.status, 'decided');

    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--disable-dev-shm-usage'] });
    const context = await browser.newContext({ viewport: { width: 1440, height: 960 }, locale: 'zh-CN', acceptDownloads: true });
    const page = await context.newPage();
    page.setDefaultTimeout(90_000);
    failPage = page;
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    const shot = (name: string, p: Page = page) => p.screenshot({ path: join(ARTIFACTS, `${name}.png`), fullPage: true, animations: 'disabled' });
    const signIn = async (user: string, path = '/') => {
      await page.goto(base + path);
      await page.locator('#username').fill(user);
      await page.locator('#password').fill(DEMO_PASSWORD);
      await page.getByTestId('login-submit').click();
      await page.locator(`[data-testid="whoami"][title="${user}"]`).waitFor();
    };
    const signOut = async () => {
      await page.getByTestId('logout').click();
      await page.getByTestId('login-form').waitFor();
    };
    const confirmOk = async () => {
      await page.getByTestId('confirm-ok').click();
      await page.locator('.ant-modal-confirm').waitFor({ state: 'hidden' });
    };

    // ---- 系统管理 as the administrator (zh-CN) ----------------------------------------------------------------
    await signIn('admin');
    await page.getByTestId('whoami').filter({ hasText: '系统管理员 马骏' }).waitFor();
    await page.getByTestId('nav-group-system').click();
    await page.getByTestId('nav').getByText('用户管理').click();
    await page.waitForURL('**/system/users');
    await page.getByTestId('users-page').locator('tr.ant-table-row').filter({ hasText: 'auditor2' }).waitFor();
    // Create a user: a hospital clerk of H, who must change the generated password at the first sign-in.
    await page.getByTestId('user-create').click();
    await page.getByTestId('user-username').fill('clerk1');
    await page.getByTestId('user-display-name').fill('医保办 陈晨');
    await page.getByTestId('user-role').click();
    await page.locator('.ant-select-dropdown:visible').getByText('定点医疗机构', { exact: true }).click();
    await page.getByTestId('user-institution').click();
    await page.keyboard.type(H);
    await page.locator('.ant-select-dropdown:visible .ant-select-item-option').filter({ hasText: H }).first().click();
    const password = await page.getByTestId('user-password').inputValue();
    assert.ok(password.length >= 10, 'a generated password that passes the policy');
    await page.getByTestId('user-save').click();
    const clerkRow = page.getByTestId('users-page').locator('tr.ant-table-row').filter({ hasText: 'clerk1' });
    await clerkRow.getByText('医保办 陈晨').waitFor();
    await clerkRow.getByText(dictionary[H]).waitFor();
    await clerkRow.getByText('须修改密码').waitFor();
    await shot('sys-01-users');
    // Disable it (asked first): the status says so, the server agrees, and the user cannot sign in.
    await clerkRow.getByTestId('user-disable').click();
    await confirmOk();
    await clerkRow.getByTestId('user-status').getByText('已停用').waitFor();
    const users = (await call<{ items: { username: string; disabled: boolean; role: string; institution_id: string }[] }>(adminKey, 'GET', '/api/v1/users')).json.items;
    assert.deepEqual(users.filter((u) => u.username === 'clerk1').map((u) => [u.role, u.institution_id, u.disabled]), [['hospital', H, true]]);
    const refused = await fetch(base + '/api/v1/auth/login', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'clerk1', password }) });
    assert.equal(refused.status, 401, 'a disabled user cannot sign in');
    // Change the role of another user through the edit dialog (PATCH /api/v1/users/:username): the server records before and after.
    await page.getByTestId('users-page').locator('tr.ant-table-row').filter({ hasText: 'auditor3' }).getByTestId('user-edit').click();
    await page.getByTestId('user-display-name').fill('审核员 赵磊（复审）');
    await page.getByTestId('user-save').click();
    await page.getByTestId('users-page').locator('tr.ant-table-row').filter({ hasText: 'auditor3' }).getByText('审核员 赵磊（复审）').waitFor();

    // Roles and what each may do: the server's own table (users.manage is the administrator's only).
    await page.getByTestId('nav').getByText('角色与权限').click();
    const manageUsers = page.getByTestId('roles-page').locator('tr.ant-table-row').filter({ hasText: '管理用户' });
    await manageUsers.waitFor();
    assert.equal(await manageUsers.locator('[aria-label="✓"]').count(), 1, 'only one role manages users');
    await shot('sys-02-roles');

    // Institutions and departments by name (the dictionary), with the users bound to each institution.
    await page.getByTestId('nav').getByText('机构与科室').click();
    await page.getByTestId('institutions-page').locator('tr.ant-table-row').filter({ hasText: dictionary[H] }).waitFor();
    await shot('sys-03-institutions');

    // API keys: an integration key bound to H; the key, paasid and secret are shown once.
    await page.getByTestId('nav').getByText('接口密钥').click();
    await page.getByTestId('key-create').click();
    await page.getByTestId('key-label').fill('HIS 东软 3101/3102');
    await page.getByTestId('key-institution').click();
    await page.keyboard.type(H);
    await page.locator('.ant-select-dropdown:visible .ant-select-item-option').filter({ hasText: H }).first().click();
    await page.getByTestId('key-save').click();
    await page.getByTestId('issued').waitFor();
    const paasid = (await page.getByTestId('issued-paasid').textContent())!.trim();
    const secret = (await page.getByTestId('issued-secret').textContent())!.trim();
    const apiKey = (await page.getByTestId('issued-key').textContent())!.trim();
    assert.match(paasid, /^[0-9a-f]{12}$/);
    assert.ok(secret.length >= 20 && apiKey.startsWith(`fg_${paasid}_`), 'the key and its x-tif credentials');
    await shot('sys-04-key-issued');
    await page.getByTestId('issued-close').click();
    await page.getByTestId('issued').waitFor({ state: 'detached' });
    // Once: neither the page nor the list answer carries the secret any more.
    const keyRow = page.getByTestId('keys-page').locator('tr.ant-table-row').filter({ hasText: paasid });
    await keyRow.getByText(dictionary[H]).waitFor();
    assert.equal(await page.getByText(secret).count(), 0, 'the secret is not shown again');
    assert.ok(!JSON.stringify((await call(adminKey, 'GET', '/api/v1/keys')).json).includes(secret), 'the key list never carries secrets');
    // The secret is real: a national x-tif signed sign-in (9001) with it is accepted.
    const ts = String(Math.floor(Date.now() / 1000));
    const nonce = randomBytes(8).toString('hex');
    const signed = await fetch(`${base}/api/v1/fsi/9001`, {
      method: 'POST', body: JSON.stringify({ infno: '9001', input: {} }),
      headers: { 'content-type': 'application/json', 'x-tif-paasid': paasid, 'x-tif-timestamp': ts, 'x-tif-nonce': nonce, 'x-tif-signature': createHash('sha256').update(ts + secret + nonce + ts).digest('hex') },
    });
    assert.equal(((await signed.json()) as { infcode: number }).infcode, 0, 'x-tif signed with the shown secret');
    await shot('sys-05-keys');

    // The audit log: search for what happened to clerk1, then verify the hash chain.
    await page.getByTestId('nav').getByText('审计日志').click();
    await page.getByTestId('audit-entity-id').fill('clerk1');
    await page.getByTestId('audit-search').click();
    await page.waitForURL(/entity_id=clerk1/);
    const auditRows = page.getByTestId('audit-page').locator('tr.ant-table-row');
    await auditRows.filter({ hasText: '停用用户' }).waitFor();
    await auditRows.filter({ hasText: '新建用户' }).waitFor();
    // newest first: the refused sign-in, then the disable, then the create
    const order = (await auditRows.allTextContents()).map((r) => (r.includes('停用用户') ? 'disable' : r.includes('新建用户') ? 'create' : r.includes('登录失败') ? 'refused' : 'other'));
    assert.deepEqual(order.filter((x) => x !== 'other'), ['refused', 'disable', 'create']);
    await page.getByTestId('audit-verify').click();
    await page.getByTestId('verify-result').filter({ hasText: /哈希链完整：共 \d+ 条/ }).waitFor();
    await shot('sys-06-audit-log');
    const searched = (await call<{ items: { action: string }[]; total: number }>(adminKey, 'GET', '/api/v1/audit-log?action=user&entity_id=clerk1')).json;
    assert.deepEqual(searched.items.map((e) => e.action), ['user.sign_in_failed', 'user.disable', 'user.create']);
    assert.equal(searched.total, 3);

    // ---- the shared table on the worklist: column settings (remembered), saved filters, export -------------------
    await page.getByTestId('nav').getByText('审核工作台').click();
    const worklist = page.getByTestId('worklist');
    await worklist.locator('tr.ant-table-row').first().waitFor();
    await page.getByTestId('table-settings').click();
    await page.getByTestId('col-toggle-risk').uncheck();
    await page.getByTestId('col-up-status').click();
    await page.getByTestId('col-up-status').click();
    await page.keyboard.press('Escape');
    const headers = async () => (await worklist.locator('thead th').allTextContents()).map((h) => h.trim()).filter(Boolean);
    assert.deepEqual((await headers()).slice(0, 3), ['审核单号', '状态', '机构']);
    assert.ok(!(await headers()).includes('风险分'), 'the hidden column is gone');
    // remembered for this user in this browser
    await page.reload();
    await worklist.locator('tr.ant-table-row').first().waitFor();
    assert.deepEqual((await headers()).slice(0, 3), ['审核单号', '状态', '机构']);
    // A saved filter: 待通知 of this institution, applied again after a reset.
    await page.getByTestId('filter-medins').fill(H);
    await page.getByTestId('filter-apply').click();
    await page.waitForURL(new RegExp(`medins_id=${H}`));
    await page.getByTestId('saved-filters').click();
    await page.getByTestId('filter-save').click();
    await page.getByTestId('filter-name').fill('本院');
    await page.getByTestId('filter-save-ok').click();
    await page.goto(`${base}/cases`);
    await worklist.locator('tr.ant-table-row').first().waitFor();
    await page.getByTestId('saved-filters').click();
    await page.getByTestId('saved-filter').filter({ hasText: '本院' }).click();
    await page.waitForURL(new RegExp(`medins_id=${H}`));
    await worklist.locator('tr.ant-table-row').first().waitFor();
    await shot('sys-07-worklist-columns');
    // Export this page: the shown columns in their order, names not codes, amounts in yuan as numbers.
    const shownRows = (await call<{ items: CaseView[] }>(adminKey, 'GET', `/api/v1/cases?medins_id=${H}&limit=20`)).json.items;
    await page.getByTestId('table-export').click();
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('export-page').click()]);
    assert.equal(download.suggestedFilename(), '审核工作台.xlsx');
    const file = join(dir, 'worklist.xlsx');
    await download.saveAs(file);
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.readFile(file);
    const ws = wb.worksheets[0];
    const head = (ws.getRow(1).values as unknown[]).slice(1);
    assert.deepEqual(head.slice(0, 3), ['审核单号', '状态', '机构']);
    assert.ok(!head.includes('风险分'));
    assert.equal(ws.rowCount, shownRows.length + 1, 'one row per case shown');
    const byId = new Map(shownRows.map((c) => [c.id, c]));
    const first = ws.getRow(2);
    const c0 = byId.get(String(first.getCell(1).value))!;
    assert.ok(c0, 'the exported case is one of those shown');
    assert.equal(first.getCell(3).value, `${dictionary[H]}（${H}）`, 'the institution by name');
    assert.match(String(first.getCell(2).value), /^[\u4e00-\u9fff（）]+$/, 'the status in Chinese');
    assert.equal(first.getCell(head.indexOf('拟扣金额') + 1).value, c0.proposed, 'amounts in yuan');

    // ---- print view of the notice, and the watermark on the case page ------------------------------------------
    await page.goto(`${base}/cases/${encodeURIComponent(target.id)}`);
    const mark = page.getByTestId('watermark');
    await mark.waitFor();
    assert.match((await mark.getAttribute('data-watermark')) ?? '', /^系统管理员 马骏（admin） \d{4}-\d{2}-\d{2} \d{2}:\d{2}$/);
    await page.waitForFunction(() => [...document.querySelectorAll('[data-testid="watermark"] div')].some((d) => (d as HTMLElement).style.backgroundImage.startsWith('url("data:image')));
    await page.getByTestId('case-detail').waitFor();
    await shot('sys-08-case-watermark');
    await page.getByTestId('notice-print').click();
    await page.waitForURL(`**/print/notice/${encodeURIComponent(target.id)}`);
    const notice = page.getByTestId('print-notice');
    await notice.getByText('医疗保障基金拟扣款通知书').waitFor();
    assert.equal(await page.getByTestId('nav').count(), 0, 'a page of its own: no menu');
    const total = decided.state.deduction;
    assert.equal(await page.getByTestId('print-total').textContent(), new Intl.NumberFormat('zh-CN', { minimumFractionDigits: 2 }).format(total));
    assert.match((await page.getByTestId('print-upper').textContent()) ?? '', /^人民币.+[元角分整]$/);
    await page.getByTestId('print-seal').waitFor();
    await shot('sys-09-print-notice');
    await page.emulateMedia({ media: 'print' });
    await shot('sys-10-print-media');
    const pdf = await page.pdf({ format: 'A4', preferCSSPageSize: true });
    assert.equal(pdf.subarray(0, 5).toString(), '%PDF-');
    await page.emulateMedia({ media: 'screen' });
    // The dashboard shows no personal data: no watermark.
    await page.goto(`${base}/dashboard`);
    await page.getByTestId('nav').waitFor();
    assert.equal(await page.getByTestId('watermark').count(), 0);

    // ---- English --------------------------------------------------------------------------------------------------
    await page.getByTestId('lang-switch').click();
    await page.goto(`${base}/system/users`);
    await page.getByTestId('users-page').getByText('Users', { exact: true }).waitFor();
    await page.getByTestId('users-page').locator('tr.ant-table-row').filter({ hasText: 'clerk1' }).getByText('Disabled').waitFor();
    await page.getByTestId('nav-group-system').getByText('System').waitFor();
    await shot('sys-11-users-english');
    await page.goto(`${base}/system/audit-log?action=user`);
    await page.getByTestId('audit-page').locator('tr.ant-table-row').first().waitFor();
    await page.getByTestId('audit-page').getByText('User disabled').first().waitFor();
    await page.getByTestId('audit-verify').click();
    await page.getByTestId('verify-result').filter({ hasText: /The chain is intact: \d+ entries/ }).waitFor();
    await shot('sys-12-audit-english');
    await page.goto(`${base}/system/keys`);
    await page.getByTestId('keys-page').getByText('Integration').first().waitFor();
    await page.goto(`${base}/print/notice/${encodeURIComponent(target.id)}`);
    await page.getByTestId('print-notice').getByText('Deducted (yuan)').waitFor();
    await shot('sys-13-print-english');
    await page.goto(`${base}/cases/${encodeURIComponent(target.id)}`);
    await page.getByTestId('watermark').waitFor();
    await page.getByTestId('table-settings').first().waitFor({ state: 'detached' }).catch(() => undefined);
    await page.goto(`${base}/encounters`);
    await page.getByTestId('encounter-results').locator('tr.ant-table-row').first().waitFor();
    await page.getByTestId('table-settings').getByText('Columns').waitFor();
    await page.getByTestId('watermark').waitFor();
    await shot('sys-14-encounters-english');
    await page.getByTestId('lang-switch').click();
    await signOut();

    // ---- who may see 系统管理: a supervisor reads the audit log only; an auditor sees none of it ---------------------
    await signIn('supervisor');
    await page.getByTestId('nav-group-system').click();
    await page.getByTestId('nav').getByText('审计日志').waitFor();
    assert.equal(await page.getByTestId('nav').getByText('用户管理').count(), 0);
    await page.goto(`${base}/system/users`);
    await page.getByTestId('forbidden').waitFor();
    await shot('sys-15-supervisor-forbidden');
    await signOut();
    await signIn('auditor');
    assert.equal(await page.getByTestId('nav-group-system').count(), 0);
    await signOut();

    // ---- the insured person's own year ---------------------------------------------------------------------------
    await signIn('insured');
    await page.waitForURL('**/me');
    const mine = (await call<{ year: number; items: { year: number; status: string; mdtrt_id: string; result: { act_pay_dedc: number } }[]; accumulators: { deductible_paid: number } }>((await login('insured')).token, 'GET', '/api/v1/me/settlements')).json;
    await page.getByTestId('me-ytd').filter({ hasText: `${mine.year} 年（按就诊日期）` }).waitFor();
    // 本年累计 已付起付线 is what the year's settlements paid as 实际支付起付线
    const paid = mine.items.filter((s) => s.status === 'settled').reduce((x, s) => x + Math.round(s.result.act_pay_dedc * 100), 0) / 100;
    assert.equal(mine.accumulators.deductible_paid, paid);
    assert.ok(mine.items.every((s) => s.year === mine.year), 'the settlements of the year shown');
    await page.getByTestId('me-deductible').getByText(new Intl.NumberFormat('zh-CN', { minimumFractionDigits: 2 }).format(paid)).waitFor();
    await page.getByTestId('watermark').waitFor();
    await shot('sys-16-insured');
    if (mine.items[0]) {
      // their own name, unmasked to themselves
      await page.goto(`${base}/encounters/${encodeURIComponent(mine.items[0].mdtrt_id)}`);
      await page.getByTestId('own-data').first().waitFor();
      assert.ok(!((await page.getByTestId('own-data').first().textContent()) ?? '').includes('*'), 'not masked to the person themself');
      await shot('sys-17-insured-encounter');
    }

    assert.deepEqual(errors, [], 'no uncaught errors in the page');
  } catch (e) {
    await failPage?.screenshot({ path: join(ARTIFACTS, 'system-failure.png'), fullPage: true }).catch(() => undefined);
    throw e;
  } finally {
    await browser?.close().catch(() => undefined);
    await server?.stop().catch(() => undefined);
    rmSync(dir, { recursive: true, force: true });
  }
});
