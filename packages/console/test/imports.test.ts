/**
 * The import page in a browser: download a template, import it as it is (a job with progress, then the result), and a
 * bad file's line errors in Chinese. Screenshots in test-artifacts/console/imports-*.png.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { test } from 'node:test';
import { chromium, type Browser } from 'playwright-core';
import { startServer, type RunningServer } from '@fundguard/api';
import { SYSTEM_ACTOR } from '@fundguard/service';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const ROOT = new URL('../../../', import.meta.url).pathname;
const ARTIFACTS = join(ROOT, 'test-artifacts', 'console');
const required = process.env.REQUIRE_POSTGRES === '1';
const skip = existsSync(CHROMIUM) ? false : required ? false : `no browser at ${CHROMIUM}`;
const PASSWORD = 'import-page-test-Pw-2026';

test('console import page: template download, an import job with progress and its result, line errors in Chinese', { skip, timeout: 300_000 }, async () => {
  const build = spawnSync(process.execPath, [join(ROOT, 'scripts', 'build-console.mjs'), '--strict'], { stdio: 'inherit' });
  assert.equal(build.status, 0, 'console build');
  mkdirSync(ARTIFACTS, { recursive: true });
  process.env.LOG_LEVEL ??= 'warn';
  const dir = mkdtempSync(join(tmpdir(), 'fg-console-imports-'));
  let server: RunningServer | null = null;
  let browser: Browser | null = null;
  try {
    server = await startServer({ port: 0, host: '127.0.0.1', dataDir: join(dir, 'data'), demo: false, adminKey: 'fg-imports-test-admin-key', lead: true });
    const fg = server.fg;
    await fg.keys.createUser(SYSTEM_ACTOR, { username: 'importer', password: PASSWORD, role: 'admin', displayName: '导入员' });
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--disable-dev-shm-usage'] });
    const context = await browser.newContext({ viewport: { width: 1440, height: 900 }, locale: 'zh-CN', acceptDownloads: true });
    const page = await context.newPage();
    page.setDefaultTimeout(60_000);
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    const shot = (name: string) => page.screenshot({ path: join(ARTIFACTS, `imports-${name}.png`), fullPage: true, animations: 'disabled' });

    await page.goto(server.url + '/runs');
    await page.locator('#username').fill('importer');
    await page.locator('#password').fill(PASSWORD);
    await page.getByTestId('login-submit').click();
    const panel = page.getByTestId('runs-import');
    await panel.waitFor();

    // The encounter template (the first kind an administrator may import): three data sheets and 说明.
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('import-encounters-template').click()]);
    assert.equal(download.suggestedFilename(), '就诊数据导入模板.xlsx');
    const template = join(dir, '就诊数据导入模板.xlsx');
    await download.saveAs(template);
    assert.ok(readFileSync(template).length > 1000);

    // Imported as it is: a job, then the result (one encounter).
    await page.locator('[data-testid="runs-import"] input[type=file]').setInputFiles(template);
    const result = page.getByTestId('import-encounters-result');
    await result.waitFor();
    assert.match(await result.innerText(), /导入成功：1 条/);
    assert.equal(await fg.ctx.encounters.count(), 1);
    await page.locator('.ant-table-row').filter({ hasText: '就诊数据导入模板.xlsx' }).filter({ hasText: '已导入' }).waitFor();
    await shot('1-template-imported');

    // A bad file: nothing imported, each error with its line and field, in Chinese.
    const bad = join(dir, 'bad.jsonl');
    const example = JSON.parse(readFileSync(join(ROOT, '..', 'shared', 'examples', '3101-request-envelope.json'), 'utf8'));
    const { fsi_encounter_dtos, ...patient } = example.input.data.patient_dtos[0];
    const line = { ...patient, ...fsi_encounter_dtos[0], mdtrt_id: 'BAD1' };
    writeFileSync(bad, [JSON.stringify(line), JSON.stringify({ ...line, mdtrt_id: 'BAD2', fsi_order_dtos: [{ ...line.fsi_order_dtos[0], cnt: 'two' }] }), '{"cut'].join('\n'));
    await page.locator('[data-testid="runs-import"] input[type=file]').setInputFiles(bad);
    await result.filter({ hasText: '文件未导入' }).waitFor();
    const text = await result.innerText();
    assert.match(text, /第 2 行/);
    assert.match(text, /第 3 行/);
    assert.equal(await fg.ctx.encounters.count(), 1, 'the bad file changed nothing');
    await shot('2-line-errors');

    // A larger file: the progress bar (records validated, then written, with the time left), then the result.
    const big = join(dir, 'big.jsonl');
    writeFileSync(big, Array.from({ length: 1500 }, (_, i) => JSON.stringify({ ...line, mdtrt_id: `BIG${i}`, patn_id: `PB${i % 300}` })).join('\n') + '\n');
    await page.locator('[data-testid="runs-import"] input[type=file]').setInputFiles(big);
    // The progress panel, unless the job finished before the console's next poll (a fast machine; packages/api/src/
    // import-jobs.test.ts asserts the job's progress figures themselves).
    const progress = page.getByTestId('import-encounters-progress').filter({ hasText: /已校验 [1-9]|正在写入/ });
    await progress.or(result.filter({ hasText: '导入成功：1,500 条' })).first().waitFor({ timeout: 180_000 });
    if (await progress.isVisible()) await shot('3-progress');
    await result.filter({ hasText: '导入成功：1,500 条' }).waitFor({ timeout: 180_000 });
    assert.equal(await fg.ctx.encounters.count(), 1501);

    // Lists: the same panel on the 名单 page, with its template.
    await page.goto(server.url + '/lists');
    await page.getByTestId('import-lists-template').waitFor();
    await shot('4-lists');
    assert.deepEqual(errors, []);
  } finally {
    await browser?.close();
    await server?.stop();
    rmSync(dir, { recursive: true, force: true });
  }
});
