import { bucketKey, type LineCtx } from '../context.ts';

export type WindowSpec = string | { rolling_days: number };

export function isRolling(w: WindowSpec): w is { rolling_days: number } {
  return typeof w === 'object' && w !== null && 'rolling_days' in w;
}

/** Lines grouped by calendar bucket, each group in chronological order. */
export function buckets(lines: readonly LineCtx[], window: string): Map<number, LineCtx[]> {
  const m = new Map<number, LineCtx[]>();
  for (const l of lines) {
    const k = bucketKey(l, window);
    const g = m.get(k);
    if (g) g.push(l);
    else m.set(k, [l]);
  }
  return m;
}

/**
 * The lines of a pool in the window of a line, answered from an index built once per pool: a map of buckets for
 * calendar windows, a day-sorted array with binary search for rolling windows. Keeps the kinds O(n log n).
 */
export class WindowIndex {
  private readonly byBucket: Map<number, LineCtx[]> | null = null;
  private readonly byDay: LineCtx[] | null = null;

  constructor(pool: readonly LineCtx[], private readonly window: WindowSpec) {
    if (isRolling(window)) this.byDay = pool.slice().sort((a, b) => a.dayNo - b.dayNo || a.order - b.order);
    else this.byBucket = buckets(pool, window);
  }

  of(l: LineCtx): readonly LineCtx[] {
    if (this.byBucket) return this.byBucket.get(bucketKey(l, this.window as string)) ?? [];
    const days = this.byDay!;
    const lo = lowerBound(days, l.dayNo - (this.window as { rolling_days: number }).rolling_days + 1);
    const hi = lowerBound(days, l.dayNo + 1);
    return days.slice(lo, hi);
  }
}

function lowerBound(a: readonly LineCtx[], dayNo: number): number {
  let lo = 0;
  let hi = a.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (a[mid].dayNo < dayNo) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** The lines of `pool` in the window of `l` (for one-off questions; kinds with many lines use WindowIndex). */
export function inWindow(pool: readonly LineCtx[], l: LineCtx, window: WindowSpec): readonly LineCtx[] {
  return new WindowIndex(pool, window).of(l);
}
