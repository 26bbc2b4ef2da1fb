export * from './generate.ts';
export * from './reference.ts';
