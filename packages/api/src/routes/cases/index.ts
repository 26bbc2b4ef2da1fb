import type { FastifyPluginAsync, FastifySchemaCompiler } from 'fastify';
import { FundGuardError } from '@fundguard/core';
import { sql } from 'drizzle-orm';
import {
  buildNotice, CaseService, casesTable, findingsTable, MAX_ATTACHMENT_BYTES, noticePdf, noticeView, noticeXlsx, toCsv, toXlsx, type CaseCommand, type FundGuard,
} from '@fundguard/service';
import { dictionaryOf } from '@fundguard/service/dictionary.ts';
import { Type } from 'typebox';
import { actorOf } from '../../auth.ts';
import { readBoundedBody } from '../../uploads.ts';
import { CaseEventBody, parseCaseCommand } from './events-schema.ts';

const CaseId = Type.Object({ id: Type.String({ minLength: 1, maxLength: 200 }) });

/**
 * Event bodies are checked against the schema of their own `type` (see events-schema.ts): a missing field is named
 * as missing instead of drowning in every other branch's errors. Params keep a plain check.
 */
const eventValidator = (part: 'body' | 'command'): FastifySchemaCompiler<unknown> => ({ httpPart }) => (data: unknown) => {
  try {
    if (httpPart === 'params') {
      const id = (data as { id?: unknown } | null)?.id;
      if (typeof id !== 'string' || !id || id.length > 200) throw new FundGuardError('E_FIELD_INVALID', 'id: 1–200 characters', [{ field: 'id', reason: '1–200 characters' }]);
      return { value: data };
    }
    if (httpPart !== 'body') return { value: data };
    if (part === 'body') return { value: parseCaseCommand(data) };
    const b = data as { ids?: unknown; command?: unknown } | null;
    if (!b || typeof b !== 'object') throw new FundGuardError('E_INPUT_INVALID', '(body): must be a JSON object', [{ field: '(body)', reason: 'must be a JSON object' }]);
    if (!Array.isArray(b.ids) || b.ids.length > 500 || b.ids.some((x) => typeof x !== 'string' || !x || x.length > 200)) {
      throw new FundGuardError('E_FIELD_INVALID', 'ids: a list of up to 500 case ids', [{ field: 'ids', reason: 'a list of up to 500 case ids' }]);
    }
    return { value: { ids: b.ids, command: parseCaseCommand(b.command, 'command.') } };
  } catch (error) {
    return { error: error as Error };
  }
};

