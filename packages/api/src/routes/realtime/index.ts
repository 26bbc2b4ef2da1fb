import type { FastifyPluginAsync } from 'fastify';
import { FeedbackService, type FundGuard, type OverrideGrouping } from '@fundguard/service';
import { actorOf } from '../../auth.ts';
import { Day, Id, T } from '../../schemas.ts';

/** Reports on the real-time audit: how often doctors proceed against each rule (from 3103 feedback). */
export const realtimeRoutes: FastifyPluginAsync<{ fg: FundGuard }> = async (app, { fg }) => {
  const feedback = new FeedbackService(fg.ctx);
  app.get<{ Querystring: { by?: OverrideGrouping; from?: string; to?: string; medins_id?: string } }>('/api/v1/realtime/override-rates', {
    schema: {
      tags: ['realtime'], summary: 'Per-rule override rates (proceed / modify / self-pay / delete) by rule, institution, department or doctor',
      querystring: T.Object({
        by: T.Optional(T.Union(['rule', 'institution', 'department', 'doctor'].map((b) => T.Literal(b)), { default: 'rule' })),
        from: T.Optional(Day('first day')), to: T.Optional(Day('end (exclusive)')), medins_id: T.Optional(Id('定点机构编码')),
      }),
    },
  }, async (req) => ({ items: await feedback.overrideRates(actorOf(req), { by: req.query.by ?? 'rule', from: req.query.from, to: req.query.to, medinsId: req.query.medins_id }) }));
};
