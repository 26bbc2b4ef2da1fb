import type { EncCtx, LineCtx } from './context.ts';
import { compilePatterns, normaliseDiagnosis, type GroupResolver } from './patterns.ts';
import type { Condition } from './types.ts';

/** A compiled condition: evaluated on an encounter, with the line for line-level leaves (dept, doctor_title). */
export type CondFn = (enc: EncCtx, line: LineCtx | null) => boolean;

const compare = (a: number, op: string, b: number): boolean => {
  switch (op) {
    case '<':
      return a < b;
    case '<=':
      return a <= b;
    case '>':
      return a > b;
    case '>=':
      return a >= b;
    default:
      return a === b;
  }
};

/** Compiles a validated condition tree (rule-pack.md §5) into a closure. */
export function compileCondition(c: Condition, groups: GroupResolver): CondFn {
  if ('all' in c) {
    const parts = c.all.map((x) => compileCondition(x, groups));
    return (e, l) => parts.every((p) => p(e, l));
  }
  if ('any' in c) {
    const parts = c.any.map((x) => compileCondition(x, groups));
    return (e, l) => parts.some((p) => p(e, l));
  }
  if ('not' in c) {
    const inner = compileCondition(c.not, groups);
    return (e, l) => !inner(e, l);
  }
  if ('diagnosis' in c) {
    const m = compilePatterns(c.diagnosis, groups, normaliseDiagnosis);
    return (e) => e.diagnoses.some((d) => m.test(d));
  }
  if ('main_diagnosis' in c) {
    const m = compilePatterns(c.main_diagnosis, groups, normaliseDiagnosis);
    return (e) => e.mainDiagnoses.some((d) => m.test(d));
  }
  if ('operation' in c) {
    const m = compilePatterns(c.operation, groups, normaliseDiagnosis);
    return (e) => e.operations.some((d) => m.test(d));
  }
  if ('lab' in c) {
    const { code, op, value } = c.lab;
    return (e) => {
      const v = e.labs.get(code);
      return v !== undefined && compare(v, op, value);
    };
  }
  if ('flag' in c) {
    const f = c.flag;
    return (e) => e.flags.has(f);
  }
  if ('age' in c) {
    const { min, max } = c.age;
    return (e) => e.ageAtAdmission !== null && (min === undefined || min === null || e.ageAtAdmission >= min) && (max === undefined || max === null || e.ageAtAdmission <= max);
  }
  if ('gender' in c) {
    const g = c.gender;
    return (e) => e.patient.gend === g;
  }
  if ('item' in c) {
    const m = compilePatterns(c.item, groups);
    return (e) => e.codes.some((code) => m.test(code));
  }
  if ('institution_level' in c) {
    const min = c.institution_level.min;
    return (e) => e.level >= min;
  }
  if ('med_type' in c) {
    const s = new Set(c.med_type);
    return (e) => s.has(e.enc.med_type);
  }
  if ('insutype' in c) {
    const s = new Set(c.insutype);
    return (e) => s.has(e.enc.insutype);
  }
  if ('scenario' in c) {
    const s = new Set<string>(c.scenario);
    return (e) => e.scenario !== null && s.has(e.scenario);
  }
  if ('dept' in c) {
    const m = compilePatterns(c.dept, groups);
    return (_e, l) => l !== null && m.test(l.line.drord_dept_codg);
  }
  if ('doctor_title' in c) {
    const min = c.doctor_title.min;
    return (_e, l) => l !== null && l.line.drord_dr_profttl !== null && l.line.drord_dr_profttl >= min;
  }
  const s = new Set(c.maternity);
  return (e) => s.has(e.enc.matn_stas);
}

/** Three-valued result of a condition on an encounter that lacks evidence (audit-api.md §2): false, true, unknown. */
export const F = 0;
export const T = 1;
export const U = 2;
export type Tri = 0 | 1 | 2;
/**
 * A condition evaluated in Kleene logic: a lab leaf on an encounter that carried no `fsi_lab_dtos`, or a flag leaf on
 * one that carried no `ext_flags`, is unknown and names itself in `missing`; `all`/`any`/`not` combine so that a result
 * that holds whatever the missing evidence says stays definite (e.g. an excluded diagnosis).
 */
