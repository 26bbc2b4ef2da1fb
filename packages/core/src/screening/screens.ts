/**
 * The six cross-encounter screens of screening.md, pure. They work on encounter summaries (one small record per
 * encounter, with the line-level facts each screen needs already reduced: totals, the item-code set, bed days
 * without care), so that a store can compute the summaries set-based and feed them institution by institution:
 * READMISSION, CO_ADMISSION, SIMILAR_COST and GHOST_BED partition by institution; ADMISSION_FREQUENCY (by patient,
 * across institutions) and PEER_OUTLIER (across peers) accumulate and finish after the last institution.
 */
import { dayFromNumber, dayNumber } from '../model/dates.ts';
import type { PatientEncounter } from '../model/encounter.ts';
import { institutionLevel } from '../model/institution.ts';
import { fenToYuan, type Fen } from '../model/money.ts';
import { stableId } from '../engine/evaluate.ts';
import { normaliseDiagnosis } from '../engine/patterns.ts';

export const SCREEN_CATEGORIES = ['READMISSION', 'ADMISSION_FREQUENCY', 'CO_ADMISSION', 'SIMILAR_COST', 'GHOST_BED', 'PEER_OUTLIER', 'OVERLAPPING_CARE', 'AFTER_DEATH', 'DRUG_HOARDING'] as const;
export type ScreenCategory = (typeof SCREEN_CATEGORIES)[number];

/** One encounter as the screens see it. Days are day numbers (calendar dates: screening.md compares dates). */
export interface ScreenEncounter {
  mdtrt_id: string;
  patn_id: string;
  medins_id: string;
  /** institution level 0–3 (audit-api.md §2) */
  level: number;
  dept: string;
  dr_codg: string;
  inpatient: boolean;
  adm: number;
  dscg: number | null;
  /** main discharge diagnosis (ICD-10) */
  main_dx: string;
  total_fen: Fen;
  drug_fen: Fen;
  household: string;
  address: string;
  /** distinct item codes, sorted (inpatient encounters; empty otherwise) */
  codes: readonly string[];
  /** days with a bed fee */
  bed_days: number;
  /** days with a bed fee and no drug, treatment, exam or nursing line */
  ghost_days: number;
  /** the bed fees billed on those days */
  ghost_fen: Fen;
  /** drug items (101 西药中成药) and the units billed: (code, units) — for PEER_OUTLIER's rate of an item */
  items: readonly (readonly [string, number])[];
}

export interface ScreenParams {
  readmission: { days: number; dx_chars: number };
  admission_frequency: { per_year: number; per_90_days: number };
  co_admission: { min_patients: number; adm_days: number; dscg_days: number; min_episodes: number; require_link: boolean };
  similar_cost: { jaccard: number; total_pct: number; min_patients: number; scope: 'inpatient' | 'all' };
  ghost_bed: { min_days: number; bed_code_prefixes: string[] };
  /**
   * min_item_units / min_items guard the rate of an item against chance: with dozens of items per subject, one of
   * them lands above the peers' 95th percentile by chance alone, so an item counts only when billed often enough,
   * and the signal only when several items agree.
   */
  peer_outlier: { factor: number; percentile: number; min_cases: number; subjects: ('doctor' | 'institution')[]; min_item_units: number; min_items: number };
  /** OVERLAPPING_CARE takes no parameters (screening.md) */
  overlapping_care: Record<string, never>;
  /** the list holding dates of death (catalogue.md lists) */
  after_death: { list: string };
  drug_hoarding: { institutions: number; window_days: number; supply_window_days: number; supply_base: number; supply_margin: number };
}

/** screening.md's defaults. */
export const DEFAULT_SCREEN_PARAMS: ScreenParams = {
  readmission: { days: 15, dx_chars: 3 },
  admission_frequency: { per_year: 4, per_90_days: 3 },
  co_admission: { min_patients: 3, adm_days: 1, dscg_days: 1, min_episodes: 2, require_link: false },
  similar_cost: { jaccard: 0.9, total_pct: 0.02, min_patients: 3, scope: 'inpatient' },
  // 床位费: national service codes 1109…
  ghost_bed: { min_days: 3, bed_code_prefixes: ['1109'] },
  peer_outlier: { factor: 1.5, percentile: 0.95, min_cases: 30, subjects: ['doctor', 'institution'], min_item_units: 30, min_items: 3 },
  overlapping_care: {},
  after_death: { list: 'deceased' },
  drug_hoarding: { institutions: 3, window_days: 30, supply_window_days: 90, supply_base: 90, supply_margin: 30 },
};

/** Region parameters over the defaults; unknown keys and wrong types are errors naming the path. */
export function parseScreenParams(raw: unknown): ScreenParams {
  const out = structuredCloneParams(DEFAULT_SCREEN_PARAMS);
  if (raw === undefined || raw === null) return out;
  const problems: string[] = [];
  if (typeof raw !== 'object' || Array.isArray(raw)) throw new Error('screen parameters: an object by screen');
  for (const [screen, values] of Object.entries(raw as Record<string, unknown>)) {
    const target = (out as unknown as Record<string, Record<string, unknown>>)[screen];
    if (!target) { problems.push(`${screen}: unknown screen (${Object.keys(DEFAULT_SCREEN_PARAMS).join(', ')})`); continue; }
    if (typeof values !== 'object' || values === null || Array.isArray(values)) { problems.push(`${screen}: an object`); continue; }
    for (const [k, v] of Object.entries(values as Record<string, unknown>)) {
      if (!(k in target)) { problems.push(`${screen}.${k}: unknown parameter`); continue; }
      const d = target[k];
      if (typeof d === 'number' && (typeof v !== 'number' || !Number.isFinite(v) || v < 0)) problems.push(`${screen}.${k}: a number ≥ 0`);
      else if (typeof d === 'boolean' && typeof v !== 'boolean') problems.push(`${screen}.${k}: true or false`);
      else if (k === 'scope' && !['inpatient', 'all'].includes(v as string)) problems.push(`${screen}.${k}: inpatient or all`);
      else if (k === 'list' && (typeof v !== 'string' || !/^[a-z][a-z0-9_]{1,31}$/.test(v))) problems.push(`${screen}.${k}: a list's name`);
      else if (k === 'subjects' && (!Array.isArray(v) || v.some((x) => x !== 'doctor' && x !== 'institution'))) problems.push(`${screen}.${k}: a list of doctor, institution`);
      else if (Array.isArray(d) && (!Array.isArray(v) || !v.length || v.some((x) => typeof x !== 'string' || !x))) problems.push(`${screen}.${k}: a list of codes`);
      else target[k] = v;
    }
  }
  if (out.similar_cost.jaccard > 1) problems.push('similar_cost.jaccard: at most 1');
  if (out.peer_outlier.percentile > 1) problems.push('peer_outlier.percentile: at most 1');
  if (problems.length) throw Object.assign(new Error(`screen parameters: ${problems.join('; ')}`), { problems });
  return out;
}

