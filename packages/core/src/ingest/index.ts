export * from './reader.ts';
export * from './encounter.ts';
export * from './encounter-out.ts';
export * from './catalogue.ts';
export * from './lists.ts';
export * from './fsi-request.ts';
