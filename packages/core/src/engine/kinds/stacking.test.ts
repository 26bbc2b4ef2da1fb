import { test } from 'node:test';
import assert from 'node:assert/strict';
import { enc, flagged, pack, run } from '../testing/build.ts';

const groups = { HUOXUE_INJ: { codes: ['GXN', 'SXN', 'DS'] } };

test('stacking: 冠心宁 + 舒血宁 the same day: the later code\'s lines are flagged; max_distinct defaults to 1', () => {
  const p = pack([{ kind: 'stacking', category: 'STACKING', items: ['@HUOXUE_INJ'], params: { window: 'day' } }], { groups });
  const r = run(p, [enc({ lines: [
    { code: 'SXN', name: '舒血宁注射液', at: '2024-03-01 09:00:00', rx: 's1', pric: 30 },
    { code: 'GXN', name: '冠心宁注射液', at: '2024-03-01 08:00:00', rx: 'g1', pric: 40 },
    { code: 'SXN', at: '2024-03-01 18:00:00', rx: 's2', pric: 30 },
    { code: 'GXN', at: '2024-03-02 08:00:00', rx: 'g2' },
  ] })]);
  assert.deepEqual(flagged(r), { s1: 3000, s2: 3000 });
});

test('stacking: same begin time goes by input order; exactly max_distinct codes is fine, one more fires', () => {
  const two = pack([{ kind: 'stacking', category: 'STACKING', items: ['@HUOXUE_INJ'], params: { max_distinct: 2, window: 'visit' } }], { groups });
  assert.deepEqual(run(two, [enc({ lines: [{ code: 'GXN', at: '2024-03-01' }, { code: 'SXN', at: '2024-03-02' }] })]), []);
  const r = run(two, [enc({ lines: [{ code: 'DS', rx: 'ds', at: '2024-03-01' }, { code: 'GXN', rx: 'g', at: '2024-03-01' }, { code: 'SXN', rx: 's', at: '2024-03-01' }] })]);
  assert.deepEqual(Object.keys(flagged(r)), ['s']);
});
