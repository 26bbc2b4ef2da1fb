import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { scratchPglite } from '@fundguard/store/testing.ts';
import { FundGuard } from '@fundguard/service';
import { buildApp } from '../../app.ts';

const root = new URL('../../../../../', import.meta.url);
const policy = JSON.parse(readFileSync(new URL('policies/610100/2024-310-inpatient.json', root), 'utf8'));
const encounter = { mdtrt_id: 'ZY1', medins_id: 'H1', medins_lv: '05', adm_date: '2024-05-01', med_mdtrt_type: '2', insutype: '310',
  fsi_order_dtos: [{ rx_id: '1', hilist_code: 'A', hilist_lv: '01', cnt: 1, pric: 2600, sumamt: 2600 }] };

test('POST /api/v1/settlement/calculate and fundguard settle give the same settlement', { timeout: 60_000 }, async () => {
  const s = await scratchPglite();
  const fg = new FundGuard(s.database);
  const { key } = await fg.keys.ensureAdminKey(undefined);
  const app = await buildApp({ fg });
  try {
    const r = await app.inject({ method: 'POST', url: '/api/v1/settlement/calculate', headers: { authorization: `Bearer ${key}` }, payload: { policy, encounter, person: { retiree: false }, accumulators: {} } });
    assert.equal(r.statusCode, 200, r.body);
    // 2 600 − 600 (二级起付线) = 2 000 × 90 % = 1 800; person 800.
    assert.deepEqual([r.json().act_pay_dedc, r.json().hifp_pay, r.json().psn_part_amt], [600, 1800, 800]);
    const bad = await app.inject({ method: 'POST', url: '/api/v1/settlement/calculate', headers: { authorization: `Bearer ${key}` }, payload: { policy: { ...policy, annual_cap: -1 }, encounter, person: {}, accumulators: {} } });
    assert.equal(bad.statusCode, 400);
    assert.match(bad.json().error.message, /policy\.annual_cap/);
    const dir = mkdtempSync(join(tmpdir(), 'fg-settle-'));
    try {
      writeFileSync(join(dir, 'e.json'), JSON.stringify(encounter));
      const cli = spawnSync(process.execPath, ['--import', 'tsx', new URL('packages/cli/src/main.ts', root).pathname, 'settle', '--policy', new URL('policies/610100/2024-310-inpatient.json', root).pathname, '--encounter', join(dir, 'e.json')], { encoding: 'utf8' });
      assert.equal(cli.status, 0, cli.stderr);
      assert.deepEqual(JSON.parse(cli.stdout), r.json());
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  } finally {
    await app.close();
    await s.drop();
  }
});
