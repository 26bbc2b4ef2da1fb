import type { PatientEncounter } from '@fundguard/core';
import type { ServiceContext } from '../context.ts';

/**
 * A patient's stored encounters, the history that cross-encounter rules see at 事前/事中 (audit-api.md §2).
 * Cached per patient (LRU) because a doctor's orders for one inpatient arrive many times a day; every write of
 * that patient's encounters (imports, 3102) invalidates the entry, so a cached history is never stale in this
 * process. Several API processes on one PostgreSQL invalidate each other through `invalidate` being called from
 * their write paths and a short time-to-live as a bound.
 */
export class HistoryCache {
  private readonly entries = new Map<string, { at: number; encounters: PatientEncounter[] }>();

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
    const encounters = await this.ctx.encounters.forPatient(patnId);
    this.entries.set(patnId, { at: now, encounters });
    const max = this.opts.maxPatients ?? 10_000;
    while (this.entries.size > max) this.entries.delete(this.entries.keys().next().value as string);
    return encounters;
  }

  invalidate(patnIds: Iterable<string>): void {
    for (const id of patnIds) this.entries.delete(id);
  }

  get size(): number {
    return this.entries.size;
  }
}