function structuredCloneParams(p: ScreenParams): ScreenParams {
  return JSON.parse(JSON.stringify(p)) as ScreenParams;
}

export interface LeadFactor {
  factor: string;
  points: number;
  detail: string;
}

export interface LeadEvidence {
  mdtrt_id: string;
  patn_id: string;
  medins_id: string;
  adm_date: string;
  dscg_date: string | null;
  amount_fen: Fen;
  note: string;
  /** PEER_OUTLIER: the figures the subject was compared on */
  figures?: PeerFigures;
}

/** 疑点线索 (screening.md): subject, score 0–100 with the factors that made it, evidence rows, amount at risk. */
export interface Lead {
  lead_id: string;
  category: ScreenCategory;
  subject_type: 'patient' | 'doctor' | 'institution' | 'group';
  subject_ids: string[];
  /** the institution the lead concerns ('' for patients seen at several) */
  medins_id: string;
  score: number;
  factors: LeadFactor[];
  evidence: LeadEvidence[];
  amount_at_risk_fen: Fen;
  summary: string;
}

const clamp = (x: number, lo: number, hi: number) => Math.max(lo, Math.min(hi, x));
const evidence = (e: ScreenEncounter, note: string, amount = e.total_fen): LeadEvidence => ({
  mdtrt_id: e.mdtrt_id, patn_id: e.patn_id, medins_id: e.medins_id, adm_date: dayFromNumber(e.adm), dscg_date: e.dscg === null ? null : dayFromNumber(e.dscg), amount_fen: amount, note,
});
function lead(category: ScreenCategory, subjectType: Lead['subject_type'], subjectIds: string[], medinsId: string, factors: LeadFactor[], ev: LeadEvidence[], amount: Fen, summary: string): Lead {
  const score = Math.round(clamp(factors.reduce((s, f) => s + f.points, 0), 0, 100));
  return {
    lead_id: stableId('L', `${category}|${subjectIds.join(',')}|${ev.map((e) => e.mdtrt_id).sort().join(',')}`), category, subject_type: subjectType,
    subject_ids: subjectIds, medins_id: medinsId, score, factors, evidence: ev, amount_at_risk_fen: amount, summary,
  };
}

/** Lines of these national classes are drugs (101 西药中成药, 102 中药饮片; catalogue.md). */
export const isDrugType = (hilistType: string) => hilistType.startsWith('1');
/** Care on a bed day: a drug or a service line other than the bed fee (consumables alone are not care). */
const isCare = (hilistType: string, code: string, bed: readonly string[]) => isDrugType(hilistType) || (hilistType.startsWith('2') && !bed.some((b) => code.startsWith(b)));

/** The summary of one stored encounter, as the store's set-based query computes it (the same definitions). */
export function summariseEncounter(pe: PatientEncounter, p: ScreenParams = DEFAULT_SCREEN_PARAMS): ScreenEncounter {
  const e = pe.encounter;
  const bed = p.ghost_bed.bed_code_prefixes;
  const inpatient = e.med_mdtrt_type === '2';
  let total = 0;
  let drug = 0;
  const codes = new Set<string>();
  const items = new Map<string, number>();
  const days = new Map<string, { bed: number; care: boolean }>();
  for (const l of e.fsi_order_dtos) {
    total += l.sumamt;
    if (isDrugType(l.hilist_type)) {
      drug += l.sumamt;
      // 中药饮片 (102, catalogue.md) are billed by weight per formula: their units say nothing comparable about a doctor
      if (l.hilist_type !== '102') items.set(l.hilist_code, (items.get(l.hilist_code) ?? 0) + l.cnt);
    }
    if (!inpatient) continue;
    codes.add(l.hilist_code);
    const day = (l.drord_begn_date ?? e.adm_date).slice(0, 10);
    let d = days.get(day);
    if (!d) days.set(day, d = { bed: 0, care: false });
    if (bed.some((b) => l.hilist_code.startsWith(b))) d.bed += l.sumamt;
    else if (isCare(l.hilist_type, l.hilist_code, bed)) d.care = true;
  }
  let bedDays = 0;
  let ghostDays = 0;
  let ghostFen = 0;
  for (const d of days.values()) {
    if (d.bed <= 0) continue;
    bedDays++;
    if (!d.care) { ghostDays++; ghostFen += d.bed; }
  }
  return {
    mdtrt_id: e.mdtrt_id, patn_id: e.patn_id, medins_id: e.medins_id, level: institutionLevel(e.medins_lv), dept: e.dscg_dept_codg || e.adm_dept_codg,
    dr_codg: e.dr_codg, inpatient, adm: dayNumber(e.adm_date.slice(0, 10)), dscg: e.dscg_date ? dayNumber(e.dscg_date.slice(0, 10)) : null,
    main_dx: e.dscg_main_dise_codg || (e.fsi_diagnose_dtos.find((d) => d.maindise_flag)?.dise_codg ?? ''), total_fen: total, drug_fen: drug,
    household: e.ext_household_id ?? '', address: e.ext_address ?? '', codes: [...codes].sort(), bed_days: bedDays, ghost_days: ghostDays, ghost_fen: ghostFen,
    items: [...items].sort((a, b) => (a[0] < b[0] ? -1 : 1)),
  };
}

