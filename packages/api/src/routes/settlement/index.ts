import type { FastifyPluginAsync } from 'fastify';
import { parseSettlementRequest, settle, settlementOutput } from '@fundguard/core';
import { requirePermission, type FundGuard } from '@fundguard/service';
import { actorOf } from '../../auth.ts';

export const settlementRoutes: FastifyPluginAsync<{ fg: FundGuard }> = async (app) => {
  app.post('/api/v1/settlement/calculate', {
    schema: { tags: ['settlement'], summary: 'Stateless settlement of one encounter (settlement.md): {policy, encounter, person, catalogue?, accumulators} → every amount, accumulators_after, trace', body: { type: 'object' } },
  }, async (req) => {
    requirePermission(actorOf(req), 'settlement.calculate');
    return settlementOutput(settle(parseSettlementRequest(req.body)));
  });
};
