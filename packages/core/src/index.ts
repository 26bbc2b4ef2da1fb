export * from './errors.ts';
export * from './model/index.ts';
export * from './ingest/index.ts';
export * from './packs/index.ts';
export * from './cases/index.ts';
export * from './screening/index.ts';
export * from './engine/index.ts';
export * from './synth/index.ts';
