import { sql } from 'drizzle-orm';
import {
  doubleRandomDraw, extrapolate, FundGuardError, hospitalInspectionPreset, inpatientTenPercent, parseYuan, presetSample, randomSample,
  stratifiedSample, type Inspector, type SampleDraw, type SamplingUnit,
} from '@fundguard/core';
import { requirePermission, type Actor } from '../auth/roles.ts';
import type { ServiceContext } from '../context.ts';

export interface EncounterDrawRequest {
  method: 'random' | 'stratified' | 'preset' | 'inpatient_10pct' | 'hospital';
  from: string;
  to: string;
  medins_id?: string;
  /** only inpatient encounters (med_mdtrt_type 2) */
  inpatient?: boolean;
  /** sample size (random, stratified) */
  n?: number;
  /** strata for the stratified method: medins_id, dept, amount_band */
  strata?: ('medins_id' | 'dept' | 'amount_band')[];
  seed: string;
}

export interface StoredDraw {
  id: number;
  kind: 'encounters' | 'inspection';
  params: Record<string, unknown>;
  draw: Record<string, unknown>;
  extrapolation: Record<string, unknown> | null;
  actor: string;
  created_at: string;
}

const DAY = /^\d{4}-\d{2}-\d{2}$/;
const STRATA = ['medins_id', 'dept', 'amount_band'];
/** 金额段 by the encounter's total (yuan) */
const band = (fen: number) => (fen < 50_000 ? '<500' : fen < 200_000 ? '500–2000' : fen < 1_000_000 ? '2000–10000' : '≥10000');

/**
 * Sampling (screening.md 抽查) of stored encounters and 双随机 inspection draws: drawn by core with a seed, stored with
 * the seed, method, strata and population so that anyone can reproduce and check them; an encounter sample's error
 * amounts extrapolate to the population with a 95 % confidence interval, beside the seeds' simple ×2/×3 rule.
 */
export class SamplingService {
  constructor(private readonly ctx: ServiceContext) {}

  async drawEncounters(actor: Actor, r: EncounterDrawRequest): Promise<StoredDraw> {
    requirePermission(actor, 'screening.run');
    if (!DAY.test(r.from ?? '') || !DAY.test(r.to ?? '') || r.to <= r.from) throw new FundGuardError('E_INPUT_INVALID', 'from and to: YYYY-MM-DD, to after from');
    if (typeof r.seed !== 'string' || !r.seed) throw new FundGuardError('E_INPUT_INVALID', 'seed: required (record it: the draw is reproduced from it)', [{ field: 'seed', reason: 'required' }]);
    const strata = r.strata ?? [];
    if (strata.some((s) => !STRATA.includes(s))) throw new FundGuardError('E_INPUT_INVALID', `strata: any of ${STRATA.join(', ')}`, [{ field: 'strata', value: strata, reason: STRATA.join(', ') }]);
    const rows = await this.ctx.database.rows<{ id: string; medins_id: string; dept: string; total: number; drugs: number; current: boolean }>(sql`
      select e.mdtrt_id as id, e.medins_id, coalesce(nullif(e.dscg_dept_codg, ''), e.adm_dept_codg) as dept, e.lines_sumamt as total,
        coalesce((e.screen_summary ->> 'drug_fen')::bigint, 0) as drugs, e.dscg_date is null as current
      from encounters e where e.adm_date >= ${r.from}::timestamp and e.adm_date < ${r.to}::timestamp
        and (${r.medins_id ?? null}::text is null or e.medins_id = ${r.medins_id ?? null})
        and (${r.inpatient === true || r.method === 'inpatient_10pct' || r.method === 'hospital'} = false or e.med_mdtrt_type = '2')`);
    const units: (SamplingUnit & { total: number; drugs: number; current: boolean })[] = rows.map((x) => ({
      id: x.id, total: Number(x.total), drugs: Number(x.drugs), current: x.current,
      strata: { medins_id: x.medins_id, dept: x.dept, amount_band: band(Number(x.total)) },
    }));
    const n = r.n ?? 0;
    if ((r.method === 'random' || r.method === 'stratified') && (!Number.isInteger(n) || n <= 0)) throw new FundGuardError('E_INPUT_INVALID', 'n: the sample size, a whole number > 0', [{ field: 'n', value: r.n, reason: 'a whole number > 0' }]);
    let draw: SampleDraw;
    switch (r.method) {
      case 'random': draw = randomSample(units, n, r.seed); break;
      case 'stratified':
        if (!strata.length) throw new FundGuardError('E_INPUT_INVALID', 'strata: at least one of medins_id, dept, amount_band for a stratified draw');
        draw = stratifiedSample(units, strata, n, r.seed); break;
      case 'preset': draw = presetSample(units, r.seed); break;
      case 'inpatient_10pct': draw = inpatientTenPercent(units, r.seed); break;
      case 'hospital':
        if (!r.medins_id) throw new FundGuardError('E_INPUT_INVALID', 'medins_id: the hospital preset draws within one institution');
        draw = hospitalInspectionPreset(units.map((u) => ({ ...u })), r.seed); break;
      default: throw new FundGuardError('E_INPUT_INVALID', `method: random, stratified, preset, inpatient_10pct or hospital, got ${String(r.method)}`);
    }
    // The stratum of each sampled record, as the draw defined it (the hospital preset is purposive: no extrapolation).
    const keyOf = new Map(units.map((u) => [u.id, r.method === 'stratified' ? strata.map((f) => `${f}=${u.strata?.[f] ?? ''}`).join('|') : '*']));
    const strataOf = r.method === 'hospital' ? {} : Object.fromEntries(draw.ids.map((id) => [id, keyOf.get(id)!]));
    return this.store(actor, 'encounters', { ...r, strata }, draw as unknown as Record<string, unknown>, strataOf);
  }

