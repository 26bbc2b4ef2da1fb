import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { CatalogueEntry } from '../../ingest/catalogue.ts';
import { enc, flagged, pack, run } from '../testing/build.ts';

const entry = (code: string, e: Partial<CatalogueEntry>): CatalogueEntry => ({
  hilist_code: code, hilist_name: code, hilist_type: '101', hilist_lv: '01', selfpay_prop: null, price_cap: null, unit: '', limit_text: '', group_codes: [], region: '*', effective_from: null, effective_to: null, ...e,
});
const rows = [entry('CAP', { price_cap: 1000 }), entry('C3', { hilist_lv: '03' }), entry('NEW', { effective_from: '2024-03-02' })];
const byCode = new Map(rows.map((r) => [r.hilist_code, r]));
const lookup = (code: string, day: string) => {
  const e = byCode.get(code);
  return e && (e.effective_from === null || e.effective_from <= day) ? e : null;
};
const p = (checks: string[]) => pack([{ kind: 'catalogue', category: 'CATALOGUE', items: ['*'], params: { checks } }], { catalogue: rows });

test('catalogue over_price: at the ceiling is fine; above it (pric − ceiling) × cnt', () => {
  assert.deepEqual(run(p(['over_price']), [enc({ lines: [{ code: 'CAP', pric: 10, cnt: 3 }] })], { catalogue: lookup }), []);
  assert.deepEqual(flagged(run(p(['over_price']), [enc({ lines: [{ code: 'CAP', pric: 10.01, cnt: 3, rx: 'a' }] })], { catalogue: lookup })), { a: 3 });
});

test('catalogue unknown_code reads the catalogue in force on the line date; class_c flags 丙类 billed to the fund', () => {
  const r = run(p(['unknown_code', 'class_c']), [enc({ lines: [{ code: 'NEW', at: '2024-03-01', rx: 'early' }, { code: 'NEW', at: '2024-03-02', rx: 'ok' }, { code: 'C3', rx: 'c', pric: 7 }, { code: 'C3', selfPaid: true }] })], { catalogue: lookup });
  assert.deepEqual(flagged(r), { early: 1000, c: 700 });
});

test('catalogue: only the checks asked for', () => {
  assert.deepEqual(run(p(['class_c']), [enc({ lines: [{ code: 'UNKNOWN' }, { code: 'CAP', pric: 99 }] })], { catalogue: lookup }), []);
});
