import { test } from 'node:test';
import assert from 'node:assert/strict';
import { enc, flagged, pack, run } from '../testing/build.ts';

test('gender: fires on the other sex, never on unknown 0/9; self-paid lines are never flagged', () => {
  const p = pack([{ kind: 'gender', category: 'GENDER', items: ['IUD*'], params: { allow: '2' } }]);
  const lines = [{ code: 'IUD01', rx: 'a', pric: 150 }, { code: 'IUD02', rx: 'b', selfPaid: true }, { code: 'X', rx: 'c' }];
  assert.deepEqual(flagged(run(p, [enc({ lines }, { gend: '1' })])), { a: 15000 });
  assert.deepEqual(run(p, [enc({ lines }, { gend: '2' })]), []);
  assert.deepEqual(run(p, [enc({ lines }, { gend: '9' })]), []);
});

test('age: whole years on the line date; the birthday itself counts as the new age', () => {
  const p = pack([{ kind: 'age', category: 'AGE', items: ['INS*'], params: { min_years: 60 } }]);
  const on = (at: string) => run(p, [enc({ lines: [{ code: 'INS1', at, rx: 'a' }] }, { brdy: '1964-03-10' })]);
  assert.equal(on('2024-03-09').length, 1, 'the day before the 60th birthday');
  assert.equal(on('2024-03-10').length, 0, 'on the birthday');
  const maxP = pack([{ kind: 'age', category: 'AGE', items: ['PED*'], params: { max_years: 14 } }]);
  assert.equal(run(maxP, [enc({ lines: [{ code: 'PED1', at: '2024-03-09' }] }, { brdy: '2009-03-10' })]).length, 0, 'still 14');
  assert.equal(run(maxP, [enc({ lines: [{ code: 'PED1', at: '2024-03-10' }] }, { brdy: '2009-03-10' })]).length, 1, '15 on the birthday');
});

test('indication: the condition tree with labs (latest result), flags and diagnoses (prefix, case, dots)', () => {
  const p = pack([{ kind: 'indication', category: 'INDICATION', items: ['ALB'], params: { requires: { all: [{ lab: { code: 'ALB', op: '<', value: 30 } }, { any: [{ flag: 'rescue' }, { all: [{ diagnosis: ['K74*'] }, { diagnosis: ['r18*'] }] }] }] } } }]);
  const base = { diagnoses: ['K74.6', 'R18.x00'], labs: [{ code: 'ALB', value: 35, at: '2024-03-01 07:00:00' }, { code: 'ALB', value: 27.4, at: '2024-03-02 07:00:00' }], lines: [{ code: 'ALB', rx: 'a' }] };
  assert.deepEqual(run(p, [enc(base)]), [], 'latest ALB 27.4 with cirrhosis ascites');
  const exactly30 = run(p, [enc({ ...base, labs: [{ code: 'ALB', value: 30 }] })]);
  assert.equal(exactly30.length, 1, '30 is not < 30');
  assert.match(exactly30[0].lines[0].actual as string, /ALB=30（要求<30）/);
  assert.equal(run(p, [enc({ ...base, labs: [] })]).length, 1, 'no result: false');
  assert.deepEqual(run(p, [enc({ ...base, diagnoses: ['I10'], flags: ['rescue'] })]), []);
});

test('institution_level and setting use the configured level mapping and the scenario', () => {
  const p = pack([{ kind: 'institution_level', category: 'INSTITUTION_LEVEL', items: ['X'], params: { min_level: 2 } }, { kind: 'setting', category: 'SETTING', items: ['X'], params: { allow: ['inpatient'] } }]);
  const r = run(p, [enc({ type: '1', lv: '09', lines: [{ code: 'X', rx: 'a' }] })]);
  assert.deepEqual(r.map((f) => f.rule_id), ['R1', 'R2']);
  assert.equal(run(p, [enc({ type: '2', lv: '05', lines: [{ code: 'X' }] })]).length, 0);
  assert.equal(run(p, [enc({ type: '2', lv: '09', lines: [{ code: 'X' }] })], { levelMapping: { '09': 2 } }).length, 0, 'mapping is configuration');
});