/** Cases (审核单): worklist, detail, transitions, attachments. */
export const caseRoutes: FastifyPluginAsync<{ fg: FundGuard }> = async (app, { fg }) => {
  const cases = new CaseService(fg.ctx);

  app.get<{ Querystring: { medins_id?: string; status?: string; month?: string; rule_id?: string; dept_codg?: string; dr_codg?: string; mdtrt_id?: string; patn_id?: string; due_before?: string; limit?: number; offset?: number } }>('/api/v1/cases', {
    schema: {
      tags: ['cases'], summary: 'Worklist: cases ordered by risk; filters by institution, status (comma-separated), month, rule, department, doctor, encounter (mdtrt_id), patient (patn_id), deadline. Amounts in yuan; hospitals see only their notified cases, without the risk score',
      querystring: {
        type: 'object',
        properties: {
          medins_id: { type: 'string', maxLength: 200 }, status: { type: 'string', maxLength: 400 }, month: { type: 'string', pattern: '^\\d{4}-(0[1-9]|1[0-2])$' }, rule_id: { type: 'string', maxLength: 200 },
          dept_codg: { type: 'string', maxLength: 200 }, dr_codg: { type: 'string', maxLength: 200 }, mdtrt_id: { type: 'string', maxLength: 200 }, patn_id: { type: 'string', maxLength: 200 },
          due_before: { type: 'string', format: 'date-time' },
          limit: { type: 'integer', minimum: 1, maximum: 500, default: 50 }, offset: { type: 'integer', minimum: 0, maximum: 100_000_000, default: 0 },
        },
      },
    },
  }, async (req) => {
    const q = req.query;
    return cases.list(actorOf(req), {
      medinsId: q.medins_id, status: q.status ? q.status.split(',').map((s) => s.trim()) : undefined, month: q.month, ruleId: q.rule_id,
      deptCodg: q.dept_codg, drCodg: q.dr_codg, mdtrtId: q.mdtrt_id, patnId: q.patn_id, dueBefore: q.due_before, limit: q.limit, offset: q.offset,
    });
  });

  app.post<{ Body: { run_id: number; medins_id?: string } }>('/api/v1/cases', {
    schema: { tags: ['cases'], summary: 'Open cases from a run\'s findings (one per institution and month)', body: { type: 'object', required: ['run_id'], additionalProperties: false, properties: { run_id: { type: 'integer', minimum: 1, maximum: 2_147_483_647 }, medins_id: { type: 'string', minLength: 1, maxLength: 50 } } } },
  }, async (req, reply) => reply.status(201).send({ cases: await cases.openFromRun(actorOf(req), req.body.run_id, { medinsId: req.body.medins_id }) }));

  app.get<{ Params: { id: string } }>('/api/v1/cases/:id', {
    schema: { tags: ['cases'], summary: 'A case with its findings and event history, amounts in yuan, and `allowed`: the events the requesting user may send now', params: CaseId },
  }, async (req) => cases.get(actorOf(req), req.params.id));

  app.get<{ Params: { id: string }; Querystring: { for?: 'review' | 'level' } }>('/api/v1/cases/:id/eligible', {
    schema: {
      tags: ['cases'],
      summary: 'Users who may be named to this case: `for=review` (default) re-reviewer or panel member (active reviewers who took no part in it); `for=level` the reviewer of the running level (分派: a role that signs it, no level of this case signed, rotation: not a reviewer of the same institution in the previous month), in round-robin order',
      params: CaseId,
      querystring: Type.Object({ for: Type.Optional(Type.Union([Type.Literal('review'), Type.Literal('level')], { default: 'review', examples: ['level'] })) }),
    },
  }, async (req) => ({ users: req.query.for === 'level' ? await cases.eligibleForLevel(actorOf(req), req.params.id) : await cases.eligible(actorOf(req), req.params.id) }));

  app.post<{ Params: { id: string } }>('/api/v1/cases/:id/rotation', {
    schema: { tags: ['cases'], summary: '轮换分派: assigns the running level to the next eligible reviewer, round-robin (the first of GET …/eligible?for=level); supervisors', params: CaseId },
  }, async (req) => cases.assignByRotation(actorOf(req), req.params.id));

  app.post<{ Params: { id: string }; Body: CaseCommand & { expected_version?: number } }>('/api/v1/cases/:id/events', {
    schema: {
      tags: ['cases'], summary: 'Apply a transition; each `type` has its own fields (see the examples); amounts in yuan; `by` and `at` are set by the server. Missing or ill-typed fields: 400 naming the field, nothing changes',
      params: CaseId, body: CaseEventBody,
    },
    validatorCompiler: eventValidator('body'),
  }, async (req) => {
    const { expected_version, ...command } = req.body;
    return cases.apply(actorOf(req), req.params.id, command as CaseCommand, expected_version);
  });

  app.post<{ Body: { ids: string[]; command: CaseCommand } }>('/api/v1/cases/bulk-events', {
    schema: {
      tags: ['cases'], summary: 'Apply the same transition to several cases (bulk confirm); each case succeeds or fails on its own',
      body: Type.Object({ ids: Type.Array(Type.String({ minLength: 1, maxLength: 200 }), { maxItems: 500 }), command: CaseEventBody }),
    },
    validatorCompiler: eventValidator('command'),
  }, async (req) => {
    const actor = actorOf(req);
    const results = [];
    for (const id of req.body.ids) {
      try {
        const c = await cases.apply(actor, id, req.body.command);
        results.push({ id, ok: true, status: c.status });
      } catch (e) {
        results.push({ id, ok: false, error: e instanceof FundGuardError ? { code: e.code, message: e.message } : { code: 'E_INTERNAL', message: 'internal error' } });
      }
    }
    return { results };
  });

  app.addContentTypeParser(['application/pdf', 'image/png', 'image/jpeg', 'application/octet-stream'], (_req, payload, done) => done(null, payload));
  app.post<{ Params: { id: string }; Querystring: { name: string } }>('/api/v1/cases/:id/attachments', {
    schema: { tags: ['cases'], summary: 'Upload an attachment (body = the file); returns its SHA-256 to cite in explain/appeal', querystring: { type: 'object', required: ['name'], properties: { name: { type: 'string', minLength: 1, maxLength: 200 } } } },
  }, async (req, reply) => {
    const content = await readBoundedBody(req.body, MAX_ATTACHMENT_BYTES, `attachments are limited to ${MAX_ATTACHMENT_BYTES / 1048576} MB`);
    const a = await cases.attach(actorOf(req), req.params.id, { name: req.query.name, contentType: String(req.headers['content-type'] ?? 'application/octet-stream'), content });
    return reply.status(201).send(a);
  });

  const medinsName = async (medinsId: string) =>
    (await fg.database.rows<{ n: string }>(sql`select medins_name as n from encounters where medins_id = ${medinsId} and medins_name <> '' limit 1`))[0]?.n ?? '';
  const XLSX = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';
  const download = (name: string) => `attachment; filename*=UTF-8''${encodeURIComponent(name)}`;

  app.get<{ Params: { id: string; format: 'xlsx' | 'pdf' | 'json' } }>('/api/v1/cases/:id/notice.:format', {
    schema: { tags: ['cases'], summary: '扣款通知书 (deduction notice) of a decided case, as XLSX or PDF, or as JSON for the console\'s print view (amounts in yuan, the total in Chinese capitals)', params: { type: 'object', properties: { id: { type: 'string' }, format: { type: 'string', enum: ['xlsx', 'pdf', 'json'] } } } },
  }, async (req, reply) => {
    const c = await cases.forNotice(actorOf(req), req.params.id);
    const notice = buildNotice({ id: c.id, medins_id: c.medins_id, month: c.month, state: c.state }, c.findings, await medinsName(c.medins_id), fg.ctx.nowIso());
    if (req.params.format === 'json') return noticeView(notice);
    const body = req.params.format === 'pdf' ? await noticePdf(notice) : await noticeXlsx(notice);
    return reply.header('content-type', req.params.format === 'pdf' ? 'application/pdf' : XLSX).header('content-disposition', download(`扣款通知书-${c.id}.${req.params.format}`)).send(body);
  });

  app.get<{ Querystring: { format?: 'csv' | 'xlsx'; medins_id?: string; month?: string; status?: string } }>('/api/v1/cases/export', {
    schema: {
      tags: ['cases'], summary: 'Cases (with their findings in a second sheet for XLSX) as CSV or XLSX with Chinese headers',
      querystring: { type: 'object', properties: { format: { type: 'string', enum: ['csv', 'xlsx'], default: 'xlsx' }, medins_id: { type: 'string', maxLength: 50 }, month: { type: 'string', pattern: '^\\d{4}-(0[1-9]|1[0-2])$' }, status: { type: 'string', maxLength: 400 } } },
    },
  }, async (req, reply) => {
    const actor = actorOf(req);
    const q = req.query;
    const list = await cases.list(actor, { medinsId: q.medins_id, month: q.month, status: q.status ? q.status.split(',') : undefined, limit: 100_000 });
    const names = await dictionaryOf(fg.ctx).get(actor, ['institutions', 'departments']);
    const t = casesTable(list.items, names);
    if (q.format === 'csv') return reply.header('content-type', 'text/csv; charset=utf-8').header('content-disposition', download('审核单.csv')).send(toCsv(t));
    const findings = (await Promise.all(list.items.map((c) => cases.repo.findingsOfCase(c.id)))).flat();
    // the findings sheet names the persons (patn_id): an export of personal data, logged with its size
    await fg.personalData.logRead(actor, 'cases', 'export', { rows: findings.length, format: 'xlsx' });
    return reply.header('content-type', XLSX).header('content-disposition', download('审核单.xlsx')).send(await toXlsx([t, findingsTable(findings, names)]));
  });

  app.get<{ Params: { id: string; sha256: string } }>('/api/v1/cases/:id/attachments/:sha256', { schema: { tags: ['cases'], summary: 'Download an attachment (checksum verified)' } }, async (req, reply) => {
    const a = await cases.attachment(actorOf(req), req.params.id, req.params.sha256);
    return reply.header('content-type', a.contentType).header('content-disposition', `attachment; filename*=UTF-8''${encodeURIComponent(a.name)}`).send(a.content);
  });
};
