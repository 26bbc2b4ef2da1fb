import type { LineCtx } from '../context.ts';
import type { Flag, KindFn } from './kind.ts';
import { buckets, WindowIndex, type WindowSpec } from './windows.ts';

/** exclusive: a matching line and a `with` line (never itself) in the same window: the matching line is flagged. */
export const exclusive: KindFn = ({ rule, items, aux }) => {
  const index = new WindowIndex(aux, rule.params.window as WindowSpec);
  return items.flatMap((l) => {
    if (!l.current) return [];
    const other = index.of(l).find((x) => x !== l);
    return other ? [{ line: l, amount: l.full, limit: `不得与${other.line.hilist_name || other.line.hilist_code}同时收费`, actual: other.line.hilist_code }] : [];
  });
};

/** bundled: a comprehensive item and a component (`includes`) in the same window: each current component is flagged. */
export const bundled: KindFn = ({ rule, items, aux }) => {
  const index = new WindowIndex(items, rule.params.window as WindowSpec);
  return aux.flatMap((c) => {
    if (!c.current) return [];
    const main = index.of(c).find((x) => x !== c);
    return main ? [{ line: c, amount: c.full, limit: `已含于${main.line.hilist_name || main.line.hilist_code}`, actual: main.line.hilist_code }] : [];
  });
};

/** stacking: more distinct codes than max_distinct in the window: every line of the codes after the first ones. */
export const stacking: KindFn = ({ rule, items }) => {
  const window = rule.params.window as string;
  const max = (rule.params.max_distinct as number | undefined) ?? 1;
  const flags: Flag[] = [];
  for (const group of buckets(items, window).values()) {
    const codes: string[] = [];
    for (const l of group) if (!codes.includes(l.line.hilist_code)) codes.push(l.line.hilist_code);
    if (codes.length <= max) continue;
    const beyond = new Set(codes.slice(max));
    for (const l of group) if (l.current && beyond.has(l.line.hilist_code)) flags.push({ line: l, amount: l.full, limit: max, actual: codes.length });
  }
  return flags;
};

/** duplicate: same code, timestamp, cnt and pric in the window: every copy after the first. */
export const duplicate: KindFn = ({ rule, items }) => {
  const window = rule.params.window as string;
  const flags: Flag[] = [];
  for (const group of buckets(items, window).values()) {
    if (group.length < 2) continue;
    // Lines by code (a string whose hash the engine already has); copies compare timestamp, cnt and pric.
    const byCode = new Map<string, LineCtx[]>();
    for (const l of group) {
      const same = byCode.get(l.line.hilist_code);
      if (!same) {
        byCode.set(l.line.hilist_code, [l]);
        continue;
      }
      let n = 1;
      for (const x of same) if (x.ts === l.ts && x.line.cnt === l.line.cnt && x.line.pric === l.line.pric) n++;
      same.push(l);
      if (n > 1 && l.current) flags.push({ line: l, amount: l.full, limit: 1, actual: n });
    }
  }
  return flags;
};
