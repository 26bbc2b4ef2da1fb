import { test } from 'node:test';
import assert from 'node:assert/strict';
import { enc, flagged, pack, run } from '../testing/build.ts';

// The national albumin rule (rule-pack.md §7).
const p = pack([{
  kind: 'indication', category: 'INDICATION', items: ['@HUMAN_ALBUMIN'], basis: '国家医保药品目录 限定支付范围',
  message: '{item_name}限抢救、重症或因肝硬化、癌症引起胸腹水且白蛋白低于30g/L的患者',
  params: { requires: { all: [{ lab: { code: 'ALB', op: '<', value: 30 } }, { any: [{ flag: 'rescue' }, { flag: 'severe' }, { all: [{ diagnosis: ['K74*', 'C*'] }, { diagnosis: ['R18*', 'J91*'] }] }] }] } },
}], { groups: { HUMAN_ALBUMIN: { codes: ['XB05AAR014B002010104321'] } } });
const ALB = 'XB05AAR014B002010104321';
const line = { code: ALB, name: '人血白蛋白', rx: 'a', cnt: 2, pric: 385 };

test('indication: fires on every matching current line with the full amount, message and basis in the evidence', () => {
  const r = run(p, [enc({ diagnoses: ['K74.6'], labs: [{ code: 'ALB', value: 31 }], lines: [line, { ...line, rx: 'b', cnt: 1 }] })]);
  assert.deepEqual(flagged(r), { a: 77000, b: 38500 });
  assert.equal(r[0].message, '人血白蛋白限抢救、重症或因肝硬化、癌症引起胸腹水且白蛋白低于30g/L的患者');
  assert.match(r[0].evidence, /^依据：国家医保药品目录 限定支付范围。/);
  assert.match(r[0].evidence, /ALB=31/);
});

test('indication: just below the lab limit with a qualifying condition is payable; exactly at the limit is not', () => {
  assert.deepEqual(run(p, [enc({ flags: ['severe'], labs: [{ code: 'ALB', value: 29.9 }], lines: [line] })]), []);
  assert.equal(run(p, [enc({ flags: ['severe'], labs: [{ code: 'ALB', value: 30 }], lines: [line] })]).length, 1);
});

test('indication: cirrhosis needs the ascites diagnosis too; cancer with pleural effusion qualifies', () => {
  const lab = [{ code: 'ALB', value: 25 }];
  assert.equal(run(p, [enc({ diagnoses: ['K74.6'], labs: lab, lines: [line] })]).length, 1, 'cirrhosis alone');
  assert.deepEqual(run(p, [enc({ diagnoses: ['K74.6', 'R18.x00'], labs: lab, lines: [line] })]), []);
  assert.deepEqual(run(p, [enc({ diagnoses: ['C34.9', 'J91.x00'], labs: lab, lines: [line] })]), []);
});

test('indication: the requirement is read on the line\'s own encounter, not on another encounter of the patient', () => {
  const history = enc({ id: 'H', flags: ['rescue'], labs: [{ code: 'ALB', value: 20 }], adm: '2024-02-01 08:00:00', lines: [{ code: 'Z' }] });
  const current = enc({ id: 'C', labs: [{ code: 'ALB', value: 20 }], lines: [line] });
  assert.deepEqual(flagged(run(p, [history, current], { current: ['C'] })), { a: 77000 });
});
