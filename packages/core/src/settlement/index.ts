export * from './calculator.ts';
export * from './explain.ts';
export * from './policy-sheet.ts';
