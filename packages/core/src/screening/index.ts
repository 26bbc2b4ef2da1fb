export * from './prng.ts';
export * from './sampling.ts';
export * from './double-random.ts';
export * from './screens.ts';
export * from './risk.ts';
export * from './patient-screens.ts';
