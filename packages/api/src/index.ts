export * from './app.ts';
export * from './errors.ts';
export * from './auth.ts';
export * from './server.ts';
