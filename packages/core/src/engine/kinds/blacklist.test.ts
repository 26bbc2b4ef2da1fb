import { test } from 'node:test';
import assert from 'node:assert/strict';
import { enc, flagged, pack, run } from '../testing/build.ts';

test('blacklist: a listed institution or patient flags every line of the encounter', () => {
  const inst = pack([{ kind: 'blacklist', category: 'ELIGIBILITY', params: { institutions: ['H9'] } }]);
  assert.deepEqual(flagged(run(inst, [enc({ medins: 'H9', lines: [{ code: 'A', rx: 'a' }, { code: 'B', rx: 'b', pric: 3 }] })])), { a: 1000, b: 300 });
  assert.deepEqual(run(inst, [enc({ medins: 'H1', lines: [{ code: 'A' }] })]), []);
  const patient = pack([{ kind: 'blacklist', category: 'ELIGIBILITY', params: { patients: ['P7'] } }]);
  assert.equal(run(patient, [enc({ lines: [{ code: 'A' }, { code: 'B' }] }, { patn_id: 'P7' })])[0].lines.length, 2);
});

test('blacklist: a listed doctor flags the lines that doctor ordered (drord_dr_codg, else the encounter dr_codg)', () => {
  const p = pack([{ kind: 'blacklist', category: 'ELIGIBILITY', params: { doctors: ['D9'] } }]);
  const r = run(p, [enc({ doctor: 'D9', lines: [{ code: 'A', doctor: 'D2', rx: 'other' }, { code: 'B', rx: 'fallback' }, { code: 'C', doctor: 'D9', rx: 'own' }] })]);
  assert.deepEqual(Object.keys(flagged(r)), ['fallback', 'own']);
});

test('blacklist: the listing period is the rule\'s effective range (first and last day), items narrow it', () => {
  const p = pack([{ kind: 'blacklist', category: 'ELIGIBILITY', items: ['A*'], params: { institutions: ['H9'] }, effective_from: '2024-03-01', effective_to: '2024-04-01' }]);
  const r = run(p, [enc({ medins: 'H9', lines: ['2024-02-29', '2024-03-01', '2024-03-31', '2024-04-01'].map((at) => ({ code: 'A1', at, rx: at })).concat([{ code: 'B', at: '2024-03-15', rx: 'b' }]) })]);
  assert.deepEqual(Object.keys(flagged(r)), ['2024-03-01', '2024-03-31']);
});
