import { FundGuardError } from '@fundguard/core';
import { yamlParser } from '../lazy-modules.ts';

/** Parses an upload body: JSON, or YAML with the same shape. (Apart from the service, so that reading pack files loads no database code.) */
export function parsePackText(text: string, contentType = 'application/json'): unknown {
  const yaml = /yaml/i.test(contentType);
  try {
    return yaml ? yamlParser().parse(text) : JSON.parse(text);
  } catch (e) {
    throw new FundGuardError('E_PACK_INVALID', `the pack is not valid ${yaml ? 'YAML' : 'JSON'}: ${(e as Error).message}`, [{ field: '(body)', reason: (e as Error).message }]);
  }
}
