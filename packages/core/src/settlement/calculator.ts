import { FundGuardError, type FieldIssue } from '../errors.ts';
import type { CatalogueEntry } from '../ingest/catalogue.ts';
import { normaliseCatalogueRow } from '../ingest/catalogue.ts';
import { normaliseImportEncounter } from '../ingest/encounter.ts';
import { FieldReader } from '../ingest/reader.ts';
import type { Encounter } from '../model/encounter.ts';
import { institutionLevel } from '../model/institution.ts';
import { fenToYuan, type Fen } from '../model/money.ts';

/** Policy parameters (settlement.md), amounts in fen, ratios as integers of 1/10000. */
export interface Policy {
  region: string;
  year: number;
  insutype: string;
  scenario: string;
  version: string;
  cap_group: string;
  /** in force from this date (default 1 January of `year`) … */
  effective_from: string;
  /** … until the day before this one (default 1 January of the next year) */
  effective_to: string;
  deductible: { by_level: Record<string, Fen>; nth_admission_factor: number[] };
  ratio: { by_level: Record<string, number>; retiree_add: number; max: number };
  annual_cap: Fen;
  catastrophic: { threshold: Fen; bands: { upto: Fen | null; ratio: number }[]; annual_cap: Fen | null } | null;
}

export interface Accumulators {
  admissions: number;
  deductible_met: Fen;
  fund_paid: Fen;
  catastrophic_base: Fen;
  catastrophic_paid: Fen;
}

export interface SettlementInput {
  policy: Policy;
  encounter: Encounter;
  retiree: boolean;
  /** entries for the lines' codes; undefined: classes and caps come from the lines themselves */
  catalogue?: ReadonlyMap<string, CatalogueEntry>;
  accumulators: Accumulators;
}

export interface TraceStep {
  step: number;
  name: string;
  /** yuan */
  value: number;
  detail: string;
}

export interface SettlementResult {
  /** every amount in fen */
  fen: Record<'medfee_sumamt' | 'fulamt_ownpay_amt' | 'overlmt_selfpay' | 'preselfpay_amt' | 'inscp_scp_amt' | 'act_pay_dedc' | 'hifp_pay' | 'pool_prop_selfpay' | 'hifmi_pay' | 'fund_pay_sumamt' | 'psn_part_amt', Fen>;
  /** what the fund would have paid beyond the annual cap (超封顶线), borne by the person or 大病保险 */
  over_cap: Fen;
  /** this encounter's addition to the catastrophic base */
  catastrophic_increase: Fen;
  /** per line: why each part was not paid by the fund */
  lines: { rx_id: string; hilist_code: string; hilist_name: string; sumamt: Fen; fulamt_ownpay: Fen; overlmt_selfpay: Fen; preselfpay: Fen; reason: string }[];
  accumulators_after: Accumulators;
  level: number;
  ratio: number;
  parameters: { region: string; year: number; insutype: string; scenario: string; version: string };
  trace: TraceStep[];
}

/** `round_half_up(fen × ratio)` with the ratio as an integer of 1/10000 (settlement.md "Arithmetic"). */
export function applyRatio(fen: Fen, ratio10k: number): Fen {
  return Math.floor((fen * ratio10k + 5000) / 10000);
}

const r10k = (x: number) => Math.round(x * 10000);

