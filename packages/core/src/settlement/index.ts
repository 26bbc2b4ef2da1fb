export * from './calculator.ts';
