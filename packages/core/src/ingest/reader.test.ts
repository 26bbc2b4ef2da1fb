import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { FieldIssue } from '../errors.ts';
import { FieldReader } from './reader.ts';

test('FieldReader trims text at both ends, Unicode spaces included, and treats blank text as absent', () => {
  const issues: FieldIssue[] = [];
  const r = new FieldReader({ a: ' X1 ', b: '\u3000张三\u3000', c: 'plain', d: '\u00a0\t', e: '\ufeffY' }, 'rec', issues);
  assert.deepEqual([r.str('a'), r.str('b'), r.str('c'), r.str('e')], ['X1', '张三', 'plain', 'Y']);
  assert.equal(r.str('d', true), '');
  assert.deepEqual(issues, [{ field: 'rec.d', reason: 'required' }]);
});
