import { FundGuardError, type FieldIssue } from '../errors.ts';
import { parseDay } from '../model/dates.ts';
import { CATEGORIES, KINDS, SCENARIOS, SEVERITIES, STAGES, type Kind, type RulePack } from './types.ts';

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const isStrArray = (v: unknown): v is string[] => Array.isArray(v) && v.every((x) => typeof x === 'string');
const CALENDAR_WINDOWS = ['line', 'day', 'visit', 'month', 'quarter', 'year', 'insurance_year'];
const LAB_OPS = ['<', '<=', '>', '>=', '='];

export interface ValidateOptions {
  /** group names known outside the pack (from the catalogue's group_codes) */
  externalGroups?: ReadonlySet<string>;
  /** whether a catalogue will be available when the pack runs (catalogue rules need one) */
  catalogueAvailable?: boolean;
  /**
   * A `@GROUP` defined neither in the pack nor in `externalGroups`: `error` (default), or `warn` when the catalogue
   * that may define it is not at hand (a pack checked on its own): the issue goes to `warnings` and the group is empty.
   */
  unknownGroups?: 'error' | 'warn';
  /** collects the warnings of `unknownGroups: 'warn'` */
  warnings?: FieldIssue[];
}

/** Per kind: which params exist and which windows are allowed. */
const KIND_SPEC: Record<Kind, { items: 'required' | 'optional'; windows?: readonly string[] }> = {
  gender: { items: 'required' },
  age: { items: 'required' },
  indication: { items: 'required' },
  institution_level: { items: 'required' },
  setting: { items: 'required' },
  quantity: { items: 'required', windows: ['line', 'day', 'visit', 'month', 'quarter', 'year', 'insurance_year', 'rolling'] },
  frequency: { items: 'required', windows: ['day', 'visit', 'month', 'quarter', 'year', 'insurance_year', 'rolling'] },
  prescription: { items: 'required' },
  exclusive: { items: 'required', windows: ['day', 'visit'] },
  bundled: { items: 'required', windows: ['day', 'visit'] },
  stacking: { items: 'required', windows: ['day', 'visit'] },
  prerequisite: { items: 'required', windows: ['day', 'visit', 'month', 'quarter', 'year', 'insurance_year', 'rolling'] },
  duplicate: { items: 'required', windows: ['day', 'visit'] },
  catalogue: { items: 'required' },
  blacklist: { items: 'optional' },
};

/**
 * Validates a pack against rule-pack.md and throws E_PACK_INVALID listing every problem (rule id and field path),
 * or returns the pack typed. Extra fields are allowed and ignored.
 */
export function validatePack(raw: unknown, opts: ValidateOptions = {}): RulePack {
  const issues: FieldIssue[] = [];
  const add = (field: string, reason: string, value?: unknown, rule?: string) =>
    issues.push({ ...(rule ? { record: `rule=${rule}` } : {}), field, reason, ...(value === undefined ? {} : { value }) });
  if (!isObj(raw)) throw new FundGuardError('E_PACK_INVALID', 'a pack must be a JSON object', [{ field: '(pack)', reason: 'must be an object' }]);
  const p = raw;
  if (typeof p.pack !== 'string' || !/^[a-z0-9-]+$/.test(p.pack)) add('pack', 'required, [a-z0-9-]+', p.pack);
  if (typeof p.version !== 'string' || !p.version.trim()) add('version', 'required, a non-empty string', p.version);
  if (typeof p.name !== 'string' || !p.name.trim()) add('name', 'required', p.name);
  if (typeof p.region !== 'string' || !(p.region === '*' || /^\d{6}$/.test(p.region))) add('region', 'required: a 6-digit 统筹区 code or "*"', p.region);
  checkRange(p, '', add);
  if (p.effective_from === undefined || p.effective_from === null) add('effective_from', 'required');
  const groups = new Set<string>();
  if (p.groups !== undefined) {
    if (!isObj(p.groups)) add('groups', 'must be an object of named code sets');
    else {
      for (const [name, g] of Object.entries(p.groups)) {
        if (!/^[A-Za-z0-9_\-.]+$/.test(name)) add(`groups.${name}`, 'group names use letters, digits, _ - .');
        if (!isObj(g) || !isStrArray(g.codes)) add(`groups.${name}.codes`, 'required: a list of codes');
        else {
          // A group holds codes and prefixes ending in `*` (rule-pack.md §1); `*` elsewhere, `@` (no nesting) or blanks are errors.
          g.codes.forEach((c, ci) => {
            if (!c.trim() || c.startsWith('@') || c === '*' || (c.includes('*') && c.indexOf('*') !== c.length - 1)) {
              add(`groups.${name}.codes[${ci}]`, `bad code ${JSON.stringify(c)}: a code or a prefix ending in * (groups do not nest; "*" alone is not a group member)`, c);
            }
          });
        }
        groups.add(name);
      }
    }
  }
  if (!Array.isArray(p.rules)) {
    add('rules', 'required: a list of rules');
  } else {
    const ids = new Map<string, number>();
    p.rules.forEach((r, i) => validateRule(r, i, { groups, ids, add, opts }));
  }
  if (issues.length) {
    const head = issues.slice(0, 3).map((i) => `${i.record ? `${i.record} ` : ''}${i.field}: ${i.reason}`).join('; ');
    throw new FundGuardError('E_PACK_INVALID', `${issues.length} error(s) in pack ${typeof p.pack === 'string' ? p.pack : '?'}: ${head}${issues.length > 3 ? '; …' : ''}`, issues);
  }
  return p as unknown as RulePack;
}