  /** Extrapolates the error amounts found in the sampled records (yuan by mdtrt_id; a record not named had none). */
  async extrapolate(actor: Actor, id: number, errorsYuan: Record<string, unknown>): Promise<StoredDraw> {
    requirePermission(actor, 'screening.run');
    const d = await this.get(actor, id);
    if (d.kind !== 'encounters' || (d.params.method as string) === 'hospital') throw new FundGuardError('E_CONFLICT', `draw ${id} is not a probability sample of encounters: nothing to extrapolate`);
    const strataOf = (await this.ctx.database.rows<{ strata_of: Record<string, string> }>(sql`select strata_of from sample_draws where id = ${id}`))[0].strata_of;
    const errors = new Map<string, number>();
    for (const [mdtrt, v] of Object.entries(errorsYuan ?? {})) {
      if (!(mdtrt in strataOf)) throw new FundGuardError('E_INPUT_INVALID', `errors.${mdtrt}: not in draw ${id}`, [{ field: `errors.${mdtrt}`, reason: 'not a sampled record' }]);
      const y = parseYuan(v);
      if ('reason' in y || y.fen < 0) throw new FundGuardError('E_INPUT_INVALID', `errors.${mdtrt}: ${'reason' in y ? y.reason : 'not negative'}`, [{ field: `errors.${mdtrt}`, value: v, reason: 'an amount in yuan ≥ 0' }]);
      errors.set(mdtrt, y.fen);
    }
    const draw = d.draw as unknown as SampleDraw;
    const strata = draw.strata.filter((s) => s.sampled > 0 || s.population > 0).map((s) => ({
      key: s.key, population: s.population,
      errors: Object.entries(strataOf).filter(([, k]) => k === s.key).map(([mdtrt]) => errors.get(mdtrt) ?? 0),
    }));
    const e = extrapolate(strata, draw.factor);
    const result = { ...e, found_fen: [...errors.values()].reduce((a, b) => a + b, 0), sampled: draw.ids.length, population: draw.population, by: actor.id, at: this.ctx.nowIso() };
    await this.ctx.database.transaction(async (tx) => {
      await this.ctx.database.rows(sql`update sample_draws set extrapolation = ${JSON.stringify(result)}::jsonb where id = ${id}`, tx);
      await this.ctx.auditLog.append(tx, [{ actor: actor.id, action: 'sample.extrapolate', entityType: 'sample_draw', entityId: String(id), at: result.at, detail: { estimate: e.estimate, low: e.low, high: e.high } }]);
    });
    return this.get(actor, id);
  }

