import { createHash, randomBytes, scrypt as scryptCb, timingSafeEqual } from 'node:crypto';
import { promisify } from 'node:util';
import { sql } from 'drizzle-orm';
import { FundGuardError } from '@fundguard/core';
import type { AuditEntryInput } from '@fundguard/store';
import type { ServiceContext } from '../context.ts';
import { ROLES, requirePermission, type Actor, type Role } from './roles.ts';
import type { SecretBox } from './secret-box.ts';
import { checkPasswordPolicy, DEMO_PASSWORD, PASSWORD_MAX } from './password-policy.ts';

/** x-tif signatures are accepted within this many seconds of the server clock (audit-api.md §1). */
export const TIF_WINDOW_S = 300;

const scrypt = promisify(scryptCb) as (pw: string, salt: Buffer, len: number) => Promise<Buffer>;

export const hashKey = (key: string): string => createHash('sha256').update(key).digest('hex');

type Tx = Parameters<ServiceContext['database']['rows']>[1];

/** Sign-in and session settings (issue 16); the server reads them from the environment (authSettingsFromEnv). */
export interface AuthSettings {
  /** demo mode (FUNDGUARD_DEMO=1): the demo password signs in as it is; otherwise its session must change it first */
  demo: boolean;
  /** absolute lifetime of a sign-in session */
  sessionHours: number;
  /** a session unused this long ends */
  idleMinutes: number;
  /** per account: this many failures within windowS lock it for lockS */
  account: { maxFailures: number; windowS: number; lockS: number };
  /** per client address: this many failures within windowS refuse it for lockS */
  address: { maxFailures: number; windowS: number; lockS: number };
}

export const DEFAULT_AUTH: AuthSettings = {
  demo: false,
  sessionHours: 8,
  idleMinutes: 30,
  account: { maxFailures: 5, windowS: 15 * 60, lockS: 15 * 60 },
  address: { maxFailures: 30, windowS: 10 * 60, lockS: 10 * 60 },
};

/** FUNDGUARD_SESSION_HOURS (8), FUNDGUARD_SESSION_IDLE_MINUTES (30), FUNDGUARD_LOGIN_MAX_FAILURES (5), FUNDGUARD_LOGIN_LOCK_MINUTES (15). */
export function authSettingsFromEnv(env: NodeJS.ProcessEnv, demo: boolean): AuthSettings {
  const num = (name: string, dflt: number, min: number) => {
    const raw = env[name];
    if (raw === undefined || raw === '') return dflt;
    const n = Number(raw);
    if (!Number.isFinite(n) || n < min) throw new FundGuardError('E_CONFIG_INVALID', `${name}=${raw}: expected a number ≥ ${min}`);
    return n;
  };
  const lockS = num('FUNDGUARD_LOGIN_LOCK_MINUTES', 15, 1) * 60;
  return {
    demo,
    sessionHours: num('FUNDGUARD_SESSION_HOURS', DEFAULT_AUTH.sessionHours, 0.1),
    idleMinutes: num('FUNDGUARD_SESSION_IDLE_MINUTES', DEFAULT_AUTH.idleMinutes, 1),
    account: { maxFailures: num('FUNDGUARD_LOGIN_MAX_FAILURES', 5, 1), windowS: lockS, lockS },
    address: { ...DEFAULT_AUTH.address },
  };
}

export interface NewKey {
  role: Role;
  label?: string;
  institutionId?: string | null;
  patnId?: string | null;
  userId?: number | null;
  expiresAt?: string | null;
  idleTimeoutS?: number | null;
  /** integration keys: register a HIS's existing national credentials (audit-api.md §1) instead of generating them */
  paasid?: string;
  secret?: string;
}

export interface KeyInfo {
  key_id: string;
  label: string;
  role: Role;
  institution_id: string | null;
  patn_id: string | null;
  created_at: string;
  created_by: string;
  expires_at: string | null;
  revoked_at: string | null;
  /** after a rotation: until when the previous key / secret is still accepted */
  previous_valid_until: string | null;
}

/** What a created or rotated key answers: the key (shown once) and, for integration keys, the x-tif credentials. */
export interface IssuedKey {
  key: string;
  /** integration keys: x-tif-paasid (the key id) and the secret that signs, as separate fields (audit-api.md §1) */
  paasid?: string;
  secret?: string;
  info: KeyInfo;
}

export interface UserInfo {
  username: string;
  display_name: string;
  role: Role;
  institution_id: string | null;
  /** a hospital user's department (科室初审 reviewer); null: the hospital's 医保办 */
  dept_codg: string | null;
  patn_id: string | null;
  disabled: boolean;
  must_change_password: boolean;
  created_at: string;
  password_changed_at: string | null;
  locked_until: string | null;
}

export interface Session {
  key: string;
  actor: Actor;
  expires_at: string;
  idle_timeout_s: number;
  /** the session may only change the password (admin reset, or a demo password outside demo mode) */
  password_change_required: boolean;
}

const iso = (col: string) => sql.raw(`to_char(${col} at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"')`);
const PAASID = /^[A-Za-z0-9_.:-]{4,64}$/;

const KEY_COLUMNS = sql`select key_id, label, role, institution_id, patn_id, created_by, ${iso('created_at')} as created_at,
  ${iso('expires_at')} as expires_at, ${iso('revoked_at')} as revoked_at, ${iso('previous_valid_until')} as previous_valid_until`;

/** How long a resolved key is trusted without asking the database again (revocations in other processes). */
export const KEY_CACHE_MS = 30_000;

/**
 * API keys (`fg_<id>_<secret>`), stored only as SHA-256; integration secrets also sealed for x-tif; users with scrypt
 * password hashes; sign-in sessions (keys with an absolute expiry and an idle timeout) that logout, disabling the user
 * and a password change revoke; sign-in throttling per account and per address, shared by every process.
 */
export class KeyService {
  /** hash → actor and when it was resolved; sessions are cached no longer than they live */
  private readonly cache = new Map<string, { actor: Actor; until: number }>();
  readonly settings: AuthSettings;

