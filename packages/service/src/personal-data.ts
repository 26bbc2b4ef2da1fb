import { ENCOUNTER_PERSONAL_FIELDS, FundGuardError, maskEncounterShape, toImportShape, type EncounterPersonalField } from '@fundguard/core';
import { ROLES, requireEncounterScope, requirePermission, type Actor, type Role } from './auth/roles.ts';
import type { ServiceContext } from './context.ts';

/** Roles that may reveal masked personal data by default (domain.md §7: only roles that need it). */
export const DEFAULT_REVEAL_ROLES: readonly Role[] = ['auditor', 'supervisor', 'admin'];

/** `FUNDGUARD_REVEAL_ROLES` (comma-separated role names) or the default; an unknown role name is a start-up error. */
export function revealRolesFrom(value: string | undefined): readonly Role[] {
  if (value === undefined || value.trim() === '') return DEFAULT_REVEAL_ROLES;
  const roles = value.split(',').map((r) => r.trim()).filter(Boolean);
  const unknown = roles.filter((r) => !(ROLES as readonly string[]).includes(r));
  if (unknown.length) throw new FundGuardError('E_INPUT_INVALID', `FUNDGUARD_REVEAL_ROLES: unknown role ${unknown.join(', ')} (roles: ${ROLES.join(', ')})`);
  return roles as Role[];
}

export interface RevealRequest {
  entity_type: 'encounter';
  entity_id: string;
  field: EncounterPersonalField;
  reason: string;
}

/**
 * Personal data leaves the server masked (name → 张*, ID number → first 6 + last 4, birth date → year) unless the
 * reader is the insured person themself. Revealing a field is a separate, logged request with a reason, open only to
 * the reveal roles; reads and exports of personal data are logged with who, what and how many rows.
 */
export class PersonalDataService {
  constructor(private readonly ctx: ServiceContext, private readonly revealRoles: readonly Role[] = DEFAULT_REVEAL_ROLES) {}

  canReveal(actor: Actor): boolean {
    return this.revealRoles.includes(actor.role);
  }

  /** One stored encounter in the import shape, masked for everyone but the insured person themself; the read is logged. */
  async encounter(actor: Actor, mdtrtId: string): Promise<Record<string, unknown>> {
    requirePermission(actor, 'encounters.read');
    const pe = await this.ctx.encounters.get(mdtrtId);
    if (!pe) throw new FundGuardError('E_NOT_FOUND', `no encounter ${mdtrtId}`);
    requireEncounterScope(actor, pe.encounter);
    const shape = toImportShape(pe);
    const own = actor.role === 'insured';
    await this.logRead(actor, 'encounter', mdtrtId, { rows: 1, masked: !own });
    return own ? shape : maskEncounterShape(shape);
  }

  /** Reveals one masked field of one record to a reveal role, with the reason recorded first. */
  async reveal(actor: Actor, req: RevealRequest): Promise<{ entity_type: string; entity_id: string; field: string; value: string | null }> {
    if (!this.canReveal(actor)) throw new FundGuardError('E_FORBIDDEN', `role ${actor.role} may not reveal personal data (reveal roles: ${this.revealRoles.join(', ')})`);
    if (!(req.field in ENCOUNTER_PERSONAL_FIELDS)) throw new FundGuardError('E_FIELD_INVALID', `field: one of ${Object.keys(ENCOUNTER_PERSONAL_FIELDS).join(', ')}`, [{ field: 'field', value: req.field, reason: 'not a personal field' }]);
    const reason = req.reason.trim();
    if (reason.length < 2) throw new FundGuardError('E_FIELD_REQUIRED', 'reason: say why the data is needed (查看原因)', [{ field: 'reason', reason: 'required' }]);
    const pe = await this.ctx.encounters.get(req.entity_id);
    if (!pe) throw new FundGuardError('E_NOT_FOUND', `no encounter ${req.entity_id}`);
    requireEncounterScope(actor, pe.encounter);
    const value = toImportShape(pe)[req.field];
    await this.ctx.auditLog.appendNow([{
      actor: actor.id, action: 'personal_data.reveal', entityType: req.entity_type, entityId: req.entity_id, at: this.ctx.nowIso(),
      detail: { field: req.field, reason, role: actor.role },
    }]);
    return { entity_type: req.entity_type, entity_id: req.entity_id, field: req.field, value: typeof value === 'string' ? value : null };
  }

  /** A read of personal data (who, what, how many rows), in the audit log. */
  async logRead(actor: Actor, entityType: string, entityId: string, detail: { rows: number; masked?: boolean; format?: string }): Promise<void> {
    await this.ctx.auditLog.appendNow([{ actor: actor.id, action: detail.format ? 'personal_data.export' : 'personal_data.read', entityType, entityId, at: this.ctx.nowIso(), detail: { ...detail, role: actor.role } }]);
  }
}
