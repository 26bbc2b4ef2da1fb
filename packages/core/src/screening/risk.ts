import type { Fen } from '../model/money.ts';

/** What raises an encounter's risk: a rule finding (事后 audit) or a screening lead citing it. */
export type RiskSignal =
  | { kind: 'finding'; id: string; rule_id: string; severity: string; amount_fen: Fen }
  | { kind: 'lead'; id: string; category: string; score: number };

export interface RiskFactor {
  source: 'finding' | 'lead';
  id: string;
  what: string;
  /** this signal's probability-like weight (0–1) */
  weight: number;
}

const SEVERITY_WEIGHT: Record<string, number> = { violation: 0.6, suspicious: 0.35, reminder: 0.05 };
/** a finding weighs in full from this amount (¥500) and half at zero */
const FULL_AMOUNT_FEN = 50_000;

/**
 * An encounter's risk (0–100) from its findings and leads, as independent pieces of evidence:
 * 100 × (1 − Π (1 − wᵢ)). A finding weighs by severity (违规 0.6, 可疑 0.35, 提醒 0.05), scaled from half to full by
 * its amount up to ¥500; a lead weighs 0.8 × score / 100. Returns the factors so that a reviewer sees why.
 */
export function encounterRisk(signals: readonly RiskSignal[]): { risk: number; factors: RiskFactor[] } {
  let keep = 1;
  const factors: RiskFactor[] = [];
  for (const s of signals) {
    const weight = s.kind === 'finding'
      ? (SEVERITY_WEIGHT[s.severity] ?? 0.2) * (0.5 + 0.5 * Math.min(1, Math.max(0, s.amount_fen) / FULL_AMOUNT_FEN))
      : 0.8 * Math.max(0, Math.min(100, s.score)) / 100;
    keep *= 1 - weight;
    factors.push({ source: s.kind, id: s.id, what: s.kind === 'finding' ? `${s.rule_id} (${s.severity})` : `${s.category} ${s.score}`, weight: Math.round(weight * 1000) / 1000 });
  }
  factors.sort((a, b) => b.weight - a.weight || (a.id < b.id ? -1 : 1));
  return { risk: Math.round((1 - keep) * 10000) / 100, factors };
}
