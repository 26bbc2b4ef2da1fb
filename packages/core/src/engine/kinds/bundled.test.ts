import { test } from 'node:test';
import assert from 'node:assert/strict';
import { enc, flagged, pack, run } from '../testing/build.ts';

// 全脑动脉造影 (320600001): 除外内容 is the catheter only; a guide wire billed separately is unbundling (¥252).
const p = pack([{ kind: 'bundled', category: 'UNBUNDLING', items: ['320600001'], params: { includes: ['@GUIDE_WIRE'], window: 'visit' } }],
  { groups: { GUIDE_WIRE: { codes: ['C14010203300000101010000', 'C14010203300000202020000'] } } });

test('bundled: each component line is flagged with its full amount when the comprehensive item is in the visit', () => {
  const r = run(p, [enc({ lines: [
    { code: '320600001', name: '全脑动脉造影', pric: 1200, at: '2024-03-02' },
    { code: 'C14010203300000101010000', name: '导丝', pric: 252, rx: 'w1', at: '2024-03-01' },
    { code: 'C14010203300000202020000', name: '导丝', pric: 180, rx: 'w2', at: '2024-03-03' },
  ] })]);
  assert.deepEqual(flagged(r), { w1: 25200, w2: 18000 });
  assert.equal(r[0].amount, 43200);
});

test('bundled: without the comprehensive item the component is payable; the comprehensive item itself is never flagged', () => {
  assert.deepEqual(run(p, [enc({ lines: [{ code: 'C14010203300000101010000' }] })]), []);
  assert.deepEqual(run(p, [enc({ lines: [{ code: '320600001' }] })]), []);
});

test('bundled: day window — other days of the stay do not bundle', () => {
  const d = pack([{ kind: 'bundled', category: 'UNBUNDLING', items: ['M'], params: { includes: ['C'], window: 'day' } }]);
  assert.deepEqual(run(d, [enc({ lines: [{ code: 'M', at: '2024-03-01' }, { code: 'C', at: '2024-03-02' }] })]), []);
  assert.equal(run(d, [enc({ lines: [{ code: 'M', at: '2024-03-02 08:00:00' }, { code: 'C', at: '2024-03-02 20:00:00' }] })]).length, 1);
});
