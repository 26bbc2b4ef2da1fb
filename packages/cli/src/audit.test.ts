import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const MAIN = join(here, 'main.ts');
const RULES = join(here, '..', '..', '..', 'rules');
const cli = (...args: string[]) => spawnSync(process.execPath, ['--import', 'tsx', MAIN, ...args], { encoding: 'utf8' });

const example = JSON.parse(readFileSync(join(here, '..', '..', '..', '..', 'shared', 'examples', '3101-request-envelope.json'), 'utf8'));
const { fsi_encounter_dtos, ...patient } = example.input.data.patient_dtos[0];
const line = (labValue: string) => {
  const e = structuredClone(fsi_encounter_dtos[0]);
  e.fsi_lab_dtos[0].rslt_val = labValue;
  return JSON.stringify({ ...patient, ...e });
};

test('fundguard audit: stateless, one finding per line in the 3101 result shape, exit codes', { timeout: 60_000 }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'fg-audit-'));
  try {
    const input = join(dir, 'enc.jsonl');
    writeFileSync(input, line('31') + '\n');
    const r = cli('audit', input, '--rules', join(RULES, 'national-sample'), '--stage', 'pre');
    assert.equal(r.status, 0, r.stderr);
    const rows = r.stdout.trim().split('\n').map((l) => JSON.parse(l));
    assert.equal(rows.length, 1);
    assert.equal(rows[0].rule_id, 'IND-ALB');
    assert.equal(rows[0].vola_amt, 770);
    assert.equal(rows[0].sev_deg, '1');
    assert.equal(rows[0].judge_result_detail_dtos[0].jrd_id, `${rows[0].jr_id}-1`);

    writeFileSync(input, line('27.4') + '\n');
    const out = join(dir, 'findings.jsonl');
    const clean = cli('audit', input, '--rules', join(RULES, 'national-sample', 'pack.json'), '--out', out);
    assert.equal(clean.status, 0, clean.stderr);
    assert.equal(readFileSync(out, 'utf8'), '', 'payable: no findings, exit 0');

    writeFileSync(input, line('31').replace('"cnt":"2"', '"cnt":"zwei"') + '\n');
    const bad = cli('audit', input, '--rules', join(RULES, 'national-sample'));
    assert.equal(bad.status, 2);
    assert.match(bad.stderr, /enc\.jsonl line 1 mdtrt_id=ZY2024031000123: fsi_order_dtos\[0\]\.cnt: not a decimal number/);

    const noCatalogue = cli('audit', input, '--rules', join(RULES, 'national-catalogue'));
    assert.equal(noCatalogue.status, 2);
    assert.match(noCatalogue.stderr, /needs a catalogue/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('fundguard rules validate: every shipped pack is valid; a broken pack lists each error and exits 2', { timeout: 60_000 }, () => {
  for (const p of ['national-sample', 'xian-basic', 'national-catalogue']) {
    const r = cli('rules', 'validate', join(RULES, p));
    assert.equal(r.status, 0, `${p}: ${r.stderr}`);
  }
  const dir = mkdtempSync(join(tmpdir(), 'fg-rules-'));
  try {
    const f = join(dir, 'bad.yaml');
    writeFileSync(f, 'pack: bad\nversion: "1"\nname: 坏\nregion: "*"\neffective_from: 2024-01-01\nrules:\n  - id: A\n    name: a\n    kind: nope\n    category: GENDER\n    severity: violation\n    items: [X]\n');
    const r = cli('rules', 'validate', f);
    assert.equal(r.status, 2);
    assert.match(r.stderr, /rule=A: rules\[0\]\.kind: unknown kind/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
