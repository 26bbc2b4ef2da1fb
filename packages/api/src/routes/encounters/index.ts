import type { FastifyPluginAsync } from 'fastify';
import { FundGuardError, toImportShape } from '@fundguard/core';
import { requireEncounterScope, requirePermission, workbookTables, type FundGuard } from '@fundguard/service';
import { actorOf } from '../../auth.ts';
import { receiveUpload, uploadQuery } from '../imports.ts';

export const encounterRoutes: FastifyPluginAsync<{ fg: FundGuard }> = async (app, { fg }) => {
  app.post('/api/v1/encounters', {
    schema: {
      tags: ['encounters'], querystring: uploadQuery,
      summary: 'Import encounters per claims-import.md (JSON Lines body, or an XLSX workbook with sheets encounters/orders/diagnoses); stored, not yet audited; all or nothing',
    },
  }, async (req) => {
    const actor = actorOf(req);
    requirePermission(actor, 'encounters.import');
    const { upload, format, name } = await receiveUpload(req, ['jsonl', 'xlsx']);
    try {
      return await fg.imports.importEncounters(format === 'xlsx' ? workbookTables(upload.path, name) : { path: upload.path, name, format }, actor);
    } finally {
      upload.cleanup();
    }
  });

  app.get<{ Params: { mdtrt_id: string } }>('/api/v1/encounters/:mdtrt_id', {
    schema: { tags: ['encounters'], summary: 'The stored encounter in the import shape', params: { type: 'object', properties: { mdtrt_id: { type: 'string' } }, required: ['mdtrt_id'] } },
  }, async (req) => {
    const actor = actorOf(req);
    requirePermission(actor, 'encounters.read');
    const pe = await fg.ctx.encounters.get(req.params.mdtrt_id);
    if (!pe) throw new FundGuardError('E_NOT_FOUND', `no encounter ${req.params.mdtrt_id}`);
    requireEncounterScope(actor, pe.encounter);
    return toImportShape(pe);
  });
};
