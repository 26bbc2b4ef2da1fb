import { isDeepStrictEqual } from 'node:util';
import { evaluatePatient, FundGuardError, parseFsiAuditData, toResultRow, type Encounter, type PatientEncounter } from '@fundguard/core';
import { boundInstitution, requirePermission, type Actor } from '../auth/roles.ts';
import type { ServiceContext } from '../context.ts';
import type { ActiveRules } from '../engine/active-rules.ts';
import type { HistoryCache } from './history.ts';

export type RealtimeStage = 'pre' | 'mid';

/**
 * 3101 (事前) and 3102 (事中): the request's encounters are evaluated with the active packs; history is the request's
 * other encounters and non-current orders plus what the store holds for the patient. 3101 stores only the warnings it
 * returned; 3102 also stores the encounters, so later calls see them as history. Nothing is stored on bad input.
 */
export class RealtimeAuditService {
  constructor(private readonly ctx: ServiceContext, private readonly rules: ActiveRules, private readonly history: HistoryCache) {}

  async audit(actor: Actor, stage: RealtimeStage, data: unknown, call: { msgid: string }): Promise<{ result: Record<string, unknown>[] }> {
    requirePermission(actor, 'audit.realtime');
    const req = parseFsiAuditData(data);
    if (actor.institutionId) {
      for (const [pi, p] of req.patients.entries()) {
        for (const [ei, e] of p.encounters.entries()) {
          if (e.medins_id !== actor.institutionId) {
            throw new FundGuardError('E_FORBIDDEN', `patient_dtos[${pi}](patn_id=${p.patient.patn_id}).fsi_encounter_dtos[${ei}](mdtrt_id=${e.mdtrt_id}).medins_id: ${e.medins_id} is not the institution of this key (${actor.institutionId})`);
          }
        }
      }
    }
    // One snapshot for the whole request: an activation meanwhile does not change it half-way.
    const snap = this.rules.snapshot();
    const rows: Record<string, unknown>[] = [];
    const warnings: Parameters<ServiceContext['realtime']['insertWarnings']>[0][number][] = [];
    const toStore: PatientEncounter[] = [];
    /** some of toStore are stored already (in a different form) */
    let replacing = false;
    for (const p of req.patients) {
      const requestIds = new Set(p.encounters.map((e) => e.mdtrt_id));
      const storedAll = await this.history.get(p.patient.patn_id);
      const stored = storedAll.filter((pe) => !requestIds.has(pe.encounter.mdtrt_id)).map((pe) => pe.encounter);
      const encounters: Encounter[] = [...stored, ...p.encounters];
      const current = new Set(p.curr_mdtrt_id ? [p.curr_mdtrt_id] : p.encounters.map((e) => e.mdtrt_id));
      const findings = evaluatePatient(snap.packs, { patient: p.patient, encounters, current }, { stage, ruleIds: req.rule_ids, catalogue: snap.catalogue, listed: snap.listed });
      const byId = new Map(encounters.map((e) => [e.mdtrt_id, e]));
      for (const f of findings) {
        const row = toResultRow(f, { salt: `${call.msgid}\u0000${stage}`, taskId: req.task_id });
        rows.push(row);
        const enc = byId.get(f.mdtrt_id)!;
        const first = enc.fsi_order_dtos.find((l) => l.rx_id === f.lines[0]?.rx_id);
        warnings.push({
          jr_id: row.jr_id, stage, pack: f.pack, pack_version: f.pack_version, rule_id: f.rule_id, rule_name: f.rule_name,
          sev_deg: row.sev_deg as string, patn_id: f.patn_id, mdtrt_id: f.mdtrt_id, medins_id: enc.medins_id,
          dept_codg: first?.drord_dept_codg || enc.adm_dept_codg, dr_codg: first?.drord_dr_codg || enc.dr_codg, vola_amt_fen: f.amount, result: row,
        });
      }
      if (stage === 'mid') {
        // 3102 stores the request's encounters; those already stored exactly so (a HIS resends the patient's earlier
        // encounters with every call) are not written again — rewriting them is most of a call's database work.
        const storedById = new Map(storedAll.map((pe) => [pe.encounter.mdtrt_id, pe]));
        for (const e of p.encounters) {
          const pe = { patient: p.patient, encounter: e };
          const before = storedById.get(e.mdtrt_id);
          if (before && isDeepStrictEqual(before, pe)) continue;
          toStore.push(pe);
          if (before) replacing = true;
        }
      }
    }
    if (stage === 'pre') {
      // 事前: the warnings are written in the background within 200 ms (3103 feedback waits for them).
      if (warnings.length) this.ctx.realtime.queueWarnings(warnings, this.ctx.nowIso());
    } else if (!toStore.length) {
      // 事中 with every encounter already stored as sent: the warnings alone, committed before the answer as always.
      if (warnings.length) await this.ctx.realtime.insertWarnings(warnings, this.ctx.nowIso());
    } else {
      // The warnings and the other processes' notice commit with the encounters. New encounters (the usual 3102) go
      // in one statement, one round trip; one stored meanwhile, or a changed one, is replaced in a transaction.
      const change = { kind: 'patients' as const, ids: [...new Set(toStore.map((pe) => pe.patient.patn_id))] };
      const alongside = { statements: warnings.length ? [this.ctx.realtime.warningsStatement(warnings, this.ctx.nowIso())] : [], notify: this.ctx.changes.notification(change) };
      const inserted = !replacing && (await this.ctx.encounters.insertNew(toStore, { source: 'fsi3102', alongside }));
      if (!inserted) {
        // A key bound to an institution replaces only that institution's encounters, and no 3102 moves one to another
        // institution; each replacement is audit-logged (who, when, old and new digests) in the same transaction.
        await this.ctx.database.transaction(async (tx) => {
          const replaced = await this.ctx.encounters.replaceMany(tx, toStore, { importId: null, source: 'fsi3102', alongside, owner: boundInstitution(actor) });
          if (replaced.length) {
            await this.ctx.auditLog.append(tx, [{ actor: actor.id, action: 'encounters.replace', entityType: 'fsi3102', entityId: call.msgid || '(no msgid)', at: this.ctx.nowIso(), detail: { replacements: replaced } }]);
          }
        });
      }
      await this.ctx.changes.applyHere(change);
    }
    return { result: rows };
  }
}
