import { canonicalJson } from './canonical.ts';

/** What changed in one field: the value before and after (undefined = absent). */
export interface FieldChange {
  field: string;
  before: unknown;
  after: unknown;
}

export interface PackDiff {
  pack: string;
  from: string;
  to: string;
  /** envelope fields (name, region, effective dates …) */
  envelope: FieldChange[];
  groups: { added: string[]; removed: string[]; changed: { group: string; changes: FieldChange[] }[] };
  rules: { added: string[]; removed: string[]; changed: { id: string; changes: FieldChange[] }[] };
  /** one line, for version lists: "+2 rules, −1, 3 changed" */
  summary: string;
}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Field-by-field differences between two values; nested objects are walked, arrays compared whole. */
export function fieldChanges(before: unknown, after: unknown, prefix = ''): FieldChange[] {
  if (isObj(before) && isObj(after)) {
    const keys = [...new Set([...Object.keys(before), ...Object.keys(after)])].sort();
    return keys.flatMap((k) => fieldChanges(before[k], after[k], prefix ? `${prefix}.${k}` : k));
  }
  return canonicalJson(before) === canonicalJson(after) ? [] : [{ field: prefix || '(value)', before, after }];
}

function byId(rules: unknown): Map<string, Obj> {
  const m = new Map<string, Obj>();
  if (Array.isArray(rules)) for (const r of rules) if (isObj(r) && typeof r.id === 'string') m.set(r.id, r);
  return m;
}

/** Differences between two versions of a pack: rules and groups added / removed / changed, field by field. */
export function diffPacks(a: Obj, b: Obj): PackDiff {
  const { rules: ra, groups: ga, version: va, ...ea } = a;
  const { rules: rb, groups: gb, version: vb, ...eb } = b;
  const mapA = byId(ra);
  const mapB = byId(rb);
  const rules = {
    added: [...mapB.keys()].filter((id) => !mapA.has(id)),
    removed: [...mapA.keys()].filter((id) => !mapB.has(id)),
    changed: [...mapB.keys()].filter((id) => mapA.has(id)).map((id) => ({ id, changes: fieldChanges(mapA.get(id), mapB.get(id)) })).filter((c) => c.changes.length),
  };
  const gA = isObj(ga) ? ga : {};
  const gB = isObj(gb) ? gb : {};
  const groups = {
    added: Object.keys(gB).filter((k) => !(k in gA)).sort(),
    removed: Object.keys(gA).filter((k) => !(k in gB)).sort(),
    changed: Object.keys(gB).filter((k) => k in gA).sort().map((group) => ({ group, changes: fieldChanges(gA[group], gB[group]) })).filter((c) => c.changes.length),
  };
  const envelope = fieldChanges(ea, eb);
  const parts = [
    rules.added.length ? `+${rules.added.length} rules` : '',
    rules.removed.length ? `−${rules.removed.length} rules` : '',
    rules.changed.length ? `${rules.changed.length} rules changed` : '',
    groups.added.length + groups.removed.length + groups.changed.length ? `${groups.added.length + groups.removed.length + groups.changed.length} groups changed` : '',
    envelope.length ? `envelope: ${envelope.map((c) => c.field).join(', ')}` : '',
  ].filter(Boolean);
  return { pack: String(b.pack ?? a.pack ?? ''), from: String(va ?? ''), to: String(vb ?? ''), envelope, groups, rules, summary: parts.join('; ') || 'no changes' };
}
