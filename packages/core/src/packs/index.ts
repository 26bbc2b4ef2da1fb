export * from './canonical.ts';
export * from './diff.ts';
