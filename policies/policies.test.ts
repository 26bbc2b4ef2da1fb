import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parsePolicy } from '@fundguard/core';

const here = dirname(fileURLToPath(import.meta.url));

test('every shipped policy parameter set parses and names its region, year, insutype and scenario in its path', () => {
  let n = 0;
  for (const region of readdirSync(here).filter((d) => /^\d{6}$/.test(d))) {
    for (const f of readdirSync(join(here, region))) {
      const p = parsePolicy(JSON.parse(readFileSync(join(here, region, f), 'utf8')));
      assert.equal(p.region, region);
      assert.equal(f, `${p.year}-${p.insutype}-${p.scenario}.json`);
      n++;
    }
  }
  assert.ok(n >= 6);
});
