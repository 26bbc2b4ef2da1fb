import { openDatabase, type Database, type OpenOptions } from '@fundguard/store';
import { ServiceContext, systemClock, type Clock } from './context.ts';
import { ImportService } from './imports/import-service.ts';
import { ImportJobs } from './imports/import-jobs.ts';
import { KeyService, type AuthSettings } from './auth/keys.ts';
import { SecretBox } from './auth/secret-box.ts';
import { AuditChain, anchorFileFromEnv } from './auth/audit-chain.ts';
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

export interface FundGuardOptions {
  clock?: Clock;
  /** the server secret (integration secrets at rest, the audit-log chain key); null: neither */
  secrets?: SecretBox | null;
  work?: WorkQueue | null;
  /** sign-in and session settings; `demo` defaults to true here, the server passes FUNDGUARD_DEMO */
  auth?: Partial<AuthSettings>;
  /** where audit-log anchors are written and read (null: nowhere) */
  anchorFile?: string | null;
  /** roles that may reveal personal data (personal-data.ts) */
  revealRoles?: readonly Role[];
}

/** The application's use-cases over one database: what the API server and the CLI drive. */
export class FundGuard {
  readonly ctx: ServiceContext;
  readonly imports: ImportService;
  /** large imports as jobs with progress (import-jobs.ts) */
  readonly importJobs: ImportJobs;
  readonly keys: KeyService;
  /** the audit log's chain key and anchors outside the database */
  readonly auditChain: AuditChain;
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

  constructor(readonly database: Database, opts: FundGuardOptions = {}) {
    this.ctx = new ServiceContext(database, opts.clock ?? systemClock);
    // The chain is keyed with a key derived from the server secret, which lives outside the database.
    if (opts.secrets) this.ctx.auditLog.useKeys(opts.secrets.derived('audit-log'));
    this.auditChain = new AuditChain(this.ctx, opts.anchorFile ?? null);
    this.imports = new ImportService(this.ctx);
    this.importJobs = new ImportJobs(this.ctx);
    // Tests and tools without a server are in demo mode unless told otherwise; the server passes FUNDGUARD_DEMO.
    this.keys = new KeyService(this.ctx, opts.secrets ?? null, { demo: true, ...opts.auth });
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

  /**
   * Opens the database. Without `secrets` the server secret comes from the environment (FUNDGUARD_SECRET_KEY, required
   * on PostgreSQL; else the data dir's key file), so that every process writing the audit log keys it alike.
   */
  static async open(opts: OpenOptions & FundGuardOptions): Promise<FundGuard> {
    const secrets = opts.secrets !== undefined ? opts.secrets : SecretBox.fromEnv(process.env, opts.url ? undefined : opts.dataDir ?? './data', { postgres: !!opts.url });
    const anchorFile = opts.anchorFile !== undefined ? opts.anchorFile : anchorFileFromEnv(process.env, opts.dataDir);
    const fg = new FundGuard(await openDatabase(opts), { ...opts, secrets, anchorFile });
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
    await this.realtime.normalisations.flush();
    await this.runs.work?.close();
    await this.database.close();
  }
}