  constructor(private readonly ctx: ServiceContext, private readonly secrets: SecretBox | null = null, settings: Partial<AuthSettings> = {}) {
    this.settings = { ...DEFAULT_AUTH, ...settings };
  }

  private nowMs(): number {
    return this.ctx.clock().getTime();
  }

  /**
   * Resolves a presented key to the acting identity, or null when unknown, revoked, expired or idle too long.
   * Real-time calls come hundreds a second with the same key, so a resolved key is cached for KEY_CACHE_MS; a
   * revocation in this process clears the cache at once, in another process within KEY_CACHE_MS (at once with the
   * change feed). A session's last use is written on each lookup, so at most every KEY_CACHE_MS.
   */
  async authenticate(presented: string): Promise<Actor | null> {
    if (!presented || presented.length > 512) return null;
    const h = hashKey(presented);
    const now = this.nowMs();
    const hit = this.cache.get(h);
    if (hit && hit.until > now) return hit.actor;
    const found = await this.lookup(h);
    if (found) {
      if (this.cache.size > 10_000) this.cache.clear();
      this.cache.set(h, { actor: found.actor, until: Math.min(now + KEY_CACHE_MS, found.until) });
      return found.actor;
    }
    this.cache.delete(h);
    return null;
  }

  private async lookup(h: string): Promise<{ actor: Actor; until: number } | null> {
    const now = this.ctx.nowIso();
    const rows = await this.ctx.database.rows<{ key_id: string; current: boolean; role: Role; institution_id: string | null; patn_id: string | null; username: string | null; dept_codg: string | null; must_change: boolean | null; expired: boolean; idle: boolean; previous_over: boolean; expires_ms: number | null; idle_timeout_s: number | null; previous_ms: number | null }>(sql`
      select k.key_id, k.key_hash = ${h} as current, k.role, k.institution_id, k.patn_id, u.username, u.dept_codg, u.must_change_password as must_change,
        (k.expires_at is not null and k.expires_at <= ${now}::timestamptz) as expired,
        (k.idle_timeout_s is not null and coalesce(k.last_used_at, k.created_at) + k.idle_timeout_s * interval '1 second' <= ${now}::timestamptz) as idle,
        (k.key_hash <> ${h} and (k.previous_valid_until is null or k.previous_valid_until <= ${now}::timestamptz)) as previous_over,
        (extract(epoch from k.expires_at) * 1000)::float8 as expires_ms, k.idle_timeout_s,
        (extract(epoch from k.previous_valid_until) * 1000)::float8 as previous_ms
      from api_keys k left join users u on u.id = k.user_id
      where (k.key_hash = ${h} or k.previous_key_hash = ${h}) and k.revoked_at is null and (u.id is null or not u.disabled)`);
    const k = rows[0];
    if (!k || k.expired || k.idle || k.previous_over) return null;
    if (k.idle_timeout_s !== null) {
      await this.ctx.database.rows(sql`update api_keys set last_used_at = ${now}::timestamptz where key_id = ${k.key_id}`);
    }
    const nowMs = this.nowMs();
    const until = Math.min(k.expires_ms ?? Infinity, k.idle_timeout_s !== null ? nowMs + k.idle_timeout_s * 1000 : Infinity, k.current ? Infinity : k.previous_ms ?? Infinity);
    const actor: Actor = { id: k.username ?? `key:${k.key_id}`, role: k.role, institutionId: k.institution_id, patnId: k.patn_id };
    if (k.role === 'hospital' && k.dept_codg) actor.deptCodg = k.dept_codg;
    if (k.must_change) actor.mustChangePassword = true;
    return { actor, until };
  }

  /**
   * Checks the national gateway headers: signature = hex SHA-256 of timestamp + secret + nonce + timestamp,
   * timestamp within TIF_WINDOW_S of the server clock, nonce never reused within the window. After a rotation the
   * previous secret signs too until its grace period ends.
   */
  async authenticateTif(h: { paasid: string; timestamp: string; nonce: string; signature: string }): Promise<Actor> {
    const fail = (why: string) => new FundGuardError('E_UNAUTHORIZED', `x-tif signature refused: ${why}`);
    if (!this.secrets) throw fail('signed requests are not configured on this server');
    const nowS = Math.floor(this.nowMs() / 1000);
    const ts = Number(h.timestamp);
    if (!/^\d{9,11}$/.test(h.timestamp) || Math.abs(nowS - ts) > TIF_WINDOW_S) throw fail(`x-tif-timestamp must be Unix seconds within ${TIF_WINDOW_S} s of the server clock`);
    if (!h.nonce || h.nonce.length > 128) throw fail('x-tif-nonce missing');
    if (!h.paasid || h.paasid.length > 64) throw fail('unknown x-tif-paasid');
    const rows = await this.ctx.database.rows<{ secret_enc: string | null; previous_secret_enc: string | null; role: Role; institution_id: string | null; revoked: boolean }>(sql`
      select secret_enc, case when previous_valid_until > ${this.ctx.nowIso()}::timestamptz then previous_secret_enc end as previous_secret_enc,
        role, institution_id, revoked_at is not null as revoked
      from api_keys where key_id = ${h.paasid}`);
    const k = rows[0];
    if (!k || k.revoked || !k.secret_enc) throw fail('unknown x-tif-paasid');
    const given = Buffer.from(h.signature.toLowerCase(), 'hex');
    let decrypted = false;
    let matched = false;
    for (const sealed of [k.secret_enc, k.previous_secret_enc]) {
      if (!sealed) continue;
      const secret = this.secrets.open(sealed);
      if (secret === null) continue;
      decrypted = true;
      const expected = createHash('sha256').update(`${h.timestamp}${secret}${h.nonce}${h.timestamp}`).digest();
      if (given.length === expected.length && timingSafeEqual(given, expected)) matched = true;
    }
    if (!decrypted) throw fail('the key cannot be decrypted with this server\'s secret key');
    if (!matched) throw fail('x-tif-signature does not match');
    const seen = new Date((nowS - TIF_WINDOW_S) * 1000).toISOString();
    await this.ctx.database.rows(sql`delete from used_nonces where seen_at < ${seen}::timestamptz`);
    const fresh = await this.ctx.database.rows(sql`
      insert into used_nonces (key_id, nonce, seen_at) values (${h.paasid}, ${h.nonce}, ${this.ctx.nowIso()}::timestamptz) on conflict do nothing returning nonce`);
    if (!fresh.length) throw fail('x-tif-nonce was already used');
    return { id: `key:${h.paasid}`, role: k.role, institutionId: k.institution_id };
  }

