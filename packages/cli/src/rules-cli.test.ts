import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const MAIN = join(here, 'main.ts');
const PACK = join(here, '..', '..', '..', 'rules', 'national-sample', 'pack.json');

test('fundguard rules upload / activate / list / diff on the embedded database', { timeout: 120_000 }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'fg-rules-cli-'));
  const env = { ...process.env, FUNDGUARD_DATA_DIR: join(dir, 'data') };
  const cli = (...args: string[]) => spawnSync(process.execPath, ['--import', 'tsx', MAIN, ...args], { encoding: 'utf8', env });
  try {
    const up = cli('rules', 'upload', PACK, '--activate');
    assert.equal(up.status, 0, up.stderr);
    assert.equal(JSON.parse(up.stdout).status, 'active');
    const v2 = JSON.parse(readFileSync(PACK, 'utf8'));
    v2.version = '2024.2';
    v2.rules[0].severity = 'suspicious';
    v2.rules.pop();
    const f = join(dir, 'v2.json');
    writeFileSync(f, JSON.stringify(v2));
    assert.equal(cli('rules', 'upload', f).status, 0);
    const list = JSON.parse(cli('rules', 'list', 'national-sample').stdout);
    assert.deepEqual(list.items.map((v: { version: string; status: string }) => [v.version, v.status]), [['2024.2', 'draft'], ['2024.1', 'active']]);
    assert.match(list.items[0].change_summary, /−1 rules; 1 rules changed \(vs 2024\.1\)/);
    const diff = JSON.parse(cli('rules', 'diff', 'national-sample', '2024.1', '2024.2').stdout);
    assert.deepEqual(diff.rules.removed, ['RX-HERB-COUNT-SPECIAL']);
    assert.deepEqual(diff.rules.changed[0].changes, [{ field: 'severity', before: 'violation', after: 'suspicious' }]);
    const act = cli('rules', 'activate', 'national-sample', '2024.2');
    assert.equal(JSON.parse(act.stdout).previous, '2024.1');
    assert.equal(cli('rules', 'activate', 'national-sample', '9.9').status, 2);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
