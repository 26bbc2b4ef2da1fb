import type { CaseEventType, CaseState, CaseStatus } from '@fundguard/core';
import { api } from '../../api.ts';

/** GET /api/v1/cases/:id: every amount in yuan (state included); `risk` is null for hospitals. */
export interface CaseView {
  id: string;
  medins_id: string;
  month: string;
  status: CaseStatus;
  level: number;
  special: boolean;
  proposed: number;
  deduction: number | null;
  risk: number | null;
  finding_count: number;
  due_at: string | null;
  /** the running level's deadline has passed */
  overdue: boolean;
  state: CaseState;
  version: number;
  created_at: string;
  updated_at: string;
}

export interface FindingResult {
  vola_cont?: string;
  vola_evid?: string;
  judge_result_detail_dtos?: { rx_id: string; hilist_code: string; hilist_name: string; vola_amt: number }[];
}

export interface FindingRow {
  id: string;
  run_id: number;
  pack: string;
  pack_version: string;
  rule_id: string;
  rule_name: string;
  category: string;
  severity: string;
  appealable: boolean;
  mdtrt_id: string;
  dept_codg: string;
  dr_codg: string;
  /** yuan */
  amount: number;
  case_id: string | null;
  result: FindingResult;
}

export interface CaseDetail extends CaseView {
  findings: FindingRow[];
  events: { seq: number; type: string; actor: string; at: string; event: Record<string, unknown> }[];
  /** the events the signed-in user may send now: the page offers only these */
  allowed: CaseEventType[];
  /** what the user's role could do here but the user may not now, with why (Chinese) */
  unavailable: { type: CaseEventType; reason: string }[];
}

/** GET /api/v1/cases/:id/eligible: who may be named re-reviewer or panel member. */
export interface EligibleUser {
  id: string;
  display_name: string;
  role: string;
}

export const STATUS_COLORS: Record<CaseStatus, string> = {
  draft: 'default', awaiting_explanation: 'orange', in_review: 'processing', decided: 'purple', appealed: 'magenta', appeal_review: 'geekblue', panel_review: 'cyan', final: 'green', closed: 'default',
};

export const CASE_STATUSES: CaseStatus[] = ['draft', 'awaiting_explanation', 'in_review', 'decided', 'appealed', 'appeal_review', 'panel_review', 'final', 'closed'];

export const sendEvent = (id: string, command: Record<string, unknown>, expectedVersion?: number) =>
  api.post<CaseView>(`/api/v1/cases/${encodeURIComponent(id)}/events`, { ...command, ...(expectedVersion === undefined ? {} : { expected_version: expectedVersion }) });

/** Confirms every finding still without a decision (reminders need none); returns how many were confirmed. */
export async function confirmAll(id: string): Promise<number> {
  const c = await api.get<CaseDetail>(`/api/v1/cases/${encodeURIComponent(id)}`);
  let n = 0;
  for (const f of c.state.findings) {
    if (f.severity === 'reminder' || f.decision) continue;
    await sendEvent(id, { type: 'decide', finding: f.id, outcome: 'confirmed' });
    n++;
  }
  return n;
}
