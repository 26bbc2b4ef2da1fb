export * from './database.ts';
export * from './schema.ts';
export * from './audit-log-repo.ts';
export * from './catalogue-repo.ts';
export * from './lists-repo.ts';
export * from './encounters-repo.ts';