  /** Creates a key and returns it in plain text: the only time it is ever shown. */
  async create(actor: Actor, spec: NewKey): Promise<IssuedKey> {
    requirePermission(actor, 'keys.manage');
    const r = await this.insert(actor.id, spec);
    return { key: r.key, ...(r.paasid ? { paasid: r.paasid, secret: r.secret } : {}), info: r.info };
  }

  private async insert(createdBy: string, spec: NewKey, fixedKey?: string): Promise<{ key: string; keyId: string; paasid?: string; secret?: string; info: KeyInfo }> {
    if (!ROLES.includes(spec.role)) throw new FundGuardError('E_FIELD_INVALID', `role must be one of ${ROLES.join(', ')}`, [{ field: 'role', value: spec.role, reason: 'unknown role' }]);
    if (spec.role === 'hospital' && !spec.institutionId) throw new FundGuardError('E_FIELD_REQUIRED', 'a hospital key needs institution_id', [{ field: 'institution_id', reason: 'required for role hospital' }]);
    if (spec.role === 'insured' && !spec.patnId) throw new FundGuardError('E_FIELD_REQUIRED', 'an insured key needs patn_id', [{ field: 'patn_id', reason: 'required for role insured' }]);
    const registered = spec.paasid !== undefined || spec.secret !== undefined;
    if (registered) {
      if (spec.role !== 'integration') throw new FundGuardError('E_FIELD_INVALID', '只有 integration 密钥可以登记国家平台凭证 (paasid and secret are for role integration only)', [{ field: 'paasid', reason: 'only with role integration' }]);
      if (!spec.paasid || !PAASID.test(spec.paasid)) throw new FundGuardError('E_FIELD_INVALID', 'paasid: 4–64 letters, digits, _ . : -', [{ field: 'paasid', value: spec.paasid, reason: 'invalid' }]);
      if (!spec.secret || spec.secret.length < 8 || spec.secret.length > 256) throw new FundGuardError('E_FIELD_INVALID', 'secret: 8–256 characters', [{ field: 'secret', reason: 'required with paasid, 8–256 characters' }]);
      if (!this.secrets) throw new FundGuardError('E_CONFLICT', 'signed requests are not configured on this server (no server secret key)');
    }
    const keyId = spec.paasid ?? randomBytes(6).toString('hex');
    const secret = spec.secret ?? randomBytes(24).toString('base64url');
    const key = fixedKey ?? `fg_${keyId}_${secret}`;
    // Integration keys can also sign with the national x-tif headers: paasid = key id, secret = the key's secret part.
    const sealed = spec.role === 'integration' && !fixedKey && this.secrets ? this.secrets.seal(secret) : null;
    return this.ctx.database.transaction(async (tx) => {
      const clash = await this.ctx.database.rows(sql`select 1 from api_keys where key_id = ${keyId}`, tx);
      if (clash.length) throw new FundGuardError('E_CONFLICT', `密钥 ${keyId} 已存在 (a key with paasid ${keyId} exists)`, [{ field: 'paasid', value: keyId, reason: 'exists' }]);
      await this.ctx.database.rows(sql`
        insert into api_keys (key_id, key_hash, label, role, institution_id, patn_id, user_id, created_by, expires_at, created_at, secret_enc, idle_timeout_s, last_used_at)
        values (${keyId}, ${hashKey(key)}, ${spec.label ?? ''}, ${spec.role}, ${spec.institutionId ?? null}, ${spec.patnId ?? null}, ${spec.userId ?? null},
          ${createdBy}, ${spec.expiresAt ?? null}::timestamptz, ${this.ctx.nowIso()}::timestamptz, ${sealed}, ${spec.idleTimeoutS ?? null}::int,
          ${spec.idleTimeoutS ? this.ctx.nowIso() : null}::timestamptz)`, tx);
      if (!spec.expiresAt) {
        await this.ctx.auditLog.append(tx, [{ actor: createdBy, action: 'key.create', entityType: 'api_key', entityId: keyId, at: this.ctx.nowIso(), detail: { role: spec.role, label: spec.label ?? '', institution_id: spec.institutionId ?? null, registered } }]);
      }
      const info = (await this.keyInfo(keyId, tx))!;
      return { key, keyId, ...(sealed ? { paasid: keyId, secret } : {}), info };
    });
  }

  private async keyInfo(keyId: string, tx?: Tx): Promise<KeyInfo | null> {
    return (await this.ctx.database.rows<KeyInfo>(sql`${KEY_COLUMNS} from api_keys where key_id = ${keyId}`, tx))[0] ?? null;
  }

  /** Machine keys (sessions only when asked: they are many and short-lived). */
  async list(tx?: Tx, withSessions = false): Promise<KeyInfo[]> {
    return this.ctx.database.rows<KeyInfo>(sql`${KEY_COLUMNS} from api_keys where (${withSessions} or expires_at is null) order by created_at, key_id`, tx);
  }

  async revoke(actor: Actor, keyId: string): Promise<void> {
    requirePermission(actor, 'keys.manage');
    await this.ctx.database.transaction(async (tx) => {
      const r = await this.ctx.database.rows(sql`update api_keys set revoked_at = ${this.ctx.nowIso()}::timestamptz where key_id = ${keyId} and revoked_at is null returning key_id`, tx);
      if (!r.length) throw new FundGuardError('E_NOT_FOUND', `no active key ${keyId}`);
      await this.ctx.auditLog.append(tx, [{ actor: actor.id, action: 'key.revoke', entityType: 'api_key', entityId: keyId, at: this.ctx.nowIso() }]);
    });
    await this.keysChanged();
  }

