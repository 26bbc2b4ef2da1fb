import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { FundGuardError } from '../../errors.ts';
import { validatePack } from '../validate.ts';
import { enc, flagged, pack, run } from '../testing/build.ts';
import type { Rule } from '../types.ts';

// rule-pack.md §1: a group's codes may be prefixes ending in `*`. Every place that takes groups honours them.
const groups = {
  CATH: { codes: ['C0301*'] }, // consumables: catheters, by prefix
  ANGIO: { codes: ['320600001'] },
  DX: { codes: ['K74*'] },
  OP: { codes: ['51.1*'] },
  DEPT: { codes: ['03*'] },
};
const at = '2024-03-01 09:00:00';
const one = (rule: Partial<Rule>, lines: Parameters<typeof enc>[0]['lines'], extra: Partial<Parameters<typeof enc>[0]> = {}) =>
  flagged(run(pack([{ category: 'QUANTITY', ...rule }], { groups }), [enc({ lines, ...extra })]));

test('items: a group prefix matches codes under it (and not the literal "C0301*"), for every kind that takes items', () => {
  const cath = { code: 'C0301000123', rx: 'c', at, pric: 50 };
  assert.deepEqual(one({ kind: 'gender', items: ['@CATH'], params: { allow: '2' } }, [cath]), { c: 5000 });
  assert.deepEqual(one({ kind: 'age', items: ['@CATH'], params: { max_years: 10 } }, [cath]), { c: 5000 });
  assert.deepEqual(one({ kind: 'institution_level', items: ['@CATH'], params: { min_level: 3 } }, [cath]), { c: 5000 });
  assert.deepEqual(one({ kind: 'setting', items: ['@CATH'], params: { allow: ['outpatient'] } }, [cath]), { c: 5000 });
  assert.deepEqual(one({ kind: 'indication', items: ['@CATH'], params: { requires: { flag: 'x' } } }, [cath]), { c: 5000 });
  assert.deepEqual(one({ kind: 'quantity', items: ['@CATH'], params: { max: 1, window: 'visit' } }, [cath, { ...cath, rx: 'c2' }]), { c2: 5000 });
  assert.deepEqual(one({ kind: 'frequency', items: ['@CATH'], params: { max: 1, window: 'visit' } }, [cath, { ...cath, rx: 'c2', at: '2024-03-02 09:00:00' }]), { c2: 5000 });
  assert.deepEqual(one({ kind: 'duplicate', items: ['@CATH'], params: { window: 'day' } }, [cath, { ...cath, rx: 'c2' }]), { c2: 5000 });
  assert.deepEqual(one({ kind: 'stacking', items: ['@CATH'], params: { window: 'day' } }, [cath, { ...cath, code: 'C0301999', rx: 'c2' }]), { c2: 5000 });
  assert.deepEqual(one({ kind: 'prescription', items: ['@CATH'], params: { max_days: 1 } }, [{ ...cath, rxno: 'P', days: 2 }]), { c: 2500 });
  assert.deepEqual(one({ kind: 'gender', items: ['@CATH'], params: { allow: '2' } }, [{ ...cath, code: 'C0302000123' }]), {}, 'outside the prefix');
});

test('secondary patterns: bundled includes, exclusive with and prerequisite requires take group prefixes (the unbundled consumables are found)', () => {
  const angio = { code: '320600001', rx: 'a', at, pric: 900 };
  const wire = { code: 'C0301000777', rx: 'w', at, pric: 252 };
  assert.deepEqual(one({ kind: 'bundled', category: 'UNBUNDLING', items: ['@ANGIO'], params: { includes: ['@CATH'], window: 'day' } }, [angio, wire]), { w: 25200 });
  assert.deepEqual(one({ kind: 'exclusive', items: ['@ANGIO'], params: { with: ['@CATH'], window: 'day' } }, [angio, wire]), { a: 90000 });
  assert.deepEqual(one({ kind: 'prerequisite', items: ['@ANGIO'], params: { requires: ['@CATH'], window: 'visit' } }, [angio, wire]), {});
  assert.deepEqual(one({ kind: 'prerequisite', items: ['@ANGIO'], params: { requires: ['@CATH'], window: 'visit' } }, [angio]), { a: 90000 });
});

test('conditions: diagnosis, main_diagnosis, operation, item and dept take group prefixes', () => {
  const drug = { code: 'X1', rx: 'x', at, pric: 10 };
  const ind = (requires: unknown, extra: Partial<Parameters<typeof enc>[0]> = {}, line = drug) => one({ kind: 'indication', items: ['X1'], params: { requires } as never }, [line], extra);
  assert.deepEqual(ind({ diagnosis: ['@DX'] }, { diagnoses: ['K74.6'] }), {});
  assert.deepEqual(ind({ diagnosis: ['@DX'] }, { diagnoses: ['K70.3'] }), { x: 1000 });
  assert.deepEqual(ind({ main_diagnosis: ['@DX'] }, { main: 'K74.60' }), {});
  assert.deepEqual(ind({ operation: ['@OP'] }, { ops: ['51.10x001'] }), {});
  assert.deepEqual(ind({ item: ['@CATH'] }, {}, drug), { x: 1000 });
  assert.deepEqual(one({ kind: 'indication', items: ['X1'], params: { requires: { item: ['@CATH'] } } as never }, [drug, { code: 'C0301555', rx: 'c', at }]), {});
  assert.deepEqual(ind({ dept: ['@DEPT'] }, {}, { ...drug, dept: '0303' } as typeof drug), {});
  assert.deepEqual(ind({ dept: ['@DEPT'] }, {}, { ...drug, dept: '0501' } as typeof drug), { x: 1000 });
});

test('validator: a group prefix is valid; "*" alone, a "*" inside a code, a nested @group or a blank code is an error naming the group and position', () => {
  const base = { pack: 'demo', version: '1', name: '包', region: '*', effective_from: '2024-01-01', rules: [] as unknown[] };
  validatePack({ ...base, groups: { G: { codes: ['C0301*', '320600001'] } } });
  assert.throws(() => validatePack({ ...base, groups: { G: { codes: ['*', 'C03*01', '@H', ' '] } } }), (e: FundGuardError) => {
    assert.deepEqual(e.issues.map((i) => i.field), ['groups.G.codes[0]', 'groups.G.codes[1]', 'groups.G.codes[2]', 'groups.G.codes[3]']);
    return true;
  });
});
