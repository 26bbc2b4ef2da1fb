import { test } from 'node:test';
import assert from 'node:assert/strict';
import { doubleRandomDraw } from './double-random.ts';

const institutions = Array.from({ length: 100 }, (_, i) => ({ id: `H${String(i).padStart(3, '0')}`, name: `医院${i}` }));
const inspectors = Array.from({ length: 6 }, (_, i) => ({ id: `I${i}`, name: `检查员${i}`, linkedInstitutions: i === 0 ? ['H000', 'H001'] : [] }));

test('double-random draw: ≥ 5 % of institutions, teams without conflicts, even load, reproducible', () => {
  const last = Object.fromEntries(institutions.map((h, i) => [h.id, [`I${i % 6}`]]));
  const d = doubleRandomDraw({ seed: '2024-双随机-1', institutions, inspectors, lastInspectedBy: last });
  assert.equal(d.assignments.length, 5);
  for (const a of d.assignments) {
    assert.equal(a.inspectors.length, 2);
    assert.ok(!a.inspectors.includes(last[a.institution][0]), `${a.institution}: last inspector excluded`);
    if (['H000', 'H001'].includes(a.institution)) assert.ok(!a.inspectors.includes('I0'));
  }
  const loads = new Map<string, number>();
  for (const a of d.assignments) for (const i of a.inspectors) loads.set(i, (loads.get(i) ?? 0) + 1);
  assert.ok(Math.max(...loads.values()) - Math.min(...loads.values()) <= 1 || loads.size < 6);
  assert.deepEqual(doubleRandomDraw({ seed: '2024-双随机-1', institutions: institutions.slice().reverse(), inspectors, lastInspectedBy: last }), d);
  assert.notDeepEqual(doubleRandomDraw({ seed: 'other', institutions, inspectors }).assignments.map((a) => a.institution), d.assignments.map((a) => a.institution));
  assert.match(d.publication[0], /^医院\d+（H\d{3}）：检查人员 检查员\d、检查员\d$/);
});

test('a target that no conflict-free team can cover is an error naming it', () => {
  const few = [{ id: 'I0', name: 'a', linkedInstitutions: ['H0'] }, { id: 'I1', name: 'b' }];
  assert.throws(() => doubleRandomDraw({ seed: 's', institutions: [{ id: 'H0', name: '医院0' }], inspectors: few, share: 1 }), /H0 \(医院0\) has only 1 inspectors/);
});
