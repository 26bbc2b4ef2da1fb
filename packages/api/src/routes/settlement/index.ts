import type { FastifyPluginAsync } from 'fastify';
import { parseSettlementRequest, settle, settlementOutput } from '@fundguard/core';
import { requirePermission, type FundGuard, type SettleRequest } from '@fundguard/service';
import { actorOf } from '../../auth.ts';
import { readBoundedBody } from '../../uploads.ts';
import { Id, IdParams, Limit, Month, Offset, T, Text, Year } from '../../schemas.ts';

const IdempotencyKey = T.String({ pattern: '^[\\x21-\\x7e]{1,128}$', description: 'the caller\'s key (1–128 printable ASCII): the same key and body again returns the first answer; keys are per caller' });
const settleBody = T.Object({
  idempotency_key: T.Optional(IdempotencyKey),
  mdtrt_id: T.Optional(Id('a stored encounter (就诊ID)')),
  encounter: T.Optional(T.Object({}, { description: 'or an encounter in the claims-import.md shape (with patn_id)' })),
  person: T.Optional(T.Object({ retiree: T.Optional(T.Boolean({ description: '退休' })) }, { additionalProperties: false })),
  region: T.Optional(Id('统筹区 (default: the person\'s poolarea, else the institution\'s)', 12)),
  scenario: T.Optional(Id('policy scenario (default: inpatient for med_mdtrt_type 2, else outpatient)', 30)),
}, { additionalProperties: false, examples: [{ idempotency_key: 'HIS-20240310-0001', mdtrt_id: 'ZY2024031000123' }] });

const MAX_POLICY_BYTES = 5 * 1024 * 1024;



/**
 * Settlement (settlement.md): the stateless calculator of interfaces.md, policy parameter sets, stateful settle /
 * reverse (冲销) with idempotency keys, year-to-date accumulators, institution monthly statements, the insured view.
 */
