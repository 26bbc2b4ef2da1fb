export * from './prng.ts';
export * from './sampling.ts';
