import type { FastifyPluginAsync } from 'fastify';
import { LIST_KINDS, LIST_NAME, SUBJECT_TYPES, type ListKind, type SubjectType } from '@fundguard/core';
import { requirePermission, type FundGuard } from '@fundguard/service';
import { actorOf } from '../../auth.ts';
import { IMPORT_DESCRIPTION, receiveUpload, runImport, uploadQuery } from '../imports.ts';
import { Limit, Offset } from '../../schemas.ts';

export const listRoutes: FastifyPluginAsync<{ fg: FundGuard }> = async (app, { fg }) => {
  app.post('/api/v1/lists', { schema: { tags: ['lists'], summary: 'Import 名单 rows (CSV or XLSX) per catalogue.md "Lists"', description: `Template: GET /api/v1/import-templates/lists.${IMPORT_DESCRIPTION}`, querystring: uploadQuery } }, async (req, reply) => {
    const actor = actorOf(req);
    requirePermission(actor, 'lists.import');
    const up = await receiveUpload(req, ['csv', 'xlsx']);
    return runImport(req, reply, fg, actor, 'lists', up, (onProgress, importId) =>
      fg.imports.importLists({ path: up.upload.path, name: up.name, format: up.format }, actor, onProgress, { importId }));
  });
  app.get<{ Querystring: { list?: ListKind; subject_type?: SubjectType; date?: string; limit?: number; offset?: number } }>('/api/v1/lists', {
    schema: {
      tags: ['lists'], summary: 'List entries, optionally those in force on a date',
      querystring: {
        type: 'object',
        properties: {
          list: { type: 'string', pattern: LIST_NAME.source, maxLength: 32, description: `${LIST_KINDS.join(', ')} or a focus list's name` }, subject_type: { type: 'string', enum: [...SUBJECT_TYPES] },
          date: { type: 'string', format: 'date' }, limit: Limit(), offset: Offset,
        },
      },
    },
  }, async (req) => {
    requirePermission(actorOf(req), 'lists.read');
    const q = req.query;
    return { items: await fg.ctx.lists.query({ list: q.list, subjectType: q.subject_type, day: q.date, limit: q.limit, offset: q.offset }) };
  });
};
