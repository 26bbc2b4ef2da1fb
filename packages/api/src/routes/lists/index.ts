import type { FastifyPluginAsync } from 'fastify';
import { LIST_KINDS, LIST_NAME, SUBJECT_TYPES, type ListKind, type SubjectType } from '@fundguard/core';
import { requirePermission, type FundGuard } from '@fundguard/service';
import { actorOf } from '../../auth.ts';
import { receiveUpload, uploadQuery } from '../imports.ts';
import { Limit, Offset } from '../../schemas.ts';

export const listRoutes: FastifyPluginAsync<{ fg: FundGuard }> = async (app, { fg }) => {
  app.post('/api/v1/lists', { schema: { tags: ['lists'], summary: 'Import 名单 rows (CSV or XLSX) per catalogue.md "Lists"', querystring: uploadQuery } }, async (req) => {
    const actor = actorOf(req);
    requirePermission(actor, 'lists.import');
    const { upload, format, name } = await receiveUpload(req, ['csv', 'xlsx']);
    try {
      return await fg.imports.importLists({ path: upload.path, name, format }, actor);
    } finally {
      upload.cleanup();
    }
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
