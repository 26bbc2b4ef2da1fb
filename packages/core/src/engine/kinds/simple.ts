import { ageInYears } from '../../model/dates.ts';
import type { Flag, KindFn } from './kind.ts';
import { describeFacts, T, U } from '../conditions.ts';
import type { Condition } from '../types.ts';
import type { EncCtx } from '../context.ts';

/** gender: the patient's sex differs from `allow`; unknown (0/9) never fires. Each current line, full amount. */
export const gender: KindFn = ({ rule, items }) => {
  const allow = rule.params.allow as string;
  return items.filter((l) => l.current && (l.enc.patient.gend === '1' || l.enc.patient.gend === '2') && l.enc.patient.gend !== allow)
    .map((l) => ({ line: l, amount: l.full, limit: allow === '1' ? '男' : '女', actual: l.enc.patient.gend === '1' ? '男' : '女' }));
};

/** age: whole years on the line's date outside [min_years, max_years] (inclusive). */
export const age: KindFn = ({ rule, items }) => {
  const min = rule.params.min_years as number | undefined;
  const max = rule.params.max_years as number | undefined;
  const limit = min !== undefined && max !== undefined ? `${min}-${max}岁` : min !== undefined ? `≥${min}岁` : `≤${max}岁`;
  return items.flatMap((l) => {
    if (!l.current || !l.enc.patient.brdy) return [];
    const a = ageInYears(l.enc.patient.brdy, l.day);
    return (min !== undefined && a < min) || (max !== undefined && a > max) ? [{ line: l, amount: l.full, limit, actual: `${a}岁` }] : [];
  });
};

/** indication: `requires` is false for the line's encounter (line-level leaves on the line). */
export const indication: KindFn = ({ rule, items }) => {
  // The facts are the encounter's: describe them once per encounter, not per line.
  const facts = new Map<EncCtx, string>();
  const describe = (e: EncCtx) => {
    let d = facts.get(e);
    if (d === undefined) facts.set(e, (d = `不符合（${describeFacts(rule.rule.params!.requires as Condition, e)}）`));
    return d;
  };
  const out: Flag[] = [];
  for (const l of items) {
    if (!l.current) continue;
    if (rule.requiresTri && l.enc.missingEvidence) {
      // Missing evidence (audit-api.md §2): unknown asks (the line and amount as if it fired); false fires as usual.
      const missing: string[] = [];
      const v = rule.requiresTri(l.enc, l, missing);
      if (v === T) continue;
      out.push({ line: l, amount: l.full, limit: '限定支付范围', actual: describe(l.enc), ...(v === U ? { missing } : {}) });
    } else if (!rule.requires!(l.enc, l)) out.push({ line: l, amount: l.full, limit: '限定支付范围', actual: describe(l.enc) });
  }
  return out;
};

/** institution_level: the institution's level is below min_level. */
export const institutionLevel: KindFn = ({ rule, items }) => {
  const min = rule.params.min_level as number;
  return items.filter((l) => l.current && l.enc.level < min).map((l) => ({ line: l, amount: l.full, limit: `${min}级及以上`, actual: l.enc.level ? `${l.enc.level}级` : '未定级' }));
};

const SCENARIO_ZH: Record<string, string> = { outpatient: '门诊', inpatient: '住院', pharmacy: '购药' };

/** setting: the encounter's scenario is not in `allow`. */
export const setting: KindFn = ({ rule, items }) => {
  const allow = rule.params.allow as string[];
  return items.filter((l) => l.current && (l.enc.scenario === null || !allow.includes(l.enc.scenario)))
    .map((l) => ({ line: l, amount: l.full, limit: allow.map((s) => SCENARIO_ZH[s]).join('/'), actual: SCENARIO_ZH[l.enc.scenario ?? ''] ?? l.enc.enc.med_mdtrt_type }));
};
