export * from './money.ts';
export * from './dates.ts';
export * from './encounter.ts';
export * from './institution.ts';
export * from './chinese-amount.ts';
export * from './personal-data.ts';