/** Parses and checks a policy (amounts in yuan, ratios 0–1 with at most 4 decimals); every error at once. */
export function parsePolicy(raw: unknown, path = 'policy'): Policy {
  const issues: FieldIssue[] = [];
  if (!FieldReader.isRecord(raw)) throw new FundGuardError('E_INPUT_INVALID', `${path}: must be an object`, [{ field: path, reason: 'must be an object' }]);
  const r = new FieldReader(raw, path, issues);
  const ratio = (v: unknown, field: string): number => {
    if (typeof v !== 'number' || !Number.isFinite(v) || v < 0 || v > 1) {
      issues.push({ field, value: v, reason: 'a ratio between 0 and 1' });
      return 0;
    }
    if (Math.abs(v * 10000 - Math.round(v * 10000)) > 1e-6) issues.push({ field, value: v, reason: 'at most 4 decimals' });
    return r10k(v);
  };
  const yuanMap = (o: unknown, field: string): Record<string, Fen> => {
    const out: Record<string, Fen> = {};
    if (!FieldReader.isRecord(o)) {
      issues.push({ field, reason: 'an object by level ("1", "2", "3")' });
      return out;
    }
    for (const [k, v] of Object.entries(o)) {
      const x = new FieldReader(o, field, issues).fen(k, true, { min: 0 });
      if (!['0', '1', '2', '3'].includes(k)) issues.push({ field: `${field}.${k}`, reason: 'levels are 1, 2, 3 (0 = unrated)' });
      out[k] = x;
      void v;
    }
    if (!('1' in out)) issues.push({ field: `${field}.1`, reason: 'level 1 is required (levels without parameters use it)' });
    return out;
  };
  const ded = FieldReader.isRecord(raw.deductible) ? raw.deductible : {};
  const rat = FieldReader.isRecord(raw.ratio) ? raw.ratio : {};
  const factors = Array.isArray(ded.nth_admission_factor) ? ded.nth_admission_factor : [1];
  const cat = raw.catastrophic;
  let catastrophic: Policy['catastrophic'] = null;
  if (cat !== undefined && cat !== null) {
    if (!FieldReader.isRecord(cat)) issues.push({ field: `${path}.catastrophic`, reason: 'an object or null' });
    else {
      const cr = new FieldReader(cat, `${path}.catastrophic`, issues);
      const bands = Array.isArray(cat.bands) ? cat.bands : [];
      if (!bands.length) issues.push({ field: `${path}.catastrophic.bands`, reason: 'at least one band' });
      let prev = -1;
      catastrophic = {
        threshold: cr.fen('threshold', true, { min: 0 }),
        annual_cap: cr.fen('annual_cap', false, { min: 0 }),
        bands: bands.map((b: unknown, i: number) => {
          const br = new FieldReader(FieldReader.isRecord(b) ? b : {}, `${path}.catastrophic.bands[${i}]`, issues);
          const upto = br.fen('upto', false, { min: 0 });
          if (upto !== null && upto <= prev) issues.push({ field: `${path}.catastrophic.bands[${i}].upto`, reason: 'bands must increase' });
          if (upto === null && i !== bands.length - 1) issues.push({ field: `${path}.catastrophic.bands[${i}].upto`, reason: 'only the last band is open (null)' });
          prev = upto ?? prev;
          return { upto, ratio: ratio(FieldReader.isRecord(b) ? b.ratio : undefined, `${path}.catastrophic.bands[${i}].ratio`) };
        }),
      };
    }
  }
  const year = r.num('year', true, { integer: true, min: 1900 });
  const effectiveFrom = r.day('effective_from') ?? `${year}-01-01`;
  const effectiveTo = r.day('effective_to') ?? `${year + 1}-01-01`;
  if (effectiveTo <= effectiveFrom) issues.push({ field: `${path}.effective_to`, value: effectiveTo, reason: 'must be after effective_from' });
  const policy: Policy = {
    region: r.str('region', true), year, insutype: r.str('insutype', true), scenario: r.str('scenario', true),
    version: r.str('version', true), cap_group: r.str('cap_group') || r.str('scenario'), effective_from: effectiveFrom, effective_to: effectiveTo,
    deductible: { by_level: yuanMap(ded.by_level, `${path}.deductible.by_level`), nth_admission_factor: factors.map((f: unknown, i: number) => ratio(f, `${path}.deductible.nth_admission_factor[${i}]`)) },
    ratio: {
      by_level: Object.fromEntries(Object.entries(FieldReader.isRecord(rat.by_level) ? rat.by_level : {}).map(([k, v]) => [k, ratio(v, `${path}.ratio.by_level.${k}`)])),
      retiree_add: rat.retiree_add === undefined ? 0 : ratio(rat.retiree_add, `${path}.ratio.retiree_add`),
      max: rat.max === undefined ? 10000 : ratio(rat.max, `${path}.ratio.max`),
    },
    annual_cap: r.fen('annual_cap', true, { min: 0 }),
    catastrophic,
  };
  if (!('1' in policy.ratio.by_level)) issues.push({ field: `${path}.ratio.by_level.1`, reason: 'level 1 is required' });
  if (issues.length) throw new FundGuardError('E_INPUT_INVALID', issues.slice(0, 3).map((i) => `${i.field}: ${i.reason}`).join('; '), issues);
  return policy;
}

