import { randomUUID } from 'node:crypto';
import type { Database } from '@fundguard/store';

/**
 * What a process keeps in memory and another process can make stale: the compiled rule packs (activation), the
 * catalogue and the 名单 they are compiled with, patients' histories (3102, imports), resolved API keys (revocation).
 */
export type Change =
  | { kind: 'packs' }
  | { kind: 'catalogue' }
  | { kind: 'lists' }
  /** `ids: null`: too many to name (a large import) — forget every patient */
  | { kind: 'patients'; ids: string[] | null }
  | { kind: 'keys' };

type Kind = Change['kind'];
type Handler<K extends Kind> = (change: Extract<Change, { kind: K }>) => Promise<void> | void;

export const CHANGES_CHANNEL = 'fundguard_changes';
/** pg_notify payloads must stay under 8 000 bytes */
const MAX_PAYLOAD_BYTES = 7000;

/**
 * Keeps the in-memory state of every process on one PostgreSQL database current: a change is applied here at once
 * and sent to the other processes with NOTIFY (delivered to them within milliseconds), which apply it the same way.
 * A process that loses its LISTEN connection may have missed changes, so on reconnecting it refreshes everything.
 * On PGlite there is only ever this process.
 */
export class ChangeFeed {
  /** tells this process's own notifications from the others' */
  readonly origin = randomUUID();
  private readonly handlers = new Map<Kind, Handler<Kind>[]>();
  private readonly refreshers: (() => Promise<void> | void)[] = [];
  /** other processes' changes apply one at a time, in the order they came (two reloads at once could end on the older) */
  private incoming: Promise<void> = Promise.resolve();
  private listening: { close(): Promise<void> } | null = null;
  /** errors of applying a change that came from another process (logged by the server) */
  onError: (e: unknown, change: Change | null) => void = () => undefined;

  constructor(private readonly database: Database) {}

  on<K extends Kind>(kind: K, handler: Handler<K>): void {
    const list = this.handlers.get(kind) ?? [];
    list.push(handler as unknown as Handler<Kind>);
    this.handlers.set(kind, list);
  }

  /** What to do after missing notifications (a reconnect): reload whatever could be stale. */
  onRefreshAll(refresh: () => Promise<void> | void): void {
    this.refreshers.push(refresh);
  }

  /** Applies a change in this process and tells the others (even if applying it here failed). Call it after the commit. */
  async publish(change: Change): Promise<void> {
    try {
      await this.apply(change);
    } finally {
      const note = this.notification(change);
      if (note) await this.database.notify(note.channel, note.payload);
    }
  }

  /**
   * The notification of a change for a writer to send inside its own statement or transaction (delivered at its
   * commit, no round trip of its own); null when no other process listens. After the commit, `applyHere`.
   */
  notification(change: Change): { channel: string; payload: string } | null {
    if (!this.listening) return null;
    let payload = JSON.stringify({ origin: this.origin, change });
    // pg_notify takes under 8 000 bytes: too many patients to name become "all patients".
    if (Buffer.byteLength(payload) > MAX_PAYLOAD_BYTES) payload = JSON.stringify({ origin: this.origin, change: { kind: 'patients', ids: null } });
    return { channel: CHANGES_CHANNEL, payload };
  }

  /** Applies a change in this process only: the others are told by the `notification` committed with the write. */
  applyHere(change: Change): Promise<void> {
    return this.apply(change);
  }

  /** Starts receiving the other processes' changes (PostgreSQL only; a no-op on PGlite). */
  async start(): Promise<void> {
    if (this.listening || !this.database.listen) return;
    this.listening = await this.database.listen(CHANGES_CHANNEL, (payload) => this.received(payload), () => this.refreshAll());
  }

  async stop(): Promise<void> {
    const l = this.listening;
    this.listening = null;
    await l?.close();
  }

  private received(payload: string): void {
    let message: { origin?: string; change?: Change };
    try {
      message = JSON.parse(payload);
    } catch (e) {
      return this.onError(e, null);
    }
    if (message.origin === this.origin || !message.change) return;
    const change = message.change;
    this.incoming = this.incoming.then(() => this.apply(change)).catch((e) => {
      // A reload that failed (say, a database error) would leave this process stale: reload everything instead.
      this.onError(e, change);
      this.refreshAll();
    });
  }

  private async apply(change: Change): Promise<void> {
    for (const h of this.handlers.get(change.kind) ?? []) await h(change);
  }

  private refreshAll(): void {
    this.incoming = this.incoming.then(async () => {
      for (const r of this.refreshers) await Promise.resolve().then(r).catch((e) => this.onError(e, null));
    });
  }
}
