import { AjvCompiler } from '@fastify/ajv-compiler';
import type { FastifyServerOptions } from 'fastify';

type Validate = ((data: unknown) => boolean) & { errors?: unknown[] | null };
interface RouteSchema { schema: unknown; method: string; url: string; httpPart?: string }

/** The first number in a value that is not finite (JSON.parse('1e400') and a query '1e309' both give Infinity), with its path. */
function nonFinite(v: unknown, path = ''): string | null {
  if (typeof v === 'number') return Number.isFinite(v) ? null : path || '/';
  if (v && typeof v === 'object') {
    for (const [k, x] of Object.entries(v as Record<string, unknown>)) {
      const p = nonFinite(x, `${path}/${k}`);
      if (p !== null) return p;
    }
  }
  return null;
}

/**
 * Request validation: query strings, params and headers are text, so they are coerced to the schema's types; bodies
 * are JSON and are never coerced (12345 for a string field, or null, is a 400, not silently "12345" or "").
 * Infinity, which both JSON.parse and the coercion can produce from a digit string, is refused everywhere.
 */
export function validationOptions(customOptions: Record<string, unknown>): Pick<FastifyServerOptions, 'ajv' | 'schemaController'> {
  const coercing = AjvCompiler();
  const strict = AjvCompiler();
  return {
    ajv: { customOptions },
    schemaController: {
      compilersFactory: {
        buildValidator: (externalSchemas: unknown, options: { customOptions: Record<string, unknown> }) => {
          const forText = coercing(externalSchemas as never, options as never) as unknown as (r: RouteSchema) => Validate;
          const forBody = strict(externalSchemas as never, { ...options, customOptions: { ...options.customOptions, coerceTypes: false } } as never) as unknown as (r: RouteSchema) => Validate;
          return (route: RouteSchema) => {
            const validate = (route.httpPart === 'body' ? forBody : forText)(route);
            const checked: Validate = (data) => {
              const ok = validate(data);
              checked.errors = validate.errors;
              if (!ok) return false;
              const at = nonFinite(data);
              if (at === null) return true;
              checked.errors = [{ instancePath: at === '/' ? '' : at, keyword: 'finite', params: {}, message: 'must be a finite number' }];
              return false;
            };
            return checked;
          };
        },
      },
    },
  } as unknown as Pick<FastifyServerOptions, 'ajv' | 'schemaController'>;
}
