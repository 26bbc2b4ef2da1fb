import type { FastifyPluginAsync } from 'fastify';
import { fenToYuan, FundGuardError, parseDay, type CatalogueEntry } from '@fundguard/core';
import { requirePermission, type FundGuard } from '@fundguard/service';
import { actorOf } from '../../auth.ts';
import { IMPORT_DESCRIPTION, receiveUpload, runImport, uploadQuery } from '../imports.ts';
import { Day, Id, IdParams, T } from '../../schemas.ts';

export function catalogueEntryOut(e: CatalogueEntry): Record<string, unknown> {
  return { ...e, price_cap: e.price_cap === null ? null : fenToYuan(e.price_cap) };
}

export const catalogueRoutes: FastifyPluginAsync<{ fg: FundGuard; today: () => string }> = async (app, { fg, today }) => {
  app.post('/api/v1/catalogue', {
    schema: { tags: ['catalogue'], summary: 'Import catalogue rows (CSV, XLSX or JSONL body) per catalogue.md; all or nothing', description: `Template: GET /api/v1/import-templates/catalogue.${IMPORT_DESCRIPTION}`, querystring: uploadQuery },
  }, async (req, reply) => {
    const actor = actorOf(req);
    requirePermission(actor, 'catalogue.import');
    const up = await receiveUpload(req, ['csv', 'xlsx', 'jsonl']);
    return runImport(req, reply, fg, actor, 'catalogue', up, (onProgress, importId) =>
      fg.imports.importCatalogue({ path: up.upload.path, name: up.name, format: up.format }, actor, onProgress, { importId }));
  });

  app.get<{ Params: { hilist_code: string }; Querystring: { date?: string; region?: string } }>('/api/v1/catalogue/:hilist_code', {
    schema: {
      tags: ['catalogue'], summary: 'The catalogue entry in force on a date (default today)',
      params: IdParams('hilist_code', '医保目录编码'),
      querystring: T.Object({ date: T.Optional(Day('the day (default today)')), region: T.Optional(Id('统筹区 (default: the national rows, *)', 12)) }),
    },
  }, async (req) => {
    requirePermission(actorOf(req), 'catalogue.read');
    let day = today();
    if (req.query.date !== undefined) {
      const d = parseDay(req.query.date);
      if ('reason' in d) throw new FundGuardError('E_FIELD_INVALID', `date: ${d.reason}`, [{ field: 'date', value: req.query.date, reason: d.reason }]);
      day = d.day;
    }
    const entry = await fg.ctx.catalogue.find(req.params.hilist_code, day, req.query.region ?? '*');
    if (!entry) throw new FundGuardError('E_NOT_FOUND', `no catalogue entry ${req.params.hilist_code} in force on ${day}`);
    return catalogueEntryOut(entry);
  });
};
