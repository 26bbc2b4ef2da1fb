import { windowName } from '../context.ts';
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

/** frequency: more distinct days with a matching line in the window than `max`: the current lines on the days beyond. */
export const frequency: KindFn = ({ rule, items }) => {
  const window = rule.params.window as WindowSpec;
  const max = rule.params.max as number;
  const flags: Flag[] = [];
  const index = new WindowIndex(items, window);
  for (const l of items) {
    if (!l.current) continue;
    const inWin = index.of(l);
    const days = [...new Set(inWin.filter((x) => x.dayNo <= l.dayNo).map((x) => x.dayNo))].sort((a, b) => a - b);
    const rank = days.indexOf(l.dayNo) + 1;
    const total = isRolling(window) ? days.length : new Set(inWin.map((x) => x.dayNo)).size;
    if (rank > max) flags.push({ line: l, amount: l.full, limit: `${windowName(window)}${max}天`, actual: `${total}天` });
  }
  return flags;
};

/** prerequisite: no `requires` line in the window up to and including the line's day. */
export const prerequisite: KindFn = ({ rule, items, aux }) => {
  const index = new WindowIndex(aux, rule.params.window as WindowSpec);
  return items.filter((l) => l.current && !index.of(l).some((x) => x.dayNo <= l.dayNo))
    .map((l) => ({ line: l, amount: l.full, limit: '须先有前置项目', actual: '无' }));
};
