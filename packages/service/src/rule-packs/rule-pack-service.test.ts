import assert from 'node:assert/strict';
import { test } from 'node:test';
import { FundGuardError } from '@fundguard/core';
import { testBothBackends } from '@fundguard/store/testing.ts';
import { ServiceContext } from '../context.ts';
import { parsePackText, RulePackService } from './rule-pack-service.ts';

// Storage semantics are tested with a minimal validator; the rule-pack contract's validator has its own tests in core.
const validator = (p: unknown) => {
  const pack = p as { rules?: unknown };
  if (!Array.isArray(pack.rules)) throw new FundGuardError('E_PACK_INVALID', 'rules: required', [{ field: 'rules', reason: 'required' }]);
};
const admin = { id: 'ruler', role: 'rule_admin' as const };
const pack = (version: string, rules: object[]) => ({ pack: 'demo', version, name: '示例', region: '*', effective_from: '2024-01-01', rules });
const R1 = { id: 'R1', name: '限女性', kind: 'gender', category: 'GENDER', severity: 'violation', items: ['X1'], params: { allow: '2' } };

testBothBackends('pack versions: upload as draft, idempotent re-upload, conflict on changed content, activate, history and diff', async (db) => {
  let t = 0;
  const ctx = new ServiceContext(db, () => new Date(Date.UTC(2026, 10, 23, 8, 0, t++)));
  const svc = new RulePackService(ctx, validator);
  const activations: string[][] = [];
  svc.onActivation((a) => void activations.push(a.map((x) => `${x.pack}@${x.version}`)));
  const up1 = await svc.upload(admin, pack('1', [R1]));
  assert.deepEqual(up1, { pack: 'demo', version: '1', status: 'draft', rule_count: 1, change_summary: 'new pack, 1 rules', unchanged: false });
  assert.equal((await svc.upload(admin, pack('1', [R1]))).unchanged, true);
  await assert.rejects(svc.upload(admin, pack('1', [{ ...R1, severity: 'reminder' }])), (e: FundGuardError) => e.code === 'E_CONFLICT');
  await assert.rejects(svc.upload(admin, { pack: 'demo', version: '9' }), (e: FundGuardError) => e.code === 'E_PACK_INVALID');
  await svc.activate(admin, 'demo', '1');
  const up2 = await svc.upload(admin, pack('2', [{ ...R1, severity: 'suspicious' }, { ...R1, id: 'R2' }]), { activate: true });
  assert.equal(up2.status, 'active');
  assert.equal(up2.change_summary, '+1 rules; 1 rules changed (vs 1)');
  const versions = await svc.versions(admin, 'demo');
  assert.deepEqual(versions.map((v) => [v.version, v.status, v.author]), [['2', 'active', 'ruler'], ['1', 'retired', 'ruler']]);
  assert.deepEqual(activations, [['demo@1'], ['demo@2']]);
  const d = await svc.diff(admin, 'demo', '1', '2');
  assert.deepEqual(d.rules.changed[0].changes, [{ field: 'severity', before: 'violation', after: 'suspicious' }]);
  assert.deepEqual((await svc.packs(admin)).map((p) => [p.pack, p.active_version, p.versions]), [['demo', '2', 2]]);
  await assert.rejects(svc.activate(admin, 'demo', '7'), (e: FundGuardError) => e.code === 'E_NOT_FOUND');
  await assert.rejects(svc.upload({ id: 'h', role: 'hospital', institutionId: 'H' }, pack('3', [])), (e: FundGuardError) => e.code === 'E_FORBIDDEN');
  const log = (await ctx.auditLog.list()).map((e) => `${e.action} ${e.entityId}`);
  assert.deepEqual(log, ['rule_pack.upload demo@1', 'rule_pack.activate demo@1', 'rule_pack.upload demo@2', 'rule_pack.activate demo@2']);
});

test('YAML and JSON bodies parse to the same pack; garbage is a clear error', () => {
  const y = parsePackText('pack: demo\nversion: "1"\nrules:\n  - id: R1\n    params: { allow: "2" }\n', 'application/yaml');
  assert.deepEqual(y, { pack: 'demo', version: '1', rules: [{ id: 'R1', params: { allow: '2' } }] });
  assert.throws(() => parsePackText('{"pack": ', 'application/json'), /not valid JSON/);
});
