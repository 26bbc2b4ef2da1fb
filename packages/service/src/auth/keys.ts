import { createHash, randomBytes, scrypt as scryptCb, timingSafeEqual } from 'node:crypto';
import { promisify } from 'node:util';
import { sql } from 'drizzle-orm';
import { FundGuardError } from '@fundguard/core';
import type { ServiceContext } from '../context.ts';
import { ROLES, requirePermission, type Actor, type Role } from './roles.ts';
import type { SecretBox } from './secret-box.ts';

/** x-tif signatures are accepted within this many seconds of the server clock (audit-api.md §1). */
export const TIF_WINDOW_S = 300;

const scrypt = promisify(scryptCb) as (pw: string, salt: Buffer, len: number) => Promise<Buffer>;

export const hashKey = (key: string): string => createHash('sha256').update(key).digest('hex');

export interface NewKey {
  role: Role;
  label?: string;
  institutionId?: string | null;
  patnId?: string | null;
  userId?: number | null;
  expiresAt?: string | null;
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
}

/** API keys (`fg_<id>_<secret>`), stored only as SHA-256; users with scrypt password hashes; sign-in sessions. */
/** How long a resolved key is trusted without asking the database again (revocations in other processes). */
export const KEY_CACHE_MS = 30_000;

export class KeyService {
  /** hash → actor and when it was resolved; sessions are cached no longer than they live */
  private readonly cache = new Map<string, { actor: Actor; until: number }>();

  constructor(private readonly ctx: ServiceContext, private readonly secrets: SecretBox | null = null) {}

  /**
   * Resolves a presented key to the acting identity, or null when unknown, revoked or expired. Real-time calls come
   * hundreds a second with the same key, so a resolved key is cached for KEY_CACHE_MS; a revocation in this process
   * clears the cache at once, in another process within KEY_CACHE_MS.
   */
  async authenticate(presented: string): Promise<Actor | null> {
    if (!presented || presented.length > 512) return null;
    const h = hashKey(presented);
    const now = this.ctx.clock().getTime();
    const hit = this.cache.get(h);
    if (hit && hit.until > now) return hit.actor;
    const actor = await this.lookup(presented);
    if (actor) {
      if (this.cache.size > 10_000) this.cache.clear();
      this.cache.set(h, { actor: actor.actor, until: Math.min(now + KEY_CACHE_MS, actor.expires ?? Infinity) });
      return actor.actor;
    }
    this.cache.delete(h);
    return null;
  }

  private async lookup(presented: string): Promise<{ actor: Actor; expires: number | null } | null> {
    const rows = await this.ctx.database.rows<{ key_id: string; key_hash: string; role: Role; institution_id: string | null; patn_id: string | null; username: string | null; expired: boolean; expires_ms: number | null }>(sql`
      select k.key_id, k.key_hash, k.role, k.institution_id, k.patn_id, u.username,
        (k.expires_at is not null and k.expires_at <= ${this.ctx.nowIso()}::timestamptz) as expired,
        (extract(epoch from k.expires_at) * 1000)::float8 as expires_ms
      from api_keys k left join users u on u.id = k.user_id
      where k.key_hash = ${hashKey(presented)} and k.revoked_at is null and (u.id is null or not u.disabled)`);
    const k = rows[0];
    if (!k || k.expired) return null;
    // Constant-time comparison, although the lookup already matched the hash.
    if (!timingSafeEqual(Buffer.from(k.key_hash, 'hex'), Buffer.from(hashKey(presented), 'hex'))) return null;
    return { actor: { id: k.username ?? `key:${k.key_id}`, role: k.role, institutionId: k.institution_id, patnId: k.patn_id }, expires: k.expires_ms };
  }