test('quantity: units above the limit in chronological order; exactly at the limit does not fire', () => {
  const p = pack([{ kind: 'quantity', items: ['Q'], params: { max: 4, window: 'day' } }]);
  const at = (h: number) => `2024-03-01 0${h}:00:00`;
  assert.deepEqual(run(p, [enc({ lines: [{ code: 'Q', cnt: 2, at: at(1) }, { code: 'Q', cnt: 2, at: at(2) }] })]), []);
  // 3 + 2 + 2 = 7 against 4: the second line has 1 unit above, the third 2; amount = units × pric.
  const r = run(p, [enc({ lines: [{ code: 'Q', cnt: 2, pric: 5, at: at(3), rx: 'c' }, { code: 'Q', cnt: 3, pric: 5, at: at(1), rx: 'a' }, { code: 'Q', cnt: 2, pric: 5, at: at(2), rx: 'b' }] })]);
  assert.deepEqual(flagged(r), { b: 500, c: 1000 });
  assert.equal(r[0].amount, 1500);
  // A non-current earlier order counts but is not flagged.
  const ctx = run(p, [enc({ lines: [{ code: 'Q', cnt: 4, at: at(1), current: false, rx: 'old' }, { code: 'Q', cnt: 1, at: at(2), rx: 'new' }] })]);
  assert.deepEqual(flagged(ctx), { new: 1000 });
});

test('quantity per length of stay: LOS 0 days counts as 1; without discharge, to the last line + 1', () => {
  const p = pack([{ kind: 'quantity', category: 'LENGTH_OF_STAY', items: ['BED'], params: { max: 1, window: 'visit', per_los_day: true } }]);
  const sameDay = enc({ adm: '2024-03-01 08:00:00', dscg: '2024-03-01 18:00:00', lines: [{ code: 'BED', cnt: 2, rx: 'a' }] });
  assert.deepEqual(flagged(run(p, [sameDay])), { a: 1000 });
  const stay = enc({ adm: '2024-03-01 08:00:00', dscg: '2024-03-04 09:00:00', lines: [{ code: 'BED', cnt: 3 }] });
  assert.deepEqual(run(p, [stay]), [], '3 days, 算入不算出');
  const inHospital = enc({ adm: '2024-03-01 08:00:00', lines: [{ code: 'BED', cnt: 3, at: '2024-03-03 08:00:00', rx: 'x' }, { code: 'BED', cnt: 1, at: '2024-03-03 09:00:00', rx: 'y' }] });
  assert.deepEqual(flagged(run(p, [inHospital])), { y: 1000 }, '3 days (01…03), 4 billed');
});

test('quantity over a rolling window spans encounters: first and last day of the window', () => {
  const p = pack([{ kind: 'quantity', items: ['Q'], params: { max: 2, window: { rolling_days: 7 } } }]);
  const e1 = enc({ id: 'A', adm: '2024-03-01 08:00:00', type: '1', lines: [{ code: 'Q', cnt: 2, rx: 'a' }] });
  const inside = enc({ id: 'B', adm: '2024-03-07 08:00:00', type: '1', lines: [{ code: 'Q', cnt: 1, rx: 'b' }] });
  const outside = enc({ id: 'C', adm: '2024-03-08 08:00:00', type: '1', lines: [{ code: 'Q', cnt: 1, rx: 'c' }] });
  assert.deepEqual(flagged(run(p, [e1, inside], { current: ['B'] })), { b: 1000 }, 'day 7 of 7 still sees day 1');
  assert.deepEqual(run(p, [e1, outside], { current: ['C'] }), [], 'day 8 does not');
});

test('frequency: the days beyond max in the window', () => {
  const p = pack([{ kind: 'frequency', category: 'FREQUENCY', items: ['F'], params: { max: 2, window: 'month' } }]);
  const lines = ['2024-03-01', '2024-03-01', '2024-03-05', '2024-03-09', '2024-03-31'].map((at, i) => ({ code: 'F', at, rx: `r${i}` }));
  assert.deepEqual(Object.keys(flagged(run(p, [enc({ lines })]))), ['r3', 'r4']);
  const april = run(p, [enc({ lines: [{ code: 'F', at: '2024-03-01' }, { code: 'F', at: '2024-03-05' }, { code: 'F', at: '2024-04-01' }] })]);
  assert.deepEqual(april, [], 'a new month starts over');
});

test('prescription: days proportionally, drugs and herbs by count, doses proportionally', () => {
  const p = pack([{ kind: 'prescription', category: 'PRESCRIPTION', items: ['*'], params: { max_days: 7, max_drugs: 2, max_herbs: 2, max_doses: 5 } }]);
  const r = run(p, [enc({ type: '1', lines: [
    { code: 'D1', rxno: 'P1', days: 7, pric: 70, rx: 'd1' },
    { code: 'D2', rxno: 'P1', days: 10, pric: 100, rx: 'd2' },
    { code: 'D3', rxno: 'P1', pric: 30, rx: 'd3' },
    { code: 'H1', type: '102', rxno: 'P2', doses: 7, pric: 70, rx: 'h1' },
    { code: 'H2', type: '102', rxno: 'P2', rx: 'h2' },
    { code: 'H3', type: '102', rxno: 'P2', rx: 'h3' },
  ] })]);
  assert.deepEqual(flagged(r), { d2: 3000, d3: 3000, h1: 2000, h3: 1000 });
});

