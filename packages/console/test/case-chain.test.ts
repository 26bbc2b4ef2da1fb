// The seeds' review chain walked in a real browser (playwright-core on Debian's /usr/bin/chromium; never a browser
// download) against the real server, in-process on an embedded PGlite database with demo data (the set-up of
// console.test.ts): a 可疑 finding → 科室初审 by the department that billed it → 医保办复审 → the agency's 初审 / 复审 /
// 终审 → appeal → re-review → panel of three → final, then the deduction in the hospital's monthly statement.
// Screenshots go to test-artifacts/console/chain-*.png (gitignored).
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
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

interface Finding { id: string; severity: string; appealable: boolean; dept_codg?: string }
interface CaseView { id: string; medins_id: string; month: string; status: string; finding_count: number; state: { findings: Finding[]; deduction: number | null } }

test('console: the whole case chain — department, 医保办, agency levels, appeal, re-review, panel — and the statement', { skip, timeout: 600_000 }, async () => {
  assert.ok(existsSync(CHROMIUM), `REQUIRE_POSTGRES=1 (CI) needs a browser at ${CHROMIUM}`);
  const build = spawnSync(process.execPath, [join(ROOT, 'scripts', 'build-console.mjs'), '--strict'], { stdio: 'inherit' });
  assert.equal(build.status, 0, 'console build');
  mkdirSync(ARTIFACTS, { recursive: true });

  process.env.LOG_LEVEL ??= 'warn';
  const dir = mkdtempSync(join(tmpdir(), 'fg-chain-'));
  let failPage: Page | null = null;
  let server: RunningServer | null = null;
  let browser: Browser | null = null;
  try {
    server = await startServer({ port: 0, host: '127.0.0.1', dataDir: join(dir, 'data'), demo: true, adminKey: 'fg-chain-test-admin-key', lead: true });
    const fg = server.fg;
    const base = server.url;
    await loadDemoIfEmpty(fg, { encounters: 3000 });
    // The demo's batch audit opens cases when it finishes, then binds the department reviewer to a department of the
    // demo hospital with 可疑 findings.
    const bound = async () => (await fg.database.rows<{ dept_codg: string | null; institution_id: string }>(sql`
      select u.dept_codg, u.institution_id from users u where u.username = 'hospital_dept'
        and exists (select 1 from findings f where f.medins_id = u.institution_id and f.dept_codg = u.dept_codg and f.severity = 'suspicious' and f.case_id is not null)`))[0];
    for (let i = 0; i < 1500 && !(await bound()); i++) await new Promise((r) => setTimeout(r, 200));
    const binding = await bound();
    assert.ok(binding?.dept_codg, 'the demo department reviewer is bound to a department with 可疑 findings in cases');
    const H = binding.institution_id;
    const D = binding.dept_codg!;

    const adminKey = 'fg-chain-test-admin-key';
    const call = async <T>(token: string, method: string, path: string, body?: unknown): Promise<{ status: number; json: T }> => {
      const r = await fetch(base + path, { method, headers: { authorization: `Bearer ${token}`, ...(body ? { 'content-type': 'application/json' } : {}) }, body: body ? JSON.stringify(body) : undefined });
      return { status: r.status, json: (await r.json().catch(() => null)) as T };
    };
    // A small draft case of the demo hospital with 可疑 findings of department D, and a finding the hospital may appeal.
    const drafts = (await call<{ items: CaseView[] }>(adminKey, 'GET', `/api/v1/cases?medins_id=${H}&status=draft&limit=500`)).json.items;
    const suspicious = (c: CaseView) => c.state.findings.filter((f) => f.severity === 'suspicious');
    const candidates = drafts.filter((c) => suspicious(c).some((f) => f.dept_codg === D) && c.state.findings.some((f) => f.appealable && f.severity !== 'reminder'));
    assert.ok(candidates.length, `the demo hospital ${H} has a draft case with 可疑 findings of department ${D}`);
    // Fewest other departments first (each needs its own 科室初审), then the fewest findings.
    const others = (c: CaseView) => new Set(suspicious(c).map((f) => f.dept_codg).filter((d) => d && d !== D)).size;
    const target = candidates.sort((a, b) => others(a) - others(b) || a.finding_count - b.finding_count)[0];
    const id = target.id;
    const mineCount = target.state.findings.filter((f) => f.dept_codg === D).length;

    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--disable-dev-shm-usage'] });
    const context = await browser.newContext({ viewport: { width: 1440, height: 960 }, locale: 'zh-CN' });
    const page = await context.newPage();
    page.setDefaultTimeout(90_000);
    failPage = page;
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    const shot = (name: string) => page.screenshot({ path: join(ARTIFACTS, `chain-${name}.png`), fullPage: true, animations: 'disabled' });
    const dialog = page.locator('.ant-modal:not(.ant-modal-confirm)');
    const ok = () => dialog.getByRole('button', { name: /确\s*定|OK/ }).click();
    const status = () => page.getByTestId('case-status');
    const confirmOk = async () => {
      await page.getByTestId('confirm-ok').click();
      await page.locator('.ant-modal-confirm').waitFor({ state: 'hidden' });
    };
    const signIn = async (user: string, path: string) => {
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
    const caseUrl = `/cases/${encodeURIComponent(id)}`;

    // 1. The auditor notifies the hospital (asked first: it cannot be recalled); the notice says who answers first.
    await signIn('auditor', caseUrl);
    await page.getByTestId('act-notify').click();
    await page.locator('.ant-modal-confirm-title').filter({ hasText: '通知医院？' }).waitFor();
    await confirmOk();
    await status().filter({ hasText: '待医院说明' }).waitFor();
    await page.getByTestId('case-notice').getByText(/完成科室初审/).waitFor();
    await page.getByTestId('hospital-levels').getByText('科室初审').waitFor();
    await shot('01-notified');
    await signOut();

    // 2. 科室初审: the department reviewer sees only its department's findings, explains its 可疑 ones and submits.
    await signIn('hospital_dept', caseUrl);
    await status().filter({ hasText: '待医院说明' }).waitFor();
    const rows = page.locator('[data-testid="findings"] tbody tr.ant-table-row');
    await rows.first().waitFor();
    assert.equal(await rows.count(), Math.min(mineCount, 20), 'only the department\'s own findings');
    assert.equal(await page.getByTestId('act-submit').count(), 0, 'the department does not send the case to the agency');
    const toExplain = rows.filter({ hasText: '可疑' });
    const n = await toExplain.count();
    assert.ok(n > 0);
    for (let i = 0; i < n; i++) {
      await toExplain.nth(i).getByRole('button', { name: '填写说明' }).click();
      await dialog.getByTestId('explain-input').fill(`科室说明 ${i + 1}：病情需要，见病程记录与检验报告。`);
      await ok();
      await dialog.waitFor({ state: 'hidden' });
      await page.getByTestId('findings').getByText(`科室说明 ${i + 1}：`).waitFor();
    }
    await shot('02-department');
    await page.getByTestId('act-dept-submit').click();
    await confirmOk();
    await page.getByTestId('hospital-levels').getByText(new RegExp(`科室 .*${D}.* 已提交`)).waitFor();
    await page.getByTestId('unavailable').getByText(/本科室已提交科室初审/).waitFor();
    await signOut();
    // Other departments of the same case (if any) answer through the API, each as its own reviewer.
    const otherDepts = [...new Set(suspicious(target).map((f) => f.dept_codg).filter((d): d is string => !!d && d !== D))];
    for (const d of otherDepts) {
      const username = `dept_${d}`.replace(/[^A-Za-z0-9_.@-]/g, '_');
      assert.equal((await call(adminKey, 'POST', '/api/v1/users', { username, password: 'Chain-test-pass-1', role: 'hospital', institution_id: H, dept_codg: d, display_name: `科室 ${d}` })).status, 201);
      const login = await fetch(base + '/api/v1/auth/login', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username, password: 'Chain-test-pass-1' }) });
      const token = ((await login.json()) as { token: string }).token;
      assert.equal((await call(token, 'POST', `/api/v1/cases/${id}/events`, { type: 'dept_submit' })).status, 200);
    }

    // 3. 医保办复审: the office sees the whole case and sends it to the agency (asked first).
    await signIn('hospital', caseUrl);
    await page.getByTestId('act-submit').filter({ hasText: '医保办复审通过，提交医保部门' }).click();
    await page.locator('.ant-modal-confirm-title').filter({ hasText: '提交医保部门？' }).waitFor();
    await confirmOk();
    await status().filter({ hasText: '审核中' }).waitFor();
    await page.getByTestId('hospital-levels').getByText(/一次通过/).waitFor();
    await shot('03-office');
    await signOut();

    // 4. The agency: 初审 by an auditor (claimed on the 待办 page; decides every finding), 复审 by another auditor
    // (分派 by a supervisor from the eligible users), 终审 by a supervisor.
    await signIn('auditor', '/tasks');
    const task = page.getByTestId('task-table').locator('tr.ant-table-row').filter({ hasText: id });
    await task.getByTestId('task-claim').click();
    await task.getByTestId('task-claim').waitFor({ state: 'detached' }); // claimed: the task stays, now the auditor's own
    await page.goto(base + caseUrl);
    await page.getByTestId('assignee').getByText('auditor（领取）').waitFor();
    await page.getByTestId('act-confirm-all').click();
    await page.waitForFunction(() => document.querySelectorAll('[data-testid="decision"]').length >= document.querySelectorAll('[data-testid="findings"] tbody tr.ant-table-row').length);
    await page.getByTestId('act-approve').click();
    await page.locator('.ant-modal-confirm-title').filter({ hasText: '通过第 1 级审核？' }).waitFor();
    await confirmOk();
    await page.getByTestId('levels').getByText(/auditor 于/).waitFor();
    await page.getByTestId('unavailable').getByText(/您已通过第 1 级/).waitFor();
    await signOut();
    await signIn('supervisor', caseUrl);
    // level 2 is an auditor's: the supervisor is told why there is no button, and assigns it
    await page.getByTestId('why-approve_level').getByText('第 2 级由审核员审核').waitFor();
    await page.getByTestId('act-assign-level').click();
    const assign = page.getByTestId('assign-dialog');
    await assign.getByTestId('assign-input').click();
    const levelOptions = page.locator('.ant-select-dropdown:not(.ant-select-dropdown-hidden) .ant-select-item-option');
    await levelOptions.first().waitFor();
    const levelOffered = await levelOptions.allTextContents();
    assert.ok(!levelOffered.some((o) => /\((auditor|supervisor|supervisor2)\)/.test(o)) && !levelOffered.some((o) => /key:/.test(o)), `only auditors who signed no level, no keys: ${levelOffered.join(', ')}`);
    await levelOptions.filter({ hasText: '(auditor2)' }).click();
    await shot('04a-assign');
    await assign.getByTestId('assign-ok').click();
    await page.getByTestId('assignee').getByText('auditor2（分派）').waitFor();
    await signOut();
    await signIn('auditor2', caseUrl);
    await page.getByTestId('act-approve').click();
    await confirmOk();
    await page.getByTestId('levels').getByText(/auditor2 于/).waitFor();
    await signOut();
    await signIn('supervisor', caseUrl);
    await page.getByTestId('act-approve').click();
    await confirmOk();
    await status().filter({ hasText: '已决定' }).waitFor();
    await shot('04-decided');
    await signOut();

    // 5. The 医保办 appeals.
    await signIn('hospital', caseUrl);
    await page.getByTestId('act-appeal').click();
    await dialog.getByTestId('reason-input').fill('检验报告支持用药必要性，请复核。');
    await ok();
    await dialog.waitFor({ state: 'hidden' });
    await status().filter({ hasText: '已申诉' }).waitFor();
    await signOut();

    // 6. The supervisor assigns the re-review, picking from the eligible users (those who took no part).
    await signIn('supervisor2', caseUrl);
    await page.getByTestId('act-assign').click();
    await dialog.getByTestId('reviewer-input').click();
    const options = page.locator('.ant-select-dropdown:not(.ant-select-dropdown-hidden) .ant-select-item-option');
    await options.filter({ hasText: '(auditor3)' }).waitFor(); // the eligible list has arrived
    const offered = await options.allTextContents();
    assert.ok(!offered.some((o) => /\((auditor|auditor2|supervisor)\)/.test(o)), `those who signed a level are not offered: ${offered.join(', ')}`);
    // pick by typing (the options re-render when the eligible list arrives; a click could land on the old list)
    await dialog.getByTestId('reviewer-input').locator('input').fill('auditor3');
    await options.filter({ hasText: '(auditor3)' }).waitFor();
    await page.keyboard.press('Enter');
    await dialog.getByTestId('reviewer-input').getByText('(auditor3)').waitFor();
    await ok();
    await dialog.waitFor({ state: 'hidden' });
    await status().filter({ hasText: '复核中' }).waitFor();
    await signOut();

    // 7. The re-reviewer finds the dispute hard and refers it to the panel of three experts.
    await signIn('auditor3', caseUrl);
    await page.getByTestId('act-panel').click();
    await dialog.getByTestId('panel-input').click();
    for (const e of ['expert1', 'expert2', 'expert3']) {
      await dialog.getByTestId('panel-input').locator('input').fill(e);
      await options.filter({ hasText: `(${e})` }).waitFor();
      await page.keyboard.press('Enter');
      await dialog.getByTestId('panel-input').getByText(`(${e})`).waitFor();
    }
    await dialog.locator('.ant-modal-title').click(); // closes the picker's dropdown, which covers the reason field
    await dialog.getByTestId('reason-input').fill('用药指征存在争议，提交专家合议。');
    await ok();
    await dialog.waitFor({ state: 'hidden' });
    await status().filter({ hasText: '专家合议' }).waitFor();
    await shot('05-panel');
    await signOut();

    // 8. Two of three experts uphold: the majority makes the deduction final.
    for (const e of ['expert1', 'expert2']) {
      await signIn(e, caseUrl);
      await page.getByTestId('act-vote').click();
      await dialog.getByText('维持').click();
      await dialog.getByTestId('reason-input').fill('扣款依据充分。');
      await ok();
      await dialog.waitFor({ state: 'hidden' });
      await signOut();
    }
    const final = (await call<CaseView & { deduction: number }>(adminKey, 'GET', `/api/v1/cases/${id}`)).json;
    assert.equal(final.status, 'final');
    assert.ok(final.deduction > 0, 'the upheld deduction stands');
    const [{ final_month: month }] = await fg.database.rows<{ final_month: string }>(sql`select to_char(final_at at time zone 'UTC', 'YYYY-MM') as final_month from cases where id = ${id}`);

    // 9. The hospital's monthly statement of that month deducts it.
    await signIn('hospital', caseUrl);
    await status().filter({ hasText: '已生效' }).waitFor();
    await page.getByTestId('appeal-result').first().waitFor();
    await shot('06-final');
    await page.getByTestId('nav').getByText('结算').click();
    await page.getByText('机构月度结算单').click();
    const monthInput = page.locator('[data-testid="statement-month"] input, input[data-testid="statement-month"]').first();
    await monthInput.click();
    await monthInput.fill(month);
    await monthInput.press('Enter');
    const row = page.locator('tr.ant-table-row').filter({ hasText: id });
    await row.waitFor();
    const shown = (await row.textContent()) ?? '';
    const yuanText = final.deduction.toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 });
    assert.ok(shown.includes(yuanText), `the statement deducts ¥${yuanText} for ${id}: ${shown}`);
    const st = (await call<{ deductions: { case_id: string; deduction_fen: number }[] }>(adminKey, 'GET', `/api/v1/statements/${H}/${month}`)).json;
    assert.equal(st.deductions.find((d) => d.case_id === id)?.deduction_fen, Math.round(final.deduction * 100));
    await shot('07-statement');
    // The dashboard: 内部审核合格率 (this case passed the 医保办 at the first try) and 整改率 (nothing rectified yet), each with its basis.
    await page.getByTestId('nav').getByText('监管看板').click();
    const kpis = page.getByTestId('hospital-kpis');
    await kpis.getByTestId('kpi-first_pass').filter({ hasText: '100.0%' }).first().waitFor();
    await kpis.getByTestId('kpi-rectification').filter({ hasText: '未达标' }).first().waitFor();
    await kpis.getByText(/医保办复审一次通过/).first().waitFor();
    await kpis.screenshot({ path: join(ARTIFACTS, 'chain-08-kpis.png'), animations: 'disabled' });
    assert.deepEqual(errors, [], 'no page errors');
  } catch (e) {
    if (failPage) await failPage.screenshot({ path: join(ARTIFACTS, 'chain-failure.png'), fullPage: true }).catch(() => undefined);
    throw e;
  } finally {
    await browser?.close().catch(() => undefined);
    await server?.stop().catch(() => undefined);
    rmSync(dir, { recursive: true, force: true });
  }
});
