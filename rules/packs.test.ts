/**
 * Runs the cases shipped with every pack under rules/: each case's encounters are audited with its own pack
 * (and its catalogue, if any) exactly as `fundguard audit` does, and the findings must equal the expected ones.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, existsSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { compilePack, evaluatePatient, normaliseCatalogueRow, normaliseImportEncounter, toResultRow, type CatalogueEntry, type Encounter, type Patient } from '@fundguard/core';
import { catalogueLookup } from '@fundguard/service';

const here = dirname(fileURLToPath(import.meta.url));
const packs = readdirSync(here).filter((d) => existsSync(join(here, d, 'pack.json')));

interface Expected {
  rule_id: string;
  mdtrt_id: string;
  vola_amt: number;
  rx_ids: string[];
  /** optional: compared only where a case states it */
  sev_deg?: string;
}

for (const dir of packs) {
  const raw = JSON.parse(readFileSync(join(here, dir, 'pack.json'), 'utf8'));
  const casesDir = join(here, dir, 'cases');
  const cases = existsSync(casesDir) ? readdirSync(casesDir).filter((f) => f.endsWith('.json')).sort() : [];
  test(`${dir}: ships cases`, () => assert.ok(cases.length > 0, `${dir} has no cases`));
  for (const file of cases) {
    test(`${dir}/${file}`, () => {
      const c = JSON.parse(readFileSync(join(casesDir, file), 'utf8')) as { name: string; stage?: 'pre' | 'mid' | 'post'; catalogue?: Record<string, unknown>[]; encounters: unknown[]; expected: Expected[] };
      const catalogue: CatalogueEntry[] | undefined = c.catalogue?.map((row, i) => {
        const n = normaliseCatalogueRow(row, { line: i + 1 });
        assert.deepEqual(n.errors, [], `${file}: catalogue row ${i + 1}`);
        return n.value!;
      });
      const pack = compilePack(raw, { catalogue });
      const byPatient = new Map<string, { patient: Patient; encounters: Encounter[] }>();
      c.encounters.forEach((e, i) => {
        const n = normaliseImportEncounter(e, { file, line: i + 1 });
        assert.deepEqual(n.errors, [], `${file}: encounter ${i + 1}`);
        const p = byPatient.get(n.value!.patient.patn_id) ?? { patient: n.value!.patient, encounters: [] };
        p.encounters.push(n.value!.encounter);
        byPatient.set(p.patient.patn_id, p);
      });
      const got: Expected[] = [];
      for (const p of byPatient.values()) {
        for (const f of evaluatePatient([pack], p, { stage: c.stage ?? 'post', catalogue: catalogue ? catalogueLookup(catalogue) : undefined })) {
          const row = toResultRow(f, { salt: file });
          assert.equal(typeof row.vola_cont, 'string');
          assert.ok((row.vola_cont as string).length > 0 && /[\u4e00-\u9fff]/.test(row.vola_cont as string), 'Chinese message');
          got.push({ rule_id: f.rule_id, mdtrt_id: f.mdtrt_id, vola_amt: row.vola_amt as number, rx_ids: f.lines.map((l) => l.rx_id).sort(), sev_deg: row.sev_deg as string });
        }
      }
      const key = (x: Expected) => `${x.mdtrt_id} ${x.rule_id}`;
      // sev_deg is compared where a case states it (missing-evidence cases: 2 instead of 1)
      const stated = new Set(c.expected.filter((x) => x.sev_deg !== undefined).map(key));
      const norm = (xs: Expected[]) => xs.map((x) => ({ ...x, rx_ids: [...x.rx_ids].sort(), sev_deg: stated.has(key(x)) ? x.sev_deg : undefined })).sort((a, b) => key(a).localeCompare(key(b)));
      assert.deepEqual(norm(got), norm(c.expected), `${c.name}`);
    });
  }
}