// ---- per institution ---------------------------------------------------------------------------------------

/** The screens that partition by institution, over all the institution's encounters of the period. */
export function screenInstitution(encounters: readonly ScreenEncounter[], p: ScreenParams = DEFAULT_SCREEN_PARAMS): Lead[] {
  const inpatient = encounters.filter((e) => e.inpatient && e.dscg !== null).sort((a, b) => a.adm - b.adm || (a.mdtrt_id < b.mdtrt_id ? -1 : 1));
  return [
    ...readmissions(inpatient, p.readmission),
    ...coAdmissions(inpatient, p.co_admission),
    ...similarCosts(p.similar_cost.scope === 'inpatient' ? inpatient : [...encounters].sort((a, b) => a.adm - b.adm), p.similar_cost),
    ...ghostBeds(inpatient, p.ghost_bed),
  ];
}

/** 分解住院: the same patient re-admitted with the same main diagnosis (first n chars, normalised) within `days` of discharge. */
export function readmissions(inpatient: readonly ScreenEncounter[], p: ScreenParams['readmission']): Lead[] {
  const byPatient = new Map<string, ScreenEncounter[]>();
  for (const e of inpatient) {
    const list = byPatient.get(e.patn_id);
    if (list) list.push(e);
    else byPatient.set(e.patn_id, [e]);
  }
  const out: Lead[] = [];
  for (const stays of byPatient.values()) {
    if (stays.length < 2) continue;
    for (let i = 1; i < stays.length; i++) {
      const b = stays[i];
      // rule-pack.md §5: case-insensitive, dots ignored ("k80.2" and "K802" are one group)
      const dx = normaliseDiagnosis(b.main_dx).slice(0, p.dx_chars);
      if (!dx) continue;
      // the latest earlier stay with the same diagnosis group
      for (let j = i - 1; j >= 0; j--) {
        const a = stays[j];
        if (normaliseDiagnosis(a.main_dx).slice(0, p.dx_chars) !== dx || a.dscg === null) continue;
        const gap = b.adm - a.dscg;
        if (gap >= 0 && gap <= p.days) {
          const factors: LeadFactor[] = [
            { factor: 'readmission', points: 50, detail: `出院后 ${gap} 天以相同主诊断 ${dx} 再次入院（阈值 ${p.days} 天）` },
            { factor: 'gap', points: Math.round(30 * (1 - gap / Math.max(1, p.days))), detail: `间隔越短越可疑：${gap} 天` },
          ];
          if (a.dept && a.dept === b.dept) factors.push({ factor: 'same_department', points: 20, detail: `同一科室 ${a.dept}` });
          out.push(lead('READMISSION', 'patient', [b.patn_id], b.medins_id, factors, [evidence(a, '前次住院'), evidence(b, `出院 ${gap} 天后再入院`)], b.total_fen,
            `参保人 ${b.patn_id} 在 ${b.medins_id} 出院 ${gap} 天后以同一诊断 ${dx} 再次住院，疑似分解住院`));
        }
        break;
      }
    }
  }
  return out;
}

class UnionFind {
  private readonly parent: number[];
  constructor(n: number) { this.parent = Array.from({ length: n }, (_, i) => i); }
  find(x: number): number {
    while (this.parent[x] !== x) { this.parent[x] = this.parent[this.parent[x]]; x = this.parent[x]; }
    return x;
  }
  union(a: number, b: number): void { this.parent[this.find(a)] = this.find(b); }
}

/**
 * 同进同出 (screening.md): a group of ≥ `min_patients` patients admitted to one institution within `adm_days` of
 * each other AND discharged within `dscg_days` of each other, in ≥ `min_episodes` distinct episodes — "within" for
 * the whole group in every episode counted (its admission dates span ≤ adm_days, and so do its discharge dates),
 * never by chaining pairs (A–B and B–C alone do not make A–B–C a group). Optionally linked by ext_household_id or
 * ext_address. Repeated pairs only narrow the search: every pair of a true group is one.
 */
