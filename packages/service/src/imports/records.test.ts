import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseCsvLine } from './records.ts';

test('CSV records split per RFC 4180', () => {
  assert.deepEqual(parseCsvLine('a,b,c', 'f', 1), ['a', 'b', 'c']);
  assert.deepEqual(parseCsvLine('a,,c,', 'f', 1), ['a', '', 'c', '']);
  assert.deepEqual(parseCsvLine('"x,y","say ""hi""",3', 'f', 1), ['x,y', 'say "hi"', '3']);
  assert.deepEqual(parseCsvLine('"line1\nline2",z', 'f', 1), ['line1\nline2', 'z']);
  assert.deepEqual(parseCsvLine('', 'f', 1), ['']);
  assert.deepEqual(parseCsvLine('"",""', 'f', 1), ['', '']);
  assert.throws(() => parseCsvLine('"abc', 'f', 4), /line 4: unterminated/);
  assert.throws(() => parseCsvLine('"abc"d,e', 'f', 4), /text after a closing quote/);
});
