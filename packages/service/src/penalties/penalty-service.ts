import { sql } from 'drizzle-orm';
import {
  DEFAULT_PENALTY_POLICY, departmentSuspension, escalation, fine, FundGuardError, personSuspension,
  type CaseState, type Escalation, type ListEntry, type PenaltyKind, type PenaltyPolicy,
} from '@fundguard/core';
import type { Actor } from '../auth/roles.ts';
import type { ServiceContext } from '../context.ts';

const ISO = (col: string) => sql.raw(`to_char(${col} at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`);
const PENALTY_COLUMNS = sql`id, case_id, medins_id, kind, multiplier, recovered_fen, fine_fen, basis, hearing_offered, actor, ${ISO('at')} as at,
  ${ISO('revoked_at')} as revoked_at, revoked_by, revoke_reason`;

interface PenaltyRow {
  id: number;
  case_id: string;
  medins_id: string;
  kind: string;
  multiplier: number;
  recovered_fen: number;
  fine_fen: number;
  basis: string;
  hearing_offered: boolean;
  actor: string;
  at: string;
  revoked_at: string | null;
  revoked_by: string | null;
  revoke_reason: string | null;
}

/** A penalty as JSON: amounts in yuan. */
export interface PenaltyView {
  id: number;
  case_id: string;
  medins_id: string;
  kind: string;
  multiplier: number;
  /** yuan */
  recovered: number;
  /** yuan */
  fine: number;
  basis: string;
  hearing_offered: boolean;
  by: string;
  at: string;
  revoked: { at: string; by: string | null; reason: string | null } | null;
}

