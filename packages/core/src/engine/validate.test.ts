import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { FundGuardError } from '../errors.ts';
import { validatePack } from './validate.ts';
import type { FieldIssue } from '../errors.ts';

const base = { pack: 'demo', version: '1', name: '包', region: '*', effective_from: '2024-01-01', rules: [] as unknown[] };

test('a valid pack passes; extra fields are ignored', () => {
  const p = validatePack({ ...base, extra: 1, rules: [{ id: 'A', name: 'a', kind: 'gender', category: 'GENDER', severity: 'violation', items: ['X'], params: { allow: '2' }, note: 'x' }] });
  assert.equal(p.rules.length, 1);
});

test('every error at once, each with the rule id and the field path', () => {
  const bad = {
    ...base, pack: 'Bad Pack', region: '61',
    groups: { G: { codes: ['A'] } },
    rules: [
      { id: 'A', name: 'a', kind: 'nope', category: 'GENDER', severity: 'violation', items: ['X'] },
      { id: 'A', name: 'dup', kind: 'quantity', category: 'QUANTITY', severity: 'bad', items: ['@MISSING', 'X*Y'], params: { max: -1, window: 'week', per_los_day: true } },
      { name: 'no id', kind: 'indication', category: 'INDICATION', severity: 'violation', items: ['@G'], params: { requires: { lab: { code: 'ALB', op: '~', value: 30 } } } },
      { id: 'C', name: 'c', kind: 'catalogue', category: 'CATALOGUE', severity: 'violation', items: ['*'], params: { checks: ['unknown_code'] }, when: { weather: 'rain' } },
    ],
  };
  assert.throws(() => validatePack(bad, { catalogueAvailable: false }), (e: FundGuardError) => {
    assert.equal(e.code, 'E_PACK_INVALID');
    const got = e.issues.map((i) => `${i.record ?? ''} ${i.field}`);
    assert.deepEqual(got, [
      ' pack', ' region',
      'rule=A rules[0].kind',
      'rule=A rules[1].id', 'rule=A rules[1].severity', 'rule=A rules[1].items', 'rule=A rules[1].items', 'rule=A rules[1].params.max', 'rule=A rules[1].params.window', 'rule=A rules[1].params.per_los_day',
      'rule=#2 rules[2].id', 'rule=#2 rules[2].params.requires.lab',
      'rule=C rules[3].when.weather', 'rule=C rules[3].kind',
    ]);
    assert.match(e.issues.find((i) => i.field === 'rules[1].items')!.reason, /@MISSING is not defined/);
    assert.match(e.issues.find((i) => i.field === 'rules[3].kind')!.reason, /needs a catalogue/);
    return true;
  });
});

test('groups from the catalogue satisfy @GROUP references', () => {
  const p = { ...base, rules: [{ id: 'S', name: 's', kind: 'stacking', category: 'STACKING', severity: 'violation', items: ['@GINKGO_INJ'], params: { window: 'day' } }] };
  assert.throws(() => validatePack(p), /GINKGO_INJ is not defined/);
  assert.equal(validatePack(p, { externalGroups: new Set(['GINKGO_INJ']) }).rules.length, 1);
});

test('a pack checked without its catalogue: undefined groups are warnings (with rule and path), the group matches nothing', async () => {
  const { compilePack } = await import('./compile.ts');
  const p = { ...base, rules: [{ id: 'S', name: 's', kind: 'stacking', category: 'STACKING', severity: 'violation', items: ['@GINKGO_INJ', 'G9'], params: { window: 'day' } }] };
  const warnings: FieldIssue[] = [];
  assert.equal(validatePack(p, { unknownGroups: 'warn', warnings }).rules.length, 1);
  assert.deepEqual(warnings.map((w) => `${w.record} ${w.field}`), ['rule=S rules[0].items']);
  assert.match(warnings[0].reason, /@GINKGO_INJ is not defined in the pack/);
  const compiled = compilePack(p, { unknownGroups: 'warn', warnings: [] });
  assert.equal(compiled.rules[0].items.test('G9'), true);
  assert.equal(compiled.rules[0].items.test('GINKGO_INJ'), false);
});