/** Parses the stateless request body {policy, encounter, person, catalogue?, accumulators}. */
export function parseSettlementRequest(body: unknown): SettlementInput {
  if (!FieldReader.isRecord(body)) throw new FundGuardError('E_INPUT_INVALID', 'the body must be an object with policy, encounter, person, accumulators');
  const policy = parsePolicy(body.policy);
  const enc = normaliseImportEncounter(body.encounter, { requirePatient: false });
  if (!enc.value) throw new FundGuardError('E_INPUT_INVALID', `encounter: ${enc.errors.slice(0, 3).map((i) => `${i.field}: ${i.reason}`).join('; ')}`, enc.errors.map((i) => ({ ...i, field: `encounter.${i.field}` })));
  const issues: FieldIssue[] = [];
  let catalogue: Map<string, CatalogueEntry> | undefined;
  if (body.catalogue !== undefined && body.catalogue !== null) {
    if (!Array.isArray(body.catalogue)) issues.push({ field: 'catalogue', reason: 'a list of catalogue rows' });
    else {
      catalogue = new Map();
      body.catalogue.forEach((row: unknown, i: number) => {
        const n = normaliseCatalogueRow(FieldReader.isRecord(row) ? row : {});
        issues.push(...n.errors.map((e) => ({ ...e, field: `catalogue[${i}].${e.field}` })));
        if (n.value) catalogue!.set(n.value.hilist_code, n.value);
      });
    }
  }
  const acc = FieldReader.isRecord(body.accumulators) ? body.accumulators : {};
  const ar = new FieldReader(acc, 'accumulators', issues);
  const accumulators: Accumulators = {
    admissions: ar.num('admissions', false, { min: 0, integer: true }) ?? 0,
    deductible_met: ar.fen('deductible_met', false, { min: 0 }) ?? 0,
    fund_paid: ar.fen('fund_paid', false, { min: 0 }) ?? 0,
    catastrophic_base: ar.fen('catastrophic_base', false, { min: 0 }) ?? 0,
    catastrophic_paid: ar.fen('catastrophic_paid', false, { min: 0 }) ?? 0,
  };
  const person = FieldReader.isRecord(body.person) ? body.person : {};
  if (person.retiree !== undefined && typeof person.retiree !== 'boolean') issues.push({ field: 'person.retiree', value: person.retiree, reason: 'true or false' });
  if (issues.length) throw new FundGuardError('E_INPUT_INVALID', issues.slice(0, 3).map((i) => `${i.field}: ${i.reason}`).join('; '), issues);
  return { policy, encounter: enc.value.encounter, retiree: person.retiree === true, catalogue, accumulators };
}

