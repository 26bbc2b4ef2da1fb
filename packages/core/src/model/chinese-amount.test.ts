import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chineseUppercaseAmount } from './chinese-amount.ts';

test('人民币大写 as written on notices', () => {
  assert.equal(chineseUppercaseAmount(8821500), '人民币捌万捌仟贰佰壹拾伍元整');
  assert.equal(chineseUppercaseAmount(73421569), '人民币柒拾叁万肆仟贰佰壹拾伍元陆角玖分');
  assert.equal(chineseUppercaseAmount(11650), '人民币壹佰壹拾陆元伍角');
  assert.equal(chineseUppercaseAmount(100005), '人民币壹仟元零伍分');
  assert.equal(chineseUppercaseAmount(1000000100), '人民币壹仟万零壹元整');
  assert.equal(chineseUppercaseAmount(10000000000), '人民币壹亿元整');
  assert.equal(chineseUppercaseAmount(10100), '人民币壹佰零壹元整');
  assert.equal(chineseUppercaseAmount(0), '人民币零元整');
  assert.equal(chineseUppercaseAmount(25300), '人民币贰佰伍拾叁元整');
});
