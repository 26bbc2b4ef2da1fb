export * from './machine.ts';
export * from './penalties.ts';
