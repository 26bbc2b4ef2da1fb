import type { FastifyPluginAsync } from 'fastify';
import type { EncounterDrawRequest, FundGuard } from '@fundguard/service';
import { actorOf } from '../../auth.ts';
import { Day, Id, IdParams, Limit, Offset, SerialParams, T, Text } from '../../schemas.ts';

const period = { from: Day('first admission date (inclusive)'), to: Day('end of the period (exclusive)') };
const runParams = SerialParams('id', 'run id');
const drawParams = SerialParams('id', 'draw id');
const Seed = T.String({ minLength: 1, maxLength: 200, description: 'the seed: the same seed and population give the same draw' });
const encounterDrawBody = T.Object({
  method: T.Union(['random', 'stratified', 'preset', 'inpatient_10pct', 'hospital'].map((m) => T.Literal(m))),
  ...period, medins_id: T.Optional(Id('定点机构编码')), inpatient: T.Optional(T.Boolean({ description: 'only inpatient encounters' })),
  n: T.Optional(T.Integer({ minimum: 1, maximum: 1_000_000, description: 'sample size (random, stratified)' })),
  strata: T.Optional(T.Array(T.Union(['medins_id', 'dept', 'amount_band'].map((m) => T.Literal(m))), { minItems: 1, maxItems: 3, uniqueItems: true })),
  seed: Seed,
}, { additionalProperties: false, examples: [{ method: 'preset', from: '2024-01-01', to: '2025-01-01', medins_id: 'H61010000001', seed: '2024-Q4' }] });
const inspectionDrawBody = T.Object({
  seed: Seed,
  inspectors: T.Array(T.Object({ id: Id('inspector id'), name: T.String({ minLength: 1, maxLength: 50 }), linked_institutions: T.Optional(T.Array(Id('定点机构编码'), { maxItems: 1000 })) }, { additionalProperties: false }), { minItems: 1, maxItems: 10_000 }),
  institutions: T.Optional(T.Array(T.Object({ id: Id('定点机构编码'), name: T.String({ minLength: 1, maxLength: 200 }) }, { additionalProperties: false }), { minItems: 1, maxItems: 100_000 })),
  share: T.Optional(T.Number({ exclusiveMinimum: 0, maximum: 1, description: 'share of institutions to inspect (default 0.05)' })),
  team_size: T.Optional(T.Integer({ minimum: 1, maximum: 20 })),
}, { additionalProperties: false });


