import type { FundGuard, Actor } from '@fundguard/service';

/**
 * Where a stateful CLI command does its work: DATABASE_URL → that PostgreSQL directly; an embedded data dir owned
 * by a running server → that server over HTTP (a second process must never open it); otherwise open it here.
 */
export type Target = { kind: 'server'; url: string; key: string } | { kind: 'local'; fg: FundGuard; actor: Actor };

export async function resolveTarget(): Promise<Target> {
  // Loaded here, not at the top: `fundguard --help` and the stateless commands never load the database drivers.
  const { configFromEnv } = await import('@fundguard/api/server.ts');
  const config = configFromEnv();
  if (!config.databaseUrl) {
    const { readLock } = await import('@fundguard/store');
    const owner = readLock(config.dataDir);
    if (owner && typeof owner.url === 'string' && typeof owner.local_key === 'string') {
      return { kind: 'server', url: owner.url, key: owner.local_key };
    }
  }
  const { FundGuard, SYSTEM_ACTOR } = await import('@fundguard/service');
  const fg = await FundGuard.open({ url: config.databaseUrl, dataDir: config.dataDir });
  // The CLI runs as the machine's operator: it has local access to the database anyway.
  return { kind: 'local', fg, actor: { ...SYSTEM_ACTOR, id: `cli:${process.env.USER ?? 'operator'}` } };
}
