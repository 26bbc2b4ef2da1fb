import { appendFileSync, existsSync, mkdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import type { AuditAnchor, VerifyResult } from '@fundguard/store';
import type { ServiceContext } from '../context.ts';
import { SYSTEM_ACTOR, type Actor } from './roles.ts';

/** FUNDGUARD_AUDIT_ANCHOR_FILE, else audit-anchors.jsonl in the data dir (also on PostgreSQL). */
export function anchorFileFromEnv(env: NodeJS.ProcessEnv, dataDir?: string): string {
  return resolve(env.FUNDGUARD_AUDIT_ANCHOR_FILE || join(dataDir ?? env.FUNDGUARD_DATA_DIR ?? './data', 'audit-anchors.jsonl'));
}

/**
 * The audit log's chain key and anchors (issue 16 item 6). Entries written before the chain was keyed keep verifying
 * with the old scheme: re-keying them would change hashes that may have been shipped elsewhere, and the first keyed
 * entry (the `audit.chain_keyed` marker) covers the last unkeyed hash with the HMAC, so rewriting the old part still
 * needs the server secret. Anchors (head seq + hash, signed) go to a file outside the database and the server log;
 * `verify()` checks the chain against the latest one.
 */
export class AuditChain {
  private lastAnchoredSeq = 0;

  constructor(private readonly ctx: ServiceContext, readonly anchorFile: string | null) {}

  /**
   * Start-up: when the newest entry was not written with the current chain key (the log predates keying, or the
   * server secret was rotated), appends a marker naming the previous key, so the change itself is on the record.
   */
  async ensureKeyed(actor: Actor = SYSTEM_ACTOR): Promise<'keyed' | 'rotated' | null> {
    const current = this.ctx.auditLog.currentKeyId;
    if (!current) return null;
    const head = await this.ctx.auditLog.head();
    if (head?.macKey === current) return null;
    const action = head?.macKey ? 'audit.chain_key_rotated' : 'audit.chain_keyed';
    await this.ctx.auditLog.appendNow([{ actor: actor.id, action, entityType: 'audit_log', entityId: 'chain', at: this.ctx.nowIso(), detail: { key_id: current, previous_key_id: head?.macKey ?? null, unkeyed_before: head && !head.macKey ? head.seq : null } }]);
    return head?.macKey ? 'rotated' : 'keyed';
  }

  /** Writes an anchor of the head when it moved since the last one (appended to the anchor file); returns it. */
  async writeAnchor(force = false): Promise<AuditAnchor | null> {
    const a = await this.ctx.auditLog.anchor(this.ctx.nowIso());
    if (!a || (!force && a.seq === this.lastAnchoredSeq)) return null;
    if (this.anchorFile) {
      mkdirSync(dirname(this.anchorFile), { recursive: true });
      appendFileSync(this.anchorFile, JSON.stringify(a) + '\n', { mode: 0o600 });
    }
    this.lastAnchoredSeq = a.seq;
    return a;
  }

  /** The newest anchor in the anchor file (null when there is none). */
  latestAnchor(): AuditAnchor | null {
    if (!this.anchorFile || !existsSync(this.anchorFile)) return null;
    const lines = readFileSync(this.anchorFile, 'utf8').split('\n').filter((l) => l.trim());
    for (let i = lines.length - 1; i >= 0; i--) {
      try {
        const a = JSON.parse(lines[i]) as AuditAnchor;
        if (typeof a.seq === 'number') return a;
      } catch {
        /* a torn last line: the one before is the latest complete anchor */
      }
    }
    return null;
  }

  /** Proves the chain and checks it against the latest anchor (given, or read from the anchor file). */
  verify(anchor: AuditAnchor | null = this.latestAnchor()): Promise<VerifyResult> {
    return this.ctx.auditLog.verify({ anchor });
  }
}
