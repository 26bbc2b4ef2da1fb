import type { FastifyPluginAsync } from 'fastify';
import type { FundGuard } from '@fundguard/service';
import { DashboardService } from '@fundguard/service/dashboard.ts';
import { TaskService } from '@fundguard/service/tasks.ts';
import { runPackCases, type PackCase } from '@fundguard/service/pack-cases.ts';
import { FundGuardError, validatePack } from '@fundguard/core';
import { parsePackText, requirePermission } from '@fundguard/service';
import { actorOf } from '../../auth.ts';

const month = { type: 'string', pattern: '^\\d{4}-\\d{2}$' } as const;

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
      querystring: { type: 'object', properties: { from: month, to: month, medins_id: { type: 'string' }, fresh: { type: 'boolean', description: 'recompute instead of serving the cached figures (30 s fresh, then served while refreshing)' } } },
    },
  }, async (req) => dash.summary(actorOf(req), { from: req.query.from, to: req.query.to, medinsId: req.query.medins_id, fresh: req.query.fresh === true }));

  app.get<{ Querystring: { q?: string; medins_id?: string; from?: string; to?: string; type?: string; flagged?: boolean; limit?: number; offset?: number } }>('/api/v1/encounter-search', {
    schema: {
      tags: ['encounters'], summary: '就诊查询: by number (prefix), person number, diagnosis (code prefix or name), institution, admission period (to exclusive), type, with findings; newest first, within the caller\'s scope',
      querystring: { type: 'object', properties: {
        q: { type: 'string', maxLength: 100 }, medins_id: { type: 'string' }, from: { type: 'string', format: 'date' }, to: { type: 'string', format: 'date' }, type: { type: 'string', enum: ['1', '2', '3'] },
        flagged: { type: 'boolean' }, limit: { type: 'integer', minimum: 1, maximum: 200, default: 20 }, offset: { type: 'integer', minimum: 0, default: 0 },
      } },
    },
  }, async (req) => dash.searchEncounters(actorOf(req), { q: req.query.q, medinsId: req.query.medins_id, from: req.query.from, to: req.query.to, type: req.query.type, flagged: req.query.flagged, limit: req.query.limit, offset: req.query.offset }));

  app.get<{ Params: { mdtrt_id: string } }>('/api/v1/encounters/:mdtrt_id/context', {
    schema: { tags: ['encounters'], summary: 'Findings of an encounter (newest run first) and the patient\'s other encounters, within the caller\'s scope' },
  }, async (req) => dash.encounterContext(actorOf(req), req.params.mdtrt_id));

  app.get<{ Querystring: { limit?: number } }>('/api/v1/audit-runs', {
    schema: { tags: ['audit-runs'], summary: 'Recent runs with progress, newest first', querystring: { type: 'object', properties: { limit: { type: 'integer', minimum: 1, maximum: 500, default: 50 } } } },
  }, async (req) => ({ items: await dash.runs(actorOf(req), req.query.limit ?? 50) }));

  // Validate without storing: the same checks as an upload (contract, the catalogue's groups, compilation).
  app.post('/api/v1/rule-packs/validate', {
    schema: { tags: ['rule-packs'], summary: 'Validate a pack (JSON, or YAML as application/yaml) without storing it; 400 lists every error by rule and field' },
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
      body: { type: 'object', required: ['cases'], properties: { cases: { type: 'array', minItems: 1, maxItems: 200, items: { type: 'object' } } } },
    },
  }, async (req) => {
    const actor = actorOf(req);
    const content = await fg.packs.content(actor, req.params.pack, req.params.version);
    const results = runPackCases(actor, content, req.body.cases);
    return { pack: req.params.pack, version: req.params.version, passed: results.filter((r) => r.passed).length, failed: results.filter((r) => !r.passed).length, results };
  });

  app.post<{ Body: { entity_type: string; entity_id: string; field: string } }>('/api/v1/audit-log/reveal', {
    schema: {
      tags: ['admin'], summary: 'Record that the caller revealed masked personal data (the console calls this before unmasking)',
      body: { type: 'object', required: ['entity_type', 'entity_id', 'field'], additionalProperties: false, properties: { entity_type: { type: 'string', maxLength: 50 }, entity_id: { type: 'string', maxLength: 200 }, field: { type: 'string', maxLength: 100 } } },
    },
  }, async (req, reply) => {
    await dash.logReveal(actorOf(req), { entityType: req.body.entity_type, entityId: req.body.entity_id, field: req.body.field });
    return reply.status(204).send();
  });
};