/** The settlement of one encounter, step by step as settlement.md names them; pure and in integer fen. */
export function settle(input: SettlementInput): SettlementResult {
  const { policy: p, encounter: e, accumulators: acc } = input;
  const trace: TraceStep[] = [];
  const t = (step: number, name: string, fen: Fen, detail: string) => trace.push({ step, name, value: fenToYuan(fen), detail });
  const levelRaw = institutionLevel(e.medins_lv);
  const level = String(levelRaw) in p.deductible.by_level && String(levelRaw) in p.ratio.by_level ? levelRaw : 1;
  const inpatient = e.med_mdtrt_type === '2';

  const medfee = e.fsi_order_dtos.reduce((s, l) => s + l.sumamt, 0);
  t(1, 'medfee_sumamt', medfee, `${e.fsi_order_dtos.length} 条明细金额合计`);
  let fulamt = 0;
  let overlmt = 0;
  let preself = 0;
  const lines: SettlementResult['lines'] = [];
  for (const l of e.fsi_order_dtos) {
    const entry = input.catalogue ? input.catalogue.get(l.hilist_code) ?? null : null;
    const lv = input.catalogue ? entry?.hilist_lv ?? null : l.hilist_lv;
    const row = { rx_id: l.rx_id, hilist_code: l.hilist_code, hilist_name: l.hilist_name || entry?.hilist_name || '', sumamt: l.sumamt, fulamt_ownpay: 0, overlmt_selfpay: 0, preselfpay: 0, reason: '' };
    if ((input.catalogue && !entry) || lv === '03' || (l.sumamt > 0 && l.ownpay_amt >= l.sumamt)) {
      row.fulamt_ownpay = l.sumamt;
      row.reason = input.catalogue && !entry ? '目录外项目，全部自费' : lv === '03' ? '丙类项目，全部自费' : '已按自费结算';
      fulamt += l.sumamt;
    } else {
      const cap = entry?.price_cap ?? null;
      const over = cap !== null && l.pric > cap ? Math.min(l.sumamt, Math.floor((l.pric - cap) * l.cnt + 0.5)) : 0;
      const payable = l.sumamt - over;
      const prop = lv === '02' ? r10k(entry?.selfpay_prop ?? 0) : 0;
      const pre = prop ? applyRatio(payable, prop) : 0;
      row.overlmt_selfpay = over;
      row.preselfpay = pre;
      row.reason = [over ? `超最高限价部分 ${fenToYuan(over).toFixed(2)} 元自付` : '', pre ? `乙类先行自付 ${prop / 100}%` : ''].filter(Boolean).join('；') || '符合政策范围';
      overlmt += over;
      preself += pre;
    }
    lines.push(row);
  }
  t(2, 'fulamt_ownpay_amt', fulamt, '丙类、目录外或已自费的明细');
  t(2, 'overlmt_selfpay', overlmt, '超最高限价部分');
  t(3, 'preselfpay_amt', preself, '乙类先行自付');
  const inscp = medfee - fulamt - overlmt - preself;
  t(4, 'inscp_scp_amt', inscp, '符合政策范围金额 = 总额 − 全自费 − 超限价 − 先行自付');

  const levelDed = p.deductible.by_level[String(level)] ?? p.deductible.by_level['1'];
  let deductible: Fen;
  let dedDetail: string;
  if (inpatient) {
    const f = p.deductible.nth_admission_factor;
    const factor = f[Math.min(acc.admissions, f.length - 1)];
    deductible = applyRatio(levelDed, factor);
    dedDetail = `住院第${acc.admissions + 1}次，${level}级机构起付线 ${fenToYuan(levelDed)} 元 × ${factor / 10000}`;
  } else {
    deductible = Math.max(0, levelDed - acc.deductible_met);
    dedDetail = `门诊起付线 ${fenToYuan(levelDed)} 元，年内已累计 ${fenToYuan(acc.deductible_met)} 元`;
  }
  const dedc = Math.min(deductible, inscp);
  t(5, 'act_pay_dedc', dedc, dedDetail);

  const ratio = Math.min(p.ratio.max, (p.ratio.by_level[String(level)] ?? p.ratio.by_level['1']) + (input.retiree ? p.ratio.retiree_add : 0));
  const capLeft = Math.max(0, p.annual_cap - acc.fund_paid);
  const uncapped = applyRatio(inscp - dedc, ratio);
  const hifp = Math.max(0, Math.min(uncapped, capLeft));
  t(6, 'hifp_pay', hifp, `(${fenToYuan(inscp)} − ${fenToYuan(dedc)}) × ${ratio / 100}%，封顶线剩余 ${fenToYuan(capLeft)} 元`);
  const poolSelf = inscp - dedc - hifp;
  t(6, 'pool_prop_selfpay', poolSelf, '统筹段个人自付');

  let hifmi = 0;
  const increase = dedc + poolSelf;
  if (p.catastrophic) {
    const before = acc.catastrophic_base;
    const after = before + increase;
    let lower = p.catastrophic.threshold;
    for (const b of p.catastrophic.bands) {
      const upper = b.upto ?? Infinity;
      const part = Math.max(0, Math.min(after, upper) - Math.max(before, lower));
      if (part > 0) hifmi += applyRatio(part, b.ratio);
      lower = upper;
    }
    if (p.catastrophic.annual_cap !== null) hifmi = Math.min(hifmi, Math.max(0, p.catastrophic.annual_cap - acc.catastrophic_paid));
  }
  t(7, 'hifmi_pay', hifmi, p.catastrophic ? `大病保险：累计 ${fenToYuan(acc.catastrophic_base)} → ${fenToYuan(acc.catastrophic_base + increase)} 元，起付 ${fenToYuan(p.catastrophic.threshold)} 元` : '本参数无大病保险');
  const fund = hifp + hifmi;
  t(8, 'fund_pay_sumamt', fund, '统筹 + 大病保险');
  const psn = medfee - fund;
  t(8, 'psn_part_amt', psn, '个人负担');
  const after: Accumulators = {
    admissions: acc.admissions + (inpatient ? 1 : 0),
    deductible_met: acc.deductible_met + (inpatient ? 0 : dedc),
    fund_paid: acc.fund_paid + hifp,
    catastrophic_base: acc.catastrophic_base + increase,
    catastrophic_paid: acc.catastrophic_paid + hifmi,
  };
  return {
    fen: { medfee_sumamt: medfee, fulamt_ownpay_amt: fulamt, overlmt_selfpay: overlmt, preselfpay_amt: preself, inscp_scp_amt: inscp, act_pay_dedc: dedc, hifp_pay: hifp, pool_prop_selfpay: poolSelf, hifmi_pay: hifmi, fund_pay_sumamt: fund, psn_part_amt: psn },
    over_cap: Math.max(0, uncapped - hifp), catastrophic_increase: increase,
    lines, accumulators_after: after, level, ratio, parameters: { region: p.region, year: p.year, insutype: p.insutype, scenario: p.scenario, version: p.version }, trace,
  };
}

