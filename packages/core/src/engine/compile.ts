import type { CatalogueEntry } from '../ingest/catalogue.ts';
import { compileCondition, compileTri, needsEvidence, type CondFn, type TriFn } from './conditions.ts';
import { compilePatterns, PatternIndex, type Matcher } from './patterns.ts';
import type { Kind, Rule, RulePack, Stage } from './types.ts';
import { validatePack, type ValidateOptions } from './validate.ts';

export const STAGE_BIT: Record<Stage, number> = { pre: 1, mid: 2, post: 4 };

export interface CompiledRule {
  rule: Rule;
  pack: CompiledPack;
  /** position in the pack: findings are reported in rule order */
  position: number;
  kind: Kind;
  items: Matcher;
  /** secondary patterns: `with` (exclusive), `includes` (bundled), `requires` (prerequisite) */
  aux: Matcher | null;
  from: string;
  to: string | null;
  stages: ReadonlySet<Stage>;
  /** the stages as bits (STAGE_BIT) for the hot path */
  stageMask: number;
  scenarios: ReadonlySet<string> | null;
  insutypes: ReadonlySet<string> | null;
  when: CondFn | null;
  unless: CondFn | null;
  /** indication: the compiled `requires` */
  requires: CondFn | null;
  /**
   * Missing evidence (audit-api.md §2): `when`/`unless`/`requires` in three-valued logic, set only where the condition
   * reads labs or flags; used on encounters that did not carry them. `evidence` says whether any is set.
   */
  whenTri: TriFn | null;
  unlessTri: TriFn | null;
  requiresTri: TriFn | null;
  evidence: boolean;
  params: Record<string, unknown>;
}

export interface CompiledPack {
  id: string;
  version: string;
  name: string;
  region: string;
  from: string;
  to: string | null;
  rules: CompiledRule[];
  byId: Map<string, CompiledRule>;
  /** code → rules whose `items` can match it */
  itemIndex: PatternIndex<CompiledRule>;
  /** code → rules whose secondary patterns can match it */
  auxIndex: PatternIndex<CompiledRule>;
  /** whether any rule has secondary patterns (else the aux index is never consulted) */
  hasAux: boolean;
}

/**
 * Compiles a pack once into lookup structures (architecture.md §2): evaluating a line costs the rules that can
 * match its code, not the size of the pack. Catalogue `group_codes` merge into the pack's groups.
 */
export function compilePack(raw: unknown, opts: { catalogue?: readonly CatalogueEntry[]; validate?: boolean } & Pick<ValidateOptions, 'unknownGroups' | 'warnings'> = {}): CompiledPack {
  const external = new Map<string, string[]>();
  for (const e of opts.catalogue ?? []) for (const g of e.group_codes) {
    const list = external.get(g);
    if (list) list.push(e.hilist_code);
    else external.set(g, [e.hilist_code]);
  }
  const pack: RulePack = opts.validate === false ? (raw as RulePack) : validatePack(raw, { externalGroups: new Set(external.keys()), catalogueAvailable: opts.catalogue !== undefined, unknownGroups: opts.unknownGroups, warnings: opts.warnings });
  const groups = (name: string): readonly string[] => [...(pack.groups?.[name]?.codes ?? []), ...(external.get(name) ?? [])];
  const compiled: CompiledPack = {
    id: pack.pack, version: pack.version, name: pack.name, region: pack.region, from: pack.effective_from, to: pack.effective_to ?? null,
    rules: [], byId: new Map(), itemIndex: new PatternIndex(), auxIndex: new PatternIndex(), hasAux: false,
  };
  for (const rule of pack.rules) {
    const params = rule.params ?? {};
    const auxPatterns = rule.kind === 'exclusive' ? params.with : rule.kind === 'bundled' ? params.includes : rule.kind === 'prerequisite' ? params.requires : undefined;
    const cr: CompiledRule = {
      rule, pack: compiled, position: compiled.rules.length, kind: rule.kind,
      items: compilePatterns(rule.items ?? ['*'], groups),
      aux: Array.isArray(auxPatterns) ? compilePatterns(auxPatterns as string[], groups) : null,
      from: rule.effective_from && rule.effective_from > pack.effective_from ? rule.effective_from : pack.effective_from,
      to: minTo(rule.effective_to ?? null, pack.effective_to ?? null),
      stages: new Set(rule.stages ?? ['pre', 'mid', 'post']),
      stageMask: (rule.stages ?? ['pre', 'mid', 'post']).reduce((m, s) => m | STAGE_BIT[s], 0),
      scenarios: rule.scenarios ? new Set(rule.scenarios) : null,
      insutypes: rule.insutypes ? new Set(rule.insutypes) : null,
      when: rule.when ? compileCondition(rule.when, groups) : null,
      unless: rule.unless ? compileCondition(rule.unless, groups) : null,
      requires: rule.kind === 'indication' ? compileCondition(params.requires as never, groups) : null,
      whenTri: rule.when && needsEvidence(rule.when) ? compileTri(rule.when, groups) : null,
      unlessTri: rule.unless && needsEvidence(rule.unless) ? compileTri(rule.unless, groups) : null,
      requiresTri: rule.kind === 'indication' && needsEvidence(params.requires as never) ? compileTri(params.requires as never, groups) : null,
      evidence: false,
      params,
    };
    cr.evidence = cr.whenTri !== null || cr.unlessTri !== null || cr.requiresTri !== null;
    compiled.rules.push(cr);
    compiled.byId.set(rule.id, cr);
    compiled.itemIndex.add(cr.items, cr);
    if (cr.aux) {
      compiled.auxIndex.add(cr.aux, cr);
      compiled.hasAux = true;
    }
  }
  return compiled;
}

function minTo(a: string | null, b: string | null): string | null {
  if (a === null) return b;
  if (b === null) return a;
  return a < b ? a : b;
}
