import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatYuan, fenToYuan, parseDecimal, parseYuan } from './money.ts';

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

test('parseYuan: numbers take a fast path that accepts exactly what their decimal text would', () => {
  assert.deepEqual(parseYuan(0.1 + 0.2), { reason: 'more than 2 decimals (amounts are kept in whole fen)' });
  assert.deepEqual(parseYuan(1.005), { reason: 'more than 2 decimals (amounts are kept in whole fen)' });
  assert.deepEqual(parseYuan(1e-7), { reason: 'more than 2 decimals (amounts are kept in whole fen)' });
  assert.ok(Object.is((parseYuan(-0) as { fen: number }).fen, 0), '-0 yuan is 0 fen, not -0');
  assert.deepEqual(parseYuan(-5.5), { fen: -550 });
  assert.deepEqual(parseYuan(123456789.12), { fen: 12345678912 });
  assert.deepEqual(parseYuan(1e17), { reason: 'amount too large' });
  assert.deepEqual(parseYuan(Infinity), { reason: 'not a finite number' });
  // Every amount with whole fen, as a number and as text, gives the same fen; a third decimal is refused both ways.
  let seed = 7;
  const next = () => (seed = (seed * 48271) % 2147483647);
  for (let i = 0; i < 20000; i++) {
    const fen = (next() % 2_000_000_000) - 1_000_000_000;
    const yuan = fen / 100;
    assert.deepEqual(parseYuan(yuan), { fen: fen + 0 }, String(yuan));
    assert.deepEqual(parseYuan(String(yuan)), { fen: fen + 0 }, String(yuan));
    const third = yuan + (fen >= 0 ? 0.005 : -0.005);
    assert.deepEqual(parseYuan(third), parseYuan(String(third)), String(third));
  }
});

test('parseDecimal refuses a number too large for any column (400 digits are Infinity), as text or as a number', () => {
  assert.deepEqual(parseDecimal('9'.repeat(400)), { reason: 'too large' });
  assert.deepEqual(parseDecimal(JSON.parse(`{"n":${'9'.repeat(400)}}`).n), { reason: 'not a finite number' });
  assert.deepEqual(parseDecimal(' 2.5 '), { value: 2.5 });
});
