/** Code patterns of rule-pack.md: exact codes, prefixes ending in `*`, `*` alone (every code), and `@GROUP`. */
export interface Matcher {
  all: boolean;
  exact: Set<string>;
  prefixes: string[];
  test(code: string): boolean;
}

export type GroupResolver = (name: string) => readonly string[];

export function compilePatterns(patterns: readonly string[], groups: GroupResolver, normalise: (s: string) => string = (s) => s): Matcher {
  const exact = new Set<string>();
  const prefixes: string[] = [];
  let all = false;
  const add = (p: string) => {
    if (p === '*') all = true;
    else if (p.endsWith('*')) prefixes.push(normalise(p.slice(0, -1)));
    else exact.add(normalise(p));
  };
  // A group's codes are patterns too: exact codes or prefixes ending in `*` (rule-pack.md §1).
  for (const p of patterns) {
    if (p.startsWith('@')) for (const c of groups(p.slice(1))) add(c);
    else add(p);
  }
  return {
    all, exact, prefixes,
    test(code: string) {
      if (all) return true;
      const c = normalise(code);
      if (exact.has(c)) return true;
      for (const p of prefixes) if (c.startsWith(p)) return true;
      return false;
    },
  };
}

/** Diagnosis and operation codes compare case-insensitively with dots ignored (rule-pack.md §5). */
export const normaliseDiagnosis = (s: string): string => s.toUpperCase().replace(/\./g, '');

/**
 * Index from code to the entries whose patterns can match it: exact codes in a map, prefixes in a map by prefix
 * (a code's prefixes are looked up one length at a time), `*` in a list. Cost per code: O(code length + matches).
 */
export class PatternIndex<T> {
  readonly exact = new Map<string, T[]>();
  readonly prefix = new Map<string, T[]>();
  readonly star: T[] = [];
  maxPrefix = 0;

  add(m: Matcher, value: T): void {
    if (m.all) {
      this.star.push(value);
      return;
    }
    for (const c of m.exact) push(this.exact, c, value);
    for (const p of m.prefixes) {
      push(this.prefix, p, value);
      this.maxPrefix = Math.max(this.maxPrefix, p.length);
    }
  }

  /** Calls `visit` with each list of entries that can match `code` (no copying; an entry may be in several lists). */
  each(code: string, visit: (entries: readonly T[]) => void): void {
    if (this.star.length) visit(this.star);
    const e = this.exact.get(code);
    if (e) visit(e);
    if (this.maxPrefix === 0 && this.prefix.size === 0) return;
    const n = Math.min(code.length, this.maxPrefix);
    for (let len = 0; len <= n; len++) {
      const p = this.prefix.get(code.slice(0, len));
      if (p) visit(p);
    }
  }

  /** Entries that can match `code` (each once per matching pattern kind; callers de-duplicate if needed). */
  lookup(code: string, out: T[]): void {
    for (const v of this.star) out.push(v);
    const e = this.exact.get(code);
    if (e) for (const v of e) out.push(v);
    const n = Math.min(code.length, this.maxPrefix);
    for (let len = 0; len <= n; len++) {
      const p = this.prefix.get(code.slice(0, len));
      if (p) for (const v of p) out.push(v);
    }
  }
}

function push<K, V>(m: Map<K, V[]>, k: K, v: V): void {
  const a = m.get(k);
  if (a) a.push(v);
  else m.set(k, [v]);
}
