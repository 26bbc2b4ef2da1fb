import { ChangeFeed } from './changes.ts';
import { newExecutorId } from './run-lease.ts';
import { AuditLogRepo, CatalogueRepo, EncountersRepo, ListsRepo, RealtimeRepo, type Database } from '@fundguard/store';

/** The clock is injected so that tests are deterministic and the core never reads time itself. */
export type Clock = () => Date;
export const systemClock: Clock = () => new Date();

/** What every use-case needs: the database, its repositories and a clock. */
export class ServiceContext {
  readonly auditLog: AuditLogRepo;
  readonly catalogue: CatalogueRepo;
  readonly lists: ListsRepo;
  readonly encounters: EncountersRepo;
  readonly realtime: RealtimeRepo;
  /** in-memory state that other processes on the same database can make stale is kept current through this */
  readonly changes: ChangeFeed;
  /** this instance as the executor of the runs it starts (run-lease.ts) */
  readonly executorId = newExecutorId();

  constructor(readonly database: Database, readonly clock: Clock = systemClock) {
    this.auditLog = new AuditLogRepo(database);
    this.catalogue = new CatalogueRepo(database);
    this.lists = new ListsRepo(database);
    this.encounters = new EncountersRepo(database);
    this.realtime = new RealtimeRepo(database);
    this.changes = new ChangeFeed(database);
  }

  nowIso(): string {
    return this.clock().toISOString();
  }
}
