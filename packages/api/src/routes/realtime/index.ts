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

  // What each hospital's HIS sent that 3101/3102 had to normalise (audit-api.md §1): the list its 医保办 hands to the HIS vendor.
  app.get<{ Querystring: { from?: string; to?: string; medins_id?: string } }>('/api/v1/realtime/normalisations', {
    schema: {
      tags: ['realtime'], summary: 'HIS data variants accepted and normalised by 3101/3102, per institution, field and variant (days in Beijing time, inclusive)',
      querystring: T.Object({ from: T.Optional(Day('first day (Beijing date, inclusive)')), to: T.Optional(Day('last day (inclusive)')), medins_id: T.Optional(Id('定点机构编码')) }, { additionalProperties: false }),
      response: {
        200: T.Object({
          items: T.Array(T.Object({
            medins_id: T.String(), field: T.String({ description: 'e.g. fsi_encounter_dtos.fsi_order_dtos.hilist_lv' }), variant: T.String({ description: 'what was sent → how it was read' }),
            count: T.Number(), first_day: T.String(), last_day: T.String(), last_msgid: T.String(), last_at: T.String(),
          })),
        }),
      },
    },
  }, async (req) => ({ items: await fg.realtime.normalisationReport(actorOf(req), { from: req.query.from, to: req.query.to, medinsId: req.query.medins_id }) }));
};