type Add = (field: string, reason: string, value?: unknown, rule?: string) => void;

function checkRange(o: Obj, prefix: string, add: Add, rule?: string): void {
  for (const f of ['effective_from', 'effective_to']) {
    const v = o[f];
    if (v === undefined || v === null) continue;
    if ('reason' in parseDay(v) || typeof v !== 'string' || !/^\d{4}-\d{2}-\d{2}$/.test(v)) add(`${prefix}${f}`, 'must be a date YYYY-MM-DD or null', v, rule);
  }
  if (typeof o.effective_from === 'string' && typeof o.effective_to === 'string' && o.effective_to <= o.effective_from) {
    add(`${prefix}effective_to`, 'must be after effective_from (the range is [from, to))', o.effective_to, rule);
  }
}

function validateRule(r: unknown, i: number, c: { groups: Set<string>; ids: Map<string, number>; add: Add; opts: ValidateOptions }): void {
  const at = `rules[${i}]`;
  if (!isObj(r)) {
    c.add(at, 'must be an object');
    return;
  }
  const id = typeof r.id === 'string' && r.id.trim() ? r.id : undefined;
  const add = (field: string, reason: string, value?: unknown) => c.add(`${at}.${field}`, reason, value, id ?? `#${i}`);
  if (!id) add('id', 'required');
  else if (c.ids.has(id)) add('id', `duplicate of rules[${c.ids.get(id)}]`, id);
  else c.ids.set(id, i);
  if (typeof r.name !== 'string' || !r.name.trim()) add('name', 'required');
  const kind = r.kind as Kind;
  if (!KINDS.includes(kind)) add('kind', `unknown kind (one of ${KINDS.join(', ')})`, r.kind);
  if (!CATEGORIES.includes(r.category as never)) add('category', 'unknown category (rule-pack.md §4)', r.category);
  if (!SEVERITIES.includes(r.severity as never)) add('severity', 'one of violation, suspicious, reminder', r.severity);
  for (const [f, allowed] of [['stages', STAGES], ['scenarios', SCENARIOS]] as const) {
    if (r[f] === undefined) continue;
    if (!isStrArray(r[f]) || (r[f] as string[]).some((s) => !(allowed as readonly string[]).includes(s))) add(f, `a list of ${allowed.join(', ')}`, r[f]);
  }
  if (r.insutypes !== undefined && !isStrArray(r.insutypes)) add('insutypes', 'a list of insutype codes', r.insutypes);
  if (r.message !== undefined && typeof r.message !== 'string') add('message', 'must be text');
  if (r.basis !== undefined && typeof r.basis !== 'string') add('basis', 'must be text');
  if (r.appealable !== undefined && typeof r.appealable !== 'boolean') add('appealable', 'must be true or false', r.appealable);
  checkRange(r, `${at}.`, c.add, id);
  const patterns = (field: string, v: unknown) => {
    if (!isStrArray(v) || v.length === 0) return add(field, 'a non-empty list of codes, prefixes ending in *, or @GROUP', v);
    for (const s of v) {
      if (s.startsWith('@')) {
        const g = s.slice(1);
        if (!c.groups.has(g) && !c.opts.externalGroups?.has(g)) {
          if (c.opts.unknownGroups === 'warn') {
            c.opts.warnings?.push({ record: `rule=${id ?? `#${i}`}`, field: `${at}.${field}`, reason: `group ${s} is not defined in the pack; it must come from the catalogue's group_codes (until then it matches nothing)`, value: s });
          } else add(field, `group ${s} is not defined in the pack's groups${c.opts.externalGroups ? ' nor in the catalogue' : ' (give a catalogue with group_codes, or define it in the pack)'}`, s);
        }
      } else if (!s.trim() || (s.includes('*') && !s.endsWith('*'))) add(field, `bad pattern ${JSON.stringify(s)}: a code, a prefix ending in *, or @GROUP`, s);
    }
  };
  if (KIND_SPEC[kind]) {
    if (r.items !== undefined || KIND_SPEC[kind].items === 'required') patterns('items', r.items);
  }
  for (const f of ['when', 'unless'] as const) if (r[f] !== undefined) validateCondition(r[f], f, add, patterns);
  if (!KINDS.includes(kind)) return;
  const params = r.params === undefined ? {} : r.params;
  if (!isObj(params)) return add('params', 'must be an object');
  const num = (f: string, o: { required?: boolean; integer?: boolean; min?: number } = {}) => {
    const v = params[f];
    if (v === undefined || v === null) {
      if (o.required) add(`params.${f}`, 'required');
      return;
    }
    if (typeof v !== 'number' || !Number.isFinite(v)) return add(`params.${f}`, 'must be a number', v);
    if (o.integer && !Number.isInteger(v)) add(`params.${f}`, 'must be a whole number', v);
    if (o.min !== undefined && v < o.min) add(`params.${f}`, `must be ≥ ${o.min}`, v);
  };
  const window = (required: boolean) => {
    const w = params.window;
    if (w === undefined) {
      if (required) add('params.window', 'required');
      return;
    }
    const allowed = KIND_SPEC[kind].windows ?? [];
    if (typeof w === 'string') {
      if (!CALENDAR_WINDOWS.includes(w) || !allowed.includes(w)) add('params.window', `for ${kind}: one of ${allowed.map((x) => (x === 'rolling' ? '{"rolling_days": N}' : x)).join(', ')}`, w);
    } else if (isObj(w) && 'rolling_days' in w) {
      if (!allowed.includes('rolling')) add('params.window', `${kind} does not take rolling_days`, w);
      else if (typeof w.rolling_days !== 'number' || !Number.isInteger(w.rolling_days) || w.rolling_days < 1) add('params.window.rolling_days', 'a whole number ≥ 1', w.rolling_days);
    } else add('params.window', 'a window name or {"rolling_days": N}', w);
  };
  switch (kind) {
    case 'gender':
      if (params.allow !== '1' && params.allow !== '2') add('params.allow', 'required: "1" (male) or "2" (female)', params.allow);
      break;
    case 'age':
      num('min_years', { min: 0 });
      num('max_years', { min: 0 });
      if (params.min_years === undefined && params.max_years === undefined) add('params', 'min_years or max_years is required');
      if (typeof params.min_years === 'number' && typeof params.max_years === 'number' && params.min_years > params.max_years) add('params.max_years', 'must be ≥ min_years', params.max_years);
      break;
    case 'indication':
      if (params.requires === undefined) add('params.requires', 'required: a condition');
      else validateCondition(params.requires, 'params.requires', add, patterns);
      break;
    case 'institution_level':
      if (![1, 2, 3].includes(params.min_level as number)) add('params.min_level', 'required: 1, 2 or 3', params.min_level);
      break;
    case 'setting':
      if (!isStrArray(params.allow) || !params.allow.length || params.allow.some((s) => !(SCENARIOS as readonly string[]).includes(s))) add('params.allow', `a list of ${SCENARIOS.join(', ')}`, params.allow);
      break;
    case 'quantity':
      num('max', { required: true, min: 0 });
      window(true);
      if (params.per_los_day !== undefined && typeof params.per_los_day !== 'boolean') add('params.per_los_day', 'must be true or false', params.per_los_day);
      if (params.per_los_day === true && params.window !== 'visit') add('params.per_los_day', 'only with window "visit" (rule-pack.md §8)', params.window);
      break;
    case 'frequency':
      num('max', { required: true, integer: true, min: 0 });
      window(true);
      break;
    case 'prescription':
      for (const f of ['max_days', 'max_drugs', 'max_herbs', 'max_doses']) num(f, { min: 0 });
      if (['max_days', 'max_drugs', 'max_herbs', 'max_doses'].every((f) => params[f] === undefined)) add('params', 'any of max_days, max_drugs, max_herbs, max_doses is required');
      break;
    case 'exclusive':
      patterns('params.with', params.with);
      window(true);
      break;
    case 'bundled':
      patterns('params.includes', params.includes);
      window(true);
      break;
    case 'stacking':
      num('max_distinct', { integer: true, min: 1 });
      window(true);
      break;
    case 'prerequisite':
      patterns('params.requires', params.requires);
      window(true);
      break;
    case 'duplicate':
      window(true);
      break;
    case 'catalogue': {
      const checks = params.checks;
      if (!isStrArray(checks) || !checks.length || checks.some((x) => !['unknown_code', 'class_c', 'over_price'].includes(x))) add('params.checks', 'any of unknown_code, class_c, over_price', checks);
      if (c.opts.catalogueAvailable === false) add('kind', 'a catalogue rule needs a catalogue (give --catalogue, or import one)');
      break;
    }
    case 'blacklist':
      for (const f of ['doctors', 'institutions', 'patients']) if (params[f] !== undefined && !isStrArray(params[f])) add(`params.${f}`, 'a list of codes', params[f]);
      if (params.use_lists !== undefined && typeof params.use_lists !== 'boolean') add('params.use_lists', 'must be true or false', params.use_lists);
      if (!params.doctors && !params.institutions && !params.patients && params.use_lists !== true) add('params', 'doctors, institutions, patients or use_lists is required');
      break;
  }
}

function validateCondition(c: unknown, path: string, add: (field: string, reason: string, value?: unknown) => void, patterns: (field: string, v: unknown) => void): void {
  if (!isObj(c)) return add(path, 'a condition must be an object', c);
  const keys = Object.keys(c);
  if (keys.length !== 1) return add(path, `a condition has exactly one key (got ${keys.join(', ') || 'none'})`, c);
  const [k] = keys;
  const v = c[k];
  const p = `${path}.${k}`;
  switch (k) {
    case 'all':
    case 'any':
      if (!Array.isArray(v) || !v.length) return add(p, 'a non-empty list of conditions', v);
      v.forEach((x, i) => validateCondition(x, `${p}[${i}]`, add, patterns));
      return;
    case 'not':
      return validateCondition(v, p, add, patterns);
    case 'diagnosis':
    case 'main_diagnosis':
    case 'operation':
    case 'item':
      return patterns(p, v);
    case 'dept':
    case 'med_type':
    case 'insutype':
    case 'maternity':
      if (!isStrArray(v) || !v.length) add(p, 'a non-empty list of codes', v);
      return;
    case 'scenario':
      if (!isStrArray(v) || !v.length || v.some((s) => !(SCENARIOS as readonly string[]).includes(s))) add(p, `a list of ${SCENARIOS.join(', ')}`, v);
      return;
    case 'lab':
      if (!isObj(v) || typeof v.code !== 'string' || !LAB_OPS.includes(v.op as string) || typeof v.value !== 'number') add(p, 'needs code, op (< <= > >= =) and a numeric value', v);
      return;
    case 'flag':
    case 'gender':
      if (typeof v !== 'string' || !v) add(p, 'must be text', v);
      return;
    case 'age':
      if (!isObj(v) || (v.min !== undefined && v.min !== null && typeof v.min !== 'number') || (v.max !== undefined && v.max !== null && typeof v.max !== 'number')) add(p, 'needs min and/or max (numbers or null)', v);
      return;
    case 'institution_level':
    case 'doctor_title':
      if (!isObj(v) || typeof v.min !== 'number') add(p, 'needs a numeric min', v);
      return;
    default:
      add(p, `unknown condition ${k}`);
  }
}
