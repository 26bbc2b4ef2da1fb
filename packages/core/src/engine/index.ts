export * from './types.ts';
export * from './validate.ts';
export * from './patterns.ts';
export * from './context.ts';
export * from './conditions.ts';
export * from './compile.ts';
export * from './evaluate.ts';
export * from './kinds/index.ts';
