import type { FastifyPluginAsync } from 'fastify';
import type { EncounterDrawRequest, FundGuard } from '@fundguard/service';
import { actorOf } from '../../auth.ts';
import { wholeNumber } from '../../query.ts';


/** Screening (screening.md): runs of the six screens, their leads, region parameters, and the review queue. */
export const screeningRoutes: FastifyPluginAsync<{ fg: FundGuard }> = async (app, { fg }) => {
  app.post<{ Body: { from: string; to: string; region?: string; medins_id?: string; params?: unknown } }>('/api/v1/screening-runs', {
    schema: { tags: ['screening'], summary: 'Start the six screens over stored encounters admitted in [from, to) (optional region, institution, parameters); progress in GET …/{id}. All or nothing: leads are written when the run finishes.', body: { type: 'object', required: ['from', 'to'], properties: { from: { type: 'string' }, to: { type: 'string' }, region: { type: 'string' }, medins_id: { type: 'string' }, params: { type: 'object' } } } },
  }, async (req, reply) => reply.status(202).send(await fg.screening.start(actorOf(req), req.body)));

  app.get('/api/v1/screening-runs', { schema: { tags: ['screening'], summary: 'Recent screening runs with progress' } }, async (req) => ({ items: await fg.screening.runs(actorOf(req)) }));

  app.get<{ Params: { id: string } }>('/api/v1/screening-runs/:id', {
    schema: { tags: ['screening'], summary: 'A run: status, done_institutions / total_institutions, encounters, leads' },
  }, async (req) => fg.screening.run(actorOf(req), wholeNumber(req.params.id, 'id')!));

  app.get<{ Params: { id: string }; Querystring: { category?: string; medins_id?: string; min_score?: string; limit?: string; offset?: string } }>('/api/v1/screening-runs/:id/leads', {
    schema: { tags: ['screening'], summary: 'Leads of a run, highest score first: subject, score with its factors, evidence, amount at risk (fen)', querystring: { type: 'object', properties: { category: { type: 'string' }, medins_id: { type: 'string' }, min_score: { type: 'string' }, limit: { type: 'string' }, offset: { type: 'string' } } } },
  }, async (req) => fg.screening.leads(actorOf(req), {
    runId: wholeNumber(req.params.id, 'id')!, category: req.query.category, medinsId: req.query.medins_id, minScore: wholeNumber(req.query.min_score, 'min_score'),
    limit: Math.min(wholeNumber(req.query.limit, 'limit') ?? 100, 1000), offset: wholeNumber(req.query.offset, 'offset'),
  }));

  app.get<{ Params: { region: string } }>('/api/v1/screening-params/:region', {
    schema: { tags: ['screening'], summary: 'The region\'s screen parameters over screening.md\'s defaults' },
  }, async (req) => fg.screening.params(actorOf(req), req.params.region));

  app.put<{ Params: { region: string }; Body: unknown }>('/api/v1/screening-params/:region', {
    schema: { tags: ['screening'], summary: 'Set the region\'s parameters (only what differs from the defaults; unknown names are refused)', body: { type: 'object' } },
  }, async (req) => fg.screening.setParams(actorOf(req), req.params.region, req.body));

  app.post<{ Body: { from: string; to: string; audit_run_id?: number; screening_run_id?: number; threshold: number; medins_id?: string } }>('/api/v1/review-queue/build', {
    schema: { tags: ['screening'], summary: 'Score every encounter of the period from a batch run\'s findings and a screening run\'s leads; below threshold: auto-passed (recorded)', body: { type: 'object', required: ['from', 'to', 'threshold'] } },
  }, async (req) => fg.queue.build(actorOf(req), req.body));

  app.get<{ Querystring: { status?: string; medins_id?: string; limit?: string; offset?: string } }>('/api/v1/review-queue', {
    schema: { tags: ['screening'], summary: 'The queue, highest risk first, with each item\'s risk factors' },
  }, async (req) => fg.queue.list(actorOf(req), { status: req.query.status, medins_id: req.query.medins_id, limit: Math.min(wholeNumber(req.query.limit, 'limit') ?? 100, 1000), offset: wholeNumber(req.query.offset, 'offset') }));

  app.post<{ Body: { count?: number } }>('/api/v1/review-queue/next', {
    schema: { tags: ['screening'], summary: 'Take the highest-risk queued items, up to what is left of the reviewer\'s daily capacity' },
  }, async (req) => fg.queue.next(actorOf(req), req.body?.count ?? 10));

  app.post<{ Params: { mdtrt_id: string }; Body: { outcome: 'pass' | 'refer'; note?: string } }>('/api/v1/review-queue/:mdtrt_id/decision', {
    schema: { tags: ['screening'], summary: 'Record the reviewer\'s decision on an assigned item (pass or refer)', body: { type: 'object', required: ['outcome'] } },
  }, async (req) => fg.queue.decide(actorOf(req), req.params.mdtrt_id, req.body.outcome, req.body.note));

  app.post<{ Body: EncounterDrawRequest }>('/api/v1/sample-draws', {
    schema: { tags: ['screening'], summary: '抽查: draw stored encounters (method random | stratified (strata: medins_id, dept, amount_band) | preset (≤50 all, 50–150 half ×2, >150 a third ×3) | inpatient_10pct | hospital (5 current + 20 discharged)); seed, strata and population are stored with the draw', body: { type: 'object', required: ['method', 'from', 'to', 'seed'] } },
  }, async (req, reply) => reply.status(201).send(await fg.sampling.drawEncounters(actorOf(req), req.body)));

  app.post<{ Body: { seed: string; inspectors: { id: string; name: string; linked_institutions?: string[] }[]; institutions?: { id: string; name: string }[]; share?: number; team_size?: number } }>('/api/v1/inspection-draws', {
    schema: { tags: ['screening'], summary: '双随机: random institutions (share, default 5 %) × random inspector teams, excluding linked inspectors and those who inspected the institution in the previous draw; the publication list is in draw.publication', body: { type: 'object', required: ['seed', 'inspectors'] } },
  }, async (req, reply) => reply.status(201).send(await fg.sampling.drawInspections(actorOf(req), req.body)));

  app.get('/api/v1/sample-draws', { schema: { tags: ['screening'], summary: 'Sampling and inspection draws, newest first' } }, async (req) => ({ items: await fg.sampling.list(actorOf(req)) }));

  app.get<{ Params: { id: string } }>('/api/v1/sample-draws/:id', {
    schema: { tags: ['screening'], summary: 'A draw: its parameters, seed, strata, the drawn ids (or the published assignments) and any extrapolation' },
  }, async (req) => fg.sampling.get(actorOf(req), wholeNumber(req.params.id, 'id')!));

  app.post<{ Params: { id: string }; Body: { errors: Record<string, unknown> } }>('/api/v1/sample-draws/:id/extrapolation', {
    schema: { tags: ['screening'], summary: 'Error amounts found in the sampled records (yuan by mdtrt_id; unnamed: 0) → the population\'s estimated error with a 95 % confidence interval (stratified estimator) and the seeds\' ×2/×3 figure', body: { type: 'object', required: ['errors'] } },
  }, async (req) => fg.sampling.extrapolate(actorOf(req), wholeNumber(req.params.id, 'id')!, req.body.errors));

  app.get('/api/v1/review-queue/backlog', {
    schema: { tags: ['screening'], summary: 'Counts by status, queued by risk band, reviewers, capacity per day and days to clear' },
  }, async (req) => fg.queue.backlog(actorOf(req)));
};