/** Screening (screening.md): runs of the six screens, their leads, region parameters, and the review queue. */
export const screeningRoutes: FastifyPluginAsync<{ fg: FundGuard }> = async (app, { fg }) => {
  app.post<{ Body: { from: string; to: string; region?: string; medins_id?: string; params?: unknown } }>('/api/v1/screening-runs', {
    schema: { tags: ['screening'], summary: 'Start the screens (screening.md) over stored encounters admitted in [from, to) (optional region, institution, parameters); progress in GET …/{id}. All or nothing: leads are written when the run finishes.', body: T.Object({ ...period, region: T.Optional(Id('统筹区', 12)), medins_id: T.Optional(Id('定点机构编码')), params: T.Optional(T.Object({}, { description: 'screen parameters over the region\'s (screening.md)' })) }, { additionalProperties: false }) },
  }, async (req, reply) => reply.status(202).send(await fg.screening.start(actorOf(req), req.body)));

  app.get('/api/v1/screening-runs', { schema: { tags: ['screening'], summary: 'Recent screening runs with progress' } }, async (req) => ({ items: await fg.screening.runs(actorOf(req)) }));

  app.get<{ Params: { id: number } }>('/api/v1/screening-runs/:id', {
    schema: { tags: ['screening'], summary: 'A run: status, done_institutions / total_institutions, encounters, leads', params: runParams },
  }, async (req) => fg.screening.run(actorOf(req), req.params.id));

  app.get<{ Params: { id: number }; Querystring: { category?: string; medins_id?: string; min_score?: number; limit?: number; offset?: number } }>('/api/v1/screening-runs/:id/leads', {
    schema: {
      tags: ['screening'], summary: 'Leads of a run, highest score first: subject, score with its factors, evidence (amounts in yuan), amount_at_risk (yuan); `total` counts them all: page with limit (at most 1000) and offset', params: runParams,
      querystring: T.Object({ category: T.Optional(Id('lead category (screening.md)')), medins_id: T.Optional(Id('定点机构编码')), min_score: T.Optional(T.Integer({ minimum: 0, maximum: 100 })), limit: T.Optional(Limit()), offset: T.Optional(Offset) }),
    },
  }, async (req) => fg.screening.leads(actorOf(req), {
    runId: req.params.id, category: req.query.category, medinsId: req.query.medins_id, minScore: req.query.min_score, limit: req.query.limit ?? 100, offset: req.query.offset,
  }));

  app.get<{ Params: { region: string } }>('/api/v1/screening-params/:region', {
    schema: { tags: ['screening'], summary: 'The region\'s screen parameters over screening.md\'s defaults', params: IdParams('region', '统筹区', 12) },
  }, async (req) => fg.screening.params(actorOf(req), req.params.region));

  app.put<{ Params: { region: string }; Body: unknown }>('/api/v1/screening-params/:region', {
    schema: { tags: ['screening'], summary: 'Set the region\'s parameters (only what differs from the defaults; unknown names are refused)', params: IdParams('region', '统筹区', 12), body: T.Object({}, { description: 'screen → parameter → value (screening.md)' }) },
  }, async (req) => fg.screening.setParams(actorOf(req), req.params.region, req.body));

  app.post<{ Body: { from: string; to: string; audit_run_id?: number; screening_run_id?: number; threshold: number; medins_id?: string } }>('/api/v1/review-queue/build', {
    schema: { tags: ['screening'], summary: 'Score every encounter of the period from a batch run\'s findings and a screening run\'s leads; below threshold: auto-passed (recorded)', body: T.Object({
      ...period, threshold: T.Number({ minimum: 0, maximum: 100, description: 'risk below which an encounter is auto-passed' }),
      audit_run_id: T.Optional(T.Integer({ minimum: 1, maximum: 2_147_483_647 })), screening_run_id: T.Optional(T.Integer({ minimum: 1, maximum: 2_147_483_647 })), medins_id: T.Optional(Id('定点机构编码')),
    }, { additionalProperties: false }) },
  }, async (req) => fg.queue.build(actorOf(req), req.body));

  app.get<{ Querystring: { status?: string; medins_id?: string; limit?: number; offset?: number } }>('/api/v1/review-queue', {
    schema: {
      tags: ['screening'], summary: 'The queue, highest risk first, with each item\'s risk factors',
      querystring: T.Object({ status: T.Optional(T.Union(['queued', 'assigned', 'auto_passed', 'reviewed'].map((x) => T.Literal(x)))), medins_id: T.Optional(Id('定点机构编码')), limit: T.Optional(Limit()), offset: T.Optional(Offset) }),
    },
  }, async (req) => fg.queue.list(actorOf(req), { status: req.query.status, medins_id: req.query.medins_id, limit: req.query.limit ?? 100, offset: req.query.offset }));

  app.post<{ Body: { count?: number } }>('/api/v1/review-queue/next', {
    schema: { tags: ['screening'], summary: 'Take the highest-risk queued items, up to what is left of the reviewer\'s daily capacity', body: T.Object({ count: T.Optional(T.Integer({ minimum: 1, maximum: 1000, default: 10 })) }, { additionalProperties: false }) },
  }, async (req) => fg.queue.next(actorOf(req), req.body?.count ?? 10));

  app.post<{ Params: { mdtrt_id: string }; Body: { outcome: 'pass' | 'refer'; note?: string } }>('/api/v1/review-queue/:mdtrt_id/decision', {
    schema: {
      tags: ['screening'], summary: 'Record the reviewer\'s decision on an assigned item (pass or refer)', params: IdParams('mdtrt_id', '就诊ID'),
      body: T.Object({ outcome: T.Union([T.Literal('pass'), T.Literal('refer')]), note: T.Optional(Text('note', 2000)) }, { additionalProperties: false }),
    },
  }, async (req) => fg.queue.decide(actorOf(req), req.params.mdtrt_id, req.body.outcome, req.body.note));

  app.post<{ Body: EncounterDrawRequest }>('/api/v1/sample-draws', {
    schema: { tags: ['screening'], summary: '抽查: draw stored encounters (method random | stratified (strata: medins_id, dept, amount_band) | preset (≤50 all, 50–150 half ×2, >150 a third ×3) | inpatient_10pct | hospital (5 current + 20 discharged)); seed, strata and population are stored with the draw', body: encounterDrawBody },
  }, async (req, reply) => reply.status(201).send(await fg.sampling.drawEncounters(actorOf(req), req.body)));

  app.post<{ Body: { seed: string; inspectors: { id: string; name: string; linked_institutions?: string[] }[]; institutions?: { id: string; name: string }[]; share?: number; team_size?: number } }>('/api/v1/inspection-draws', {
    schema: { tags: ['screening'], summary: '双随机: random institutions (share, default 5 %) × random inspector teams, excluding linked inspectors and those who inspected the institution in the previous draw; the publication list is in draw.publication', body: inspectionDrawBody },
  }, async (req, reply) => reply.status(201).send(await fg.sampling.drawInspections(actorOf(req), req.body)));

  app.get('/api/v1/sample-draws', { schema: { tags: ['screening'], summary: 'Sampling and inspection draws, newest first' } }, async (req) => ({ items: await fg.sampling.list(actorOf(req)) }));

  app.get<{ Params: { id: number } }>('/api/v1/sample-draws/:id', {
    schema: { tags: ['screening'], summary: 'A draw: its parameters, seed, strata, the drawn ids (or the published assignments) and any extrapolation', params: drawParams },
  }, async (req) => fg.sampling.get(actorOf(req), req.params.id));

  app.post<{ Params: { id: number }; Body: { errors: Record<string, unknown> } }>('/api/v1/sample-draws/:id/extrapolation', {
    schema: {
      tags: ['screening'], summary: 'Error amounts found in the sampled records (yuan by mdtrt_id; unnamed: 0) → the population\'s estimated error with a 95 % confidence interval (stratified estimator) and the seeds\' ×2/×3 figure',
      params: drawParams, body: T.Object({ errors: T.Record(T.String({ maxLength: 50 }), T.Union([T.Number({ minimum: 0, maximum: 1e12 }), T.String({ maxLength: 20 })]), { description: 'yuan by mdtrt_id (a number or its text)' }) }, { additionalProperties: false }),
    },
  }, async (req) => fg.sampling.extrapolate(actorOf(req), req.params.id, req.body.errors));

  app.get('/api/v1/review-queue/backlog', {
    schema: { tags: ['screening'], summary: 'Counts by status, queued by risk band, reviewers, capacity per day and days to clear' },
  }, async (req) => fg.queue.backlog(actorOf(req)));
};
