import type { FastifyPluginAsync } from 'fastify';
import { PenaltyService, type FundGuard } from '@fundguard/service';
import type { PenaltyKind } from '@fundguard/core';
import { actorOf } from '../../auth.ts';

export const penaltyRoutes: FastifyPluginAsync<{ fg: FundGuard }> = async (app, { fg }) => {
  const penalties = new PenaltyService(fg.ctx);
  app.post<{ Params: { id: string }; Body: { kind: PenaltyKind; multiplier: number; hearing_offered: boolean; suspend_months?: number } }>('/api/v1/cases/:id/penalties', {
    schema: {
      tags: ['penalties'], summary: 'Fine on a final case: recovered amount × multiplier within the policy range (violation 1–2×, fraud 2–5×, agreement 2–5×); one live fine of a kind per case (一事不再罚: 409 until the earlier one is revoked). Amounts in yuan',
      params: { type: 'object', required: ['id'], properties: { id: { type: 'string', minLength: 1, maxLength: 200 } } },
      body: { type: 'object', additionalProperties: false, required: ['kind', 'multiplier', 'hearing_offered'], properties: { kind: { type: 'string', enum: ['violation', 'fraud', 'agreement'] }, multiplier: { type: 'number', minimum: 0, maximum: 100 }, hearing_offered: { type: 'boolean' },
        suspend_months: { type: 'integer', minimum: 1, maximum: 24, description: 'fraud (Art. 40) only and then required: the billing departments are suspended 6–12 months, and real-time audit refuses their orders' } } },
    },
  }, async (req, reply) => reply.status(201).send(await penalties.fineCase(actorOf(req), req.params.id, req.body.kind, req.body.multiplier, req.body.hearing_offered, { suspendMonths: req.body.suspend_months })));

  app.get<{ Params: { id: string } }>('/api/v1/cases/:id/penalties', {
    schema: { tags: ['penalties'], summary: 'The fines of a case, revoked ones marked; amounts in yuan', params: { type: 'object', required: ['id'], properties: { id: { type: 'string', minLength: 1, maxLength: 200 } } } },
  }, async (req) => ({ items: await penalties.ofCase(actorOf(req), req.params.id) }));

  app.post<{ Params: { penalty: number }; Body: { reason: string } }>('/api/v1/penalties/:penalty/revoke', {
    schema: {
      tags: ['penalties'], summary: 'Revoke a fine with a reason (it leaves the statement; a new fine of that kind becomes possible)',
      params: { type: 'object', required: ['penalty'], properties: { penalty: { type: 'integer', minimum: 1, maximum: 2_147_483_647 } } },
      body: { type: 'object', additionalProperties: false, required: ['reason'], properties: { reason: { type: 'string', minLength: 1, maxLength: 2000 } } },
    },
  }, async (req) => penalties.revoke(actorOf(req), req.params.penalty, req.body.reason));

  app.post<{ Body: { month: string } }>('/api/v1/penalties/escalate', {
    schema: { tags: ['penalties'], summary: 'Apply department escalation for a month (≥ 3 types or cases: month refused; ≥ 5: suspended 3 months), written to the lists', body: { type: 'object', required: ['month'], additionalProperties: false, properties: { month: { type: 'string', pattern: '^\\d{4}-(0[1-9]|1[0-2])$' } } } },
  }, async (req) => ({ escalations: await penalties.escalate(actorOf(req), req.body.month) }));

  app.post<{ Body: { patn_id: string; from: string; months: number; reason: string } }>('/api/v1/penalties/suspend-person', {
    schema: { tags: ['penalties'], summary: 'Suspend an insured person\'s direct settlement for 3–12 months', body: { type: 'object', required: ['patn_id', 'from', 'months', 'reason'], additionalProperties: false, properties: { patn_id: { type: 'string', minLength: 1, maxLength: 50 }, from: { type: 'string', format: 'date' }, months: { type: 'integer', minimum: 3, maximum: 12 }, reason: { type: 'string', minLength: 1, maxLength: 2000 } } } },
  }, async (req, reply) => reply.status(201).send(await penalties.suspendPerson(actorOf(req), req.body.patn_id, req.body.from, req.body.months, req.body.reason)));
};
