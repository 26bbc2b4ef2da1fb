import { openDatabase, type Database, type OpenOptions } from '@fundguard/store';
import { ServiceContext, systemClock, type Clock } from './context.ts';
import { ImportService } from './imports/import-service.ts';
import { KeyService } from './auth/keys.ts';
import type { SecretBox } from './auth/secret-box.ts';
import { ActiveRules } from './engine/active-rules.ts';
import { RulePackService } from './rule-packs/rule-pack-service.ts';
import { FundGuardError, validatePack } from '@fundguard/core';
import { HistoryCache } from './realtime/history.ts';
import { RealtimeAuditService } from './realtime/realtime-audit.ts';
import { RunService } from './batch/runs.ts';
import { CaseService } from './cases/case-service.ts';
import { SettlementService } from './settlement/settlement-service.ts';
import { ScreeningService } from './screening/screening-service.ts';
import { ReviewQueueService } from './screening/review-queue.ts';
import { SamplingService } from './screening/sampling-service.ts';
import type { WorkQueue } from './distributed/work-queue.ts';
import { PersonalDataService, revealRolesFrom } from './personal-data.ts';
import type { Role } from './auth/roles.ts';

/** The application's use-cases over one database: what the API server and the CLI drive. */
export class FundGuard {
  readonly ctx: ServiceContext;
  readonly imports: ImportService;
  readonly keys: KeyService;
  readonly rules: ActiveRules;
  readonly packs: RulePackService;
  readonly history: HistoryCache;
  readonly realtime: RealtimeAuditService;
  readonly runs: RunService;
  readonly cases: CaseService;
  readonly settlements: SettlementService;
  readonly screening: ScreeningService;
  readonly queue: ReviewQueueService;
  readonly sampling: SamplingService;
  readonly personalData: PersonalDataService;

  constructor(readonly database: Database, opts: { clock?: Clock; secrets?: SecretBox | null; work?: WorkQueue | null; revealRoles?: readonly Role[] } = {}) {
    this.ctx = new ServiceContext(database, opts.clock ?? systemClock);
    this.imports = new ImportService(this.ctx);
    this.keys = new KeyService(this.ctx, opts.secrets ?? null);
    this.rules = new ActiveRules(this.ctx);
    // A pack is stored only if it validates against the contract and the catalogue's groups, and becomes active
    // only if it compiles; activation then swaps the compiled set.
    this.packs = new RulePackService(this.ctx, (pack) => {
      validatePack(pack, { externalGroups: this.rules.catalogueGroups() });
      const p = pack as { rules?: { kind?: string }[] };
      if (!this.rules.hasCatalogue() && p.rules?.some((r) => r.kind === 'catalogue')) {
        throw new FundGuardError('E_PACK_INVALID', 'catalogue rules need a catalogue: import one first', [{ field: 'rules', reason: 'catalogue rules need a catalogue' }]);
      }
      this.rules.compile(pack);
    });
    this.history = new HistoryCache(this.ctx);
    // What a write changes is applied here and, over PostgreSQL NOTIFY, in every other process on the database.
    const changes = this.ctx.changes;
    changes.on('packs', () => this.rules.recompile().then(() => undefined));
    changes.on('catalogue', () => this.rules.reload().then(() => undefined));
    changes.on('lists', () => this.rules.reloadLists());
    changes.on('patients', (c) => (c.ids ? this.history.invalidate(c.ids) : this.history.clear()));
    changes.on('keys', () => this.keys.forgetCached());
    changes.onRefreshAll(async () => {
      this.history.clear();
      this.keys.forgetCached();
      await this.rules.reload();
    });
    this.packs.onActivation(() => changes.publish({ kind: 'packs' }));
    this.realtime = new RealtimeAuditService(this.ctx, this.rules, this.history);
    this.runs = new RunService(this.ctx, this.rules, opts.work ?? null);
    this.cases = new CaseService(this.ctx);
    this.settlements = new SettlementService(this.ctx);
    this.screening = new ScreeningService(this.ctx, opts.work ?? null);
    this.queue = new ReviewQueueService(this.ctx);
    this.sampling = new SamplingService(this.ctx);
    this.personalData = new PersonalDataService(this.ctx, opts.revealRoles ?? revealRolesFrom(process.env.FUNDGUARD_REVEAL_ROLES));
  }

  static async open(opts: OpenOptions & { clock?: Clock; secrets?: SecretBox | null; work?: WorkQueue | null; revealRoles?: readonly Role[] }): Promise<FundGuard> {
    const fg = new FundGuard(await openDatabase(opts), opts);
    try {
      await fg.ctx.changes.start(); // first: a change committed while the rules load is then not missed
      await fg.rules.reload();
    } catch (e) {
      await fg.close();
      throw e;
    }
    return fg;
  }

  async close(): Promise<void> {
    await this.ctx.changes.stop();
    await this.ctx.realtime.flush();
    await this.runs.work?.close();
    await this.database.close();
  }
}
