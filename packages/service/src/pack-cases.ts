import {
  compilePack, evaluatePatient, FundGuardError, normaliseCatalogueRow, normaliseImportEncounter, toResultRow,
  type CatalogueEntry, type Encounter, type Patient,
} from '@fundguard/core';
import { requirePermission, type Actor } from './auth/roles.ts';
import { catalogueLookup } from './packs-io.ts';

/** One expected finding of a pack case (rules/<pack>/cases/*.json). */
export interface ExpectedFinding {
  rule_id: string;
  mdtrt_id: string;
  vola_amt: number;
  rx_ids: string[];
}

export interface PackCase {
  name: string;
  stage?: 'pre' | 'mid' | 'post';
  catalogue?: Record<string, unknown>[];
  encounters: unknown[];
  expected: ExpectedFinding[];
}

export interface PackCaseResult {
  name: string;
  passed: boolean;
  /** expected but not found, found but not expected, found with another amount or other lines */
  missing: ExpectedFinding[];
  unexpected: ExpectedFinding[];
  errors: string[];
}

const key = (x: ExpectedFinding) => `${x.mdtrt_id}\u0000${x.rule_id}`;
const same = (a: ExpectedFinding, b: ExpectedFinding) => a.vola_amt === b.vola_amt && [...a.rx_ids].sort().join(',') === [...b.rx_ids].sort().join(',');

/**
 * Runs a pack's cases exactly as rules/packs.test.ts does (each case's encounters audited with the pack and the case's
 * own catalogue, if any) and says, case by case, which expected findings are missing and which are unexpected.
 * Stateless: nothing is stored.
 */
export function runPackCases(actor: Actor, pack: unknown, cases: readonly PackCase[]): PackCaseResult[] {
  requirePermission(actor, 'rules.read');
  if (!Array.isArray(cases as unknown) || cases.length === 0) throw new FundGuardError('E_INPUT_INVALID', 'cases: a non-empty list of pack cases', [{ field: 'cases', reason: 'non-empty list' }]);
  return cases.map((c, n) => {
    const name = typeof c?.name === 'string' && c.name ? c.name : `#${n + 1}`;
    const errors: string[] = [];
    const catalogue: CatalogueEntry[] | undefined = c.catalogue?.map((row, i) => {
      const r = normaliseCatalogueRow(row, { line: i + 1 });
      for (const e of r.errors) errors.push(`catalogue[${i}].${e.field}: ${e.reason}`);
      return r.value!;
    });
    const byPatient = new Map<string, { patient: Patient; encounters: Encounter[] }>();
    (Array.isArray(c.encounters as unknown) ? c.encounters : []).forEach((e, i) => {
      const r = normaliseImportEncounter(e, { file: name, line: i + 1 });
      for (const x of r.errors) errors.push(`encounters[${i}].${x.field}: ${x.reason}`);
      if (!r.value) return;
      const p = byPatient.get(r.value.patient.patn_id) ?? { patient: r.value.patient, encounters: [] };
      p.encounters.push(r.value.encounter);
      byPatient.set(p.patient.patn_id, p);
    });
    if (errors.length) return { name, passed: false, missing: [], unexpected: [], errors };
    let got: ExpectedFinding[];
    try {
      const compiled = compilePack(pack, { catalogue });
      got = [];
      for (const p of byPatient.values()) {
        for (const f of evaluatePatient([compiled], p, { stage: c.stage ?? 'post', catalogue: catalogue ? catalogueLookup(catalogue) : undefined })) {
          got.push({ rule_id: f.rule_id, mdtrt_id: f.mdtrt_id, vola_amt: toResultRow(f, { salt: name }).vola_amt as number, rx_ids: f.lines.map((l) => l.rx_id).sort() });
        }
      }
    } catch (e) {
      return { name, passed: false, missing: [], unexpected: [], errors: [(e as Error).message] };
    }
    const expected: ExpectedFinding[] = Array.isArray(c.expected as unknown) ? c.expected : [];
    const gotBy = new Map(got.map((g) => [key(g), g]));
    const expBy = new Map(expected.map((x) => [key(x), x]));
    const missing = expected.filter((x) => !gotBy.has(key(x)) || !same(x, gotBy.get(key(x))!));
    const unexpected = got.filter((g) => !expBy.has(key(g)) || !same(g, expBy.get(key(g))!));
    return { name, passed: !missing.length && !unexpected.length, missing, unexpected, errors };
  });
}
