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

    // A group the pack does not define may come from the catalogue: on its own the pack is valid, with a warning;
    // with a catalogue that lacks the group it is an error.
    const g = join(dir, 'groups.json');
    writeFileSync(g, JSON.stringify({ pack: 'g', version: '1', name: 'g', region: '*', effective_from: '2024-01-01', rules: [{ id: 'STK-GINKGO', name: '银杏叶注射制剂同日叠加', kind: 'stacking', category: 'STACKING', severity: 'violation', items: ['@GINKGO_INJ'], params: { max_distinct: 1, window: 'day' } }] }));
    const alone = cli('rules', 'validate', g);
    assert.equal(alone.status, 0, alone.stderr);
    assert.match(alone.stderr, /warning: groups\.json rule=STK-GINKGO: rules\[0\]\.items: group @GINKGO_INJ is not defined in the pack/);
    const csv = join(dir, 'catalogue.csv');
    writeFileSync(csv, 'hilist_code,hilist_name,hilist_type,hilist_lv,group_codes\nZA01,银杏叶注射液,101,02,GINKGO_INJ\n');
    assert.equal(cli('rules', 'validate', g, '--catalogue', csv).status, 0);
    writeFileSync(csv, 'hilist_code,hilist_name,hilist_type,hilist_lv,group_codes\nZA01,银杏叶注射液,101,02,\n');
    const missing = cli('rules', 'validate', g, '--catalogue', csv);
    assert.equal(missing.status, 2);
    assert.match(missing.stderr, /@GINKGO_INJ is not defined in the pack's groups nor in the catalogue/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('fundguard audit: catalogue group_codes merge into pack groups; without the catalogue a warning; month windows span the file', { timeout: 60_000 }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'fg-audit-groups-'));
  try {
    const pack = join(dir, 'pack.yaml');
    writeFileSync(pack, [
      'pack: t', 'version: "7"', 'name: 测试', 'region: "*"', 'effective_from: 2024-01-01', 'rules:',
      '  - { id: STK-GINKGO, name: 银杏叶注射制剂同日叠加, kind: stacking, category: STACKING, severity: violation, items: ["@GINKGO_INJ"], params: { window: day } }',
      '  - { id: FRQ-CT, name: CT每月限1次, kind: frequency, category: FREQUENCY, severity: suspicious, items: ["2103*"], params: { max: 1, window: month }, message: "{item_name}{window}已收费{actual}，限{limit}" }',
    ].join('\n'));
    const csv = join(dir, 'catalogue.csv');
    writeFileSync(csv, 'hilist_code,hilist_name,hilist_type,hilist_lv,group_codes\nZA01,银杏叶注射液,101,02,GINKGO_INJ\nZA02,银杏达莫注射液,101,02,GINKGO_INJ;OTHER\n');
    const encounter = (id: string, day: string, lines: [string, string, number][]) => JSON.stringify({
      patn_id: 'P1', patn_name: '张三', gend: '1', brdy: '1970-01-01', poolarea: '610100', mdtrt_id: id, medins_id: 'H1', medins_admdvs: '610104', medins_lv: '05',
      adm_date: day, med_mdtrt_type: '1', med_type: '11', insutype: '310',
      fsi_order_dtos: lines.map(([code, at, pric], i) => ({ rx_id: `${id}-${i}`, hilist_type: '201', hilist_code: code, hilist_name: `项目${code}`, cnt: 1, pric, sumamt: pric, ownpay_amt: 0, drord_begn_date: at })),
    });
    const input = join(dir, 'enc.jsonl');
    writeFileSync(input, [
      encounter('A', '2024-03-01', [['210300001', '2024-03-01 08:00:00', 200]]),
      encounter('B', '2024-03-31', [['210300001', '2024-03-31 08:00:00', 200], ['ZA01', '2024-03-31 09:00:00', 10.5], ['ZA02', '2024-03-31 10:00:00', 20.25]]),
    ].join('\n') + '\n');

    const r = cli('audit', input, '--rules', pack, '--catalogue', csv);
    assert.equal(r.status, 0, r.stderr);
    const rows = r.stdout.trim().split('\n').map((l) => JSON.parse(l));
    assert.deepEqual(rows.map((x) => [x.rule_id, x.mdtrt_id, x.vola_amt, x.sev_deg, x.vola_amt_stas, x.pack_version]), [['STK-GINKGO', 'B', 20.25, '1', '1', '7'], ['FRQ-CT', 'B', 200, '2', '0', '7']]);
    assert.equal(rows[1].vola_cont, '项目210300001当月已收费2天，限当月1天');
    assert.deepEqual(rows[0].judge_result_detail_dtos.map((d: { rx_id: string; vola_amt: number }) => [d.rx_id, d.vola_amt]), [['B-2', 20.25]]);
    const again = cli('audit', input, '--rules', pack, '--catalogue', csv);
    assert.equal(again.stdout, r.stdout, 're-runs give identical findings and ids');

    const alone = cli('audit', input, '--rules', pack);
    assert.equal(alone.status, 0, alone.stderr);
    assert.match(alone.stderr, /warning: pack\.yaml rule=STK-GINKGO: rules\[0\]\.items: group @GINKGO_INJ is not defined in the pack/);
    assert.deepEqual(alone.stdout.trim().split('\n').map((l) => JSON.parse(l).rule_id), ['FRQ-CT']);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('fundguard audit: an encounter without fsi_lab_dtos/ext_flags (national-standard HIS) gets sev_deg 2 naming the missing lab, same amount', { timeout: 60_000 }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'fg-audit-'));
  try {
    const input = join(dir, 'enc.jsonl');
    const { fsi_lab_dtos: _labs, ext_flags: _flags, ...bare } = structuredClone(fsi_encounter_dtos[0]);
    writeFileSync(input, JSON.stringify({ ...patient, ...bare }) + '\n');
    const r = cli('audit', input, '--rules', join(RULES, 'national-sample'), '--stage', 'post');
    assert.equal(r.status, 0, r.stderr);
    const rows = r.stdout.trim().split('\n').map((l) => JSON.parse(l));
    assert.deepEqual(rows.map((x) => [x.rule_id, x.sev_deg, x.vola_amt, x.vola_amt_stas]), [['IND-ALB', '2', 770, '0']]);
    assert.match(rows[0].vola_cont, /^需核实：未提供检验结果 ALB/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
