import { createHash } from 'node:crypto';
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
}

export const GENESIS_HASH = '0'.repeat(64);

export function entryHash(prevHash: string, e: Omit<AuditEntry, 'hash' | 'prevHash'>): string {
  const body = canonicalJson({ seq: e.seq, at: e.at, actor: e.actor, action: e.action, entityType: e.entityType, entityId: e.entityId, detail: e.detail });
  return createHash('sha256').update(prevHash).update(body).digest('hex');
}

const AUDIT_LOCK = 4242001;

/** The append-only, hash-chained audit log (architecture.md §4). */
export class AuditLogRepo {
  constructor(private readonly database: Database) {}

  /** Appends entries inside the caller's transaction; appends are serialised by a transaction-scoped advisory lock. */
  async append(tx: Db, entries: AuditEntryInput[]): Promise<AuditEntry[]> {
    if (entries.length === 0) return [];
    await this.database.rows(sql`select pg_advisory_xact_lock(${AUDIT_LOCK})`, tx);
    const last = await this.database.rows<{ seq: number; hash: string }>(sql`select seq, hash from audit_log order by seq desc limit 1`, tx);
    let seq = last[0]?.seq ?? 0;
    let prev = last[0]?.hash ?? GENESIS_HASH;
    const out: AuditEntry[] = [];
    for (const input of entries) {
      seq += 1;
      // Round-trip the detail through JSON so the hashed form is exactly what jsonb will give back.
      const detail = JSON.parse(JSON.stringify(input.detail ?? {})) as Record<string, unknown>;
      const at = normaliseIso(input.at);
      const base = { seq, at, actor: input.actor, action: input.action, entityType: input.entityType, entityId: input.entityId, detail };
      const hash = entryHash(prev, base);
      out.push({ ...base, prevHash: prev, hash });
      prev = hash;
    }
    await this.database.rows(sql`
      insert into audit_log (seq, at, actor, action, entity_type, entity_id, detail, prev_hash, hash)
      select seq, at::timestamptz, actor, action, entity_type, entity_id, detail, prev_hash, hash
      from jsonb_to_recordset(${JSON.stringify(out.map((e) => ({ seq: e.seq, at: e.at, actor: e.actor, action: e.action, entity_type: e.entityType, entity_id: e.entityId, detail: e.detail, prev_hash: e.prevHash, hash: e.hash })))}::jsonb)
        as x(seq bigint, at text, actor text, action text, entity_type text, entity_id text, detail jsonb, prev_hash text, hash text)`, tx);
    return out;
  }

  /** Appends in a transaction of its own. */
  appendNow(entries: AuditEntryInput[]): Promise<AuditEntry[]> {
    return this.database.transaction((tx) => this.append(tx, entries));
  }

  async list(opts: { entityType?: string; entityId?: string; limit?: number; afterSeq?: number } = {}): Promise<AuditEntry[]> {
    const rows = await this.database.rows<Record<string, unknown>>(sql`
      select seq, to_char(at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') as at, actor, action, entity_type, entity_id, detail, prev_hash, hash
      from audit_log
      where (${opts.entityType ?? null}::text is null or entity_type = ${opts.entityType ?? null})
        and (${opts.entityId ?? null}::text is null or entity_id = ${opts.entityId ?? null})
        and seq > ${opts.afterSeq ?? 0}
      order by seq limit ${opts.limit ?? 1000}`);
    return rows.map(fromRow);
  }

  /**
   * Proves the chain: every entry's hash recomputes from its content and the previous hash, and sequence numbers
   * have no gaps. Streams in pages so that it works on long logs.
   */
  async verify(): Promise<{ ok: true; entries: number; head: string } | { ok: false; entries: number; brokenAt: number; reason: string }> {
    let prev = GENESIS_HASH;
    let expectedSeq = 1;
    let count = 0;
    for (;;) {
      const page = await this.list({ afterSeq: expectedSeq - 1, limit: 5000 });
      if (page.length === 0) break;
      for (const e of page) {
        if (e.seq !== expectedSeq) return { ok: false, entries: count, brokenAt: expectedSeq, reason: `entry ${expectedSeq} is missing` };
        if (e.prevHash !== prev) return { ok: false, entries: count, brokenAt: e.seq, reason: 'prev_hash does not match the previous entry' };
        if (entryHash(prev, e) !== e.hash) return { ok: false, entries: count, brokenAt: e.seq, reason: 'content does not match its hash' };
        prev = e.hash;
        expectedSeq++;
        count++;
      }
    }
    return { ok: true, entries: count, head: prev };
  }
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
  };
}
