import type { FastifyPluginAsync } from 'fastify';
import type { FundGuard } from '@fundguard/service';
import { DashboardService } from '@fundguard/service/dashboard.ts';
import { TaskService } from '@fundguard/service/tasks.ts';
import { runPackCases, type PackCase } from '@fundguard/service/pack-cases.ts';
import { ENCOUNTER_PERSONAL_FIELDS, FundGuardError, validatePack } from '@fundguard/core';
import { parsePackText, requirePermission, type RevealRequest } from '@fundguard/service';
import { Id, IdParams, Limit, Month, T } from '../../schemas.ts';
import { actorOf } from '../../auth.ts';

import { packVersionParams } from '../rule-packs/index.ts';

/** Read-only views the console needs beyond the feature routes: dashboard aggregates, encounter context, runs, reveal log. */
export const consoleApiRoutes: FastifyPluginAsync<{ fg: FundGuard }> = async (app, { fg }) => {
  const dash = new DashboardService(fg.ctx);
  const tasks = new TaskService(fg.ctx);

  app.get('/api/v1/tasks', {
    schema: { tags: ['dashboard'], summary: '待办: what the caller can act on now (cases by status, level, re-reviewer, panel or own institution; claimed review-queue encounters; the queue to claim; failed runs and imports of the last week), with deadlines, overdue first' },
  }, async (req) => tasks.list(actorOf(req)));

  app.get<{ Querystring: { from?: string; to?: string; medins_id?: string; fresh?: boolean } }>('/api/v1/dashboard', {
    schema: {
      tags: ['dashboard'], summary: 'Aggregates for the dashboard (amounts in fen): findings in cases by month, rule, category, institution, department; fund use by month; cases by status; 协议管理指标 per institution (次均费用, 平均住院日, 药占比, 自费比例, 目录外/丙类占比 against its ≤ 15 % limit)',
      querystring: T.Object({
        from: T.Optional(Month('first month')), to: T.Optional(Month('last month')), medins_id: T.Optional(Id('定点机构编码')),
        fresh: T.Optional(T.Boolean({ description: 'recompute instead of serving the cached figures (30 s fresh, then served while refreshing)' })),
      }),
    },
  }, async (req) => dash.summary(actorOf(req), { from: req.query.from, to: req.query.to, medinsId: req.query.medins_id, fresh: req.query.fresh === true }));

  app.get<{ Querystring: { q?: string; medins_id?: string; from?: string; to?: string; type?: string; flagged?: boolean; limit?: number; offset?: number } }>('/api/v1/encounter-search', {
    schema: {
      tags: ['encounters'], summary: '就诊查询: by number (prefix), person number, diagnosis (code prefix or name), institution, admission period (to exclusive), type, with findings; newest first, within the caller\'s scope',
      querystring: { type: 'object', properties: {
        q: { type: 'string', maxLength: 100 }, medins_id: { type: 'string' }, from: { type: 'string', format: 'date' }, to: { type: 'string', format: 'date' }, type: { type: 'string', enum: ['1', '2', '3'] },
        flagged: { type: 'boolean' }, limit: { type: 'integer', minimum: 1, maximum: 200, default: 20 }, offset: { type: 'integer', minimum: 0, maximum: 100_000_000, default: 0 },
      } },
    },
  }, async (req) => dash.searchEncounters(actorOf(req), { q: req.query.q, medinsId: req.query.medins_id, from: req.query.from, to: req.query.to, type: req.query.type, flagged: req.query.flagged, limit: req.query.limit, offset: req.query.offset }));

  app.get<{ Params: { mdtrt_id: string } }>('/api/v1/encounters/:mdtrt_id/context', {
    schema: { tags: ['encounters'], summary: 'Findings of an encounter (newest run first) and the patient\'s other encounters, within the caller\'s scope', params: IdParams('mdtrt_id', '就诊ID') },
  }, async (req) => dash.encounterContext(actorOf(req), req.params.mdtrt_id));

  app.get<{ Querystring: { limit?: number } }>('/api/v1/audit-runs', {
    schema: { tags: ['audit-runs'], summary: 'Recent runs with progress, newest first', querystring: T.Object({ limit: T.Optional(Limit(50, 500)) }) },
  }, async (req) => ({ items: await dash.runs(actorOf(req), req.query.limit ?? 50) }));

  // Validate without storing: the same checks as an upload (contract, the catalogue's groups, compilation).
  app.post('/api/v1/rule-packs/validate', {
    schema: {
      tags: ['rule-packs'], summary: 'Validate a pack (JSON, or YAML as application/yaml) without storing it; 400 lists every error by rule and field',
      body: T.Union([T.Object({}, { description: 'the pack (rule-pack.md), JSON' }), T.String({ description: 'the pack as YAML', maxLength: 16 * 1024 * 1024 })]),
    },
  }, async (req) => {
    requirePermission(actorOf(req), 'rules.read');
    const ct = String(req.headers['content-type'] ?? '');
    const pack = typeof req.body === 'string' ? parsePackText(req.body, ct) : req.body;
    validatePack(pack, { externalGroups: fg.rules.catalogueGroups() });
    const p = pack as { pack: string; version: string; rules: unknown[] };
    if (!fg.rules.hasCatalogue() && (p.rules as { kind?: string }[]).some((r) => r.kind === 'catalogue')) {
      throw new FundGuardError('E_PACK_INVALID', 'catalogue rules need a catalogue: import one first', [{ field: 'rules', reason: 'catalogue rules need a catalogue' }]);
    }
    fg.rules.compile(pack);
    return { valid: true, pack: p.pack, version: p.version, rule_count: p.rules.length };
  });

  app.post<{ Params: { pack: string; version: string }; Body: { cases: PackCase[] } }>('/api/v1/rule-packs/:pack/versions/:version/cases', {
    schema: {
      tags: ['rule-packs'], summary: 'Run pack cases (rules/<pack>/cases/*.json shape: encounters, optional catalogue, expected findings) against a stored version; nothing is stored',
      params: packVersionParams,
      body: T.Object({ cases: T.Array(T.Object({}, { description: 'a case: name, encounters, optional catalogue, expected findings' }), { minItems: 1, maxItems: 200 }) }),
    },
  }, async (req) => {
    const actor = actorOf(req);
    const content = await fg.packs.content(actor, req.params.pack, req.params.version);
    const results = runPackCases(actor, content, req.body.cases);
    return { pack: req.params.pack, version: req.params.version, passed: results.filter((r) => r.passed).length, failed: results.filter((r) => !r.passed).length, results };
  });

  app.post<{ Body: RevealRequest }>('/api/v1/audit-log/reveal', {
    schema: {
      tags: ['admin'],
      summary: 'Reveal one masked personal field of a record (reveal roles only, default auditor, supervisor, admin; FUNDGUARD_REVEAL_ROLES): the reason is recorded in the audit log before the value is returned',
      body: T.Object({
        entity_type: T.Literal('encounter', { description: 'the kind of record' }),
        entity_id: Id('the record\'s id (mdtrt_id)'),
        field: T.Union(Object.keys(ENCOUNTER_PERSONAL_FIELDS).map((f) => T.Literal(f)), { description: 'the personal field' }),
        reason: T.String({ minLength: 2, maxLength: 500, description: '查看原因: why the data is needed' }),
      }, { additionalProperties: false, examples: [{ entity_type: 'encounter', entity_id: 'ZY2024031000123', field: 'patn_name', reason: '核实住院病历' }] }),
    },
  }, async (req) => fg.personalData.reveal(actorOf(req), req.body));
};
