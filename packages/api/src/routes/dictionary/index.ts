import type { FastifyPluginAsync } from 'fastify';
import type { FundGuard } from '@fundguard/service';
import { DICTIONARY_KINDS, dictionaryOf, type DictionaryKind } from '@fundguard/service/dictionary.ts';
import { actorOf } from '../../auth.ts';

/** Names for codes (institutions, departments, doctors, regions, diagnoses, national code tables): one service for every page and export. */
export const dictionaryRoutes: FastifyPluginAsync<{ fg: FundGuard }> = async (app, { fg }) => {
  const dictionary = dictionaryOf(fg.ctx);
  app.get<{ Querystring: { kinds?: string } }>('/api/v1/dictionary', {
    schema: {
      tags: ['dictionary'], summary: 'Code → name for institutions, departments, doctors, regions (统筹区), diagnoses (from stored data, cached 10 min) and the national code tables ([中文, English])',
      querystring: { type: 'object', properties: { kinds: { type: 'string', description: `comma-separated, any of ${DICTIONARY_KINDS.join(', ')}; all when left out` } } },
    },
  }, async (req) => dictionary.get(actorOf(req), req.query.kinds ? (req.query.kinds.split(',').map((k) => k.trim()).filter(Boolean) as DictionaryKind[]) : undefined));
};
