import type { LineCtx } from '../context.ts';
import { dayNumber } from '../../model/dates.ts';
import { roundFen, type Flag, type KindFn } from './kind.ts';

/**
 * prescription, per `rxno` within an encounter (all counted lines of the prescription, current or not):
 * ext_days > max_days and herbal ext_doses > max_doses flag that line for the share above the limit;
 * more distinct drug (101) or herb (102) codes than max_drugs / max_herbs flag the lines of the codes after
 * the first ones in input order. Lines without rxno form no prescription for the counts.
 */
export const prescription: KindFn = ({ rule, items }) => {
  const p = rule.params as { max_days?: number; max_drugs?: number; max_herbs?: number; max_doses?: number };
  const flags = new Map<LineCtx, Flag>();
  const put = (f: Flag) => {
    const prev = flags.get(f.line);
    if (!prev || f.amount > prev.amount) flags.set(f.line, f);
  };
  const share = (l: LineCtx, actual: number, max: number) => roundFen((l.full * (actual - max)) / actual);
  for (const l of items) {
    if (!l.current) continue;
    const days = p.max_days === undefined ? null : prescriptionDays(l);
    if (p.max_days !== undefined && days !== null && days > p.max_days) put({ line: l, amount: share(l, days, p.max_days), limit: `${p.max_days}天`, actual: `${days}天` });
    if (p.max_doses !== undefined && l.line.hilist_type === '102' && l.line.ext_doses !== null && l.line.ext_doses > p.max_doses) put({ line: l, amount: share(l, l.line.ext_doses, p.max_doses), limit: `${p.max_doses}付`, actual: `${l.line.ext_doses}付` });
  }
  const byRx = new Map<string, LineCtx[]>();
  for (const l of items) {
    if (!l.line.rxno) continue;
    const key = `${l.enc.index}\u0000${l.line.rxno}`;
    const g = byRx.get(key);
    if (g) g.push(l);
    else byRx.set(key, [l]);
  }
  for (const rx of byRx.values()) {
    rx.sort((a, b) => a.inputIndex - b.inputIndex);
    for (const [type, max, unit] of [['101', p.max_drugs, '种药品'], ['102', p.max_herbs, '味中药']] as const) {
      if (max === undefined) continue;
      const codes: string[] = [];
      for (const l of rx) if (l.line.hilist_type === type && !codes.includes(l.line.hilist_code)) codes.push(l.line.hilist_code);
      if (codes.length <= max) continue;
      const beyond = new Set(codes.slice(max));
      for (const l of rx) if (l.current && l.line.hilist_type === type && beyond.has(l.line.hilist_code)) put({ line: l, amount: l.full, limit: `${max}${unit}`, actual: `${codes.length}${unit}` });
    }
  }
  return [...flags.values()];
};

/**
 * A line's prescription days: `ext_days`, else the calendar days from drord_begn_date to drord_stop_date inclusive
 * (audit-api.md §2); null when neither is there (a day rule then does not apply to the line).
 */
export function prescriptionDays(l: LineCtx): number | null {
  if (l.line.ext_days !== null) return l.line.ext_days;
  const begin = l.line.drord_begn_date;
  const stop = l.line.drord_stop_date;
  if (!begin || !stop || stop < begin) return null;
  return dayNumber(stop.slice(0, 10)) - dayNumber(begin.slice(0, 10)) + 1;
}
