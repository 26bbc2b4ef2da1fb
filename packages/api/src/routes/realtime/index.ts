import type { FastifyPluginAsync } from 'fastify';
import { FeedbackService, type FundGuard, type OverrideGrouping } from '@fundguard/service';
import { actorOf } from '../../auth.ts';

/** Reports on the real-time audit: how often doctors proceed against each rule (from 3103 feedback). */
export const realtimeRoutes: FastifyPluginAsync<{ fg: FundGuard }> = async (app, { fg }) => {
  const feedback = new FeedbackService(fg.ctx);
  app.get<{ Querystring: { by?: OverrideGrouping; from?: string; to?: string; medins_id?: string } }>('/api/v1/realtime/override-rates', {
    schema: {
      tags: ['realtime'], summary: 'Per-rule override rates (proceed / modify / self-pay / delete) by rule, institution, department or doctor',
      querystring: { type: 'object', properties: { by: { type: 'string', enum: ['rule', 'institution', 'department', 'doctor'], default: 'rule' }, from: { type: 'string', format: 'date' }, to: { type: 'string', format: 'date' }, medins_id: { type: 'string' } } },
    },
  }, async (req) => ({ items: await feedback.overrideRates(actorOf(req), { by: req.query.by ?? 'rule', from: req.query.from, to: req.query.to, medinsId: req.query.medins_id }) }));

  // What each hospital's HIS sent that 3101/3102 had to normalise (audit-api.md §1): the list its 医保办 hands to the HIS vendor.
  app.get<{ Querystring: { from?: string; to?: string; medins_id?: string } }>('/api/v1/realtime/normalisations', {
    schema: {
      tags: ['realtime'], summary: 'HIS data variants accepted and normalised by 3101/3102, per institution, field and variant (days in Beijing time, inclusive)',
      querystring: { type: 'object', additionalProperties: false, properties: { from: { type: 'string', format: 'date' }, to: { type: 'string', format: 'date' }, medins_id: { type: 'string', maxLength: 64 } } },
      response: {
        200: {
          type: 'object', required: ['items'], properties: {
            items: {
              type: 'array', items: {
                type: 'object', required: ['medins_id', 'field', 'variant', 'count', 'first_day', 'last_day', 'last_msgid', 'last_at'],
                properties: { medins_id: { type: 'string' }, field: { type: 'string' }, variant: { type: 'string' }, count: { type: 'number' }, first_day: { type: 'string' }, last_day: { type: 'string' }, last_msgid: { type: 'string' }, last_at: { type: 'string' } },
              },
            },
          },
        },
      },
    },
  }, async (req) => ({ items: await fg.realtime.normalisationReport(actorOf(req), { from: req.query.from, to: req.query.to, medinsId: req.query.medins_id }) }));
};
