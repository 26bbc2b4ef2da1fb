import type { FastifyPluginAsync } from 'fastify';
import { sql } from 'drizzle-orm';
import { FundGuardError } from '@fundguard/core';
import { dictionaryOf } from '@fundguard/service/dictionary.ts';
import { boundInstitution, findingsTable, toCsv, toXlsx, type FundGuard, type RunScope } from '@fundguard/service';
import { packVersionParams } from '../rule-packs/index.ts';
import type { FindingRow } from '@fundguard/store';
import { actorOf } from '../../auth.ts';
import { Day, Id, Limit, Offset, SerialParams, T } from '../../schemas.ts';

const scopeSchema = T.Object({
  from: Day('first admission date (inclusive)'), to: Day('end of the period (exclusive)'),
  region: T.Optional(Id('统筹区 (6 digits)', 12)), medins_id: T.Optional(Id('定点机构编码')),
}, { additionalProperties: false, examples: [{ from: '2024-01-01', to: '2025-01-01' }] });
const runParams = SerialParams('id', 'run id');
const findingsQuery = { medins_id: T.Optional(Id('定点机构编码')), rule_id: T.Optional(Id('rule id', 100)) };
/** Roles that see runs and their progress (the region's figures): not hospitals, insured persons or HIS keys. */
const RUN_READERS = ['admin', 'auditor', 'supervisor', 'rule_admin'];

/** Batch audit runs (事后审核) with progress, cancel and findings; impact replay of a draft pack version. */
export const auditRunRoutes: FastifyPluginAsync<{ fg: FundGuard }> = async (app, { fg }) => {
  app.post<{ Body: RunScope }>('/api/v1/audit-runs', {
    schema: { tags: ['audit-runs'], summary: 'Start a batch audit over stored encounters admitted in [from, to) with the active packs at stage post; returns at once, follow progress', body: scopeSchema },
  }, async (req, reply) => reply.status(202).send(await fg.runs.start(actorOf(req), req.body)));

  app.get<{ Params: { id: number } }>('/api/v1/audit-runs/:id', { schema: { tags: ['audit-runs'], summary: 'A run: status and progress (done_chunks / total_chunks); agency roles only', params: runParams } },
    async (req) => {
      const actor = actorOf(req);
      if (!RUN_READERS.includes(actor.role)) throw new FundGuardError('E_FORBIDDEN', `role ${actor.role} may not read runs`);
      return fg.runs.batch.status(req.params.id);
    });

  app.post<{ Params: { id: number } }>('/api/v1/audit-runs/:id/cancel', { schema: { tags: ['audit-runs'], summary: 'Cancel a run at the next chunk boundary', params: runParams } },
    async (req) => fg.runs.batch.cancel(actorOf(req), req.params.id));

  app.get<{ Params: { id: number }; Querystring: { format?: 'csv' | 'xlsx'; medins_id?: string; rule_id?: string } }>('/api/v1/audit-runs/:id/findings/export', {
    schema: {
      tags: ['audit-runs'], summary: 'Findings of a run as CSV or XLSX with Chinese headers (hospitals: their own)',
      params: runParams,
      querystring: T.Object({ format: T.Optional(T.Union([T.Literal('csv'), T.Literal('xlsx')], { default: 'xlsx' })), ...findingsQuery }),
    },
  }, async (req, reply) => {
    const actor = actorOf(req);
    if (!['admin', 'auditor', 'supervisor', 'hospital', 'rule_admin'].includes(actor.role)) throw new FundGuardError('E_FORBIDDEN', `role ${actor.role} may not read findings`);
    const medins = boundInstitution(actor) ?? req.query.medins_id ?? null;
    const rows = await fg.database.rows<FindingRow>(sql`
      select * from findings where run_id = ${req.params.id} and (${medins}::text is null or medins_id = ${medins})
        and (${req.query.rule_id ?? null}::text is null or rule_id = ${req.query.rule_id ?? null}) order by medins_id, month, rule_id, mdtrt_id`);
    const t = findingsTable(rows, await dictionaryOf(fg.ctx).get(actor, ['institutions', 'departments']));
    await fg.personalData.logRead(actor, 'audit_run', String(req.params.id), { rows: rows.length, format: req.query.format ?? 'xlsx' });
    const name = encodeURIComponent(`违规明细-${req.params.id}.${req.query.format ?? 'xlsx'}`);
    if (req.query.format === 'csv') return reply.header('content-type', 'text/csv; charset=utf-8').header('content-disposition', `attachment; filename*=UTF-8''${name}`).send(toCsv(t));
    return reply.header('content-type', 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet').header('content-disposition', `attachment; filename*=UTF-8''${name}`).send(await toXlsx([t]));
  });

  app.get<{ Params: { id: number }; Querystring: { limit?: number; offset?: number; medins_id?: string; rule_id?: string } }>('/api/v1/audit-runs/:id/findings', {
    schema: {
      tags: ['audit-runs'], summary: 'Findings of a run in the 3101 result shape (hospitals see their own)',
      params: runParams,
      querystring: T.Object({ limit: T.Optional(Limit()), offset: T.Optional(Offset), ...findingsQuery }),
    },
  }, async (req) => {
    const actor = actorOf(req);
    if (!['admin', 'auditor', 'supervisor', 'hospital', 'rule_admin'].includes(actor.role)) throw new FundGuardError('E_FORBIDDEN', `role ${actor.role} may not read findings`);
    const medins = boundInstitution(actor) ?? req.query.medins_id ?? null;
    const q = req.query;
    const items = await fg.database.rows<{ result: unknown }>(sql`
      select result from findings where run_id = ${req.params.id} and (${medins}::text is null or medins_id = ${medins})
        and (${q.rule_id ?? null}::text is null or rule_id = ${q.rule_id ?? null})
      order by amount_fen desc, id limit ${q.limit ?? 100} offset ${q.offset ?? 0}`);
    return { items: items.map((r) => r.result) };
  });

  app.post<{ Params: { pack: string; version: string }; Body: RunScope }>('/api/v1/rule-packs/:pack/versions/:version/impact', {
    schema: { tags: ['rule-packs'], summary: 'Impact replay: run a draft version against a past period beside the active set; findings added/removed and amount delta by rule and institution', params: packVersionParams, body: scopeSchema },
  }, async (req) => fg.runs.impact(actorOf(req), req.params.pack, req.params.version, req.body));
};
