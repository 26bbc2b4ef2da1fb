export * from './database.ts';
export * from './schema.ts';
export * from './audit-log-repo.ts';
export * from './catalogue-repo.ts';
export * from './lists-repo.ts';
export * from './encounters-repo.ts';
export * from './rule-packs-repo.ts';
export * from './realtime-repo.ts';
