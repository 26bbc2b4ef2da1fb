import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { sql } from 'drizzle-orm';
import { canonicalJson } from '@fundguard/core';
import type { Database, Db } from './database.ts';

export interface AuditEntryInput {
  actor: string;
  action: string;
  entityType: string;
  entityId: string;
  detail?: Record<string, unknown>;
  /** ISO time; the caller's clock (injected in tests) */
  at: string;
}

export interface AuditEntry extends Required<AuditEntryInput> {
  seq: number;
  prevHash: string;
  hash: string;
  /** the id of the chain key of a keyed entry; null for entries written before the chain was keyed */
  macKey: string | null;
}

/** Filters of AuditLogRepo.search; `from` and `to` are ISO dates or instants, `to` exclusive. */
export interface AuditSearch {
  actor?: string;
  action?: string;
  entityType?: string;
  entityId?: string;
  from?: string;
  to?: string;
  text?: string;
  limit?: number;
  offset?: number;
  order?: 'asc' | 'desc';
  /** only entries after this sequence number (reading the log in order, page by page) */
  afterSeq?: number;
}

export const GENESIS_HASH = '0'.repeat(64);

/** A key of the chain, derived from the server secret outside the database (SecretBox.derived). */
export interface ChainKey {
  id: string;
  key: Buffer;
}

/**
 * The chain value of an entry: without a key (legacy entries) sha256(prev + canonical entry), which anyone with write
 * access can recompute; with a key HMAC-SHA256, which nobody without the server secret can.
 */
export function entryHash(prevHash: string, e: Omit<AuditEntry, 'hash' | 'prevHash' | 'macKey'>, key: Buffer | null = null): string {
  const body = canonicalJson({ seq: e.seq, at: e.at, actor: e.actor, action: e.action, entityType: e.entityType, entityId: e.entityId, detail: e.detail });
  return (key ? createHmac('sha256', key) : createHash('sha256')).update(prevHash).update(body).digest('hex');
}

/**
 * The chain head written outside the database (a file in the data dir, the server log): a later verification
 * proves that the anchored entry is still there with the same hash, so neither a rewrite nor a removal of the
 * tail up to the anchor goes unnoticed. The mac keeps someone who can edit the file but lacks the key from forging one.
 */
export interface AuditAnchor {
  seq: number;
  hash: string;
  at: string;
  key_id: string | null;
  mac: string | null;
}

const anchorMac = (key: Buffer, a: Pick<AuditAnchor, 'seq' | 'hash' | 'at'>) => createHmac('sha256', key).update(`fundguard-audit-anchor:${a.seq}:${a.hash}:${a.at}`).digest('hex');

export type VerifyResult =
  | { ok: true; entries: number; head: string; keyedFrom: number | null; anchor: { seq: number; at: string } | null }
  | { ok: false; entries: number; brokenAt: number; reason: string };

const AUDIT_LOCK = 4242001;

/** The append-only, hash-chained audit log (architecture.md §4). */
export class AuditLogRepo {
  /** the current chain key first, then earlier ones (after a rotation of the server secret) */
  private keys: ChainKey[] = [];

  constructor(private readonly database: Database) {}

  /** Keys the chain: new entries are HMAC'd with the first key; verification accepts any of them by id. */
  useKeys(keys: ChainKey[]): void {
    this.keys = keys;
  }

  /** The id of the key new entries are written with (null: unkeyed). */
  get currentKeyId(): string | null {
    return this.keys[0]?.id ?? null;
  }

  /** Appends entries inside the caller's transaction; appends are serialised by a transaction-scoped advisory lock. */
  async append(tx: Db, entries: AuditEntryInput[]): Promise<AuditEntry[]> {
    if (entries.length === 0) return [];
    await this.database.rows(sql`select pg_advisory_xact_lock(${AUDIT_LOCK})`, tx);
    const last = await this.database.rows<{ seq: number; hash: string }>(sql`select seq, hash from audit_log order by seq desc limit 1`, tx);
    let seq = Number(last[0]?.seq ?? 0);
    let prev = last[0]?.hash ?? GENESIS_HASH;
    const key = this.keys[0] ?? null;
    const out: AuditEntry[] = [];
    for (const input of entries) {
      seq += 1;
      // Round-trip the detail through JSON so the hashed form is exactly what jsonb will give back.
      const detail = JSON.parse(JSON.stringify(input.detail ?? {})) as Record<string, unknown>;
      const at = normaliseIso(input.at);
      const base = { seq, at, actor: input.actor, action: input.action, entityType: input.entityType, entityId: input.entityId, detail };
      const hash = entryHash(prev, base, key?.key ?? null);
      out.push({ ...base, prevHash: prev, hash, macKey: key?.id ?? null });
      prev = hash;
    }
    await this.database.rows(sql`
      insert into audit_log (seq, at, actor, action, entity_type, entity_id, detail, prev_hash, hash, mac_key)
      select seq, at::timestamptz, actor, action, entity_type, entity_id, detail, prev_hash, hash, mac_key
      from jsonb_to_recordset(${JSON.stringify(out.map((e) => ({ seq: e.seq, at: e.at, actor: e.actor, action: e.action, entity_type: e.entityType, entity_id: e.entityId, detail: e.detail, prev_hash: e.prevHash, hash: e.hash, mac_key: e.macKey })))}::jsonb)
        as x(seq bigint, at text, actor text, action text, entity_type text, entity_id text, detail jsonb, prev_hash text, hash text, mac_key text)`, tx);
    return out;
  }

