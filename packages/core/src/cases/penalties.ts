import { FundGuardError } from '../errors.ts';
import type { Fen } from '../model/money.ts';
import { addDays } from '../model/dates.ts';

/**
 * Penalty and escalation policy (domain.md §4; 医疗保障基金使用监督管理条例 Art. 38–41, agreement penalties).
 * Data, not code: regions set their own multipliers and thresholds within the legal ranges.
 */
export interface PenaltyPolicy {
  /** fine multiplier ranges of the recovered amount */
  multipliers: Record<PenaltyKind, { min: number; max: number }>;
  /** a department with at least this many violation types or cases in a month: that month's claims are refused */
  refuseMonthAt: number;
  /** … at least this many: the department is suspended */
  suspendAt: number;
  suspendMonths: number;
  /** suspension of an individual's direct settlement, months */
  personSuspensionMonths: { min: number; max: number };
  /** Art. 40: fraud also suspends the department that billed it, months */
  departmentSuspensionMonths: { min: number; max: number };
}

export type PenaltyKind = 'violation' | 'fraud' | 'agreement';

export const DEFAULT_PENALTY_POLICY: PenaltyPolicy = {
  multipliers: { violation: { min: 1, max: 2 }, fraud: { min: 2, max: 5 }, agreement: { min: 2, max: 5 } },
  refuseMonthAt: 3,
  suspendAt: 5,
  suspendMonths: 3,
  personSuspensionMonths: { min: 3, max: 12 },
  departmentSuspensionMonths: { min: 6, max: 12 },
};

/** The fine for a recovered amount: multiplier × amount, rounded half-up to the fen; the multiplier must be in the policy's range. */
export function fine(kind: PenaltyKind, recovered: Fen, multiplier: number, policy: PenaltyPolicy = DEFAULT_PENALTY_POLICY): { fine: Fen; basis: string } {
  const range = policy.multipliers[kind];
  if (!(multiplier >= range.min && multiplier <= range.max)) {
    throw new FundGuardError('E_FIELD_INVALID', `multiplier ${multiplier} outside ${range.min}–${range.max} for ${kind}`, [{ field: 'multiplier', value: multiplier, reason: `must be within ${range.min}–${range.max}` }]);
  }
  // Multipliers have at most 2 decimals; integer arithmetic avoids float drift on large amounts.
  const m100 = Math.round(multiplier * 100);
  const fen = Math.floor((recovered * m100 + 50) / 100);
  const basis = { violation: '《医疗保障基金使用监督管理条例》第三十八条', fraud: '《医疗保障基金使用监督管理条例》第四十条', agreement: '医保服务协议违约条款' }[kind];
  return { fine: fen, basis: `${basis}：处违规金额${multiplier}倍罚款` };
}

export interface DepartmentMonth {
  medins_id: string;
  dept_codg: string;
  month: string;
  /** distinct violation types (rule categories) confirmed in the month */
  violationTypes: number;
  /** confirmed cases (encounters with confirmed findings) in the month */
  cases: number;
}

export type Escalation =
  | { action: 'none' }
  | { action: 'refuse_month'; medins_id: string; dept_codg: string; month: string; count: number }
  | { action: 'suspend'; medins_id: string; dept_codg: string; from: string; to: string; count: number };

/**
 * 000: ≥ 3 violation types or cases in a department → that month's claims are refused; ≥ 5 → suspended for 3 months
 * (from the first day of the next month). The larger of the two counts decides.
 */
export function escalation(d: DepartmentMonth, policy: PenaltyPolicy = DEFAULT_PENALTY_POLICY): Escalation {
  const count = Math.max(d.violationTypes, d.cases);
  if (count >= policy.suspendAt) {
    const [y, m] = d.month.split('-').map(Number);
    const from = `${m === 12 ? y + 1 : y}-${String(m === 12 ? 1 : m + 1).padStart(2, '0')}-01`;
    const endY = Number(from.slice(0, 4)) + Math.floor((Number(from.slice(5, 7)) - 1 + policy.suspendMonths) / 12);
    const endM = ((Number(from.slice(5, 7)) - 1 + policy.suspendMonths) % 12) + 1;
    return { action: 'suspend', medins_id: d.medins_id, dept_codg: d.dept_codg, from, to: `${endY}-${String(endM).padStart(2, '0')}-01`, count };
  }
  if (count >= policy.refuseMonthAt) return { action: 'refuse_month', medins_id: d.medins_id, dept_codg: d.dept_codg, month: d.month, count };
  return { action: 'none' };
}

/** An individual's direct-settlement suspension (Art. 41): [from, to) for the given months within the policy range. */
export function personSuspension(from: string, months: number, policy: PenaltyPolicy = DEFAULT_PENALTY_POLICY): { from: string; to: string } {
  return suspension(from, months, policy.personSuspensionMonths);
}

/** A department's suspension for fraud (Art. 40): [from, to) for 6–12 months (the policy's range). */
export function departmentSuspension(from: string, months: number, policy: PenaltyPolicy = DEFAULT_PENALTY_POLICY): { from: string; to: string } {
  return suspension(from, months, policy.departmentSuspensionMonths);
}

function suspension(from: string, months: number, r: { min: number; max: number }): { from: string; to: string } {
  if (!Number.isInteger(months) || months < r.min || months > r.max) {
    throw new FundGuardError('E_FIELD_INVALID', `suspension of ${months} months outside ${r.min}–${r.max}`, [{ field: 'months', value: months, reason: `must be a whole number within ${r.min}–${r.max}` }]);
  }
  const y = Number(from.slice(0, 4));
  const m = Number(from.slice(5, 7)) - 1 + months;
  const toMonthStart = `${y + Math.floor(m / 12)}-${String((m % 12) + 1).padStart(2, '0')}-01`;
  // Same day of month; where that day does not exist the excess days carry over (30 Nov + 3 months = 2 Mar).
  const day = Number(from.slice(8, 10));
  const to = addDays(toMonthStart, day - 1);
  return { from, to };
}
