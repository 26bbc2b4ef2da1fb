export * from './context.ts';
export * from './auth/roles.ts';
export * from './imports/import-service.ts';
export * from './imports/records.ts';
export * from './imports/encounter-tables.ts';
export * from './auth/keys.ts';
export * from './fundguard.ts';
export * from './rule-packs/rule-pack-service.ts';
