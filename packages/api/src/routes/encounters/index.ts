import type { FastifyPluginAsync } from 'fastify';
import { requirePermission, workbookTables, type FundGuard } from '@fundguard/service';
import { actorOf } from '../../auth.ts';
import { IMPORT_DESCRIPTION, jobParam, receiveUpload, runImport } from '../imports.ts';
import { Id, IdParams, T, Text } from '../../schemas.ts';

const importQuery = T.Object({
  name: T.Optional(Id('file name to use in error reports', 200, 'encounters.jsonl')),
  correct_institution: T.Optional(T.Boolean({ default: false, description: 'administrators only: this import corrects stored encounters that belong to another institution (moves them); needs reason; every replacement is audit-logged' })),
  reason: T.Optional(Text('why the cross-institution correction is made (with correct_institution)', 500)),
  job: jobParam,
});

export const encounterRoutes: FastifyPluginAsync<{ fg: FundGuard }> = async (app, { fg }) => {
  app.post<{ Querystring: { name?: string; correct_institution?: boolean; reason?: string; job?: boolean } }>('/api/v1/encounters', {
    schema: {
      tags: ['encounters'], querystring: importQuery,
      summary: 'Import encounters per claims-import.md (JSON Lines body, or an XLSX workbook with sheets encounters/orders/diagnoses); stored, not yet audited; all or nothing',
      description: 'A hospital (or an institution-bound key) imports and replaces only its own institution\'s encounters: a stored mdtrt_id of another institution is refused (409) and nothing changes. ' +
        'No import moves a stored encounter to another institution, except an administrator\'s explicit correction (correct_institution=true with a reason). Every replacement is audit-logged with the old and new digests.' +
        IMPORT_DESCRIPTION,
    },
  }, async (req, reply) => {
    const actor = actorOf(req);
    requirePermission(actor, 'encounters.import');
    const correction = req.query.correct_institution === true ? { reason: req.query.reason ?? '' } : undefined;
    const up = await receiveUpload(req, ['jsonl', 'xlsx']);
    const { upload, format, name } = up;
    return runImport(req, reply, fg, actor, 'encounters', up, (onProgress, importId) =>
      fg.imports.importEncounters(format === 'xlsx' ? workbookTables(upload.path, name) : { path: upload.path, name, format }, actor, onProgress, correction, { importId }));
  });

  app.get<{ Params: { mdtrt_id: string } }>('/api/v1/encounters/:mdtrt_id', {
    schema: {
      tags: ['encounters'], params: IdParams('mdtrt_id', '就诊ID'),
      summary: 'The stored encounter in the import shape; personal data masked (name → 张*, ID number → first 6 + last 4, birth date → year) except for the insured person themself; reveal a field with POST /api/v1/audit-log/reveal. The read is logged.',
    },
  }, async (req) => fg.personalData.encounter(actorOf(req), req.params.mdtrt_id));
};