export function coAdmissions(inpatient: readonly ScreenEncounter[], p: ScreenParams['co_admission']): Lead[] {
  const linkedPair = (x: ScreenEncounter, y: ScreenEncounter) => (!!x.household && x.household === y.household) || (!!x.address && x.address === y.address);
  const pairs = new Map<string, { a: string; b: string; episodes: [ScreenEncounter, ScreenEncounter][] }>();
  for (let i = 0; i < inpatient.length; i++) {
    const x = inpatient[i];
    for (let j = i + 1; j < inpatient.length && inpatient[j].adm - x.adm <= p.adm_days; j++) {
      const y = inpatient[j];
      if (y.patn_id === x.patn_id || Math.abs((y.dscg ?? 0) - (x.dscg ?? 0)) > p.dscg_days) continue;
      if (p.require_link && !linkedPair(x, y)) continue;
      const [a, b] = x.patn_id < y.patn_id ? [x, y] : [y, x];
      const key = `${a.patn_id}\u0000${b.patn_id}`;
      const pair = pairs.get(key);
      if (pair) pair.episodes.push([a, b]);
      else pairs.set(key, { a: a.patn_id, b: b.patn_id, episodes: [[a, b]] });
    }
  }
  const repeated = [...pairs.values()].filter((pr) => new Set(pr.episodes.map(([a]) => a.mdtrt_id)).size >= p.min_episodes && new Set(pr.episodes.map(([, b]) => b.mdtrt_id)).size >= p.min_episodes);
  if (!repeated.length) return [];
  const ids = new Map<string, number>();
  const idOf = (pid: string) => { let n = ids.get(pid); if (n === undefined) { n = ids.size; ids.set(pid, n); } return n; };
  for (const pr of repeated) { idOf(pr.a); idOf(pr.b); }
  const uf = new UnionFind(ids.size);
  for (const pr of repeated) uf.union(idOf(pr.a), idOf(pr.b));
  const components = new Map<number, Set<string>>();
  for (const pid of ids.keys()) {
    const root = uf.find(idOf(pid));
    const c = components.get(root);
    if (c) c.add(pid);
    else components.set(root, new Set([pid]));
  }
  const out: Lead[] = [];
  for (const members of components.values()) {
    if (members.size < p.min_patients) continue;
    const encs = inpatient.filter((e) => members.has(e.patn_id)).sort((a, b) => a.adm - b.adm || (a.mdtrt_id < b.mdtrt_id ? -1 : 1));
    for (const g of coAdmissionGroups(encs, p)) {
      const evidenceEncs = g.episodes.flat().sort((a, b) => a.adm - b.adm || (a.mdtrt_id < b.mdtrt_id ? -1 : 1));
      const linked = g.episodes.some((ep) => ep.some((x, i) => ep.some((y, j) => j > i && linkedPair(x, y))));
      const episodes = g.episodes.length;
      const factors: LeadFactor[] = [
        { factor: 'co_admission', points: 50, detail: `${g.patients.length} 名参保人 ${episodes} 次同期入院、同期出院（每次全组入院日期相差 ≤ ${p.adm_days} 天、出院日期相差 ≤ ${p.dscg_days} 天）` },
        { factor: 'group_size', points: Math.min(20, 10 * (g.patients.length - p.min_patients)), detail: `人数 ${g.patients.length}` },
        { factor: 'repeats', points: Math.min(20, 10 * (episodes - p.min_episodes)), detail: `重复 ${episodes} 次` },
      ];
      if (linked) factors.push({ factor: 'linked', points: 20, detail: '同一家庭或同一住址' });
      out.push(lead('CO_ADMISSION', 'group', g.patients, evidenceEncs[0].medins_id, factors, evidenceEncs.map((e) => evidence(e, '同进同出')), evidenceEncs.reduce((s, e) => s + e.total_fen, 0),
        `${evidenceEncs[0].medins_id} 的 ${g.patients.length} 名参保人 ${episodes} 次同进同出${linked ? '（同户或同址）' : ''}`));
    }
  }
  return out;
}

/**
 * The groups within one component's encounters (sorted by admission): episodes are the maximal sets of encounters
 * (one per patient) whose admission dates span ≤ adm_days and discharge dates ≤ dscg_days; a group is a set of
 * ≥ min_patients patients all present in ≥ min_episodes episodes that share no encounter; only maximal groups.
 */
function coAdmissionGroups(encs: readonly ScreenEncounter[], p: ScreenParams['co_admission']): { patients: string[]; episodes: ScreenEncounter[][] }[] {
  const found = new Map<string, ScreenEncounter[]>();
  for (let i = 0; i < encs.length; i++) {
    const window: ScreenEncounter[] = [];
    for (let k = i; k < encs.length && encs[k].adm - encs[i].adm <= p.adm_days; k++) window.push(encs[k]);
    for (const d of new Set(window.map((e) => e.dscg ?? 0))) {
      const seen = new Set<string>();
      const episode = window.filter((e) => (e.dscg ?? 0) >= d && (e.dscg ?? 0) - d <= p.dscg_days && !seen.has(e.patn_id) && !!seen.add(e.patn_id));
      if (episode.length >= p.min_patients) found.set(episode.map((e) => e.mdtrt_id).join(','), episode);
    }
  }
  const all = [...found.values()];
  const idsOf = all.map((ep) => new Set(ep.map((e) => e.mdtrt_id)));
  const episodes = all.filter((_, i) => !all.some((__, j) => j !== i && idsOf[j].size > idsOf[i].size && [...idsOf[i]].every((id) => idsOf[j].has(id))));
  const patientsOf = episodes.map((ep) => new Set(ep.map((e) => e.patn_id)));
  const candidates = new Map<string, string[]>();
  const addCandidate = (ps: string[]) => { if (ps.length >= p.min_patients) candidates.set(ps.join('\u0000'), ps); };
  if (p.min_episodes <= 1) for (const ps of patientsOf) addCandidate([...ps].sort());
  for (let i = 0; i < episodes.length; i++) {
    for (let j = i + 1; j < episodes.length; j++) addCandidate([...patientsOf[i]].filter((x) => patientsOf[j].has(x)).sort());
  }
  const qualifying: { patients: string[]; episodes: ScreenEncounter[][] }[] = [];
  for (const patients of candidates.values()) {
    // the group's own encounters in each episode that holds all of it, then the episodes that share no encounter
    const held = episodes.filter((_, i) => patients.every((x) => patientsOf[i].has(x))).map((ep) => ep.filter((e) => patients.includes(e.patn_id)))
      .sort((a, b) => Math.min(...a.map((e) => e.adm)) - Math.min(...b.map((e) => e.adm)));
    const used = new Set<string>();
    const distinct: ScreenEncounter[][] = [];
    for (const ep of held) {
      if (ep.some((e) => used.has(e.mdtrt_id))) continue;
      for (const e of ep) used.add(e.mdtrt_id);
      distinct.push(ep);
    }
    if (distinct.length >= p.min_episodes) qualifying.push({ patients, episodes: distinct });
  }
  return qualifying.filter((g) => !qualifying.some((o) => o.patients.length > g.patients.length && g.patients.every((x) => o.patients.includes(x))));
}

function jaccard(a: readonly string[], b: readonly string[]): number {
  let i = 0;
  let j = 0;
  let both = 0;
  while (i < a.length && j < b.length) {
    if (a[i] === b[j]) { both++; i++; j++; } else if (a[i] < b[j]) i++; else j++;
  }
  const union = a.length + b.length - both;
  return union ? both / union : 0;
}

