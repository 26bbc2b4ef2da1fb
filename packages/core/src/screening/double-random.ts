import { FundGuardError } from '../errors.ts';
import { sampleWithoutReplacement, seededRng } from './prng.ts';

/** 双随机一公开: random targets × random inspectors, conflicts excluded, reproducible from the seed, publishable. */
export interface Inspector {
  id: string;
  name: string;
  /** institutions the inspector is linked to (former employer, relatives …): never drawn for them */
  linkedInstitutions?: readonly string[];
}

export interface DrawInput {
  seed: string;
  /** institutions that may be drawn (e.g. a region's designated institutions) */
  institutions: readonly { id: string; name: string }[];
  inspectors: readonly Inspector[];
  /** institution → inspectors who inspected it last time */
  lastInspectedBy?: Readonly<Record<string, readonly string[]>>;
  /** share of institutions to draw; ≥ 5 % a year (domain.md §5) */
  share?: number;
  /** inspectors per institution */
  teamSize?: number;
}

export interface DrawResult {
  seed: string;
  share: number;
  teamSize: number;
  assignments: { institution: string; institution_name: string; inspectors: string[] }[];
  /** one line per assignment, for publication (一公开) */
  publication: string[];
}

/**
 * Targets are drawn first; then each target gets a team from the inspectors without a conflict, the least loaded
 * first (ties broken by the seeded order), so the load spreads evenly. A target no eligible team can cover is an error
 * naming it, never silently skipped.
 */
export function doubleRandomDraw(input: DrawInput): DrawResult {
  const share = input.share ?? 0.05;
  const teamSize = input.teamSize ?? 2;
  if (!(share > 0 && share <= 1)) throw new FundGuardError('E_FIELD_INVALID', 'share must be in (0, 1]');
  const rng = seededRng(input.seed);
  const institutions = input.institutions.slice().sort((a, b) => (a.id < b.id ? -1 : 1));
  const count = Math.max(1, Math.ceil(institutions.length * share));
  const targets = sampleWithoutReplacement(institutions, count, rng).sort((a, b) => (a.id < b.id ? -1 : 1));
  const inspectorOrder = sampleWithoutReplacement(input.inspectors.slice().sort((a, b) => (a.id < b.id ? -1 : 1)), input.inspectors.length, rng);
  const rank = new Map(inspectorOrder.map((p, i) => [p.id, i]));
  const load = new Map(input.inspectors.map((p) => [p.id, 0]));
  const assignments = targets.map((t) => {
    const excluded = new Set(input.lastInspectedBy?.[t.id] ?? []);
    const eligible = inspectorOrder.filter((p) => !excluded.has(p.id) && !(p.linkedInstitutions ?? []).includes(t.id));
    if (eligible.length < teamSize) {
      throw new FundGuardError('E_INPUT_INVALID', `institution ${t.id} (${t.name}) has only ${eligible.length} inspectors without a conflict; ${teamSize} are needed`);
    }
    const team = eligible.sort((a, b) => load.get(a.id)! - load.get(b.id)! || rank.get(a.id)! - rank.get(b.id)!).slice(0, teamSize);
    for (const p of team) load.set(p.id, load.get(p.id)! + 1);
    return { institution: t.id, institution_name: t.name, inspectors: team.map((p) => p.id).sort() };
  });
  const names = new Map(input.inspectors.map((p) => [p.id, p.name]));
  return {
    seed: input.seed, share, teamSize, assignments,
    publication: assignments.map((a) => `${a.institution_name}（${a.institution}）：检查人员 ${a.inspectors.map((i) => names.get(i) ?? i).join('、')}`),
  };
}
