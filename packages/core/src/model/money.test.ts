import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatYuan, fenToYuan, parseYuan } from './money.ts';

test('parseYuan converts yuan text and numbers to integer fen without float error', () => {
  assert.deepEqual(parseYuan('385.00'), { fen: 38500 });
  assert.deepEqual(parseYuan('0.29'), { fen: 29 });
  assert.deepEqual(parseYuan(0.29), { fen: 29 });
  assert.deepEqual(parseYuan(1.005e3), { fen: 100500 });
  assert.deepEqual(parseYuan('12.5000'), { fen: 1250 });
  assert.deepEqual(parseYuan('-3.10'), { fen: -310 });
});

test('parseYuan refuses what cannot be represented in fen instead of rounding it', () => {
  assert.ok('reason' in parseYuan('0.125'));
  assert.ok('reason' in parseYuan('abc'));
  assert.ok('reason' in parseYuan('1e3'));
  assert.ok('reason' in parseYuan(null));
  assert.ok('reason' in parseYuan(Number.NaN));
});

test('fen renders back as yuan', () => {
  assert.equal(fenToYuan(77000), 770);
  assert.equal(fenToYuan(11650), 116.5);
  assert.equal(formatYuan(73421569), '734215.69');
  assert.equal(formatYuan(-5), '-0.05');
});
