import assert from 'node:assert/strict';
import fc from 'fast-check';
import { testBothBackends } from '@fundguard/store/testing.ts';
import { CasesRepo } from '@fundguard/store';
import { FundGuard } from '@fundguard/service';
import { buildApp } from '../../app.ts';

/** Issue 18: bad events answer 400 naming the field and change nothing; the chain never gets stuck; no 5xx on a random walk. */
testBothBackends('case events over HTTP: bad input cannot corrupt a case', async (db) => {
  let now = Date.parse('2024-04-01T00:00:00Z');
  const fg = new FundGuard(db, { clock: () => new Date(now) });
  const admin = { id: 'admin', role: 'admin' as const };
  const key = async (role: 'auditor' | 'supervisor' | 'hospital', institutionId?: string) => {
    const k = await fg.keys.create(admin, { role, institutionId });
    return { key: k.key, id: `key:${k.info.key_id}` };
  };
  const [a1, a2, a3, a4, s1, e1, e2, e3] = await Promise.all([key('auditor'), key('auditor'), key('auditor'), key('auditor'), key('supervisor'), key('auditor'), key('auditor'), key('auditor')]);
  const h1 = await key('hospital', 'H1');
  // No billing department: the 医保办 (a hospital key) answers the 可疑 finding itself (科室初审 is in service/src/cases/chain.test.ts).
  const base = { run_id: 9, pack: 'p', pack_version: '1', rule_id: 'R', rule_name: 'r', category: 'QUANTITY', appealable: true, patn_id: 'P', dept_codg: '', dr_codg: '', month: '2024-03', result: {}, medins_id: 'H1' };
  await db.transaction((tx) => new CasesRepo(db).insertFindings(tx, [
    { ...base, id: 'A', mdtrt_id: 'M1', severity: 'suspicious', amount_fen: 500000 },
    { ...base, id: 'B', mdtrt_id: 'M2', severity: 'violation', amount_fen: 120050 },
  ]));
  const app = await buildApp({ fg });
  const as = (k: { key: string }) => ({ authorization: `Bearer ${k.key}` });
  const id = 'CASE-H1-2024-03-R9';
  const url = `/api/v1/cases/${id}/events`;
  const send = (who: { key: string }, payload: unknown) => app.inject({ method: 'POST', url, headers: as(who), payload: payload as Record<string, unknown> });
  const version = async () => (await app.inject({ url: `/api/v1/cases/${id}`, headers: as(a1) })).json().version as number;
  /** 400 naming `field`, and the case unchanged */
  const refused = async (who: { key: string }, payload: unknown, field: string) => {
    const v = await version();
    const r = await send(who, payload);
    assert.equal(r.statusCode, 400, `${JSON.stringify(payload)} → ${r.statusCode} ${r.body}`);
    assert.ok(r.json().error.issues.some((i: { field: string }) => i.field === field), `${JSON.stringify(payload)} should name ${field}: ${r.body}`);
    assert.equal(await version(), v, 'nothing changed');
  };
  try {
    assert.equal((await app.inject({ method: 'POST', url: '/api/v1/cases', headers: as(a1), payload: { run_id: 9 } })).statusCode, 201);
    await refused(a1, { type: 'whatever' }, 'type');
    await refused(a1, {}, 'type');
    assert.equal((await send(a1, { type: 'notify' })).statusCode, 200);
    await refused(h1, { type: 'explain', finding: 'A' }, 'text');
    await refused(h1, { type: 'explain', finding: 'A', text: 5 }, 'text');
    await refused(h1, { type: 'explain', finding: 'A', text: '见病历', attachments: [{ name: 'x' }] }, 'attachments[0].sha256');
    assert.equal((await send(h1, { type: 'explain', finding: 'A', text: '见病历' })).statusCode, 200);
    assert.equal((await send(h1, { type: 'submit_explanations' })).statusCode, 200);
    // decide: unknown outcome, missing reason (also for confirmed: optional there, never a 500)
    await refused(a1, { type: 'decide', finding: 'A', outcome: 'whatever', amount: 3000 }, 'outcome');
    await refused(a1, { type: 'decide', finding: 'A', outcome: 'rejected' }, 'reason');
    await refused(a1, { type: 'decide', finding: 'A', outcome: 'partial', amount: 12.345, reason: 'x' }, 'amount');
    const conf = await send(a1, { type: 'decide', finding: 'B', outcome: 'confirmed' });
    assert.equal(conf.statusCode, 200, conf.body);
    const part = await send(a1, { type: 'decide', finding: 'A', outcome: 'partial', amount: 3000.5, reason: '部分合理' });
    assert.equal(part.statusCode, 200, part.body);
    assert.equal(part.json().state.findings.find((f: { id: string }) => f.id === 'A').decision.amount, 3000.5, 'yuan in, yuan out');
    // a named level must be the current one
    const wrongLevel = await send(a1, { type: 'approve_level', level: 3 });
    assert.equal(wrongLevel.statusCode, 409);
    assert.match(wrongLevel.json().error.message, /at level 1, not level 3/);
    await refused(a1, { type: 'approve_level', level: 'one' }, 'level');
    assert.equal((await send(a1, { type: 'approve_level', level: 1 })).statusCode, 200);
    assert.equal((await send(a2, { type: 'approve_level', level: 2 })).statusCode, 200);
    const decided = await send(s1, { type: 'approve_level', level: 3 });
    assert.equal(decided.json().status, 'decided');
    assert.equal(decided.json().deduction, 3000.5 + 1200.5);
    // appeal: each missing field named
    await refused(h1, { type: 'appeal', findings: ['A'], evidence: [] }, 'reason');
    await refused(h1, { type: 'appeal', reason: 'x', evidence: [] }, 'findings');
    await refused(h1, { type: 'appeal', findings: ['A'], reason: 'x' }, 'evidence');
    assert.equal((await send(h1, { type: 'appeal', findings: ['A'], reason: '有检验报告', evidence: [] })).statusCode, 200);
    // assign_re_review: no reviewer → 400; an unknown name or a decider → 409; the case stays assignable
    await refused(s1, { type: 'assign_re_review' }, 'reviewer');
    const unknown = await send(s1, { type: 'assign_re_review', reviewer: 'nobody' });
    assert.equal(unknown.statusCode, 409);
    assert.match(unknown.json().error.message, /not an active user with a reviewer role/);
    assert.equal((await send(s1, { type: 'assign_re_review', reviewer: a2.id })).statusCode, 409, 'a2 approved level 2');
    const eligible = (await app.inject({ url: `/api/v1/cases/${id}/eligible`, headers: as(s1) })).json().users.map((u: { id: string }) => u.id);
    assert.deepEqual(eligible.sort(), [a3.id, a4.id, e1.id, e2.id, e3.id].sort(), 'those who took no part (s1 approved level 3)');
    assert.equal((await app.inject({ url: `/api/v1/cases/${id}/eligible`, headers: as(h1) })).statusCode, 403);
    assert.equal((await send(s1, { type: 'assign_re_review', reviewer: a3.id })).statusCode, 200);
    // a3 is away: the supervisor reassigns, and the case is not stuck
    assert.equal((await send(s1, { type: 'assign_re_review', reviewer: a4.id })).statusCode, 200);
    assert.equal((await send(a3, { type: 're_review', results: [{ finding: 'A', outcome: 'upheld' }], reason: 'x' })).statusCode, 409);
    assert.deepEqual((await app.inject({ url: `/api/v1/cases/${id}`, headers: as(a4) })).json().allowed, ['re_review', 'refer_to_panel']);
    await refused(a4, { type: 're_review', reason: 'x' }, 'results');
    await refused(a4, { type: 're_review', results: [{ finding: 'A', outcome: 'maybe' }], reason: 'x' }, 'results[0].outcome');
    assert.equal((await send(a4, { type: 'refer_to_panel', members: [e1.id, e2.id, e3.id], reason: '争议' })).statusCode, 200);
    await refused(e1, { type: 'panel_vote', vote: 'maybe' }, 'vote');
    assert.equal((await send(e1, { type: 'panel_vote', vote: 'uphold' })).statusCode, 200);
    const fin = await send(e2, { type: 'panel_vote', vote: 'uphold' });
    assert.equal(fin.json().status, 'final');
    assert.equal(fin.json().deduction, 4201);
    // bulk: the command is checked the same way
    const bulk = await app.inject({ method: 'POST', url: '/api/v1/cases/bulk-events', headers: as(a1), payload: { ids: [id], command: { type: 'decide', finding: 'A' } } });
    assert.equal(bulk.statusCode, 400);
    assert.ok(bulk.json().error.issues.some((i: { field: string }) => i.field === 'command.outcome'), bulk.body);

    // Every accepted event is in the audit log, once.
    const events = (await app.inject({ url: `/api/v1/cases/${id}`, headers: as(a1) })).json().events;
    const log = (await fg.ctx.auditLog.list({ entityType: 'case', entityId: id })).filter((e) => e.action !== 'case.open');
    assert.deepEqual(log.map((e) => e.action), events.map((e: { type: string }) => `case.${e.type}`));

    // A bounded random walk over a fresh case: random events, actors and payloads never answer 5xx.
    await db.transaction((tx) => new CasesRepo(db).insertFindings(tx, [{ ...base, id: 'W1', run_id: 10, mdtrt_id: 'M9', severity: 'suspicious', amount_fen: 10000 }, { ...base, id: 'W2', run_id: 10, mdtrt_id: 'M9', severity: 'violation', amount_fen: 2000 }]));
    const [walkId] = (await app.inject({ method: 'POST', url: '/api/v1/cases', headers: as(a1), payload: { run_id: 10 } })).json().cases;
    const actors = [a1, a2, a3, s1, e1, h1];
    const junk = [undefined, null, '', 'whatever', 1.5, -1, [], {}];
    const arbEvent = fc.record({
      type: fc.constantFrom<unknown>('notify', 'explain', 'submit_explanations', 'decide', 'approve_level', 'return_level', 'appeal', 'assign_re_review', 're_review', 'refer_to_panel', 'panel_vote', 'close', 'escalate', 'nope', undefined),
      finding: fc.constantFrom<unknown>('W1', 'W2', 'ZZ', ...junk),
      text: fc.constantFrom<unknown>('说明', ...junk),
      outcome: fc.constantFrom<unknown>('confirmed', 'rejected', 'partial', 'upheld', 'overturned', ...junk),
      amount: fc.constantFrom<unknown>(undefined, 1, 50.5, 100, 1000, -1, 0.001, '5'),
      reason: fc.constantFrom<unknown>('理由', ...junk),
      level: fc.constantFrom<unknown>(undefined, 1, 2, 3, 'x'),
      findings: fc.constantFrom<unknown>(['W1'], ['W2'], [], 'W1', undefined),
      evidence: fc.constantFrom<unknown>([], undefined, [{}]),
      reviewer: fc.constantFrom<unknown>(...actors.map((x) => x.id), 'nobody', ...junk),
      members: fc.constantFrom<unknown>([e1.id, e2.id, e3.id], [a3.id, e1.id, e2.id], ['x'], undefined, 'x'),
      results: fc.constantFrom<unknown>([{ finding: 'W1', outcome: 'upheld' }], [{ finding: 'W1', outcome: 'maybe' }], [], undefined, [null]),
      vote: fc.constantFrom<unknown>('uphold', 'overturn', 'maybe', undefined),
    }, { requiredKeys: [] });
    const steps = fc.sample(fc.tuple(fc.nat(actors.length - 1), arbEvent, fc.constantFrom(0, 1, 30, 400)), { seed: 18, numRuns: 150 });
    let accepted = 0;
    // Mostly the fields of the event's own type (so that walks get somewhere); every fifth step sends all of them.
    const fields: Record<string, string[]> = {
      explain: ['finding', 'text'], decide: ['finding', 'outcome', 'amount', 'reason'], approve_level: ['level'], return_level: ['reason'], appeal: ['findings', 'reason', 'evidence'],
      assign_re_review: ['reviewer'], re_review: ['results', 'reason'], refer_to_panel: ['members', 'reason'], panel_vote: ['vote', 'reason'],
    };
    for (const [i, [who, all, hours]] of steps.entries()) {
      now += hours * 3600_000;
      const keep = ['type', ...(fields[String(all.type)] ?? [])];
      const payload = i % 5 === 4 ? all : Object.fromEntries(Object.entries(all).filter(([k]) => keep.includes(k)));
      const r = await app.inject({ method: 'POST', url: `/api/v1/cases/${walkId}/events`, headers: as(actors[who]), payload });
      assert.ok(r.statusCode < 500, `${JSON.stringify(payload)} → ${r.statusCode} ${r.body}`);
      if (r.statusCode === 200) accepted++;
    }
    const walked = (await fg.ctx.auditLog.list({ entityType: 'case', entityId: walkId })).filter((e) => e.action !== 'case.open');
    assert.equal(walked.length, accepted, 'every accepted event is audit-logged, refused ones are not');
    assert.ok(accepted >= 2, `the walk moved the case (${accepted} accepted)`);
  } finally {
    await app.close();
  }
});