test('exclusive, bundled and duplicate; a line never pairs with itself', () => {
  const ex = pack([{ kind: 'exclusive', category: 'EXCLUSIVE', items: ['A'], params: { with: ['A', 'B'], window: 'day' } }]);
  assert.deepEqual(run(ex, [enc({ lines: [{ code: 'A' }] })]), []);
  assert.equal(run(ex, [enc({ lines: [{ code: 'A', rx: 'a' }, { code: 'B', rx: 'b' }] })])[0].lines[0].rx_id, 'a');
  assert.deepEqual(run(ex, [enc({ lines: [{ code: 'A', at: '2024-03-01' }, { code: 'B', at: '2024-03-02' }] })]), [], 'different days');
  const bun = pack([{ kind: 'bundled', category: 'UNBUNDLING', items: ['320600001'], params: { includes: ['@GUIDE_WIRE'], window: 'visit' } }], { groups: { GUIDE_WIRE: { codes: ['GW1'] } } });
  assert.deepEqual(flagged(run(bun, [enc({ lines: [{ code: '320600001', pric: 1000, rx: 'm' }, { code: 'GW1', pric: 252, rx: 'g' }] })])), { g: 25200 });
  const dup = pack([{ kind: 'duplicate', category: 'DUPLICATE', items: ['*'], params: { window: 'day' } }]);
  const lines = [{ code: 'X', at: '2024-03-01 08:00:00', rx: 'a' }, { code: 'X', at: '2024-03-01 08:00:00', rx: 'b' }, { code: 'X', at: '2024-03-01 09:00:00', rx: 'c' }];
  assert.deepEqual(Object.keys(flagged(run(dup, [enc({ lines })]))), ['b']);
});

test('stacking: codes after the first max_distinct, in order of begin date', () => {
  const p = pack([{ kind: 'stacking', category: 'STACKING', items: ['@GINKGO'], params: { max_distinct: 1, window: 'day' } }], { groups: { GINKGO: { codes: ['G1', 'G2', 'G3'] } } });
  const r = run(p, [enc({ lines: [{ code: 'G2', at: '2024-03-01 10:00:00', rx: 'b' }, { code: 'G1', at: '2024-03-01 08:00:00', rx: 'a' }, { code: 'G2', at: '2024-03-01 12:00:00', rx: 'b2' }] })]);
  assert.deepEqual(Object.keys(flagged(r)).sort(), ['b', 'b2']);
});

test('prerequisite: a requires line up to and including the day', () => {
  const p = pack([{ kind: 'prerequisite', category: 'PREREQUISITE', items: ['NUT'], params: { requires: ['SCREEN'], window: 'visit' } }]);
  assert.equal(run(p, [enc({ lines: [{ code: 'NUT', at: '2024-03-02' }] })]).length, 1);
  assert.deepEqual(run(p, [enc({ lines: [{ code: 'SCREEN', at: '2024-03-02 09:00:00' }, { code: 'NUT', at: '2024-03-02 08:00:00' }] })]), [], 'same day counts');
  assert.equal(run(p, [enc({ lines: [{ code: 'NUT', at: '2024-03-02' }, { code: 'SCREEN', at: '2024-03-03' }] })]).length, 1, 'a later screening does not');
});

test('catalogue: unknown code, class C, over the price ceiling', () => {
  const catalogue = [
    { hilist_code: 'C', hilist_name: '丙', hilist_type: '101', hilist_lv: '03', selfpay_prop: null, price_cap: null, unit: '', limit_text: '', group_codes: [], region: '*', effective_from: null, effective_to: null },
    { hilist_code: 'P', hilist_name: '限价', hilist_type: '301', hilist_lv: '01', selfpay_prop: null, price_cap: 1000, unit: '', limit_text: '', group_codes: [], region: '*', effective_from: null, effective_to: null },
  ];
  const p = pack([{ kind: 'catalogue', category: 'CATALOGUE', items: ['*'], params: { checks: ['unknown_code', 'class_c', 'over_price'] } }], { catalogue });
  const byCode = new Map(catalogue.map((c) => [c.hilist_code, c]));
  const r = run(p, [enc({ lines: [{ code: 'C', rx: 'c', pric: 5 }, { code: 'P', cnt: 2, pric: 12.5, rx: 'p' }, { code: 'U', rx: 'u', pric: 3 }, { code: 'P', rx: 'ok', pric: 10 }] })], { catalogue: (code) => byCode.get(code) ?? null });
  assert.deepEqual(flagged(r), { c: 500, p: 500, u: 300 });
});