/**
 * 费用雷同: encounters of one institution whose item-code sets have Jaccard ≥ `jaccard` and whose totals differ by
 * at most `total_pct` of the larger, joined into groups; a group with ≥ `min_patients` different patients is a lead.
 */
export function similarCosts(encounters: readonly ScreenEncounter[], p: ScreenParams['similar_cost']): Lead[] {
  const list = encounters.filter((e) => e.codes.length > 0 && e.total_fen > 0).sort((a, b) => a.total_fen - b.total_fen || (a.mdtrt_id < b.mdtrt_id ? -1 : 1));
  const uf = new UnionFind(list.length);
  const sims = new Map<number, number[]>();
  let edges = 0;
  for (let i = 0; i < list.length; i++) {
    const x = list[i];
    for (let j = i + 1; j < list.length && list[j].total_fen - x.total_fen <= p.total_pct * list[j].total_fen; j++) {
      const y = list[j];
      if (y.patn_id === x.patn_id) continue;
      // sizes bound the Jaccard index: skip pairs that cannot reach it
      const [small, large] = x.codes.length < y.codes.length ? [x.codes.length, y.codes.length] : [y.codes.length, x.codes.length];
      if (small / large < p.jaccard) continue;
      const s = jaccard(x.codes, y.codes);
      if (s >= p.jaccard) {
        uf.union(i, j);
        edges++;
        (sims.get(i) ?? sims.set(i, []).get(i)!).push(s);
      }
    }
  }
  if (!edges) return [];
  const groups = new Map<number, number[]>();
  for (let i = 0; i < list.length; i++) {
    const r = uf.find(i);
    const g = groups.get(r);
    if (g) g.push(i); else groups.set(r, [i]);
  }
  const out: Lead[] = [];
  for (const members of groups.values()) {
    if (members.length < p.min_patients) continue;
    const encs = members.map((i) => list[i]);
    const patients = [...new Set(encs.map((e) => e.patn_id))].sort();
    if (patients.length < p.min_patients) continue;
    const s = members.flatMap((i) => sims.get(i) ?? []);
    const meanJ = s.reduce((a, b) => a + b, 0) / Math.max(1, s.length);
    const totals = encs.map((e) => e.total_fen);
    const spread = (Math.max(...totals) - Math.min(...totals)) / Math.max(1, Math.max(...totals));
    const factors: LeadFactor[] = [
      { factor: 'similar_cost', points: 50, detail: `${patients.length} 名不同参保人的费用明细高度雷同（项目重合度 ${(meanJ * 100).toFixed(1)}%，总额差异 ${(spread * 100).toFixed(2)}%）` },
      { factor: 'patients', points: Math.min(30, 10 * (patients.length - p.min_patients)), detail: `涉及 ${patients.length} 人` },
      { factor: 'identity', points: Math.round(20 * clamp((meanJ - p.jaccard) / Math.max(1e-9, 1 - p.jaccard), 0, 1)), detail: meanJ === 1 ? '项目完全相同' : '项目重合度高' },
    ];
    encs.sort((a, b) => a.adm - b.adm || (a.mdtrt_id < b.mdtrt_id ? -1 : 1));
    out.push(lead('SIMILAR_COST', 'group', patients, encs[0].medins_id, factors, encs.map((e) => evidence(e, '费用雷同')), totals.reduce((a, b) => a + b, 0),
      `${encs[0].medins_id} 的 ${encs.length} 次就诊（${patients.length} 人）费用构成雷同`));
  }
  return out;
}

/** 挂床: stays with ≥ `min_days` days of bed fee and no drug, treatment, exam or nursing line. */
export function ghostBeds(inpatient: readonly ScreenEncounter[], p: ScreenParams['ghost_bed']): Lead[] {
  const out: Lead[] = [];
  for (const e of inpatient) {
    if (e.ghost_days < p.min_days) continue;
    const share = e.bed_days ? e.ghost_days / e.bed_days : 0;
    const factors: LeadFactor[] = [
      { factor: 'ghost_days', points: 40, detail: `${e.ghost_days} 天只有床位费，无药品、治疗、检查或护理（阈值 ${p.min_days} 天）` },
      { factor: 'more_days', points: Math.min(40, 10 * (e.ghost_days - p.min_days)), detail: `超出阈值 ${e.ghost_days - p.min_days} 天` },
      { factor: 'share', points: Math.round(20 * share), detail: `占住院床日 ${(share * 100).toFixed(0)}%` },
    ];
    out.push(lead('GHOST_BED', 'patient', [e.patn_id], e.medins_id, factors, [evidence(e, `${e.ghost_days} 个床日无诊疗`, e.ghost_fen)], e.ghost_fen,
      `${e.medins_id} 就诊 ${e.mdtrt_id} 有 ${e.ghost_days} 个床日只收床位费，疑似挂床住院`));
  }
  return out;
}

// ---- across institutions -----------------------------------------------------------------------------------

/** 频繁住院, fed one inpatient admission at a time: ≥ per_year in 365 days, or ≥ per_90_days in 90 days. */
export class AdmissionFrequencyScreen {
  private readonly byPatient = new Map<string, ScreenEncounter[]>();
  constructor(private readonly p: ScreenParams['admission_frequency']) {}

  add(e: ScreenEncounter): void {
    if (!e.inpatient) return;
    const list = this.byPatient.get(e.patn_id);
    if (list) list.push(e); else this.byPatient.set(e.patn_id, [e]);
  }

  /** What this screen holds, to be merged elsewhere (distributed runs: one part per institution). */
  state(): ScreenEncounter[] {
    return [...this.byPatient.values()].flat();
  }

  merge(state: readonly ScreenEncounter[]): void {
    for (const e of state) this.add(e);
  }