  /**
   * Rotation without downtime: a new key (and, for integration keys, a new or given x-tif secret) is valid at once,
   * the previous one stays valid for `graceHours`, then only the new one is accepted.
   */
  async rotate(actor: Actor, keyId: string, opts: { secret?: string; graceHours?: number } = {}): Promise<IssuedKey> {
    requirePermission(actor, 'keys.manage');
    const grace = opts.graceHours ?? 24;
    if (!(grace >= 0 && grace <= 24 * 30)) throw new FundGuardError('E_FIELD_INVALID', 'grace_hours: 0–720', [{ field: 'grace_hours', value: grace, reason: '0–720' }]);
    if (opts.secret !== undefined && (opts.secret.length < 8 || opts.secret.length > 256)) throw new FundGuardError('E_FIELD_INVALID', 'secret: 8–256 characters', [{ field: 'secret', reason: '8–256 characters' }]);
    const out = await this.ctx.database.transaction(async (tx) => {
      const rows = await this.ctx.database.rows<{ role: Role; secret_enc: string | null; label: string }>(sql`
        select role, secret_enc, label from api_keys where key_id = ${keyId} and revoked_at is null and expires_at is null for update`, tx);
      const k = rows[0];
      if (!k || k.label === 'FUNDGUARD_ADMIN_KEY') throw new FundGuardError('E_NOT_FOUND', `no active key ${keyId} that can be rotated`);
      if (opts.secret !== undefined && k.role !== 'integration') throw new FundGuardError('E_FIELD_INVALID', 'a given secret is for integration keys only', [{ field: 'secret', reason: 'only with role integration' }]);
      const secret = opts.secret ?? randomBytes(24).toString('base64url');
      const key = `fg_${keyId}_${secret}`;
      const sealed = k.role === 'integration' && this.secrets ? this.secrets.seal(secret) : null;
      const until = new Date(this.nowMs() + grace * 3600_000).toISOString();
      await this.ctx.database.rows(sql`
        update api_keys set previous_key_hash = key_hash, previous_secret_enc = secret_enc, previous_valid_until = ${until}::timestamptz,
          key_hash = ${hashKey(key)}, secret_enc = ${sealed}
        where key_id = ${keyId}`, tx);
      await this.ctx.auditLog.append(tx, [{ actor: actor.id, action: 'key.rotate', entityType: 'api_key', entityId: keyId, at: this.ctx.nowIso(), detail: { previous_valid_until: until, given_secret: opts.secret !== undefined } }]);
      return { key, ...(sealed ? { paasid: keyId, secret } : {}), info: (await this.keyInfo(keyId, tx))! };
    });
    await this.keysChanged();
    return out;
  }

  /**
   * After FUNDGUARD_SECRET_KEY was rotated (the old one in FUNDGUARD_SECRET_KEY_PREVIOUS): re-encrypts every stored
   * integration secret with the current key. Returns how many were re-encrypted and how many could not be opened.
   */
  async resealSecrets(actor: Actor): Promise<{ resealed: number; unreadable: string[] }> {
    requirePermission(actor, 'keys.manage');
    if (!this.secrets) throw new FundGuardError('E_CONFLICT', '未配置服务器密钥 (no server secret key configured)');
    const box = this.secrets;
    return this.ctx.database.transaction(async (tx) => {
      const rows = await this.ctx.database.rows<{ key_id: string; secret_enc: string | null; previous_secret_enc: string | null }>(sql`
        select key_id, secret_enc, previous_secret_enc from api_keys where secret_enc is not null or previous_secret_enc is not null for update`, tx);
      let resealed = 0;
      const unreadable: string[] = [];
      for (const r of rows) {
        const next: (string | null)[] = [];
        let changed = false;
        for (const sealed of [r.secret_enc, r.previous_secret_enc]) {
          if (!sealed || box.isCurrent(sealed)) {
            next.push(sealed);
            continue;
          }
          const plain = box.open(sealed);
          if (plain === null) {
            unreadable.push(r.key_id);
            next.push(sealed);
            continue;
          }
          next.push(box.seal(plain));
          changed = true;
        }
        if (changed) {
          await this.ctx.database.rows(sql`update api_keys set secret_enc = ${next[0]}, previous_secret_enc = ${next[1]} where key_id = ${r.key_id}`, tx);
          resealed++;
        }
      }
      // Only a re-encryption is a change worth an entry (run twice, the second run changes nothing).
      if (resealed || unreadable.length) await this.ctx.auditLog.append(tx, [{ actor: actor.id, action: 'key.reseal', entityType: 'api_key', entityId: '*', at: this.ctx.nowIso(), detail: { resealed, unreadable } }]);
      return { resealed, unreadable: [...new Set(unreadable)] };
    });
  }

  /** Drops every resolved key, so that the next request asks the database (after a revocation). */
  forgetCached(): void {
    this.cache.clear();
  }

  private async keysChanged(): Promise<void> {
    this.cache.clear();
    await this.ctx.changes.publish({ kind: 'keys' }); // forgotten by every process at once, not after KEY_CACHE_MS
  }

  /**
   * Start-up: with FUNDGUARD_ADMIN_KEY, make sure that exact key exists with the admin role; without it, create
   * an admin key when none exists and return it so the server can print it once.
   */
  async ensureAdminKey(configured: string | undefined): Promise<{ created: boolean; key?: string }> {
    if (configured) {
      const existing = await this.authenticate(configured);
      if (existing?.role === 'admin') return { created: false };
      if (existing) throw new FundGuardError('E_CONFLICT', 'FUNDGUARD_ADMIN_KEY is already used by a key with another role');
      await this.insert('system', { role: 'admin', label: 'FUNDGUARD_ADMIN_KEY' }, configured);
      return { created: true };
    }
    const admins = await this.ctx.database.rows<{ n: number }>(sql`select count(*)::int as n from api_keys where role = 'admin' and revoked_at is null and expires_at is null`);
    if (admins[0].n > 0) return { created: false };
    const { key } = await this.insert('system', { role: 'admin', label: 'generated at first start' });
    return { created: true, key };
  }

