import { windowName } from '../context.ts';
import type { LineCtx } from '../context.ts';
import { roundFen, type Flag, type KindFn } from './kind.ts';
import { buckets, isRolling, WindowIndex, type WindowSpec } from './windows.ts';

/**
 * quantity: total `cnt` in the window above the limit; each current line is flagged for its units above the limit
 * in chronological order (rule-pack.md §8): a line occupies [before, before + cnt], and its flagged units are the
 * part of that interval above the limit. Amount = units × pric, at most the full line.
 */
export const quantity: KindFn = ({ rule, items }) => {
  const window = rule.params.window as WindowSpec;
  const max = rule.params.max as number;
  const perLos = rule.params.per_los_day === true;
  const flags: Flag[] = [];
  const flag = (l: (typeof items)[number], before: number) => {
    const limit = perLos ? max * l.enc.los : max;
    const cnt = l.line.cnt;
    const over = Math.max(0, before + cnt - limit) - Math.max(0, before - limit);
    const units = Math.min(cnt, over);
    if (units <= 0) return;
    flags.push({ line: l, amount: Math.min(l.full, roundFen(units * l.line.pric)), limit: perLos ? `${max}×${l.enc.los}天=${limit}` : limit, actual: before + cnt });
  };
  if (isRolling(window)) {
    const index = new WindowIndex(items, window);
    for (const l of items) {
      if (!l.current) continue;
      let before = 0;
      for (const x of index.of(l)) if (x.order < l.order) before += x.line.cnt;
      flag(l, before);
    }
  } else {
    for (const group of buckets(items, window).values()) {
      let before = 0;
      for (const l of group) {
        if (l.current) flag(l, before);
        before += l.line.cnt;
      }
    }
  }
  return flags;
};

/**
 * frequency: more distinct days with a matching line in the window than `max`: the current lines on the days beyond.
 * A line's rank is the number of distinct days of the window up to its own day; for a rolling window that is every
 * day of the window (the N days ending on the line's day).
 */
export const frequency: KindFn = ({ rule, items }) => {
  const window = rule.params.window as WindowSpec;
  const max = rule.params.max as number;
  const flags: Flag[] = [];
  const limit = `${windowName(window)}${max}天`;
  if (isRolling(window)) {
    const days = distinctDays(items);
    for (const l of items) {
      if (!l.current) continue;
      const n = upperBound(days, l.dayNo) - upperBound(days, l.dayNo - window.rolling_days);
      if (n > max) flags.push({ line: l, amount: l.full, limit, actual: `${n}天` });
    }
    return flags;
  }
  for (const group of buckets(items, window).values()) {
    if (!group.some((l) => l.current)) continue;
    const days = distinctDays(group);
    if (days.length <= max) continue;
    for (const l of group) {
      if (l.current && upperBound(days, l.dayNo) > max) flags.push({ line: l, amount: l.full, limit, actual: `${days.length}天` });
    }
  }
  return flags;
};

/** Sorted distinct day numbers of the lines. */
function distinctDays(lines: readonly LineCtx[]): number[] {
  const days = lines.map((l) => l.dayNo).sort((a, b) => a - b);
  let n = 0;
  for (let i = 0; i < days.length; i++) if (i === 0 || days[i] !== days[n - 1]) days[n++] = days[i];
  days.length = n;
  return days;
}

/** How many of the sorted numbers are ≤ x. */
function upperBound(a: readonly number[], x: number): number {
  let lo = 0;
  let hi = a.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (a[mid] <= x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** prerequisite: no `requires` line in the window up to and including the line's day. */
export const prerequisite: KindFn = ({ rule, items, aux }) => {
  const index = new WindowIndex(aux, rule.params.window as WindowSpec);
  return items.filter((l) => l.current && !index.of(l).some((x) => x.dayNo <= l.dayNo))
    .map((l) => ({ line: l, amount: l.full, limit: '须先有前置项目', actual: '无' }));
};
