import { Type as T, type TSchema } from 'typebox';

/**
 * The request pieces every route shares (TypeBox: the same schema validates, types and documents a route). Bounds
 * are what the store can hold, so that a value the schema accepts never fails later in the database: ids are the
 * contract lengths (50 characters unless the national field is longer), serial ids fit PostgreSQL's integer,
 * offsets and counts stay far below 2^53.
 */

/** An identifier such as mdtrt_id, medins_id, patn_id, a code or a name of a pack: 1–50 characters unless said. */
export const Id = (description: string, maxLength = 50, example?: string): TSchema =>
  T.String({ minLength: 1, maxLength, description, ...(example ? { examples: [example] } : {}) });

/** A serial id (runs, draws): a whole number that fits the database's integer. */
export const SerialId = (description: string): TSchema => T.Integer({ minimum: 1, maximum: 2_147_483_647, description, examples: [1] });

/** A calendar date that exists (2024-02-30 is refused). */
export const Day = (description: string): TSchema => T.String({ format: 'date', description, examples: ['2024-01-01'] });

/** A month, YYYY-MM. */
export const Month = (description: string): TSchema => T.String({ pattern: '^\\d{4}-(0[1-9]|1[0-2])$', description, examples: ['2024-03'] });

export const Year = (description = 'insurance year'): TSchema => T.Integer({ minimum: 1900, maximum: 2999, description, examples: [2024] });

export const Limit = (byDefault = 100, maximum = 1000): TSchema => T.Integer({ minimum: 1, maximum, default: byDefault, description: `rows per page (at most ${maximum})` });

export const Offset: TSchema = T.Integer({ minimum: 0, maximum: 100_000_000, default: 0, description: 'rows to skip' });

/** Free text a person writes (a reason, a note). */
export const Text = (description: string, maxLength = 2000): TSchema => T.String({ maxLength, description });

/** Params of a route with one id in its path. */
export const IdParams = (name: string, description: string, maxLength = 50): TSchema => T.Object({ [name]: Id(description, maxLength) }, { additionalProperties: false });

export const SerialParams = (name: string, description: string): TSchema => T.Object({ [name]: SerialId(description) }, { additionalProperties: false });

export { T };