  finish(): Lead[] {
    const out: Lead[] = [];
    for (const [patn, list] of this.byPatient) {
      if (list.length < Math.min(this.p.per_90_days, this.p.per_year)) continue;
      list.sort((a, b) => a.adm - b.adm || (a.mdtrt_id < b.mdtrt_id ? -1 : 1));
      const best = (days: number) => {
        let bestFrom = 0;
        let bestN = 0;
        for (let i = 0, j = 0; i < list.length; i++) {
          while (list[i].adm - list[j].adm >= days) j++;
          if (i - j + 1 > bestN) { bestN = i - j + 1; bestFrom = j; }
        }
        return { n: bestN, from: bestFrom };
      };
      const year = best(365);
      const q = best(90);
      const hitYear = year.n >= this.p.per_year;
      const hitQ = q.n >= this.p.per_90_days;
      if (!hitYear && !hitQ) continue;
      const w = hitYear ? year : q;
      const encs = list.slice(w.from, w.from + w.n);
      const institutions = new Set(encs.map((e) => e.medins_id));
      const factors: LeadFactor[] = [
        { factor: 'admissions', points: 40, detail: hitYear ? `12 个月内住院 ${year.n} 次（阈值 ${this.p.per_year}）` : `90 天内住院 ${q.n} 次（阈值 ${this.p.per_90_days}）` },
        { factor: 'excess', points: Math.min(30, 10 * (hitYear ? year.n - this.p.per_year : q.n - this.p.per_90_days)), detail: '超出阈值的次数' },
      ];
      if (hitYear && hitQ) factors.push({ factor: 'both', points: 10, detail: `同时 90 天内 ${q.n} 次` });
      if (institutions.size > 1) factors.push({ factor: 'institutions', points: Math.min(20, 10 * (institutions.size - 1)), detail: `在 ${institutions.size} 家机构住院` });
      out.push(lead('ADMISSION_FREQUENCY', 'patient', [patn], institutions.size === 1 ? encs[0].medins_id : '', factors, encs.map((e) => evidence(e, '住院')),
        encs.reduce((s, e) => s + e.total_fen, 0), `参保人 ${patn} ${hitYear ? `12 个月内住院 ${year.n} 次` : `90 天内住院 ${q.n} 次`}`));
    }
    return out;
  }
}

/** PeerOutlierScreen's tallies in a JSON-safe form. */
export interface PeerState {
  doctors: { id: string; level: number; dept: string; depts: [string, number][]; medins_id: string; cases: number; total: number; drug: number; units: [string, number][]; top?: CostlyEncounter[] }[];
  institutions: PeerState['doctors'];
}

/** One of a subject's costliest encounters, kept for the lead's evidence. */
export interface CostlyEncounter { mdtrt_id: string; patn_id: string; medins_id: string; adm: number; dscg: number | null; total: Fen }
/** how many of a subject's costliest encounters a PEER_OUTLIER lead cites */
const PEER_EVIDENCE_ENCOUNTERS = 5;
const costlier = (a: CostlyEncounter, b: CostlyEncounter) => b.total - a.total || (a.mdtrt_id < b.mdtrt_id ? -1 : 1);

interface PeerTally { id: string; level: number; dept: string; depts: Map<string, number>; medins_id: string; cases: number; total: number; drug: number; units: Map<string, number>; top: CostlyEncounter[] }

/** The figures a subject was compared on (evidence of a PEER_OUTLIER lead); amounts in fen. */
export interface PeerFigures {
  reference: string;
  peers: number;
  subject_cases: number;
  cost_per_case_fen: number;
  peers_cost_per_case_p95_fen: number;
  peers_cost_per_case_median_fen: number;
  drug_share_pct: number;
  peers_drug_share_p95_pct: number;
}

function percentile(sorted: readonly number[], p: number): number {
  if (!sorted.length) return 0;
  const rank = p * (sorted.length - 1);
  const lo = Math.floor(rank);
  const hi = Math.ceil(rank);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (rank - lo);
}

/**
 * 同行异常, fed every encounter: doctors (and institutions) whose cost per case or drug share is ≥ factor × the
 * percentile of their peers (same institution level and department; institutions: same level), with ≥ min_cases.
 * The subject is compared with its peers excluding itself.
 */
export class PeerOutlierScreen {
  private readonly doctors = new Map<string, PeerTally>();
  private readonly institutions = new Map<string, PeerTally>();
  constructor(private readonly p: ScreenParams['peer_outlier']) {}

  add(e: ScreenEncounter): void {
    if (e.dr_codg) this.tally(this.doctors, `${e.medins_id}/${e.dr_codg}`, e, e.dept);
    this.tally(this.institutions, e.medins_id, e, '');
  }

  /** The tallies, serialisable, to be merged elsewhere (distributed runs: one part per institution). */
  state(): PeerState {
    const ser = (m: Map<string, PeerTally>) => [...m.values()].map((t) => ({ ...t, depts: [...t.depts], units: [...t.units], top: [...t.top] }));
    return { doctors: ser(this.doctors), institutions: ser(this.institutions) };
  }

  merge(state: PeerState): void {
    const into = (m: Map<string, PeerTally>, list: PeerState['doctors']) => {
      for (const x of list) {
        let t = m.get(x.id);
        if (!t) m.set(x.id, t = { id: x.id, level: x.level, dept: '', depts: new Map(), medins_id: x.medins_id, cases: 0, total: 0, drug: 0, units: new Map(), top: [] });
        t.top = [...t.top, ...(x.top ?? [])].sort(costlier).slice(0, PEER_EVIDENCE_ENCOUNTERS);
        t.cases += x.cases;
        t.total += x.total;
        t.drug += x.drug;
        for (const [d, n] of x.depts) t.depts.set(d, (t.depts.get(d) ?? 0) + n);
        for (const [c, n] of x.units) t.units.set(c, (t.units.get(c) ?? 0) + n);
      }
    };
    into(this.doctors, state.doctors);
    into(this.institutions, state.institutions);
  }

