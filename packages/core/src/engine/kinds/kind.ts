import type { CatalogueEntry } from '../../ingest/catalogue.ts';
import type { CompiledRule } from '../compile.ts';
import type { LineCtx } from '../context.ts';

/** Look-ups a kind may need from outside the pack: the catalogue and the lists (名单). */
export interface EvalEnv {
  catalogue?: (code: string, day: string, region: string) => CatalogueEntry | null;
  /** a blacklist/suspended entry in force on `day` for the subject, or null */
  listed?: (subjectType: 'institution' | 'doctor' | 'patient' | 'department', code: string, day: string) => { list: string; reason: string } | null;
}

export interface KindInput {
  rule: CompiledRule;
  /** counted lines matching the rule's items, in chronological order (current and context) */
  items: readonly LineCtx[];
  /** counted lines matching the secondary patterns (with / includes / requires), chronological */
  aux: readonly LineCtx[];
  env: EvalEnv;
}

/** One flagged line: its amount (fen) and the values compared, for the message and the evidence. */
export interface Flag {
  line: LineCtx;
  amount: number;
  limit?: string | number;
  actual?: string | number;
  /** the evidence the encounter did not carry and the outcome depends on (audit-api.md §2): the finding asks, not accuses */
  missing?: string[];
}

/** A rule kind: given the counted lines of one patient, the current lines it flags. */
export type KindFn = (k: KindInput) => Flag[];

/** Half-up rounding to whole fen for non-negative amounts. */
export const roundFen = (x: number): number => Math.floor(x + 0.5);