  /** Appends in a transaction of its own. */
  appendNow(entries: AuditEntryInput[]): Promise<AuditEntry[]> {
    return this.database.transaction((tx) => this.append(tx, entries));
  }

  async list(opts: { entityType?: string; entityId?: string; limit?: number; afterSeq?: number } = {}): Promise<AuditEntry[]> {
    const rows = await this.database.rows<Record<string, unknown>>(sql`
      select seq, to_char(at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') as at, actor, action, entity_type, entity_id, detail, prev_hash, hash, mac_key
      from audit_log
      where (${opts.entityType ?? null}::text is null or entity_type = ${opts.entityType ?? null})
        and (${opts.entityId ?? null}::text is null or entity_id = ${opts.entityId ?? null})
        and seq > ${opts.afterSeq ?? 0}
      order by seq limit ${opts.limit ?? 1000}`);
    return rows.map(fromRow);
  }

  /**
   * The log as people search it: by actor, action (`user` matches `user.create`, `user.disable` …), entity type and
   * id, period [from, to) and free text (in the actor, the entity id and the detail); newest first unless `order`
   * says otherwise; with the number of matching entries for paging.
   */
  async search(q: AuditSearch = {}): Promise<{ items: AuditEntry[]; total: number }> {
    const like = (v: string) => `%${v.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
    const where = sql`seq > ${q.afterSeq ?? 0} and (${q.actor ?? null}::text is null or lower(actor) = lower(${q.actor ?? null}))
        and (${q.action ?? null}::text is null or action = ${q.action ?? null} or action like ${q.action ? q.action.replace(/[\\%_]/g, (c) => `\\${c}`) + '.%' : null})
        and (${q.entityType ?? null}::text is null or entity_type = ${q.entityType ?? null})
        and (${q.entityId ?? null}::text is null or entity_id = ${q.entityId ?? null})
        and (${q.from ?? null}::timestamptz is null or at >= ${q.from ?? null}::timestamptz)
        and (${q.to ?? null}::timestamptz is null or at < ${q.to ?? null}::timestamptz)
        and (${q.text ?? null}::text is null or actor ilike ${q.text ? like(q.text) : null} or entity_id ilike ${q.text ? like(q.text) : null} or detail::text ilike ${q.text ? like(q.text) : null})`;
    const [{ n }] = await this.database.rows<{ n: number }>(sql`select count(*)::int as n from audit_log where ${where}`);
    const rows = await this.database.rows<Record<string, unknown>>(sql`
      select seq, to_char(at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') as at, actor, action, entity_type, entity_id, detail, prev_hash, hash, mac_key
      from audit_log where ${where}
      order by seq ${q.order === 'asc' ? sql`asc` : sql`desc`} limit ${q.limit ?? 50} offset ${q.offset ?? 0}`);
    return { items: rows.map(fromRow), total: Number(n) };
  }

  /** The last entry (null on an empty log). */
  async head(): Promise<AuditEntry | null> {
    const rows = await this.database.rows<{ seq: number }>(sql`select max(seq) as seq from audit_log`);
    const seq = rows[0]?.seq === null || rows[0]?.seq === undefined ? 0 : Number(rows[0].seq);
    if (!seq) return null;
    return (await this.list({ afterSeq: seq - 1, limit: 1 }))[0] ?? null;
  }

  /** An anchor of the current head, signed with the current chain key (null on an empty log). */
  async anchor(at: string): Promise<AuditAnchor | null> {
    const head = await this.head();
    if (!head) return null;
    const key = this.keys[0] ?? null;
    const base = { seq: head.seq, hash: head.hash, at: normaliseIso(at) };
    return { ...base, key_id: key?.id ?? null, mac: key ? anchorMac(key.key, base) : null };
  }

  /**
   * Proves the chain: every entry's hash recomputes from its content and the previous hash (keyed entries with the
   * chain key they name), sequence numbers have no gaps, and no unkeyed entry follows a keyed one (else a forger
   * could append or rewrite the tail in the old, unkeyed scheme). With an anchor: the anchored entry must still be
   * there with the anchored hash (a removed or rewritten tail is caught). Streams in pages so that it works on long logs.
   */
  async verify(opts: { anchor?: AuditAnchor | null } = {}): Promise<VerifyResult> {
    const anchor = opts.anchor ?? null;
    if (anchor) {
      const bad = this.checkAnchor(anchor);
      if (bad) return { ok: false, entries: 0, brokenAt: anchor.seq, reason: bad };
    }
    let prev = GENESIS_HASH;
    let expectedSeq = 1;
    let count = 0;
    let keyedFrom: number | null = null;
    let anchoredHash: string | null = null;
    for (;;) {
      const page = await this.list({ afterSeq: expectedSeq - 1, limit: 5000 });
      if (page.length === 0) break;
      for (const e of page) {
        if (e.seq !== expectedSeq) return { ok: false, entries: count, brokenAt: expectedSeq, reason: `entry ${expectedSeq} is missing` };
        if (e.prevHash !== prev) return { ok: false, entries: count, brokenAt: e.seq, reason: 'prev_hash does not match the previous entry' };
        let key: Buffer | null = null;
        if (e.macKey === null) {
          if (keyedFrom !== null) return { ok: false, entries: count, brokenAt: e.seq, reason: `entry ${e.seq} is not keyed although entries from ${keyedFrom} on are (written without the server secret, or forged)` };
        } else {
          const k = this.keys.find((x) => x.id === e.macKey);
          if (!k) return { ok: false, entries: count, brokenAt: e.seq, reason: `entry ${e.seq} is keyed with chain key ${e.macKey}, which this process does not have (FUNDGUARD_SECRET_KEY / FUNDGUARD_SECRET_KEY_PREVIOUS)` };
          key = k.key;
          keyedFrom ??= e.seq;
        }
        if (!hashEquals(entryHash(prev, e, key), e.hash)) return { ok: false, entries: count, brokenAt: e.seq, reason: 'content does not match its hash' };
        if (anchor && e.seq === anchor.seq) anchoredHash = e.hash;
        prev = e.hash;
        expectedSeq++;
        count++;
      }
    }
    if (anchor) {
      if (anchoredHash === null) {
        return { ok: false, entries: count, brokenAt: count + 1, reason: `the log ends at entry ${count} but the anchor of ${anchor.at} records entry ${anchor.seq}: entries were removed` };
      }
      if (anchoredHash !== anchor.hash) return { ok: false, entries: count, brokenAt: anchor.seq, reason: `entry ${anchor.seq} differs from the anchor of ${anchor.at}: the log was rewritten` };
    }
    return { ok: true, entries: count, head: prev, keyedFrom, anchor: anchor ? { seq: anchor.seq, at: anchor.at } : null };
  }

  /** Why an anchor cannot be trusted (null when its mac checks out, or when it was written unkeyed). */
  private checkAnchor(a: AuditAnchor): string | null {
    if (!Number.isInteger(a.seq) || a.seq < 1 || typeof a.hash !== 'string' || typeof a.at !== 'string') return 'the anchor is malformed';
    if (a.key_id === null) return null;
    const k = this.keys.find((x) => x.id === a.key_id);
    if (!k) return `the anchor is signed with chain key ${a.key_id}, which this process does not have`;
    return a.mac && hashEquals(anchorMac(k.key, a), a.mac) ? null : 'the anchor\'s signature does not match: the anchor file was altered';
  }
}

function hashEquals(a: string, b: string): boolean {
  const x = Buffer.from(a, 'hex');
  const y = Buffer.from(b, 'hex');
  return x.length === y.length && x.length > 0 && timingSafeEqual(x, y);
}

function normaliseIso(at: string): string {
  return new Date(at).toISOString();
}

function fromRow(r: Record<string, unknown>): AuditEntry {
  return {
    seq: Number(r.seq),
    at: String(r.at),
    actor: String(r.actor),
    action: String(r.action),
    entityType: String(r.entity_type),
    entityId: String(r.entity_id),
    detail: r.detail as Record<string, unknown>,
    prevHash: String(r.prev_hash),
    hash: String(r.hash),
    macKey: r.mac_key === null || r.mac_key === undefined ? null : String(r.mac_key),
  };
}
