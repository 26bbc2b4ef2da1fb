import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  compilePack, evaluatePatient, generate, generatedCatalogue, normaliseImportEncounter, toImportShape, toResultRow, type CatalogueEntry, type Encounter, type Patient,
} from '@fundguard/core';
import { catalogueLookup, readCatalogueFile, readPackFiles } from '@fundguard/service/packs-io.ts';

const here = dirname(fileURLToPath(import.meta.url));
const MAIN = join(here, '..', 'main.ts');
const RULES = join(here, '..', '..', '..', '..', 'rules');
const cli = (args: string[], env: Record<string, string> = {}) =>
  spawnSync(process.execPath, ['--import', 'tsx', MAIN, ...args], { encoding: 'utf8', maxBuffer: 256 << 20, env: { ...process.env, ...env } });

/**
 * The audit as it was before it parsed each line once (two passes, one thread), kept here as the reference: the
 * output of every thread count and memory budget must be these bytes.
 */
function reference(text: string, name: string, packFiles: string[], catalogue: CatalogueEntry[]): string {
  const packs = readPackFiles(packFiles).map(({ pack }) => compilePack(pack, { catalogue, unknownGroups: 'error', warnings: [] }));
  const byPatient = new Map<string, { patient: Patient; encounters: Encounter[] }>();
  for (const line of text.split('\n')) {
    if (!line.trim()) continue;
    const pe = normaliseImportEncounter(JSON.parse(line)).value!;
    const p = byPatient.get(pe.patient.patn_id);
    if (p) p.encounters.push(pe.encounter);
    else byPatient.set(pe.patient.patn_id, { patient: pe.patient, encounters: [pe.encounter] });
  }
  const lookup = catalogueLookup(catalogue);
  let out = '';
  for (const p of byPatient.values()) for (const f of evaluatePatient(packs, p, { stage: 'post', catalogue: lookup })) out += JSON.stringify(toResultRow(f, { salt: name })) + '\n';
  return out;
}

test('fundguard audit: the same bytes with 1, 2 and 3 threads and any memory budget, as the two-pass audit gave; bad lines name line and field alike', { timeout: 600_000 }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'fg-audit-threads-'));
  try {
    // ~6 MB (several 1 MB chunks): violations injected; every 5th encounter moved to the end, so that many patients'
    // encounters lie in chunks that other threads parse.
    const lines = [...generate({ encounters: 1500, seed: 'threads', rates: { gender: 0.05, quantity: 0.05, exclusive: 0.05, duplicate: 0.05 } as never })]
      .map((g) => JSON.stringify(toImportShape(g.record)));
    const ordered = [...lines.filter((_, i) => i % 5 !== 0), ...lines.filter((_, i) => i % 5 === 0)];
    const text = ordered.join('\n') + '\n';
    const file = join(dir, 'enc.jsonl');
    writeFileSync(file, text);
    const catalogue = generatedCatalogue();
    const csv = join(dir, 'catalogue.csv');
    writeFileSync(csv, 'hilist_code,hilist_name,hilist_type,hilist_lv,price_cap,group_codes\n' + catalogue.map((e) => [e.hilist_code, e.hilist_name, e.hilist_type, e.hilist_lv, e.price_cap === null ? '' : (e.price_cap / 100).toFixed(2), e.group_codes.join(';')].join(',')).join('\n') + '\n');
    const packs = ['national-sample', 'xian-basic', 'national-catalogue'].map((p) => join(RULES, p));
    const rules = packs.flatMap((p) => ['--rules', p]);
    const expected = reference(text, basename(file), packs, await readCatalogueFile(csv));
    assert.ok(expected.split('\n').length > 100, 'the file has findings');

    for (const [threads, memory] of [['1', ''], ['2', ''], ['3', ''], ['2', '0'], ['2', '2'], ['1', '0']]) {
      const r = cli(['audit', file, ...rules, '--catalogue', csv, '--threads', threads], memory ? { FUNDGUARD_AUDIT_MEMORY_MB: memory } : {});
      assert.equal(r.status, 0, r.stderr);
      assert.equal(r.stdout, expected, `threads ${threads}, memory ${memory || 'default'} MB`);
    }

    // A BOM, CRLF line ends, blank lines and no LF at the end: the same findings (the lines are the same encounters).
    const crlf = '\ufeff' + ordered.slice(0, 300).join('\r\n') + '\r\n\r\n  \r\n' + ordered.slice(300).join('\r\n');
    writeFileSync(file, crlf);
    for (const threads of ['1', '2']) {
      const r = cli(['audit', file, ...rules, '--catalogue', csv, '--threads', threads]);
      assert.equal(r.status, 0, r.stderr);
      assert.equal(r.stdout, expected, `CRLF, threads ${threads}`);
    }

    // Bad lines in several chunks: a line that is not JSON, a field that is not a number, a line that is not an object.
    const bad = [...ordered];
    bad[3] = bad[3].replace(/"cnt":"?[0-9.]+"?/, '"cnt":"zwei"');
    bad[700] = '{"patn_id": ';
    bad[1400] = '[1,2]';
    for (let i = 1000; i < 1150; i++) bad[i] = 'x';
    writeFileSync(file, bad.join('\n') + '\n');
    const one = cli(['audit', file, ...rules, '--catalogue', csv, '--threads', '1']);
    assert.equal(one.status, 2);
    assert.equal(one.stdout, '');
    assert.match(one.stderr, /enc\.jsonl line 4 mdtrt_id=[^:]+: fsi_order_dtos\[\d+\]\.cnt: not a decimal number/);
    assert.match(one.stderr, /enc\.jsonl line 701: \(line\): not valid JSON/);
    assert.match(one.stderr, /… and 53 more \(153 in total\)/);
    const two = cli(['audit', file, ...rules, '--catalogue', csv, '--threads', '2']);
    assert.equal(two.status, 2);
    assert.equal(two.stderr, one.stderr);

    // A GBK line in a UTF-8 file, far from the first line: the same encoding error.
    const gbk = Buffer.concat([Buffer.from(ordered.slice(0, 1200).join('\n') + '\n'), Buffer.from([0xd5, 0xc5, 0xc8, 0xfd, 0x0a]), Buffer.from(ordered.slice(1200).join('\n'))]);
    writeFileSync(file, gbk);
    const e1 = cli(['audit', file, ...rules, '--catalogue', csv, '--threads', '1']);
    const e2 = cli(['audit', file, ...rules, '--catalogue', csv, '--threads', '2']);
    assert.equal(e1.status, 2);
    assert.match(e1.stderr, /enc\.jsonl line 1201 is GBK but line 1 was UTF-8/);
    assert.equal(e2.stderr, e1.stderr);
    assert.equal(e2.status, 2);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
