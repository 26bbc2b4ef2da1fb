import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const root = new URL('../../../', import.meta.url).pathname;
const cli = (dir: string, ...args: string[]) => spawnSync(process.execPath, ['--import', 'tsx', join(root, 'packages/cli/src/main.ts'), ...args], {
  encoding: 'utf8', env: { ...process.env, FUNDGUARD_DATA_DIR: dir, DATABASE_URL: '' },
});

test('fundguard policies import|list, statement and screen on the embedded database', { timeout: 90_000 }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'fg-policies-'));
  try {
    const imp = cli(join(dir, 'data'), 'policies', 'import', join(root, 'policies/610100/2024-310-inpatient.json'));
    assert.equal(imp.status, 0, imp.stderr);
    assert.equal(JSON.parse(imp.stdout).created, 1);
    const list = cli(join(dir, 'data'), 'policies', 'list', '--region', '610100');
    assert.deepEqual(JSON.parse(list.stdout).items.map((p: { insutype: string; scenario: string }) => `${p.insutype}/${p.scenario}`), ['310/inpatient']);
    const bad = cli(join(dir, 'data'), 'policies', 'import', join(root, 'package.json'));
    assert.equal(bad.status, 2, bad.stderr);
    assert.match(bad.stderr, /package\.json.*policy\.region/);
    const st = cli(join(dir, 'data'), 'statement', 'H1', '2024-05', '--xlsx', join(dir, 's.xlsx'));
    assert.equal(st.status, 0, st.stderr);
    assert.ok(existsSync(join(dir, 's.xlsx')));
    assert.equal(cli(join(dir, 'data'), 'statement', 'H1', '2024-13').status, 2);
    const screen = cli(join(dir, 'data'), 'screen', '--from', '2024-01-01', '--to', '2025-01-01');
    assert.equal(screen.status, 0, screen.stderr);
    assert.deepEqual([JSON.parse(screen.stdout).run.status, JSON.parse(screen.stdout).leads.total], ['done', 0]);
    assert.equal(cli(join(dir, 'data'), 'screen', '--from', '2024-01-01', '--to', '2023-01-01').status, 2);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('fundguard screen --out writes every lead as JSONL, amounts in yuan; stdout keeps the top ones', { timeout: 180_000 }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'fg-screen-out-'));
  try {
    const data = join(dir, 'data');
    const file = join(dir, 'enc.jsonl');
    const gen = cli(data, 'generate', '--encounters', '600', '--seed', 'screen-out', '--rate', 'READMISSION=0.1,GHOST_BED=0.1', '--out', file);
    assert.equal(gen.status, 0, gen.stderr);
    assert.equal(cli(data, 'import', 'encounters', file).status, 0);
    const out = join(dir, 'leads.jsonl');
    const screen = cli(data, 'screen', '--from', '2024-01-01', '--to', '2025-01-01', '--top', '2', '--out', out);
    assert.equal(screen.status, 0, screen.stderr);
    const shown = JSON.parse(screen.stdout) as { leads: { total: number; items: Record<string, unknown>[] }; written: { leads: number } };
    assert.ok(shown.leads.total > 2, `leads: ${shown.leads.total}`);
    assert.equal(shown.leads.items.length, 2);
    const lines = readFileSync(out, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { amount_at_risk: number; evidence: { amount: number }[] });
    assert.equal(lines.length, shown.leads.total);
    assert.equal(shown.written.leads, shown.leads.total);
    assert.ok(lines.every((l) => typeof l.amount_at_risk === 'number' && !('amount_at_risk_fen' in l) && l.evidence.every((e) => typeof e.amount === 'number' && !('amount_fen' in e))));
    assert.ok(!existsSync(`${out}.partial`));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