  /**
   * 双随机: institutions (default: those with encounters) × inspectors; an inspector never draws an institution
   * they are linked to or inspected in the previous inspection draw (read from the stored draws).
   */
  async drawInspections(actor: Actor, r: { seed: string; inspectors: { id: string; name: string; linked_institutions?: string[] }[]; institutions?: { id: string; name: string }[]; share?: number; team_size?: number }): Promise<StoredDraw> {
    requirePermission(actor, 'screening.run');
    if (typeof r.seed !== 'string' || !r.seed) throw new FundGuardError('E_INPUT_INVALID', 'seed: required', [{ field: 'seed', reason: 'required' }]);
    if (!Array.isArray(r.inspectors) || !r.inspectors.length) throw new FundGuardError('E_INPUT_INVALID', 'inspectors: a list of {id, name, linked_institutions?}', [{ field: 'inspectors', reason: 'required' }]);
    const institutions = r.institutions ?? await this.ctx.database.rows<{ id: string; name: string }>(sql`
      select medins_id as id, max(medins_name) as name from encounters group by medins_id order by medins_id`);
    const last = (await this.ctx.database.rows<{ draw: { assignments: { institution: string; inspectors: string[] }[] } }>(sql`
      select draw from sample_draws where kind = 'inspection' order by id desc limit 1`))[0];
    const lastInspectedBy = Object.fromEntries((last?.draw.assignments ?? []).map((a) => [a.institution, a.inspectors]));
    const inspectors: Inspector[] = r.inspectors.map((i) => ({ id: i.id, name: i.name, linkedInstitutions: i.linked_institutions ?? [] }));
    const draw = doubleRandomDraw({ seed: r.seed, institutions, inspectors, lastInspectedBy, share: r.share, teamSize: r.team_size });
    return this.store(actor, 'inspection', { ...r, institutions: institutions.length, last_inspected_by: lastInspectedBy }, draw as unknown as Record<string, unknown>, {});
  }

  async get(actor: Actor, id: number): Promise<StoredDraw> {
    requirePermission(actor, 'screening.read');
    const r = (await this.ctx.database.rows<StoredDraw>(sql`select id, kind, params, draw, extrapolation, actor,
      to_char(created_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') as created_at from sample_draws where id = ${id}`))[0];
    if (!r) throw new FundGuardError('E_NOT_FOUND', `no draw ${id}`);
    return r;
  }

  async list(actor: Actor): Promise<Omit<StoredDraw, 'draw'>[]> {
    requirePermission(actor, 'screening.read');
    return this.ctx.database.rows(sql`select id, kind, params, extrapolation, actor, to_char(created_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') as created_at
      from sample_draws order by id desc limit 200`);
  }

  private async store(actor: Actor, kind: StoredDraw['kind'], params: unknown, draw: Record<string, unknown>, strataOf: Record<string, string>): Promise<StoredDraw> {
    const at = this.ctx.nowIso();
    const id = await this.ctx.database.transaction(async (tx) => {
      const row = (await this.ctx.database.rows<{ id: number }>(sql`insert into sample_draws (kind, params, draw, strata_of, actor, created_at)
        values (${kind}, ${JSON.stringify(params)}::jsonb, ${JSON.stringify(draw)}::jsonb, ${JSON.stringify(strataOf)}::jsonb, ${actor.id}, ${at}::timestamptz) returning id`, tx))[0];
      await this.ctx.auditLog.append(tx, [{ actor: actor.id, action: `sample.${kind}`, entityType: 'sample_draw', entityId: String(row.id), at, detail: { seed: (params as { seed: string }).seed } }]);
      return row.id;
    });
    return this.get(actor, id);
  }
}