test('blacklist: listed doctor flags that doctor\'s lines; listed institution every line; the listing period is the rule range', () => {
  const p = pack([{ kind: 'blacklist', category: 'ELIGIBILITY', params: { doctors: ['BAD'] }, effective_from: '2024-03-01', effective_to: '2024-04-01' }]);
  const r = run(p, [enc({ lines: [{ code: 'A', doctor: 'BAD', rx: 'a' }, { code: 'B', doctor: 'GOOD', rx: 'b' }, { code: 'C', rx: 'c', at: '2024-04-01' }] , doctor: 'BAD' })]);
  assert.deepEqual(Object.keys(flagged(r)), ['a'], 'c falls back to the encounter doctor but is after the period');
  const inst = pack([{ kind: 'blacklist', category: 'ELIGIBILITY', params: { use_lists: true } }]);
  const listed = (t: string, code: string, day: string) => (t === 'institution' && code === 'H1' && day < '2024-03-15' ? { list: 'suspended', reason: '暂停' } : null);
  const r2 = run(inst, [enc({ lines: [{ code: 'A', rx: 'a', at: '2024-03-14' }, { code: 'B', rx: 'b', at: '2024-03-15' }] })], { listed });
  assert.deepEqual(Object.keys(flagged(r2)), ['a']);
});

test('filters: stages, scenarios, insutypes, when/unless per line, rule ids', () => {
  const p = pack([
    { kind: 'gender', category: 'GENDER', items: ['X'], params: { allow: '2' }, stages: ['pre'] },
    { kind: 'gender', category: 'GENDER', items: ['X'], params: { allow: '2' }, scenarios: ['outpatient'] },
    { kind: 'gender', category: 'GENDER', items: ['X'], params: { allow: '2' }, insutypes: ['390'] },
    { kind: 'gender', category: 'GENDER', items: ['X'], params: { allow: '2' }, unless: { dept: ['0303'] } },
    { kind: 'gender', category: 'GENDER', items: ['X'], params: { allow: '2' }, when: { doctor_title: { min: 4 } } },
  ]);
  const e = enc({ type: '2', lines: [{ code: 'X', dept: '0303', title: 3 }] });
  assert.deepEqual(run(p, [e], { stage: 'post' }).map((f) => f.rule_id), []);
  assert.deepEqual(run(p, [e], { stage: 'pre' }).map((f) => f.rule_id), ['R1']);
  assert.deepEqual(run(p, [e], { stage: 'pre', ruleIds: ['R2', 'nope'] }), []);
  const e2 = enc({ type: '1', insutype: '390', lines: [{ code: 'X', dept: '0401', title: 4 }] });
  assert.deepEqual(run(p, [e2], { stage: 'mid' }).map((f) => f.rule_id), ['R2', 'R3', 'R4', 'R5']);
});

test('packs apply by region (hierarchical codes) and by the line date, not the run date', () => {
  const regional = pack([{ kind: 'gender', category: 'GENDER', items: ['X'], params: { allow: '2' } }], { region: '610100', effective_from: '2024-01-01', effective_to: '2025-01-01' });
  assert.equal(run(regional, [enc({ admdvs: '610104', lines: [{ code: 'X', at: '2024-06-01' }] }, { poolarea: '610104' })]).length, 1, 'a district of the city');
  assert.equal(run(regional, [enc({ admdvs: '110105', lines: [{ code: 'X', at: '2024-06-01' }] }, { poolarea: '110100' })]).length, 0, 'another city');
  assert.equal(run(regional, [enc({ lines: [{ code: 'X', at: '2023-12-31' }] })]).length, 0, 'before the pack');
  assert.equal(run(regional, [enc({ lines: [{ code: 'X', at: '2025-01-01' }] })]).length, 0, 'effective_to is exclusive');
});

test('one result per (rule, encounter), amounts summed, ids stable', async () => {
  const { toResultRow } = await import('../evaluate.ts');
  const p = pack([{ kind: 'gender', category: 'GENDER', items: ['X*'], params: { allow: '2' }, message: '{item_name}({item_code})限女性' }]);
  const r = run(p, [enc({ id: 'E1', lines: [{ code: 'X1', pric: 1.5, rx: 'a' }, { code: 'X2', pric: 2.25, rx: 'b' }] })]);
  assert.equal(r.length, 1);
  assert.equal(r[0].amount, 375);
  const row = toResultRow(r[0], { salt: 'call-1', taskId: 'T' });
  assert.equal(row.vola_amt, 3.75);
  assert.equal(row.sev_deg, '1');
  assert.equal(row.vola_cont, '项目X1(X1)限女性');
  assert.deepEqual((row.judge_result_detail_dtos as { jrd_id: string }[]).map((d) => d.jrd_id), [`${row.jr_id}-1`, `${row.jr_id}-2`]);
  assert.equal(toResultRow(r[0], { salt: 'call-1' }).jr_id, row.jr_id);
  assert.notEqual(toResultRow(r[0], { salt: 'call-2' }).jr_id, row.jr_id);
});
