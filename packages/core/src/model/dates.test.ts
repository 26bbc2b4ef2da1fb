import { test } from 'node:test';
import assert from 'node:assert/strict';
import { addDays, ageInYears, dayFromNumber, dayNumber, daysBetween, parseTimestamp, quarterKey } from './dates.ts';

test('parseTimestamp accepts both national date formats and normalises them', () => {
  assert.deepEqual(parseTimestamp('2024-03-15'), { ts: '2024-03-15 00:00:00' });
  assert.deepEqual(parseTimestamp('2024-03-15 10:28:00'), { ts: '2024-03-15 10:28:00' });
  assert.deepEqual(parseTimestamp('2024-03-15T10:28'), { ts: '2024-03-15 10:28:00', form: 'iso' });
  assert.deepEqual(parseTimestamp('20240315102800'), { ts: '2024-03-15 10:28:00', form: 'yyyyMMdd' });
});

test('parseTimestamp: the additional HIS forms (audit-api.md §1) are accepted and named, the national ones take no form', () => {
  assert.deepEqual(parseTimestamp('2024/03/15'), { ts: '2024-03-15 00:00:00', form: 'yyyy/MM/dd' });
  assert.deepEqual(parseTimestamp('2024/03/15 10:28:05'), { ts: '2024-03-15 10:28:05', form: 'yyyy/MM/dd' });
  assert.deepEqual(parseTimestamp('20240315'), { ts: '2024-03-15 00:00:00', form: 'yyyyMMdd' });
  assert.deepEqual(parseTimestamp(' 2024-03-15 '), { ts: '2024-03-15 00:00:00', form: 'padded' });
  assert.deepEqual(parseTimestamp('9999-12-31 23:59:59'), { ts: '9999-12-31 23:59:59' });
  // the char-check fast path checks the calendar and the clock like the slow one
  assert.ok('reason' in parseTimestamp('2023-02-29 10:00:00'));
  assert.ok('reason' in parseTimestamp('2024-03-15 10:60:00'));
  assert.ok('reason' in parseTimestamp('2024/02/30'));
  assert.ok('reason' in parseTimestamp('2024-3-15'));
  assert.ok('reason' in parseTimestamp('2024-03-15 10:28:0x'));
});

test('parseTimestamp refuses impossible days and garbage', () => {
  assert.ok('reason' in parseTimestamp('2023-02-29'));
  assert.ok('reason' in parseTimestamp('2024-13-01'));
  assert.ok('reason' in parseTimestamp('2024-03-15 24:00:00'));
  assert.ok('reason' in parseTimestamp('15/03/2024'));
  assert.ok('reason' in parseTimestamp(20240315));
  assert.deepEqual(parseTimestamp('2024-02-29'), { ts: '2024-02-29 00:00:00' });
});

test('day arithmetic round-trips across leap years and centuries', () => {
  assert.equal(dayNumber('1970-01-01'), 0);
  for (const d of ['1900-03-01', '2000-02-29', '2024-12-31', '2100-02-28', '1958-01-01']) assert.equal(dayFromNumber(dayNumber(d)), d);
  assert.equal(addDays('2024-02-28', 1), '2024-02-29');
  assert.equal(addDays('2023-02-28', 1), '2023-03-01');
  assert.equal(daysBetween('2024-03-10', '2024-03-15'), 5);
  assert.equal(quarterKey('2024-07-01'), '2024-Q3');
});

test('age in whole years turns on the birthday', () => {
  assert.equal(ageInYears('1958-01-01', '2017-12-31'), 59);
  assert.equal(ageInYears('1958-01-01', '2018-01-01'), 60);
  assert.equal(ageInYears('2000-02-29', '2018-02-28'), 17);
  assert.equal(ageInYears('2000-02-29', '2018-03-01'), 18);
});