  /** A short-lived admin key for CLI commands on this machine that hand work to the running server. */
  async issueLocalKey(hours: number): Promise<{ key: string; keyId: string }> {
    const expires = new Date(this.nowMs() + hours * 3600_000).toISOString();
    const r = await this.insert('system', { role: 'admin', label: 'local-cli', expiresAt: expires });
    return { key: r.key, keyId: r.keyId };
  }

  async expireLocalKey(keyId: string): Promise<void> {
    await this.ctx.database.rows(sql`update api_keys set revoked_at = ${this.ctx.nowIso()}::timestamptz where key_id = ${keyId} and label = 'local-cli'`);
    await this.keysChanged();
  }

  /**
   * Start-up of the process that owns the embedded data dir: local CLI keys of an earlier process (one that crashed
   * and never expired its key) are revoked before a new one is issued. Returns how many were revoked.
   */
  async revokeStaleLocalKeys(): Promise<number> {
    const r = await this.ctx.database.rows(sql`
      update api_keys set revoked_at = ${this.ctx.nowIso()}::timestamptz where label = 'local-cli' and created_by = 'system' and revoked_at is null returning key_id`);
    if (r.length) await this.keysChanged();
    return r.length;
  }

  // ---- users and sign-in -------------------------------------------------------------------------------

  async createUser(actor: Actor, u: { username: string; password: string; role: Role; displayName?: string; institutionId?: string | null; deptCodg?: string | null; patnId?: string | null; mustChangePassword?: boolean }): Promise<number> {
    requirePermission(actor, 'users.manage');
    if (!/^[A-Za-z0-9_.@-]{2,64}$/.test(u.username)) throw new FundGuardError('E_FIELD_INVALID', '用户名：2–64 个字母、数字或 _ . @ - (username: 2–64 letters, digits, _ . @ -)', [{ field: 'username', value: u.username, reason: 'invalid' }]);
    checkPasswordPolicy(u.password, u.username);
    if (!ROLES.includes(u.role)) throw new FundGuardError('E_FIELD_INVALID', 'unknown role', [{ field: 'role', value: u.role, reason: 'unknown role' }]);
    if (u.role === 'hospital' && !u.institutionId) throw new FundGuardError('E_FIELD_REQUIRED', 'a hospital user needs institution_id', [{ field: 'institution_id', reason: 'required for role hospital' }]);
    if (u.deptCodg && u.role !== 'hospital') throw new FundGuardError('E_FIELD_INVALID', '只有医院用户可以绑定科室 (only a hospital user is bound to a department)', [{ field: 'dept_codg', value: u.deptCodg, reason: 'only for role hospital' }]);
    if (u.deptCodg !== undefined && u.deptCodg !== null && !/^[A-Za-z0-9_.-]{1,64}$/.test(u.deptCodg)) throw new FundGuardError('E_FIELD_INVALID', '科室编码：1–64 个字母、数字或 _ . - (dept_codg: 1–64 letters, digits, _ . -)', [{ field: 'dept_codg', value: u.deptCodg, reason: 'invalid' }]);
    if (u.role === 'insured' && !u.patnId) throw new FundGuardError('E_FIELD_REQUIRED', 'an insured user needs patn_id', [{ field: 'patn_id', reason: 'required for role insured' }]);
    const hash = await hashPassword(u.password);
    return this.ctx.database.transaction(async (tx) => {
      // Case-insensitively unique (the unique index on lower(username) is the last word under concurrency).
      const dup = await this.ctx.database.rows<{ username: string }>(sql`select username from users where lower(username) = lower(${u.username})`, tx);
      if (dup.length) throw new FundGuardError('E_CONFLICT', `用户 ${dup[0].username} 已存在 (user names are unique regardless of case)`, [{ field: 'username', value: u.username, reason: `exists as ${dup[0].username}` }]);
      const [{ id }] = await this.ctx.database.rows<{ id: number }>(sql`
        insert into users (username, display_name, password_hash, role, institution_id, dept_codg, patn_id, must_change_password, password_changed_at)
        values (${u.username}, ${u.displayName ?? ''}, ${hash}, ${u.role}, ${u.institutionId ?? null}, ${u.deptCodg || null}, ${u.patnId ?? null}, ${u.mustChangePassword ?? false}, ${this.ctx.nowIso()}::timestamptz) returning id`, tx);
      await this.ctx.auditLog.append(tx, [{ actor: actor.id, action: 'user.create', entityType: 'user', entityId: u.username, at: this.ctx.nowIso(), detail: { role: u.role, institution_id: u.institutionId ?? null, ...(u.deptCodg ? { dept_codg: u.deptCodg } : {}) } }]);
      return id;
    });
  }

  async listUsers(actor: Actor): Promise<UserInfo[]> {
    requirePermission(actor, 'users.manage');
    return this.userInfos(null);
  }

  private userInfos(username: string | null, tx?: Tx): Promise<UserInfo[]> {
    return this.ctx.database.rows<UserInfo>(sql`
      select u.username, u.display_name, u.role, u.institution_id, u.dept_codg, u.patn_id, u.disabled, u.must_change_password,
        ${iso('u.created_at')} as created_at, ${iso('u.password_changed_at')} as password_changed_at,
        case when t.locked_until > ${this.ctx.nowIso()}::timestamptz then ${iso('t.locked_until')} end as locked_until
      from users u left join login_throttle t on t.subject = 'user:' || lower(u.username)
      where ${username}::text is null or lower(u.username) = lower(${username})
      order by lower(u.username)`, tx);
  }

