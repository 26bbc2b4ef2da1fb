import { openDatabase, type Database, type OpenOptions } from '@fundguard/store';
import { ServiceContext, systemClock, type Clock } from './context.ts';
import { ImportService } from './imports/import-service.ts';
import { KeyService } from './auth/keys.ts';
import type { SecretBox } from './auth/secret-box.ts';

/** The application's use-cases over one database: what the API server and the CLI drive. */
export class FundGuard {
  readonly ctx: ServiceContext;
  readonly imports: ImportService;
  readonly keys: KeyService;

  constructor(readonly database: Database, opts: { clock?: Clock; secrets?: SecretBox | null } = {}) {
    this.ctx = new ServiceContext(database, opts.clock ?? systemClock);
    this.imports = new ImportService(this.ctx);
    this.keys = new KeyService(this.ctx, opts.secrets ?? null);
  }

  static async open(opts: OpenOptions & { clock?: Clock; secrets?: SecretBox | null }): Promise<FundGuard> {
    return new FundGuard(await openDatabase(opts), opts);
  }

  close(): Promise<void> {
    return this.database.close();
  }
}
