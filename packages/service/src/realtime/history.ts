import type { PatientEncounter } from '@fundguard/core';
import type { ServiceContext } from '../context.ts';

/**
 * A patient's stored encounters, the history that cross-encounter rules see at 事前/事中 (audit-api.md §2).
 * Cached per patient (LRU) because a doctor's orders for one inpatient arrive many times a day; every committed
 * write of that patient's encounters (imports, 3102) invalidates the entry, in this process and — through the
 * change feed — in every other process on the same PostgreSQL; a time-to-live bounds what a lost notification
 * could leave behind.
 */
export class HistoryCache {
  private readonly entries = new Map<string, { at: number; encounters: PatientEncounter[] }>();
  /** counts invalidations: a history read while one happened may predate the write, so it is not cached */
  private generation = 0;

  constructor(
    private readonly ctx: ServiceContext,
    private readonly opts: { maxPatients?: number; ttlMs?: number } = {},
  ) {}

  async get(patnId: string): Promise<PatientEncounter[]> {
    const now = this.ctx.clock().getTime();
    const hit = this.entries.get(patnId);
    if (hit && now - hit.at <= (this.opts.ttlMs ?? 60_000)) {
      // Map order is insertion order: re-insert to mark as recently used.
      this.entries.delete(patnId);
      this.entries.set(patnId, hit);
      return hit.encounters;
    }
    const before = this.generation;
    const encounters = await this.ctx.encounters.forPatient(patnId);
    if (this.generation !== before) return encounters;
    this.entries.set(patnId, { at: now, encounters });
    const max = this.opts.maxPatients ?? 10_000;
    while (this.entries.size > max) this.entries.delete(this.entries.keys().next().value as string);
    return encounters;
  }

  invalidate(patnIds: Iterable<string>): void {
    this.generation++;
    for (const id of patnIds) this.entries.delete(id);
  }

  clear(): void {
    this.generation++;
    this.entries.clear();
  }

  get size(): number {
    return this.entries.size;
  }
}