const penaltyView = (r: PenaltyRow): PenaltyView => ({
  id: Number(r.id), case_id: r.case_id, medins_id: r.medins_id, kind: r.kind, multiplier: Number(r.multiplier), recovered: Number(r.recovered_fen) / 100,
  fine: Number(r.fine_fen) / 100, basis: r.basis, hearing_offered: r.hearing_offered, by: r.actor, at: r.at,
  revoked: r.revoked_at ? { at: r.revoked_at, by: r.revoked_by, reason: r.revoke_reason } : null,
});

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

  /**
   * A fine on a final case: recovered = the case's fixed deduction; refused unless the hearing was offered (告知听证),
   * and refused when the case already has a live fine of the same kind (一事不再罚: revoke the earlier one first).
   */
  async fineCase(actor: Actor, caseId: string, kind: PenaltyKind, multiplier: number, hearingOffered: boolean, opts: { suspendMonths?: number } = {}): Promise<PenaltyView> {
    this.requireSupervisor(actor);
    if (!hearingOffered) throw new FundGuardError('E_ILLEGAL_TRANSITION', '作出行政处罚前应告知当事人有要求听证的权利 (offer a hearing before a penalty)');
    const at = this.ctx.nowIso();
    // Art. 40: fraud also suspends the departments that billed it; the period is checked before anything is written.
    if (kind === 'fraud' && opts.suspendMonths === undefined) {
      throw new FundGuardError('E_FIELD_REQUIRED', 'suspend_months: a fraud fine (Art. 40) also suspends the department 6–12 months', [{ field: 'suspend_months', reason: 'required for kind fraud' }]);
    }
    let period: { from: string; to: string } | null = null;
    try {
      if (kind === 'fraud') period = departmentSuspension(at.slice(0, 10), opts.suspendMonths!, this.policy);
    } catch (e) {
      if (e instanceof FundGuardError) throw new FundGuardError(e.code, e.message.replace('suspension', 'suspend_months: suspension'), e.issues.map((i) => ({ ...i, field: 'suspend_months' })));
      throw e;
    }
    if (kind !== 'fraud' && opts.suspendMonths !== undefined) {
      throw new FundGuardError('E_FIELD_INVALID', 'suspend_months: only a fraud fine (Art. 40) suspends the department', [{ field: 'suspend_months', value: opts.suspendMonths, reason: 'only for kind fraud' }]);
    }
    const view = await this.ctx.database.transaction(async (tx) => {
      // The case row lock serialises fines of one case: two concurrent requests cannot both pass the check below.
      const rows = await this.ctx.database.rows<{ medins_id: string; status: string; deduction_fen: number | null }>(sql`select medins_id, status, deduction_fen from cases where id = ${caseId} for update`, tx);
      const c = rows[0];
      if (!c) throw new FundGuardError('E_NOT_FOUND', `no case ${caseId}`);
      if (!['final', 'closed'].includes(c.status)) throw new FundGuardError('E_ILLEGAL_TRANSITION', `case ${caseId} is ${c.status}; fines follow the final decision`);
      const live = await this.ctx.database.rows<{ id: number }>(sql`select id from penalties where case_id = ${caseId} and kind = ${kind} and revoked_at is null`, tx);
      if (live.length) {
        throw new FundGuardError('E_CONFLICT', `一事不再罚：审核单 ${caseId} 已有同类罚款 (penalty ${live[0].id})；如需重新处罚，请先撤销原处罚并说明理由`);
      }
      const f = fine(kind, c.deduction_fen ?? 0, multiplier, this.policy);
      const [row] = await this.ctx.database.rows<PenaltyRow>(sql`
        insert into penalties (case_id, medins_id, kind, multiplier, recovered_fen, fine_fen, basis, hearing_offered, actor, at)
        values (${caseId}, ${c.medins_id}, ${kind}, ${multiplier}, ${c.deduction_fen ?? 0}, ${f.fine}, ${f.basis}, true, ${actor.id}, ${at}::timestamptz)
        returning ${PENALTY_COLUMNS}`, tx);
      const suspended: ListEntry[] = [];
      if (period) {
        const depts = await this.ctx.database.rows<{ dept_codg: string }>(sql`
          select distinct dept_codg from findings where case_id = ${caseId} and dept_codg <> '' order by dept_codg`, tx);
        for (const d of depts) {
          suspended.push({
            list: 'suspended', subject_type: 'department', subject_code: `${c.medins_id}/${d.dept_codg}`, effective_from: period.from, effective_to: period.to,
            reason: `科室暂停医保结算：欺诈骗取医保基金（《医疗保障基金使用监督管理条例》第四十条），审核单 ${caseId}，暂停${opts.suspendMonths}个月`,
          });
        }
        if (suspended.length) await this.ctx.lists.upsertMany(tx, suspended, 'penalty', actor.id);
      }
      await this.ctx.auditLog.append(tx, [{
        actor: actor.id, action: 'penalty.fine', entityType: 'case', entityId: caseId, at,
        detail: { penalty: row.id, kind, multiplier, fine_fen: f.fine, ...(suspended.length ? { suspended: suspended.map((x) => `${x.subject_code} ${x.effective_from}→${x.effective_to}`) } : {}) },
      }]);
      return { view: penaltyView(row), suspended: suspended.length > 0 };
    });
    if (view.suspended) await this.ctx.changes.publish({ kind: 'lists' }); // real-time audit refuses the department's orders from the next request on
    return view.view;
  }

  /** Revokes a live fine, with a reason (the way to a new fine of the same kind on the same case). */
  async revoke(actor: Actor, penaltyId: number, reason: string): Promise<PenaltyView> {
    this.requireSupervisor(actor);
    if (!reason.trim()) throw new FundGuardError('E_FIELD_REQUIRED', 'reason: required', [{ field: 'reason', reason: 'required' }]);
    const at = this.ctx.nowIso();
    return this.ctx.database.transaction(async (tx) => {
      const [p] = await this.ctx.database.rows<PenaltyRow>(sql`select ${PENALTY_COLUMNS} from penalties where id = ${penaltyId} for update`, tx);
      if (!p) throw new FundGuardError('E_NOT_FOUND', `no penalty ${penaltyId}`);
      if (p.revoked_at) throw new FundGuardError('E_ILLEGAL_TRANSITION', `penalty ${penaltyId} was revoked at ${p.revoked_at}`);
      const [row] = await this.ctx.database.rows<PenaltyRow>(sql`
        update penalties set revoked_at = ${at}::timestamptz, revoked_by = ${actor.id}, revoke_reason = ${reason} where id = ${penaltyId} returning ${PENALTY_COLUMNS}`, tx);
      await this.ctx.auditLog.append(tx, [{ actor: actor.id, action: 'penalty.revoke', entityType: 'case', entityId: p.case_id, at, detail: { penalty: penaltyId, reason } }]);
      return penaltyView(row);
    });
  }

  /** The fines of a case (revoked ones too, marked), for its page; scope as for the case itself. */
  async ofCase(actor: Actor, caseId: string): Promise<PenaltyView[]> {
    if (!['admin', 'auditor', 'supervisor', 'hospital'].includes(actor.role)) throw new FundGuardError('E_FORBIDDEN', `role ${actor.role} may not read penalties`);
    const [c] = await this.ctx.database.rows<{ medins_id: string; status: string; state: CaseState }>(sql`select medins_id, status, state from cases where id = ${caseId}`);
    const dept = actor.role === 'hospital' ? actor.deptCodg ?? null : null;
    if (!c || (actor.role === 'hospital' && (c.medins_id !== actor.institutionId || c.status === 'draft')) || (dept && !c.state.findings.some((f) => f.dept_codg === dept))) {
      throw new FundGuardError('E_NOT_FOUND', `no case ${caseId}`);
    }
    const rows = await this.ctx.database.rows<PenaltyRow>(sql`select ${PENALTY_COLUMNS} from penalties where case_id = ${caseId} order by id`);
    return rows.map(penaltyView);
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