/** Reversing (冲销) subtracts exactly what a settlement added to the accumulators. */
export function reverse(current: Accumulators, settled: { before: Accumulators; after: Accumulators }): Accumulators {
  const d = (k: keyof Accumulators) => current[k] - (settled.after[k] - settled.before[k]);
  return { admissions: d('admissions'), deductible_met: d('deductible_met'), fund_paid: d('fund_paid'), catastrophic_base: d('catastrophic_base'), catastrophic_paid: d('catastrophic_paid') };
}

/** The output JSON of settlement.md: every amount in yuan with 2 decimals, the accumulators, the trace. */
export function settlementOutput(r: SettlementResult): Record<string, unknown> {
  const yuan = Object.fromEntries(Object.entries(r.fen).map(([k, v]) => [k, fenToYuan(v)]));
  const acc = r.accumulators_after;
  return {
    ...yuan,
    accumulators_after: { admissions: acc.admissions, deductible_met: fenToYuan(acc.deductible_met), fund_paid: fenToYuan(acc.fund_paid), catastrophic_base: fenToYuan(acc.catastrophic_base), catastrophic_paid: fenToYuan(acc.catastrophic_paid) },
    level: r.level, ratio: r.ratio / 10000, parameters: r.parameters, lines: r.lines.map((l) => ({ ...l, sumamt: fenToYuan(l.sumamt), fulamt_ownpay: fenToYuan(l.fulamt_ownpay), overlmt_selfpay: fenToYuan(l.overlmt_selfpay), preselfpay: fenToYuan(l.preselfpay) })),
    trace: r.trace,
  };
}