  private tally(map: Map<string, PeerTally>, id: string, e: ScreenEncounter, dept: string) {
    let t = map.get(id);
    if (!t) map.set(id, t = { id, level: e.level, dept: '', depts: new Map(), medins_id: e.medins_id, cases: 0, total: 0, drug: 0, units: new Map(), top: [] });
    const mine: CostlyEncounter = { mdtrt_id: e.mdtrt_id, patn_id: e.patn_id, medins_id: e.medins_id, adm: e.adm, dscg: e.dscg, total: e.total_fen };
    if (t.top.length < PEER_EVIDENCE_ENCOUNTERS || costlier(mine, t.top[t.top.length - 1]) < 0) t.top = [...t.top, mine].sort(costlier).slice(0, PEER_EVIDENCE_ENCOUNTERS);
    t.depts.set(dept, (t.depts.get(dept) ?? 0) + 1);
    t.cases++;
    t.total += e.total_fen;
    t.drug += e.drug_fen;
    for (const [code, n] of e.items) t.units.set(code, (t.units.get(code) ?? 0) + n);
  }

  finish(): Lead[] {
    const out: Lead[] = [];
    if (this.p.subjects.includes('doctor')) out.push(...this.outliers(this.doctors, 'doctor'));
    if (this.p.subjects.includes('institution')) out.push(...this.outliers(this.institutions, 'institution'));
    return out;
  }

  /** The subject against a reference set of peers: cost per case, drug share, rate of an item. */
  private judge(t: PeerTally, reference: readonly PeerTally[], cleaned: boolean, belowOwn = false): { factors: LeadFactor[]; excessFen: number; figures: PeerFigures } {
    const p = this.p;
    const pct = `同级同科室${cleaned ? '（不含其他异常者）' : ''}第 ${Math.round(p.percentile * 100)} 百分位`;
    const metrics = [
      { name: 'cost_per_case', label: '次均费用', value: (x: PeerTally) => x.total / x.cases, fmt: (v: number) => `${(v / 100).toFixed(2)} 元` },
      { name: 'drug_share', label: '药占比', value: (x: PeerTally) => (x.total ? x.drug / x.total : 0), fmt: (v: number) => `${(v * 100).toFixed(1)}%` },
    ];
    const factors: LeadFactor[] = [];
    let excessFen = 0;
    for (const m of metrics) {
      const own = m.value(t);
      const others = reference.map((o) => m.value(o)).filter((v) => !belowOwn || v < own).sort((a, b) => a - b);
      const ref = percentile(others, p.percentile);
      if (ref > 0 && own >= p.factor * ref) {
        factors.push({ factor: m.name, points: factors.length ? 20 : 50, detail: `${m.label} ${m.fmt(own)}，为${pct} ${m.fmt(ref)} 的 ${(own / ref).toFixed(2)} 倍（阈值 ${p.factor} 倍）` });
        factors.push({ factor: `${m.name}_ratio`, points: Math.round(Math.min(30, 30 * (own / ref / p.factor - 1))), detail: '超出越多越可疑' });
        if (m.name === 'cost_per_case') excessFen = Math.round((own - percentile(others, 0.5)) * t.cases);
      }
    }
    // Rate of an item: units of a drug billed per case, against the same rate of the peers (0 where unused).
    const itemHits: { code: string; own: number; ref: number }[] = [];
    for (const [code, units] of t.units) {
      if (units < p.min_item_units) continue;
      const own = units / t.cases;
      const ref = percentile(reference.map((o) => (o.units.get(code) ?? 0) / o.cases).filter((v) => !belowOwn || v < own).sort((a, b) => a - b), p.percentile);
      if (ref > 0 && own >= p.factor * ref) itemHits.push({ code, own, ref });
    }
    if (itemHits.length >= p.min_items) {
      itemHits.sort((a, b) => b.own / b.ref - a.own / a.ref || (a.code < b.code ? -1 : 1));
      const top = itemHits.slice(0, 3).map((h) => `${h.code} 每例 ${h.own.toFixed(2)}（${pct} ${h.ref.toFixed(2)}，${(h.own / h.ref).toFixed(2)} 倍）`).join('；');
      factors.push({ factor: 'item_rate', points: factors.length ? 20 : 50, detail: `${itemHits.length} 种药品的每例用量 ≥ 同行 ${p.factor} 倍：${top}` });
      factors.push({ factor: 'item_rate_count', points: Math.min(30, 5 * (itemHits.length - 1)), detail: `异常药品 ${itemHits.length} 种` });
    }
    const costs = reference.map((o) => o.total / o.cases).sort((a, b) => a - b);
    const shares = reference.map((o) => (o.total ? o.drug / o.total : 0)).sort((a, b) => a - b);
    const figures: PeerFigures = {
      reference: pct, peers: reference.length, subject_cases: t.cases,
      cost_per_case_fen: Math.round(t.total / t.cases), peers_cost_per_case_p95_fen: Math.round(percentile(costs, p.percentile)), peers_cost_per_case_median_fen: Math.round(percentile(costs, 0.5)),
      drug_share_pct: Math.round((t.total ? t.drug / t.total : 0) * 1000) / 10, peers_drug_share_p95_pct: Math.round(percentile(shares, p.percentile) * 1000) / 10,
    };
    return { factors, excessFen, figures };
  }