  /**
   * Checks the national gateway headers: signature = hex SHA-256 of timestamp + secret + nonce + timestamp,
   * timestamp within TIF_WINDOW_S of the server clock, nonce never reused within the window.
   */
  async authenticateTif(h: { paasid: string; timestamp: string; nonce: string; signature: string }): Promise<Actor> {
    const fail = (why: string) => new FundGuardError('E_UNAUTHORIZED', `x-tif signature refused: ${why}`);
    if (!this.secrets) throw fail('signed requests are not configured on this server');
    const nowS = Math.floor(this.ctx.clock().getTime() / 1000);
    const ts = Number(h.timestamp);
    if (!/^\d{9,11}$/.test(h.timestamp) || Math.abs(nowS - ts) > TIF_WINDOW_S) throw fail(`x-tif-timestamp must be Unix seconds within ${TIF_WINDOW_S} s of the server clock`);
    if (!h.nonce || h.nonce.length > 128) throw fail('x-tif-nonce missing');
    const rows = await this.ctx.database.rows<{ secret_enc: string | null; role: Role; institution_id: string | null; revoked: boolean }>(sql`
      select secret_enc, role, institution_id, revoked_at is not null as revoked from api_keys where key_id = ${h.paasid}`);
    const k = rows[0];
    if (!k || k.revoked || !k.secret_enc) throw fail('unknown x-tif-paasid');
    const secret = this.secrets.open(k.secret_enc);
    if (secret === null) throw fail('the key cannot be decrypted with this server\'s secret key');
    const expected = createHash('sha256').update(`${h.timestamp}${secret}${h.nonce}${h.timestamp}`).digest();
    const given = Buffer.from(h.signature.toLowerCase(), 'hex');
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) throw fail('x-tif-signature does not match');
    const seen = new Date((nowS - TIF_WINDOW_S) * 1000).toISOString();
    await this.ctx.database.rows(sql`delete from used_nonces where seen_at < ${seen}::timestamptz`);
    const fresh = await this.ctx.database.rows(sql`
      insert into used_nonces (key_id, nonce, seen_at) values (${h.paasid}, ${h.nonce}, ${this.ctx.nowIso()}::timestamptz) on conflict do nothing returning nonce`);
    if (!fresh.length) throw fail('x-tif-nonce was already used');
    return { id: `key:${h.paasid}`, role: k.role, institutionId: k.institution_id };
  }

  /** Creates a key and returns it in plain text: the only time it is ever shown. */
  async create(actor: Actor, spec: NewKey): Promise<{ key: string; info: KeyInfo }> {
    requirePermission(actor, 'keys.manage');
    const { key, info } = await this.insert(actor.id, spec);
    return { key, info };
  }

  private async insert(createdBy: string, spec: NewKey, fixedKey?: string): Promise<{ key: string; keyId: string; info: KeyInfo }> {
    if (!ROLES.includes(spec.role)) throw new FundGuardError('E_FIELD_INVALID', `role must be one of ${ROLES.join(', ')}`, [{ field: 'role', value: spec.role, reason: 'unknown role' }]);
    if (spec.role === 'hospital' && !spec.institutionId) throw new FundGuardError('E_FIELD_REQUIRED', 'a hospital key needs institution_id', [{ field: 'institution_id', reason: 'required for role hospital' }]);
    if (spec.role === 'insured' && !spec.patnId) throw new FundGuardError('E_FIELD_REQUIRED', 'an insured key needs patn_id', [{ field: 'patn_id', reason: 'required for role insured' }]);
    const keyId = randomBytes(6).toString('hex');
    const secret = randomBytes(24).toString('base64url');
    const key = fixedKey ?? `fg_${keyId}_${secret}`;
    // Integration keys can also sign with the national x-tif headers: paasid = key id, secret = the key's secret part.
    const secretEnc = spec.role === 'integration' && !fixedKey && this.secrets ? this.secrets.seal(secret) : null;
    return this.ctx.database.transaction(async (tx) => {
      await this.ctx.database.rows(sql`
        insert into api_keys (key_id, key_hash, label, role, institution_id, patn_id, user_id, created_by, expires_at, created_at, secret_enc)
        values (${keyId}, ${hashKey(key)}, ${spec.label ?? ''}, ${spec.role}, ${spec.institutionId ?? null}, ${spec.patnId ?? null}, ${spec.userId ?? null},
          ${createdBy}, ${spec.expiresAt ?? null}::timestamptz, ${this.ctx.nowIso()}::timestamptz, ${secretEnc})`, tx);
      if (!spec.expiresAt) {
        await this.ctx.auditLog.append(tx, [{ actor: createdBy, action: 'key.create', entityType: 'api_key', entityId: keyId, at: this.ctx.nowIso(), detail: { role: spec.role, label: spec.label ?? '', institution_id: spec.institutionId ?? null } }]);
      }
      const info = (await this.list(tx, true)).find((k) => k.key_id === keyId)!;
      return { key, keyId, info };
    });
  }

  /** Machine keys (sessions only when asked: they are many and short-lived). */
  async list(tx?: Parameters<ServiceContext['database']['rows']>[1], withSessions = false): Promise<KeyInfo[]> {
    return this.ctx.database.rows<KeyInfo>(sql`
      select key_id, label, role, institution_id, patn_id, created_by,
        to_char(created_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') as created_at,
        to_char(expires_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') as expires_at,
        to_char(revoked_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') as revoked_at
      from api_keys where (${withSessions} or expires_at is null) order by created_at, key_id`, tx);
  }

  async revoke(actor: Actor, keyId: string): Promise<void> {
    requirePermission(actor, 'keys.manage');
    await this.ctx.database.transaction(async (tx) => {
      const r = await this.ctx.database.rows(sql`update api_keys set revoked_at = ${this.ctx.nowIso()}::timestamptz where key_id = ${keyId} and revoked_at is null returning key_id`, tx);
      if (!r.length) throw new FundGuardError('E_NOT_FOUND', `no active key ${keyId}`);
      await this.ctx.auditLog.append(tx, [{ actor: actor.id, action: 'key.revoke', entityType: 'api_key', entityId: keyId, at: this.ctx.nowIso() }]);
    });
    await this.ctx.changes.publish({ kind: 'keys' }); // forgotten by every process at once, not after KEY_CACHE_MS
  }

  /** Drops every resolved key, so that the next request asks the database (after a revocation). */
  forgetCached(): void {
    this.cache.clear();
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
    const expires = new Date(this.ctx.clock().getTime() + hours * 3600_000).toISOString();
    const r = await this.insert('system', { role: 'admin', label: 'local-cli', expiresAt: expires });
    return { key: r.key, keyId: r.keyId };
  }

  async expireLocalKey(keyId: string): Promise<void> {
    await this.ctx.database.rows(sql`update api_keys set revoked_at = ${this.ctx.nowIso()}::timestamptz where key_id = ${keyId} and label = 'local-cli'`);
    await this.ctx.changes.publish({ kind: 'keys' });
  }

  // ---- users and sign-in -------------------------------------------------------------------------------

  async createUser(actor: Actor, u: { username: string; password: string; role: Role; displayName?: string; institutionId?: string | null; patnId?: string | null }): Promise<number> {
    requirePermission(actor, 'users.manage');
    if (!/^[A-Za-z0-9_.@-]{2,64}$/.test(u.username)) throw new FundGuardError('E_FIELD_INVALID', 'username: 2–64 letters, digits, _ . @ -', [{ field: 'username', value: u.username, reason: 'invalid' }]);
    if (u.password.length < 8) throw new FundGuardError('E_FIELD_INVALID', 'password: at least 8 characters', [{ field: 'password', reason: 'too short' }]);
    if (!ROLES.includes(u.role)) throw new FundGuardError('E_FIELD_INVALID', 'unknown role', [{ field: 'role', value: u.role, reason: 'unknown role' }]);
    if (u.role === 'hospital' && !u.institutionId) throw new FundGuardError('E_FIELD_REQUIRED', 'a hospital user needs institution_id', [{ field: 'institution_id', reason: 'required for role hospital' }]);
    if (u.role === 'insured' && !u.patnId) throw new FundGuardError('E_FIELD_REQUIRED', 'an insured user needs patn_id', [{ field: 'patn_id', reason: 'required for role insured' }]);
    const hash = await hashPassword(u.password);
    return this.ctx.database.transaction(async (tx) => {
      const dup = await this.ctx.database.rows(sql`select 1 from users where username = ${u.username}`, tx);
      if (dup.length) throw new FundGuardError('E_CONFLICT', `user ${u.username} exists`);
      const [{ id }] = await this.ctx.database.rows<{ id: number }>(sql`
        insert into users (username, display_name, password_hash, role, institution_id, patn_id)
        values (${u.username}, ${u.displayName ?? ''}, ${hash}, ${u.role}, ${u.institutionId ?? null}, ${u.patnId ?? null}) returning id`, tx);
      await this.ctx.auditLog.append(tx, [{ actor: actor.id, action: 'user.create', entityType: 'user', entityId: u.username, at: this.ctx.nowIso(), detail: { role: u.role, institution_id: u.institutionId ?? null } }]);
      return id;
    });
  }

  /** Password sign-in: returns a session key valid for `hours` (default 12). Wrong user or password: one message. */
  async signIn(username: string, password: string, hours = 12): Promise<{ key: string; actor: Actor; expires_at: string }> {
    const rows = await this.ctx.database.rows<{ id: number; password_hash: string | null; role: Role; institution_id: string | null; patn_id: string | null; disabled: boolean }>(sql`
      select id, password_hash, role, institution_id, patn_id, disabled from users where username = ${username}`);
    const u = rows[0];
    const ok = u && !u.disabled && u.password_hash ? await verifyPassword(password, u.password_hash) : (await hashPassword(password), false);
    if (!ok || !u) throw new FundGuardError('E_UNAUTHORIZED', '用户名或密码错误 (wrong user name or password)');
    const expires = new Date(this.ctx.clock().getTime() + hours * 3600_000).toISOString();
    const { key } = await this.insert(username, { role: u.role, label: 'session', institutionId: u.institution_id, patnId: u.patn_id, userId: u.id, expiresAt: expires });
    await this.ctx.auditLog.appendNow([{ actor: username, action: 'user.sign_in', entityType: 'user', entityId: username, at: this.ctx.nowIso() }]);
    return { key, actor: { id: username, role: u.role, institutionId: u.institution_id, patnId: u.patn_id }, expires_at: expires };
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