export const settlementRoutes: FastifyPluginAsync<{ fg: FundGuard }> = async (app, { fg }) => {
  app.post('/api/v1/settlement/calculate', {
    schema: {
      tags: ['settlement'], summary: 'Stateless settlement of one encounter (settlement.md): {policy, encounter, person, catalogue?, accumulators} → every amount, accumulators_after, trace',
      body: T.Object({ policy: T.Object({}), encounter: T.Object({}), person: T.Optional(T.Object({})), catalogue: T.Optional(T.Array(T.Object({}), { maxItems: 100_000 })), accumulators: T.Optional(T.Object({})) }, { description: 'settlement.md input; each part is checked field by field' }),
    },
  }, async (req) => {
    requirePermission(actorOf(req), 'settlement.calculate');
    return settlementOutput(settle(parseSettlementRequest(req.body)));
  });

  app.post<{ Querystring: { name?: string } }>('/api/v1/policy-sets', {
    schema: {
      tags: ['settlement'],
      summary: 'Import policy parameter sets: JSON (one set or a list, settlement.md shape, optional effective_from/effective_to) or XLSX (one sheet per set: column A the parameter path, column B the value). All or nothing; the same version again unchanged is a no-op, changed is 409.',
      querystring: T.Object({ name: T.Optional(Id('file name for error reports', 200)) }),
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

  app.get<{ Querystring: { region?: string; year?: number } }>('/api/v1/policy-sets', {
    schema: { tags: ['settlement'], summary: 'Policy parameter sets with their versions and effective dates', querystring: T.Object({ region: T.Optional(Id('统筹区', 12)), year: T.Optional(Year()) }) },
  }, async (req) => ({ items: await fg.settlements.policySets(actorOf(req), { region: req.query.region, year: req.query.year }) }));

  app.post<{ Body: SettleRequest }>('/api/v1/settlements', {
    schema: {
      tags: ['settlement'],
      summary: 'Settle an encounter (stored: mdtrt_id; or inline: encounter) with the policy set in force on its date of service, updating the person\'s year-to-date accumulators. idempotency_key (body) or the Idempotency-Key header is required: the same key and body returns the first answer.',
      headers: T.Object({ 'idempotency-key': T.Optional(IdempotencyKey) }),
      body: settleBody,
    },
  }, async (req, reply) => {
    const key = req.headers['idempotency-key'];
    const body = { ...(req.body ?? {}), ...(typeof key === 'string' && !req.body?.idempotency_key ? { idempotency_key: key } : {}) } as SettleRequest;
    const r = await fg.settlements.settle(actorOf(req), body);
    return reply.status(r.replayed ? 200 : 201).send(r);
  });

  app.post<{ Params: { setl_id: string }; Body: { idempotency_key?: string; reason?: string } }>('/api/v1/settlements/:setl_id/reverse', {
    schema: {
      tags: ['settlement'], summary: '冲销: subtract exactly what the settlement added to the accumulators (idempotency_key or Idempotency-Key header required)',
      params: IdParams('setl_id', '结算ID', 64), headers: T.Object({ 'idempotency-key': T.Optional(IdempotencyKey) }),
      body: T.Object({ idempotency_key: T.Optional(IdempotencyKey), reason: T.Optional(Text('冲销原因', 500)) }, { additionalProperties: false }),
    },
  }, async (req) => {
    const key = req.headers['idempotency-key'];
    return fg.settlements.reverse(actorOf(req), req.params.setl_id, { reason: req.body?.reason, idempotency_key: (req.body?.idempotency_key ?? key) as string });
  });

  app.get<{ Querystring: { patn_id?: string; medins_id?: string; year?: number; limit?: number; offset?: number } }>('/api/v1/settlements', {
    schema: {
      tags: ['settlement'], summary: 'Settlements, newest first (hospitals and institution-bound keys: their own; insured persons: theirs)',
      querystring: T.Object({ patn_id: T.Optional(Id('人员编号')), medins_id: T.Optional(Id('定点机构编码')), year: T.Optional(Year()), limit: T.Optional(Limit()), offset: T.Optional(Offset) }),
    },
  }, async (req) => ({
    items: await fg.settlements.list(actorOf(req), { patnId: req.query.patn_id, medinsId: req.query.medins_id, year: req.query.year, limit: req.query.limit ?? 100, offset: req.query.offset }),
  }));

  app.get<{ Params: { setl_id: string } }>('/api/v1/settlements/:setl_id', {
    schema: { tags: ['settlement'], summary: 'One settlement with its amounts, trace and plain-Chinese explanation', params: IdParams('setl_id', '结算ID', 64) },
  }, async (req) => fg.settlements.get(actorOf(req), req.params.setl_id));

  app.get<{ Params: { patn_id: string }; Querystring: { year: number } }>('/api/v1/accumulators/:patn_id', {
    schema: { tags: ['settlement'], summary: 'A person\'s year-to-date figures (yuan)', params: IdParams('patn_id', '人员编号'), querystring: T.Object({ year: Year() }) },
  }, async (req) => fg.settlements.accumulators(actorOf(req), req.params.patn_id, req.query.year));

  app.get<{ Params: { medins_id: string; month: string }; Querystring: { format?: string } }>('/api/v1/statements/:medins_id/:month', {
    schema: { tags: ['settlement'], summary: '月度结算单: fund payable from the month\'s settlements and reversals minus deductions that became final and fines decided in the month; ?format=xlsx for the sheet', params: T.Object({ medins_id: Id('定点机构编码'), month: Month('结算月份') }), querystring: T.Object({ format: T.Optional(T.Union([T.Literal('json'), T.Literal('xlsx')])) }) },
  }, async (req, reply) => {
    const actor = actorOf(req);
    if (req.query.format === 'xlsx') {
      const buf = await fg.settlements.statementXlsx(actor, req.params.medins_id, req.params.month);
      return reply.header('content-type', 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet')
        .header('content-disposition', `attachment; filename="statement-${req.params.medins_id}-${req.params.month}.xlsx"`).send(buf);
    }
    return fg.settlements.statement(actor, req.params.medins_id, req.params.month);
  });

  app.get<{ Querystring: { year?: number } }>('/api/v1/me/settlements', {
    schema: {
      tags: ['settlement'],
      summary: 'The insured person\'s own settlements of a year of service (default: the latest), each part explained in plain Chinese, the years they have settlements in, and the year\'s figures: the accumulators plus deductible_paid (yuan), the 起付线 the year\'s settlements actually paid',
      querystring: T.Object({ year: T.Optional(Year()) }),
    },
  }, async (req) => fg.settlements.myYear(actorOf(req), req.query.year));
};