export type TriFn = (enc: EncCtx, line: LineCtx | null, missing: string[]) => Tri;

/** Whether a condition reads labs or flags (only such conditions can be unknown). */
export function needsEvidence(c: Condition): boolean {
  if ('all' in c) return c.all.some(needsEvidence);
  if ('any' in c) return c.any.some(needsEvidence);
  if ('not' in c) return needsEvidence(c.not);
  return 'lab' in c || 'flag' in c;
}

export function compileTri(c: Condition, groups: GroupResolver): TriFn {
  if ('all' in c || 'any' in c) {
    // all: false wins, any: true wins; otherwise unknown with the evidence its unknown parts lack (and only theirs)
    const isAll = 'all' in c;
    const parts = (isAll ? c.all : c.any).map((x) => compileTri(x, groups));
    const decisive: Tri = isAll ? F : T;
    return (e, l, m) => {
      let r: Tri = isAll ? T : F;
      let lacking: string[] | null = null;
      for (const p of parts) {
        const mine: string[] = [];
        const v = p(e, l, mine);
        if (v === decisive) return decisive;
        if (v === U) {
          r = U;
          lacking = lacking ? lacking.concat(mine) : mine;
        }
      }
      if (lacking) for (const n of lacking) if (!m.includes(n)) m.push(n);
      return r;
    };
  }
  if ('not' in c) {
    const inner = compileTri(c.not, groups);
    return (e, l, m) => {
      const v = inner(e, l, m);
      return v === U ? U : v === T ? F : T;
    };
  }
  if ('lab' in c) {
    const name = `检验结果 ${c.lab.code}`;
    const known = compileCondition(c, groups);
    return (e, l, m) => {
      if (!e.enc.no_lab_dtos) return known(e, l) ? T : F;
      if (!m.includes(name)) m.push(name);
      return U;
    };
  }
  if ('flag' in c) {
    const name = `临床标记 ${c.flag}`;
    const known = compileCondition(c, groups);
    return (e, l, m) => {
      if (!e.enc.no_ext_flags) return known(e, l) ? T : F;
      if (!m.includes(name)) m.push(name);
      return U;
    };
  }
  const known = compileCondition(c, groups);
  return (e, l) => (known(e, l) ? T : F);
}

/** The facts a condition looked at, in words, for evidence: e.g. "ALB=31（<30 不满足）；诊断 K74.6,R18.X00". */
export function describeFacts(c: Condition, e: EncCtx): string {
  const out: string[] = [];
  const walk = (x: Condition) => {
    if ('all' in x) x.all.forEach(walk);
    else if ('any' in x) x.any.forEach(walk);
    else if ('not' in x) walk(x.not);
    else if ('lab' in x) {
      const v = e.labs.get(x.lab.code);
      out.push(`${x.lab.code}=${e.enc.no_lab_dtos ? '未提供' : (v ?? '无结果')}（要求${x.lab.op}${x.lab.value}）`);
    } else if ('flag' in x) out.push(`${x.flag}:${e.enc.no_ext_flags ? '未提供' : e.flags.has(x.flag) ? '有' : '无'}`);
    else if ('diagnosis' in x || 'main_diagnosis' in x) out.push(`诊断 ${e.diagnoses.join(',') || '无'}`);
    else if ('operation' in x) out.push(`手术 ${e.operations.join(',') || '无'}`);
    else if ('age' in x) out.push(`年龄 ${e.ageAtAdmission ?? '未知'}`);
    else if ('gender' in x) out.push(`性别 ${e.patient.gend}`);
    else if ('institution_level' in x) out.push(`机构级别 ${e.level}`);
  };
  walk(c);
  return [...new Set(out)].join('；');
}
