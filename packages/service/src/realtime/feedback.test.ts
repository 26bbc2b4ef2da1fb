import assert from 'node:assert/strict';
import type { FundGuardError } from '@fundguard/core';
import { RealtimeRepo, type WarningRow } from '@fundguard/store';
import { testBothBackends } from '@fundguard/store/testing.ts';
import { ServiceContext } from '../context.ts';
import { FeedbackService } from './feedback.ts';

const his = { id: 'key:his', role: 'integration' as const, institutionId: 'H1' };
const warning = (jr: string, rule: string, dr: string, medins = 'H1'): WarningRow => ({
  jr_id: jr, stage: 'pre', pack: 'p', pack_version: '1', rule_id: rule, rule_name: `规则${rule}`, sev_deg: '1', patn_id: 'P1', mdtrt_id: 'M1',
  medins_id: medins, dept_codg: '0303', dr_codg: dr, vola_amt_fen: 100, result: {},
});

testBothBackends('3103 feedback is validated, stored, and drives override rates per rule and doctor', async (db) => {
  let t = 0;
  const ctx = new ServiceContext(db, () => new Date(Date.UTC(2026, 10, 23, 8, 0, t++)));
  await new RealtimeRepo(db).insertWarnings([warning('J1', 'R1', 'D1'), warning('J2', 'R1', 'D1'), warning('J3', 'R1', 'D2'), warning('J4', 'R2', 'D2'), warning('J9', 'R2', 'D9', 'H2')], '2026-11-23T08:00:00Z');
  const svc = new FeedbackService(ctx);
  await svc.record(his, { warn_type: '1', warns: [{ warn_rslt_id: 'J1', dspo_way: '2', dspo_way_rea: '' }, { warn_rslt_id: 'J2', dspo_way: '1', dspo_way_rea: '病情需要' }] });
  // A later answer to the same warning replaces the earlier one in the statistics.
  await svc.record(his, { warn_type: '1', warns: [{ warn_rslt_id: 'J1', dspo_way: '1', dspo_way_rea: '复核后继续' }, { warn_rslt_id: 'J3', dspo_way: '3', dspo_way_rea: '' }] });
  await assert.rejects(svc.record(his, { warn_type: '1', warns: [{ warn_rslt_id: 'J404', dspo_way: '2', dspo_way_rea: '' }] }), (e: FundGuardError) => {
    assert.equal(e.code, 'E_INPUT_INVALID');
    assert.match(e.message, /warns\[0\]\(warn_rslt_id=J404\).*unknown jr_id/);
    return true;
  });
  await assert.rejects(svc.record(his, { warn_type: '1', warns: [{ warn_rslt_id: 'J9', dspo_way: '2', dspo_way_rea: '' }] }), /another institution/);
  const admin = { id: 'a', role: 'admin' as const };
  const byRule = await svc.overrideRates(admin, { by: 'rule', medinsId: 'H1' });
  assert.deepEqual(byRule.map((r) => [r.rule_id, r.warnings, r.answered, r.proceed, r.self_pay, r.override_rate]), [['R1', 3, 3, 2, 1, 0.6667], ['R2', 1, 0, 0, 0, null]]);
  const byDoctor = await svc.overrideRates(admin, { by: 'doctor', medinsId: 'H1' });
  assert.deepEqual(byDoctor.map((r) => [r.rule_id, r.dr_codg, r.override_rate]), [['R1', 'D1', 1], ['R1', 'D2', 0], ['R2', 'D2', null]]);
  const hospital = await svc.overrideRates({ id: 'h', role: 'hospital', institutionId: 'H2' }, { by: 'rule' });
  assert.deepEqual(hospital.map((r) => r.rule_id), ['R2'], 'a hospital sees only its own warnings');
});