  /**
   * An administrator changes a user's role, display name or binding (the institution of a hospital user, the person
   * of an insured one). A session carries the role and scope it was signed in with, so a change of role or binding
   * ends the user's sessions: the next sign-in acts with the new ones. Logged with the values before and after.
   */
  async updateUser(actor: Actor, username: string, change: { role?: Role; displayName?: string; institutionId?: string | null; patnId?: string | null }): Promise<UserInfo> {
    requirePermission(actor, 'users.manage');
    const u = await this.userRow(username);
    if (!u) throw new FundGuardError('E_NOT_FOUND', `没有用户 ${username} (no user ${username})`);
    const role = change.role ?? u.role;
    if (!ROLES.includes(role)) throw new FundGuardError('E_FIELD_INVALID', 'unknown role', [{ record: `username=${u.username}`, field: 'role', value: role, reason: 'unknown role' }]);
    const institutionId = change.institutionId === undefined ? u.institution_id : change.institutionId || null;
    const patnId = change.patnId === undefined ? u.patn_id : change.patnId || null;
    if (role === 'hospital' && !institutionId) throw new FundGuardError('E_FIELD_REQUIRED', 'a hospital user needs institution_id', [{ record: `username=${u.username}`, field: 'institution_id', reason: 'required for role hospital' }]);
    if (role === 'insured' && !patnId) throw new FundGuardError('E_FIELD_REQUIRED', 'an insured user needs patn_id', [{ record: `username=${u.username}`, field: 'patn_id', reason: 'required for role insured' }]);
    // An administrator who took away their own role could lock everyone out of these pages.
    if (u.username.toLowerCase() === actor.id.toLowerCase() && role !== u.role) {
      throw new FundGuardError('E_CONFLICT', '不能修改自己的角色 (you cannot change your own role)', [{ record: `username=${u.username}`, field: 'role', value: role, reason: 'own account' }]);
    }
    const [{ display_name: before }] = await this.ctx.database.rows<{ display_name: string }>(sql`select display_name from users where id = ${u.id}`);
    const displayName = change.displayName === undefined ? before : change.displayName.trim();
    const scopeChanged = role !== u.role || institutionId !== u.institution_id || patnId !== u.patn_id;
    const info = await this.ctx.database.transaction(async (tx) => {
      await this.ctx.database.rows(sql`update users set role = ${role}, display_name = ${displayName}, institution_id = ${institutionId}, patn_id = ${patnId} where id = ${u.id}`, tx);
      const ended = scopeChanged ? await this.revokeSessionsIn(tx, u.id) : 0;
      await this.ctx.auditLog.append(tx, [{
        actor: actor.id, action: 'user.update', entityType: 'user', entityId: u.username, at: this.ctx.nowIso(),
        detail: { before: { role: u.role, display_name: before, institution_id: u.institution_id, patn_id: u.patn_id }, after: { role, display_name: displayName, institution_id: institutionId, patn_id: patnId }, sessions_ended: ended },
      }]);
      return (await this.userInfos(u.username, tx))[0];
    });
    if (scopeChanged) await this.keysChanged();
    return info;
  }

  /**
   * Password sign-in: a session key valid for settings.sessionHours and ended earlier after settings.idleMinutes
   * without use. Wrong user or password: one message. Too many failures lock the account (423) or refuse the
   * address (429) for a while, with the seconds to wait; failures and successes go into the audit log.
   */
  async signIn(username: string, password: string, opts: { address?: string } = {}): Promise<Session> {
    const name = String(username ?? '').slice(0, 128);
    const address = (opts.address ?? 'unknown').slice(0, 64);
    const subjects = { user: `user:${name.toLowerCase()}`, addr: `addr:${address}` };
    await this.refuseWhileLocked(subjects);
    const rows = await this.ctx.database.rows<{ id: number; username: string; password_hash: string | null; role: Role; institution_id: string | null; dept_codg: string | null; patn_id: string | null; disabled: boolean; must_change_password: boolean }>(sql`
      select id, username, password_hash, role, institution_id, dept_codg, patn_id, disabled, must_change_password from users where lower(username) = lower(${name})`);
    const u = rows[0];
    const tooLong = typeof password !== 'string' || password.length > PASSWORD_MAX;
    const ok = u && !tooLong && u.password_hash ? await verifyPassword(password, u.password_hash) : (await hashPassword('x'), false);
    if (!ok || !u || u.disabled) {
      await this.recordFailure(subjects, name, address, !u ? 'unknown_user' : !ok ? 'wrong_password' : 'disabled');
      throw new FundGuardError('E_UNAUTHORIZED', '用户名或密码错误 (wrong user name or password)');
    }
    await this.ctx.database.rows(sql`delete from login_throttle where subject = ${subjects.user}`);
    // Outside demo mode the published demo password is as good as none: the session may only replace it.
    let mustChange = u.must_change_password;
    if (!this.settings.demo && password === DEMO_PASSWORD && !mustChange) {
      await this.ctx.database.rows(sql`update users set must_change_password = true where id = ${u.id}`);
      mustChange = true;
    }
    const session = await this.issueSession(u, mustChange);
    await this.ctx.auditLog.appendNow([{ actor: u.username, action: 'user.sign_in', entityType: 'user', entityId: u.username, at: this.ctx.nowIso(), detail: { address, ...(mustChange ? { password_change_required: true } : {}) } }]);
    return session;
  }

  private async issueSession(u: { id: number; username: string; role: Role; institution_id: string | null; dept_codg?: string | null; patn_id: string | null }, mustChange: boolean, tx?: Tx): Promise<Session> {
    const expires = new Date(this.nowMs() + this.settings.sessionHours * 3600_000).toISOString();
    const idle = Math.round(this.settings.idleMinutes * 60);
    const spec: NewKey = { role: u.role, label: 'session', institutionId: u.institution_id, patnId: u.patn_id, userId: u.id, expiresAt: expires, idleTimeoutS: idle };
    const { key } = tx ? await this.insertIn(tx, u.username, spec) : await this.insert(u.username, spec);
    const actor: Actor = { id: u.username, role: u.role, institutionId: u.institution_id, patnId: u.patn_id };
    if (u.role === 'hospital' && u.dept_codg) actor.deptCodg = u.dept_codg;
    if (mustChange) actor.mustChangePassword = true;
    return { key, actor, expires_at: expires, idle_timeout_s: idle, password_change_required: mustChange };
  }