  private outliers(map: Map<string, PeerTally>, kind: 'doctor' | 'institution'): Lead[] {
    const groups = new Map<string, PeerTally[]>();
    for (const t of map.values()) {
      if (t.cases < this.p.min_cases) continue;
      // A doctor's peers are those of the department of most of their cases (ties: the smaller code), whatever the order seen.
      t.dept = [...t.depts].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))[0][0];
      const key = `${t.level}|${t.dept}`;
      (groups.get(key) ?? groups.set(key, []).get(key)!).push(t);
    }
    const out: Lead[] = [];
    for (const peers of groups.values()) {
      // at least a handful of peers, or a percentile means nothing
      if (peers.length < 5) continue;
      // Two passes: outliers among the peers would raise the reference and hide each other (two in one group mask
      // each other at the 95th percentile). The first pass finds candidates against the peers below them; the
      // second compares each subject with the peers that are not candidates — as long as at least 5 remain.
      const flagged = new Set(peers.filter((t) => this.judge(t, peers.filter((o) => o !== t), false, true).factors.length));
      for (const t of peers) {
        // Flagged only against every other peer (screening.md); the reference without the other candidates may
        // add score to a subject flagged so, never flag one by itself.
        const { factors, excessFen, figures } = this.judge(t, peers.filter((o) => o !== t), false);
        if (!factors.length) continue;
        const clean = peers.filter((o) => o !== t && !flagged.has(o));
        if (clean.length >= 5 && clean.length < peers.length - 1) {
          const reduced = this.judge(t, clean, true).factors.filter((f) => !f.factor.endsWith('_ratio') && f.factor !== 'item_rate_count');
          if (reduced.length) factors.push({ factor: 'reduced_reference', points: 10, detail: `不含其他异常者亦显著偏高：${reduced.map((f) => f.detail).join('；')}` });
        }
        const subject = kind === 'doctor' ? t.id.slice(t.medins_id.length + 1) : t.id;
        const ev: LeadEvidence[] = t.top.map((c, i) => ({
          mdtrt_id: c.mdtrt_id, patn_id: c.patn_id, medins_id: c.medins_id, adm_date: dayFromNumber(c.adm), dscg_date: c.dscg === null ? null : dayFromNumber(c.dscg), amount_fen: c.total,
          note: `费用最高的就诊第 ${i + 1} 位（共 ${t.cases} 例）`, figures,
        }));
        out.push(lead('PEER_OUTLIER', kind, [subject], t.medins_id, factors, ev, Math.max(0, excessFen),
          `${kind === 'doctor' ? `医师 ${subject}（${t.medins_id}）` : `机构 ${subject}`}${factors.filter((f) => !f.factor.endsWith('_ratio') && f.factor !== 'item_rate_count').map((f) => f.detail.split('，')[0]).join('、')} 显著高于同行（${t.cases} 例）`));
      }
    }
    return out;
  }
}

/** All six screens over a set of summaries already grouped by institution (tests, small runs). */
export function runScreens(byInstitution: Iterable<readonly ScreenEncounter[]>, p: ScreenParams = DEFAULT_SCREEN_PARAMS, onInstitution?: (done: number) => void): Lead[] {
  const freq = new AdmissionFrequencyScreen(p.admission_frequency);
  const peers = new PeerOutlierScreen(p.peer_outlier);
  const out: Lead[] = [];
  let done = 0;
  for (const encs of byInstitution) {
    out.push(...screenInstitution(encs, p));
    for (const e of encs) { freq.add(e); peers.add(e); }
    onInstitution?.(++done);
  }
  out.push(...freq.finish(), ...peers.finish());
  return out;
}

/** A labelled injected pattern (the generator's labels file) as the evaluation needs it. */
export interface ScreenLabel {
  category: string;
  patn_ids: readonly string[];
  mdtrt_ids: readonly string[];
  subject?: string;
}

export interface ScreenQuality { leads: number; labels: number; true_leads: number; found_labels: number; precision: number; recall: number }

/**
 * Precision and recall of leads against labels, per category: a lead is true when it shares an encounter (or, for
 * patient and group labels without encounters, a patient; for PEER_OUTLIER, the doctor) with a label of its category.
 */
export function screenQuality(leads: readonly Lead[], labels: readonly ScreenLabel[]): Record<ScreenCategory, ScreenQuality> {
  const out = {} as Record<ScreenCategory, ScreenQuality>;
  for (const c of SCREEN_CATEGORIES) {
    const ls = leads.filter((l) => l.category === c);
    const lb = labels.filter((l) => l.category === c);
    const matches = (lead: Lead, label: ScreenLabel) => c === 'PEER_OUTLIER'
      ? lead.subject_type === 'doctor' && lead.subject_ids.includes(label.subject ?? '')
      : lead.evidence.some((e) => label.mdtrt_ids.includes(e.mdtrt_id)) || (c === 'ADMISSION_FREQUENCY' && lead.subject_ids.some((s) => label.patn_ids.includes(s)));
    // institution-level PEER_OUTLIER leads have no doctor label: judged with doctors only
    const judged = c === 'PEER_OUTLIER' ? ls.filter((l) => l.subject_type === 'doctor') : ls;
    const trueLeads = judged.filter((l) => lb.some((x) => matches(l, x))).length;
    const found = lb.filter((x) => judged.some((l) => matches(l, x))).length;
    out[c] = {
      leads: judged.length, labels: lb.length, true_leads: trueLeads, found_labels: found,
      precision: judged.length ? Math.round((trueLeads / judged.length) * 1000) / 1000 : 1, recall: lb.length ? Math.round((found / lb.length) * 1000) / 1000 : 1,
    };
  }
  return out;
}

/** A lead as the API, the CLI and exports show it (screening.md): amounts in yuan, like every amount at the edges. */
export type LeadAtEdge = Omit<Lead, 'amount_at_risk_fen' | 'evidence'> & {
  amount_at_risk: number;
  evidence: (Omit<LeadEvidence, 'amount_fen' | 'figures'> & { amount: number; figures?: Record<string, number | string> })[];
};

/** Fen → yuan for a lead: `amount_at_risk_fen` → `amount_at_risk`, evidence `amount_fen` → `amount`, figures' `…_fen` → `…` in yuan. */
export function leadAtEdge<L extends Lead>(l: L): Omit<L, 'amount_at_risk_fen' | 'evidence'> & LeadAtEdge {
  const { amount_at_risk_fen, evidence: ev, ...rest } = l;
  return {
    ...rest,
    amount_at_risk: fenToYuan(amount_at_risk_fen),
    evidence: ev.map(({ amount_fen, figures, ...e }) => ({
      ...e, amount: fenToYuan(amount_fen),
      ...(figures ? { figures: Object.fromEntries(Object.entries(figures).map(([k, v]) => (k.endsWith('_fen') ? [k.slice(0, -4), fenToYuan(v as number)] : [k, v]))) } : {}),
    })),
  };
}
