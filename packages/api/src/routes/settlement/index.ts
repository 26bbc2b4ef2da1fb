import type { FastifyPluginAsync } from 'fastify';
import { FundGuardError, parseSettlementRequest, settle, settlementOutput } from '@fundguard/core';
import { requirePermission, type FundGuard, type SettleRequest } from '@fundguard/service';
import { actorOf } from '../../auth.ts';
import { wholeNumber } from '../../query.ts';
import { readBoundedBody } from '../../uploads.ts';

const MAX_POLICY_BYTES = 5 * 1024 * 1024;



/**
 * Settlement (settlement.md): the stateless calculator of interfaces.md, policy parameter sets, stateful settle /
 * reverse (冲销) with idempotency keys, year-to-date accumulators, institution monthly statements, the insured view.
 */
export const settlementRoutes: FastifyPluginAsync<{ fg: FundGuard }> = async (app, { fg }) => {
  app.post('/api/v1/settlement/calculate', {
    schema: { tags: ['settlement'], summary: 'Stateless settlement of one encounter (settlement.md): {policy, encounter, person, catalogue?, accumulators} → every amount, accumulators_after, trace', body: { type: 'object' } },
  }, async (req) => {
    requirePermission(actorOf(req), 'settlement.calculate');
    return settlementOutput(settle(parseSettlementRequest(req.body)));
  });

  app.post<{ Querystring: { name?: string } }>('/api/v1/policy-sets', {
    schema: {
      tags: ['settlement'],
      summary: 'Import policy parameter sets: JSON (one set or a list, settlement.md shape, optional effective_from/effective_to) or XLSX (one sheet per set: column A the parameter path, column B the value). All or nothing; the same version again unchanged is a no-op, changed is 409.',
      querystring: { type: 'object', properties: { name: { type: 'string' } } },
    },
  }, async (req, reply) => {
    const actor = actorOf(req);
    const type = String(req.headers['content-type'] ?? '');
    const name = req.query.name ?? (type.includes('spreadsheetml') ? 'policies.xlsx' : 'policies.json');
    const r = type.includes('spreadsheetml')
      ? await fg.settlements.importPolicyFile(actor, await readBoundedBody(req.body, MAX_POLICY_BYTES, 'a policy file larger than 5 MB'), name, type)
      : await fg.settlements.importPolicySets(actor, Array.isArray(req.body) ? req.body : [req.body], name);
    return reply.status(r.created ? 201 : 200).send(r);
  });

  app.get<{ Querystring: { region?: string; year?: string } }>('/api/v1/policy-sets', {
    schema: { tags: ['settlement'], summary: 'Policy parameter sets with their versions and effective dates', querystring: { type: 'object', properties: { region: { type: 'string' }, year: { type: 'string' } } } },
  }, async (req) => ({ items: await fg.settlements.policySets(actorOf(req), { region: req.query.region, year: wholeNumber(req.query.year, 'year') }) }));

  app.post<{ Body: SettleRequest }>('/api/v1/settlements', {
    schema: {
      tags: ['settlement'],
      summary: 'Settle an encounter (stored: mdtrt_id; or inline: encounter) with the policy set in force on its date of service, updating the person\'s year-to-date accumulators. idempotency_key (body) or the Idempotency-Key header is required: the same key and body returns the first answer.',
      body: { type: 'object' },
    },
  }, async (req, reply) => {
    const key = req.headers['idempotency-key'];
    const body = { ...(req.body ?? {}), ...(typeof key === 'string' && !req.body?.idempotency_key ? { idempotency_key: key } : {}) } as SettleRequest;
    const r = await fg.settlements.settle(actorOf(req), body);
    return reply.status(r.replayed ? 200 : 201).send(r);
  });

  app.post<{ Params: { setl_id: string }; Body: { idempotency_key?: string; reason?: string } }>('/api/v1/settlements/:setl_id/reverse', {
    schema: { tags: ['settlement'], summary: '冲销: subtract exactly what the settlement added to the accumulators (idempotency_key or Idempotency-Key header required)', body: { type: 'object' } },
  }, async (req) => {
    const key = req.headers['idempotency-key'];
    return fg.settlements.reverse(actorOf(req), req.params.setl_id, { reason: req.body?.reason, idempotency_key: (req.body?.idempotency_key ?? key) as string });
  });

  app.get<{ Querystring: { patn_id?: string; medins_id?: string; year?: string; limit?: string; offset?: string } }>('/api/v1/settlements', {
    schema: { tags: ['settlement'], summary: 'Settlements, newest first (hospitals: their own; insured persons: theirs)', querystring: { type: 'object', properties: { patn_id: { type: 'string' }, medins_id: { type: 'string' }, year: { type: 'string' }, limit: { type: 'string' }, offset: { type: 'string' } } } },
  }, async (req) => ({
    items: await fg.settlements.list(actorOf(req), { patnId: req.query.patn_id, medinsId: req.query.medins_id, year: wholeNumber(req.query.year, 'year'), limit: Math.min(wholeNumber(req.query.limit, 'limit') ?? 100, 1000), offset: wholeNumber(req.query.offset, 'offset') }),
  }));

  app.get<{ Params: { setl_id: string } }>('/api/v1/settlements/:setl_id', {
    schema: { tags: ['settlement'], summary: 'One settlement with its amounts, trace and plain-Chinese explanation' },
  }, async (req) => fg.settlements.get(actorOf(req), req.params.setl_id));

  app.get<{ Params: { patn_id: string }; Querystring: { year: string } }>('/api/v1/accumulators/:patn_id', {
    schema: { tags: ['settlement'], summary: 'A person\'s year-to-date figures (yuan)', querystring: { type: 'object', required: ['year'], properties: { year: { type: 'string' } } } },
  }, async (req) => fg.settlements.accumulators(actorOf(req), req.params.patn_id, wholeNumber(req.query.year, 'year')!));

  app.get<{ Params: { medins_id: string; month: string }; Querystring: { format?: string } }>('/api/v1/statements/:medins_id/:month', {
    schema: { tags: ['settlement'], summary: '月度结算单: fund payable from the month\'s settlements and reversals minus deductions that became final and fines decided in the month; ?format=xlsx for the sheet', querystring: { type: 'object', properties: { format: { type: 'string', enum: ['json', 'xlsx'] } } } },
  }, async (req, reply) => {
    const actor = actorOf(req);
    if (req.query.format === 'xlsx') {
      const buf = await fg.settlements.statementXlsx(actor, req.params.medins_id, req.params.month);
      return reply.header('content-type', 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet')
        .header('content-disposition', `attachment; filename="statement-${req.params.medins_id}-${req.params.month}.xlsx"`).send(buf);
    }
    return fg.settlements.statement(actor, req.params.medins_id, req.params.month);
  });

  app.get<{ Querystring: { year?: string } }>('/api/v1/me/settlements', {
    schema: { tags: ['settlement'], summary: 'The insured person\'s own settlements, each part explained in plain Chinese, and their year-to-date figures' },
  }, async (req) => {
    const actor = actorOf(req);
    if (actor.role !== 'insured' || !actor.patnId) throw new FundGuardError('E_FORBIDDEN', 'this view is for insured persons (signed in as themselves)');
    const items = await fg.settlements.list(actor, { limit: 1000 });
    // default: the insurance year of the latest settlement (its date of service), not the year it was recorded
    const latestYear = (items[0]?.result as { parameters?: { year?: number } } | undefined)?.parameters?.year;
    const year = wholeNumber(req.query.year, 'year') ?? latestYear ?? Number(fg.ctx.nowIso().slice(0, 4));
    return { patn_id: actor.patnId, items, accumulators: await fg.settlements.accumulators(actor, actor.patnId, year) };
  });
};