  /** A session row inside the caller's transaction (password change: revoke and reissue atomically). */
  private async insertIn(tx: Tx, createdBy: string, spec: NewKey): Promise<{ key: string }> {
    const keyId = randomBytes(6).toString('hex');
    const key = `fg_${keyId}_${randomBytes(24).toString('base64url')}`;
    await this.ctx.database.rows(sql`
      insert into api_keys (key_id, key_hash, label, role, institution_id, patn_id, user_id, created_by, expires_at, created_at, idle_timeout_s, last_used_at)
      values (${keyId}, ${hashKey(key)}, ${spec.label ?? ''}, ${spec.role}, ${spec.institutionId ?? null}, ${spec.patnId ?? null}, ${spec.userId ?? null},
        ${createdBy}, ${spec.expiresAt ?? null}::timestamptz, ${this.ctx.nowIso()}::timestamptz, ${spec.idleTimeoutS ?? null}::int, ${this.ctx.nowIso()}::timestamptz)`, tx);
    return { key };
  }

  private async refuseWhileLocked(subjects: { user: string; addr: string }): Promise<void> {
    const now = this.nowMs();
    const rows = await this.ctx.database.rows<{ subject: string; until_ms: number }>(sql`
      select subject, (extract(epoch from locked_until) * 1000)::float8 as until_ms from login_throttle
      where subject in (${subjects.user}, ${subjects.addr}) and locked_until > ${this.ctx.nowIso()}::timestamptz`);
    const addr = rows.find((r) => r.subject === subjects.addr);
    if (addr) {
      const e = new FundGuardError('E_TOO_MANY_ATTEMPTS', `登录失败次数过多，请 ${Math.ceil((addr.until_ms - now) / 60_000)} 分钟后再试 (too many failed sign-ins from this address)`);
      e.retryAfterS = Math.ceil((addr.until_ms - now) / 1000);
      throw e;
    }
    const user = rows.find((r) => r.subject === subjects.user);
    if (user) {
      const e = new FundGuardError('E_ACCOUNT_LOCKED', `账户已临时锁定，请 ${Math.ceil((user.until_ms - now) / 60_000)} 分钟后再试或联系管理员 (account temporarily locked after repeated failed sign-ins)`);
      e.retryAfterS = Math.ceil((user.until_ms - now) / 1000);
      throw e;
    }
  }

  /**
   * Counts a failure against the account and the address. A failure is logged; reaching the limit locks the subject
   * and is logged once. Attempts refused while locked are not logged one by one (they would let anyone flood the log).
   */
  private async recordFailure(subjects: { user: string; addr: string }, name: string, address: string, reason: string): Promise<void> {
    const now = this.ctx.nowIso();
    // Counters whose window and lock are over are forgotten (the table would otherwise keep every guessed name).
    const stale = new Date(this.nowMs() - Math.max(this.settings.account.windowS, this.settings.address.windowS) * 1000).toISOString();
    await this.ctx.database.rows(sql`delete from login_throttle where window_start < ${stale}::timestamptz and (locked_until is null or locked_until < ${now}::timestamptz)`);
    const locked: Record<string, string> = {};
    for (const [subject, rule] of [[subjects.user, this.settings.account], [subjects.addr, this.settings.address]] as const) {
      const windowStart = new Date(this.nowMs() - rule.windowS * 1000).toISOString();
      const [{ failures }] = await this.ctx.database.rows<{ failures: number }>(sql`
        insert into login_throttle (subject, failures, window_start) values (${subject}, 1, ${now}::timestamptz)
        on conflict (subject) do update set
          failures = case when login_throttle.window_start <= ${windowStart}::timestamptz then 1 else login_throttle.failures + 1 end,
          window_start = case when login_throttle.window_start <= ${windowStart}::timestamptz then ${now}::timestamptz else login_throttle.window_start end
        returning failures`);
      if (failures >= rule.maxFailures) {
        const until = new Date(this.nowMs() + rule.lockS * 1000).toISOString();
        await this.ctx.database.rows(sql`update login_throttle set locked_until = ${until}::timestamptz, failures = 0, window_start = ${now}::timestamptz where subject = ${subject}`);
        locked[subject === subjects.user ? 'account_locked_until' : 'address_blocked_until'] = until;
      }
    }
    const entries: AuditEntryInput[] = [{ actor: name || '(empty)', action: 'user.sign_in_failed', entityType: 'user', entityId: name || '(empty)', at: now, detail: { address, reason, ...locked } }];
    if (locked.account_locked_until) entries.push({ actor: 'system', action: 'user.locked', entityType: 'user', entityId: name || '(empty)', at: now, detail: { address, reason: 'too many failed sign-ins', until: locked.account_locked_until } });
    await this.ctx.auditLog.appendNow(entries);
  }

  /** Logout: the presented session ends at once (in every process). */
  async signOut(presented: string): Promise<boolean> {
    const r = await this.ctx.database.rows<{ key_id: string; username: string | null }>(sql`
      update api_keys k set revoked_at = ${this.ctx.nowIso()}::timestamptz
      from users u where u.id = k.user_id and k.key_hash = ${hashKey(presented)} and k.revoked_at is null and k.expires_at is not null
      returning k.key_id, u.username`);
    if (!r.length) return false;
    await this.ctx.auditLog.appendNow([{ actor: r[0].username ?? 'unknown', action: 'user.sign_out', entityType: 'user', entityId: r[0].username ?? 'unknown', at: this.ctx.nowIso() }]);
    await this.keysChanged();
    return true;
  }

