import { bucketKey, type LineCtx } from '../context.ts';

export type WindowSpec = string | { rolling_days: number };

export function isRolling(w: WindowSpec): w is { rolling_days: number } {
  return typeof w === 'object' && w !== null && 'rolling_days' in w;
}

/** Lines grouped by calendar bucket, each group in chronological order. */
export function buckets(lines: readonly LineCtx[], window: string): Map<string, LineCtx[]> {
  const m = new Map<string, LineCtx[]>();
  for (const l of lines) {
    const k = bucketKey(l, window);
    const g = m.get(k);
    if (g) g.push(l);
    else m.set(k, [l]);
  }
  return m;
}

/** The lines of `pool` in the window of `l` (same bucket, or the N days ending on l's day). */
export function inWindow(pool: readonly LineCtx[], l: LineCtx, window: WindowSpec): LineCtx[] {
  if (isRolling(window)) {
    const lo = l.dayNo - window.rolling_days + 1;
    return pool.filter((x) => x.dayNo >= lo && x.dayNo <= l.dayNo);
  }
  const key = bucketKey(l, window);
  return pool.filter((x) => bucketKey(x, window) === key);
}
