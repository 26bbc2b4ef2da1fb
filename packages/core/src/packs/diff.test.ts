import { test } from 'node:test';
import assert from 'node:assert/strict';
import { diffPacks } from './diff.ts';
import { canonicalJson } from './canonical.ts';

const v1 = {
  pack: 'p', version: '1', name: '包', region: '*',
  groups: { G1: { name: 'g', codes: ['A', 'B'] }, G2: { name: 'x', codes: [] } },
  rules: [
    { id: 'R1', name: '一', kind: 'gender', params: { allow: '2' }, severity: 'violation' },
    { id: 'R2', name: '二', kind: 'age', params: { min_years: 60 } },
  ],
};
const v2 = {
  pack: 'p', version: '2', name: '包（修订）', region: '*',
  groups: { G1: { name: 'g', codes: ['A', 'B', 'C'] }, G3: { name: 'y', codes: ['Z'] } },
  rules: [
    { id: 'R1', name: '一', kind: 'gender', params: { allow: '2' }, severity: 'suspicious' },
    { id: 'R3', name: '三', kind: 'duplicate', params: { window: 'day' } },
  ],
};

test('pack diff lists rules and groups added, removed and changed, field by field', () => {
  const d = diffPacks(v1, v2);
  assert.deepEqual(d.rules.added, ['R3']);
  assert.deepEqual(d.rules.removed, ['R2']);
  assert.deepEqual(d.rules.changed, [{ id: 'R1', changes: [{ field: 'severity', before: 'violation', after: 'suspicious' }] }]);
  assert.deepEqual(d.groups.added, ['G3']);
  assert.deepEqual(d.groups.removed, ['G2']);
  assert.deepEqual(d.groups.changed, [{ group: 'G1', changes: [{ field: 'codes', before: ['A', 'B'], after: ['A', 'B', 'C'] }] }]);
  assert.deepEqual(d.envelope, [{ field: 'name', before: '包', after: '包（修订）' }]);
  assert.equal(d.summary, '+1 rules; −1 rules; 1 rules changed; 3 groups changed; envelope: name');
  assert.equal(diffPacks(v1, structuredClone(v1)).summary, 'no changes');
});

test('canonical JSON ignores key order', () => {
  assert.equal(canonicalJson({ b: 1, a: [{ y: 2, x: 1 }] }), canonicalJson({ a: [{ x: 1, y: 2 }], b: 1 }));
  assert.equal(canonicalJson({ a: undefined, b: null }), '{"b":null}');
});