  /**
   * The signed-in user changes their own password: the current one is checked (failures count like sign-in failures),
   * the new one must pass the policy, every session of the user ends, and a fresh session is returned.
   */
  async changePassword(actor: Actor, current: string, next: string, opts: { address?: string } = {}): Promise<Session> {
    if (actor.id.startsWith('key:') || actor.id === 'system' || actor.id.startsWith('cli:')) throw new FundGuardError('E_FORBIDDEN', '只有已登录的用户可以修改密码 (only a signed-in user can change a password)');
    const address = (opts.address ?? 'unknown').slice(0, 64);
    const subjects = { user: `user:${actor.id.toLowerCase()}`, addr: `addr:${address}` };
    await this.refuseWhileLocked(subjects);
    const u = await this.userRow(actor.id);
    if (!u || u.disabled) throw new FundGuardError('E_UNAUTHORIZED', 'unknown or disabled user');
    const ok = typeof current === 'string' && current.length <= PASSWORD_MAX && u.password_hash ? await verifyPassword(current, u.password_hash) : false;
    if (!ok) {
      await this.recordFailure(subjects, u.username, address, 'wrong_current_password');
      throw new FundGuardError('E_FIELD_INVALID', '当前密码不正确 (the current password is wrong)', [{ field: 'current_password', reason: 'wrong' }]);
    }
    checkPasswordPolicy(next, u.username);
    if (next === current) throw new FundGuardError('E_PASSWORD_POLICY', '新密码不能与当前密码相同 (the new password must differ from the current one)', [{ field: 'new_password', reason: 'same as current' }]);
    if (next === DEMO_PASSWORD) throw new FundGuardError('E_PASSWORD_POLICY', '不能使用演示密码 (the demo password is published)', [{ field: 'new_password', reason: 'the demo password' }]);
    const hash = await hashPassword(next);
    const session = await this.ctx.database.transaction(async (tx) => {
      await this.ctx.database.rows(sql`update users set password_hash = ${hash}, must_change_password = false, password_changed_at = ${this.ctx.nowIso()}::timestamptz where id = ${u.id}`, tx);
      const ended = await this.revokeSessionsIn(tx, u.id);
      await this.ctx.auditLog.append(tx, [{ actor: u.username, action: 'user.password_change', entityType: 'user', entityId: u.username, at: this.ctx.nowIso(), detail: { sessions_ended: ended, address } }]);
      return this.issueSession(u, false, tx);
    });
    await this.ctx.database.rows(sql`delete from login_throttle where subject = ${subjects.user}`);
    await this.keysChanged();
    return session;
  }

  /** An administrator sets a new password; the user must change it at the next sign-in; sessions end; a lock is lifted. */
  async resetPassword(actor: Actor, username: string, password: string): Promise<void> {
    requirePermission(actor, 'users.manage');
    const u = await this.userRow(username);
    if (!u) throw new FundGuardError('E_NOT_FOUND', `没有用户 ${username} (no user ${username})`);
    checkPasswordPolicy(password, u.username);
    const hash = await hashPassword(password);
    await this.ctx.database.transaction(async (tx) => {
      await this.ctx.database.rows(sql`update users set password_hash = ${hash}, must_change_password = true, password_changed_at = ${this.ctx.nowIso()}::timestamptz where id = ${u.id}`, tx);
      await this.ctx.database.rows(sql`delete from login_throttle where subject = ${`user:${u.username.toLowerCase()}`}`, tx);
      const ended = await this.revokeSessionsIn(tx, u.id);
      await this.ctx.auditLog.append(tx, [{ actor: actor.id, action: 'user.password_reset', entityType: 'user', entityId: u.username, at: this.ctx.nowIso(), detail: { sessions_ended: ended } }]);
    });
    await this.keysChanged();
  }

  /** Disables (every session ends at once) or enables a user. */
  async setDisabled(actor: Actor, username: string, disabled: boolean): Promise<void> {
    requirePermission(actor, 'users.manage');
    const u = await this.userRow(username);
    if (!u) throw new FundGuardError('E_NOT_FOUND', `没有用户 ${username} (no user ${username})`);
    if (disabled && u.username.toLowerCase() === actor.id.toLowerCase()) throw new FundGuardError('E_CONFLICT', '不能停用自己的账户 (you cannot disable your own account)');
    await this.ctx.database.transaction(async (tx) => {
      await this.ctx.database.rows(sql`update users set disabled = ${disabled} where id = ${u.id}`, tx);
      const ended = disabled ? await this.revokeSessionsIn(tx, u.id) : 0;
      await this.ctx.auditLog.append(tx, [{ actor: actor.id, action: disabled ? 'user.disable' : 'user.enable', entityType: 'user', entityId: u.username, at: this.ctx.nowIso(), detail: { sessions_ended: ended } }]);
    });
    await this.keysChanged();
  }

  /** Ends every session of a user (administrator), e.g. after a lost device. */
  async revokeSessions(actor: Actor, username: string): Promise<number> {
    requirePermission(actor, 'users.manage');
    const u = await this.userRow(username);
    if (!u) throw new FundGuardError('E_NOT_FOUND', `没有用户 ${username} (no user ${username})`);
    const ended = await this.ctx.database.transaction(async (tx) => {
      const n = await this.revokeSessionsIn(tx, u.id);
      await this.ctx.auditLog.append(tx, [{ actor: actor.id, action: 'user.sessions_revoke', entityType: 'user', entityId: u.username, at: this.ctx.nowIso(), detail: { sessions_ended: n } }]);
      return n;
    });
    await this.keysChanged();
    return ended;
  }

  private async revokeSessionsIn(tx: Tx, userId: number): Promise<number> {
    const r = await this.ctx.database.rows(sql`update api_keys set revoked_at = ${this.ctx.nowIso()}::timestamptz where user_id = ${userId} and revoked_at is null returning key_id`, tx);
    return r.length;
  }

  private async userRow(username: string): Promise<{ id: number; username: string; password_hash: string | null; role: Role; institution_id: string | null; dept_codg: string | null; patn_id: string | null; disabled: boolean } | null> {
    const rows = await this.ctx.database.rows<{ id: number; username: string; password_hash: string | null; role: Role; institution_id: string | null; dept_codg: string | null; patn_id: string | null; disabled: boolean }>(sql`
      select id, username, password_hash, role, institution_id, dept_codg, patn_id, disabled from users where lower(username) = lower(${username})`);
    return rows[0] ? { ...rows[0], id: Number(rows[0].id) } : null;
  }
}

export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(16);
  const hash = await scrypt(password, salt, 32);
  return `scrypt$${salt.toString('base64')}$${hash.toString('base64')}`;
}

export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const [scheme, saltB64, hashB64] = stored.split('$');
  if (scheme !== 'scrypt' || !saltB64 || !hashB64) return false;
  const expected = Buffer.from(hashB64, 'base64');
  const actual = await scrypt(password, Buffer.from(saltB64, 'base64'), expected.length);
  return timingSafeEqual(expected, actual);
}
