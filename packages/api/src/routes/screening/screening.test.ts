import assert from 'node:assert/strict';
import { test } from 'node:test';
import { generate } from '@fundguard/core';
import { scratchPglite } from '@fundguard/store/testing.ts';
import { FundGuard } from '@fundguard/service';
import { buildApp } from '../../app.ts';

test('screening over HTTP: start a run, follow it, page its leads; build the queue, take work, see the backlog', { timeout: 120_000 }, async () => {
  const s = await scratchPglite();
  const fg = new FundGuard(s.database, { clock: () => new Date('2024-12-10T01:00:00Z') });
  const { key } = await fg.keys.ensureAdminKey(undefined);
  const app = await buildApp({ fg });
  const auth = { authorization: `Bearer ${key}` };
  try {
    const records = [...generate({ encounters: 800, seed: 'screening-api', rates: { GHOST_BED: 0.1, READMISSION: 0.1 } })].map((g) => g.record);
    await s.database.transaction((tx) => fg.ctx.encounters.replaceMany(tx, records, { importId: null, source: 'test' }));
    const bad = await app.inject({ method: 'POST', url: '/api/v1/screening-runs', headers: auth, payload: { from: '2024-13-01', to: '2024-01-01' } });
    assert.equal(bad.statusCode, 400);
    const started = await app.inject({ method: 'POST', url: '/api/v1/screening-runs', headers: auth, payload: { from: '2024-01-01', to: '2025-01-01' } });
    assert.equal(started.statusCode, 202, started.body);
    const run = await fg.screening.done(started.json().id);
    const status = await app.inject({ method: 'GET', url: `/api/v1/screening-runs/${run.id}`, headers: auth });
    assert.deepEqual([status.json().status, status.json().encounters], ['done', records.length]);
    const leads = await app.inject({ method: 'GET', url: `/api/v1/screening-runs/${run.id}/leads?category=GHOST_BED&limit=2`, headers: auth });
    assert.equal(leads.json().items.length, 2);
    assert.ok(leads.json().total >= 2);
    assert.ok(leads.json().items[0].factors.length >= 1 && leads.json().items[0].evidence[0].mdtrt_id);
    // yuan at the edges (screening.md): amount_at_risk and evidence amount, no fen
    const first = leads.json().items[0];
    assert.equal(typeof first.amount_at_risk, 'number');
    assert.equal(first.amount_at_risk_fen, undefined);
    assert.equal(typeof first.evidence[0].amount, 'number');
    assert.equal(first.evidence[0].amount_fen, undefined);
    // more than a page's worth is refused with the reason, never capped silently
    const tooMany = await app.inject({ method: 'GET', url: `/api/v1/screening-runs/${run.id}/leads?limit=5000`, headers: auth });
    assert.equal(tooMany.statusCode, 400);
    assert.match(tooMany.body, /limit/);
    const put = await app.inject({ method: 'PUT', url: '/api/v1/screening-params/610100', headers: auth, payload: { ghost_bed: { min_days: 4 } } });
    assert.equal(put.json().ghost_bed.min_days, 4);
    assert.equal((await app.inject({ method: 'PUT', url: '/api/v1/screening-params/610100', headers: auth, payload: { ghost_bed: { min_days: -1 } } })).statusCode, 400);
    const built = await app.inject({ method: 'POST', url: '/api/v1/review-queue/build', headers: auth, payload: { from: '2024-01-01', to: '2025-01-01', screening_run_id: run.id, threshold: 20 } });
    assert.equal(built.statusCode, 200, built.body);
    assert.equal(built.json().encounters, records.length);
    const next = await app.inject({ method: 'POST', url: '/api/v1/review-queue/next', headers: auth, payload: { count: 2 } });
    assert.equal(next.json().items.length, 2);
    const decided = await app.inject({ method: 'POST', url: `/api/v1/review-queue/${next.json().items[0].mdtrt_id}/decision`, headers: auth, payload: { outcome: 'refer' } });
    assert.equal(decided.json().outcome, 'refer');
    const backlog = await app.inject({ method: 'GET', url: '/api/v1/review-queue/backlog', headers: auth });
    assert.deepEqual([backlog.json().by_status.assigned, backlog.json().by_status.reviewed], [1, 1]);
    const hospital = await fg.keys.create({ id: 'admin', role: 'admin' }, { role: 'hospital', label: 'h', institutionId: 'H1' });
    assert.equal((await app.inject({ method: 'GET', url: `/api/v1/screening-runs/${run.id}/leads`, headers: { authorization: `Bearer ${hospital.key}` } })).statusCode, 403);
  } finally {
    await app.close();
    await fg.close();
    await s.drop();
  }
});
