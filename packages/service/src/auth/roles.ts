import { FundGuardError } from '@fundguard/core';

/** Roles of architecture.md §4. */
export const ROLES = ['admin', 'rule_admin', 'auditor', 'supervisor', 'hospital', 'insured', 'integration'] as const;
export type Role = (typeof ROLES)[number];

/** Who is acting: every use-case takes one and checks scope itself (not only the UI or the route). */
export interface Actor {
  /** user name or `key:<key_id>` */
  id: string;
  role: Role;
  /** hospital: the institution it acts for */
  institutionId?: string | null;
  /**
   * hospital: the department it reviews for (科室初审: sees only its department's cases and findings); absent or null:
   * the hospital's 医保办, who sees the whole institution
   */
  deptCodg?: string | null;
  /** insured: the person */
  patnId?: string | null;
  /** a session that may only change its password (set after an administrator's reset or a demo password outside demo mode) */
  mustChangePassword?: boolean;
}

/** Permissions by action; a role not listed may not perform the action. */
const PERMISSIONS = {
  'catalogue.import': ['admin', 'rule_admin'],
  'catalogue.read': ['admin', 'rule_admin', 'auditor', 'supervisor', 'hospital', 'integration'],
  'lists.import': ['admin', 'rule_admin', 'supervisor'],
  'lists.read': ['admin', 'rule_admin', 'auditor', 'supervisor'],
  'encounters.import': ['admin', 'auditor', 'hospital'],
  'encounters.read': ['admin', 'auditor', 'supervisor', 'hospital', 'insured'],
  'rules.write': ['admin', 'rule_admin'],
  'rules.read': ['admin', 'rule_admin', 'auditor', 'supervisor', 'hospital'],
  'audit.realtime': ['admin', 'integration'],
  'settlement.calculate': ['admin', 'auditor', 'hospital', 'integration', 'rule_admin'],
  'settlement.write': ['admin', 'hospital', 'integration'],
  'settlement.read': ['admin', 'auditor', 'supervisor', 'hospital', 'insured', 'integration'],
  'policy.write': ['admin', 'rule_admin'],
  'policy.read': ['admin', 'rule_admin', 'auditor', 'supervisor', 'hospital', 'integration'],
  'statement.read': ['admin', 'auditor', 'supervisor', 'hospital'],
  'screening.run': ['admin', 'auditor', 'supervisor'],
  'screening.read': ['admin', 'auditor', 'supervisor'],
  'screening.params': ['admin', 'rule_admin', 'supervisor'],
  'queue.build': ['admin', 'supervisor'],
  'queue.work': ['admin', 'auditor', 'supervisor'],
  'keys.manage': ['admin'],
  'users.manage': ['admin'],
  'auditlog.read': ['admin', 'supervisor'],
  'imports.read': ['admin', 'rule_admin', 'auditor', 'supervisor', 'hospital'],
} as const satisfies Record<string, readonly Role[]>;

export type Permission = keyof typeof PERMISSIONS;

/**
 * Every permission with the roles that hold it: the table above as data (the console's roles page shows this, so
 * what it says each role may do is what the server enforces, not a hand-written copy).
 */
export function permissionTable(): { permission: Permission; roles: Role[] }[] {
  return (Object.keys(PERMISSIONS) as Permission[]).map((permission) => ({ permission, roles: [...PERMISSIONS[permission]] }));
}

export function can(actor: Actor, permission: Permission): boolean {
  return (PERMISSIONS[permission] as readonly Role[]).includes(actor.role);
}

export function requirePermission(actor: Actor, permission: Permission): void {
  if (!can(actor, permission)) throw new FundGuardError('E_FORBIDDEN', `role ${actor.role} may not ${permission}`);
}

/**
 * The institution an actor is bound to: a hospital user always (one without an institution is bound to none, so it
 * sees nothing), an integration key when it was issued for one. Null: not bound (agency roles, a regional key).
 */
export function boundInstitution(actor: Actor): string | null {
  if (actor.role === 'hospital') return actor.institutionId ?? '\u0000';
  if (actor.role === 'integration' && actor.institutionId) return actor.institutionId;
  return null;
}

/** True when the actor may see an object of this institution and person (its institution's, or the insured's own). */
export function inScope(actor: Actor, obj: { medins_id: string; patn_id: string }): boolean {
  const bound = boundInstitution(actor);
  if (bound !== null && obj.medins_id !== bound) return false;
  if (actor.role === 'insured' && obj.patn_id !== (actor.patnId ?? '\u0000')) return false;
  return true;
}

/**
 * Another tenant's object answers exactly like a missing one (architecture.md §4: ids cannot be probed):
 * `notFound` is the message of the missing case, and it is the message here too.
 */
export function requireInScope(actor: Actor, obj: { medins_id: string; patn_id: string }, notFound: string): void {
  if (!inScope(actor, obj)) throw new FundGuardError('E_NOT_FOUND', notFound);
}

/** Hospital users (and institution-bound keys) act only on their own institution, insured persons only on themselves. */
export function requireEncounterScope(actor: Actor, enc: { medins_id: string; patn_id: string; mdtrt_id?: string }): void {
  requireInScope(actor, enc, `no encounter ${enc.mdtrt_id ?? ''}`.trim());
}

export const SYSTEM_ACTOR: Actor = { id: 'system', role: 'admin' };
