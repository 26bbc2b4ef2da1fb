import { sql } from 'drizzle-orm';
import {
  DEFAULT_PENALTY_POLICY, escalation, fine, FundGuardError, personSuspension,
  type CaseState, type Escalation, type ListEntry, type PenaltyKind, type PenaltyPolicy,
} from '@fundguard/core';
import type { Actor } from '../auth/roles.ts';
import type { ServiceContext } from '../context.ts';

const nextMonthStart = (month: string) => {
  const [y, m] = month.split('-').map(Number);
  return `${m === 12 ? y + 1 : y}-${String(m === 12 ? 1 : m + 1).padStart(2, '0')}-01`;
};

/** Penalties and escalation (issue: configurable policy); results are written to the lists that eligibility rules read. */
export class PenaltyService {
  constructor(private readonly ctx: ServiceContext, private readonly policy: PenaltyPolicy = DEFAULT_PENALTY_POLICY) {}

  private requireSupervisor(actor: Actor): void {
    if (!['admin', 'supervisor'].includes(actor.role)) throw new FundGuardError('E_FORBIDDEN', `role ${actor.role} may not decide penalties`);
  }

  /** A fine on a final case: recovered = the case's fixed deduction; refused unless the hearing was offered (告知听证). */
  async fineCase(actor: Actor, caseId: string, kind: PenaltyKind, multiplier: number, hearingOffered: boolean): Promise<{ fine_fen: number; basis: string }> {
    this.requireSupervisor(actor);
    if (!hearingOffered) throw new FundGuardError('E_ILLEGAL_TRANSITION', '作出行政处罚前应告知当事人有要求听证的权利 (offer a hearing before a penalty)');
    const at = this.ctx.nowIso();
    return this.ctx.database.transaction(async (tx) => {
      const rows = await this.ctx.database.rows<{ medins_id: string; status: string; deduction_fen: number | null }>(sql`select medins_id, status, deduction_fen from cases where id = ${caseId} for update`, tx);
      const c = rows[0];
      if (!c) throw new FundGuardError('E_NOT_FOUND', `no case ${caseId}`);
      if (!['final', 'closed'].includes(c.status)) throw new FundGuardError('E_ILLEGAL_TRANSITION', `case ${caseId} is ${c.status}; fines follow the final decision`);
      const f = fine(kind, c.deduction_fen ?? 0, multiplier, this.policy);
      await this.ctx.database.rows(sql`
        insert into penalties (case_id, medins_id, kind, multiplier, recovered_fen, fine_fen, basis, hearing_offered, actor, at)
        values (${caseId}, ${c.medins_id}, ${kind}, ${multiplier}, ${c.deduction_fen ?? 0}, ${f.fine}, ${f.basis}, true, ${actor.id}, ${at}::timestamptz)`, tx);
      await this.ctx.auditLog.append(tx, [{ actor: actor.id, action: 'penalty.fine', entityType: 'case', entityId: caseId, at, detail: { kind, multiplier, fine_fen: f.fine } }]);
      return { fine_fen: f.fine, basis: f.basis };
    });
  }

  /**
   * Counts, per department, the violation types and cases confirmed in a month's final cases, applies the
   * escalation policy and writes refusals/suspensions to the lists (idempotent: re-running writes the same rows).
   */
  async escalate(actor: Actor, month: string): Promise<Escalation[]> {
    this.requireSupervisor(actor);
    const rows = await this.ctx.database.rows<{ id: string; medins_id: string; dept_codg: string; category: string; mdtrt_id: string; state: CaseState }>(sql`
      select f.id, f.medins_id, f.dept_codg, f.category, f.mdtrt_id, c.state from findings f join cases c on c.id = f.case_id
      where c.month = ${month} and c.status in ('final', 'closed')`);
    const byDept = new Map<string, { medins_id: string; dept_codg: string; types: Set<string>; encounters: Set<string> }>();
    for (const r of rows) {
      const f = r.state.findings.find((x) => x.id === r.id);
      const confirmed = f && f.severity !== 'reminder' && (f.appealResult ? f.appealResult.amount > 0 : f.decision !== null && f.decision.outcome !== 'rejected');
      if (!confirmed || !r.dept_codg) continue;
      const key = `${r.medins_id}/${r.dept_codg}`;
      let d = byDept.get(key);
      if (!d) byDept.set(key, (d = { medins_id: r.medins_id, dept_codg: r.dept_codg, types: new Set(), encounters: new Set() }));
      d.types.add(r.category);
      d.encounters.add(r.mdtrt_id);
    }
    const results = [...byDept.values()]
      .map((d) => escalation({ medins_id: d.medins_id, dept_codg: d.dept_codg, month, violationTypes: d.types.size, cases: d.encounters.size }, this.policy))
      .filter((e) => e.action !== 'none');
    results.sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)));
    const entries: ListEntry[] = results.flatMap((e): ListEntry[] => {
      switch (e.action) {
        case 'suspend':
          return [{ list: 'suspended', subject_type: 'department', subject_code: `${e.medins_id}/${e.dept_codg}`, reason: `${month} 科室违规 ${e.count} 项/例，暂停医保服务${this.policy.suspendMonths}个月`, effective_from: e.from, effective_to: e.to }];
        case 'refuse_month':
          return [{ list: 'suspended', subject_type: 'department', subject_code: `${e.medins_id}/${e.dept_codg}`, reason: `${month} 科室违规 ${e.count} 项/例，当月费用拒付`, effective_from: `${month}-01`, effective_to: nextMonthStart(month) }];
      }
    });
    if (entries.length) {
      await this.ctx.database.transaction(async (tx) => {
        await this.ctx.lists.upsertMany(tx, entries, 'case-escalation', actor.id);
        await this.ctx.auditLog.append(tx, [{ actor: actor.id, action: 'penalty.escalate', entityType: 'month', entityId: month, at: this.ctx.nowIso(), detail: { entries: entries.map((x) => `${x.subject_code} ${x.effective_from}→${x.effective_to}`) } }]);
      });
      await this.ctx.changes.publish({ kind: 'lists' }); // the blacklist rules enforce the suspension from the next request on
    }
    return results;
  }

  /** Suspends a person's direct settlement (Art. 41) by a list entry. */
  async suspendPerson(actor: Actor, patnId: string, from: string, months: number, reason: string): Promise<ListEntry> {
    this.requireSupervisor(actor);
    if (!reason.trim()) throw new FundGuardError('E_FIELD_REQUIRED', 'reason: required', [{ field: 'reason', reason: 'required' }]);
    const period = personSuspension(from, months, this.policy);
    const entry: ListEntry = { list: 'suspended', subject_type: 'patient', subject_code: patnId, reason, effective_from: period.from, effective_to: period.to };
    await this.ctx.database.transaction(async (tx) => {
      await this.ctx.lists.upsertMany(tx, [entry], 'penalty', actor.id);
      await this.ctx.auditLog.append(tx, [{ actor: actor.id, action: 'penalty.suspend_person', entityType: 'patient', entityId: patnId, at: this.ctx.nowIso(), detail: { ...period, months } }]);
    });
    await this.ctx.changes.publish({ kind: 'lists' });
    return entry;
  }
}
