// Lint guards the boundaries of docs/architecture.md §1 and §5:
// core stays pure (no node:*, no database, no web framework); dependencies point core ← store ← service ← {api, cli}.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

const restrict = (patterns) => ['error', { patterns }];

export default tseslint.config(
  { ignores: ['**/node_modules/**', '.tsbuild/**', 'data/**', 'packages/console/dist/**', 'packages/cli/dist/**', 'bench/out/**', 'tmp/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { process: 'readonly', console: 'readonly', Buffer: 'readonly', setTimeout: 'readonly', clearTimeout: 'readonly', setInterval: 'readonly', clearInterval: 'readonly', URL: 'readonly', TextDecoder: 'readonly', TextEncoder: 'readonly', performance: 'readonly', setImmediate: 'readonly', structuredClone: 'readonly', AbortController: 'readonly', fetch: 'readonly' } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', destructuredArrayIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
    },
  },
  {
    files: ['packages/core/src/**/*.ts'],
    ignores: ['packages/core/src/**/*.test.ts'],
    rules: {
      'no-restricted-imports': restrict([
        { group: ['node:*', 'fs', 'path', 'os', 'child_process', 'crypto', 'http', 'net', 'stream'], message: 'core is pure: no I/O (architecture.md §1)' },
        { group: ['drizzle-orm', 'drizzle-orm/*', 'pg', '@electric-sql/*', 'fastify', 'fastify/*', '@fastify/*'], message: 'core has no database or web framework' },
        { group: ['@fundguard/store', '@fundguard/store/*', '@fundguard/service', '@fundguard/service/*', '@fundguard/api', '@fundguard/api/*', '@fundguard/cli', '@fundguard/cli/*'], message: 'core depends on nothing' },
      ]),
      'no-restricted-globals': ['error', { name: 'Date', message: 'core has no clock: pass dates in as strings' }, { name: 'process', message: 'core has no process access' }],
      'no-restricted-properties': ['error', { object: 'Math', property: 'random', message: 'core randomness must be seeded (core/src/random.ts)' }],
    },
  },
  {
    files: ['packages/store/src/**/*.ts'],
    rules: {
      'no-restricted-imports': restrict([
        { group: ['@fundguard/service', '@fundguard/service/*', '@fundguard/api', '@fundguard/api/*', '@fundguard/cli', '@fundguard/cli/*', 'fastify', '@fastify/*'], message: 'store depends only on core' },
      ]),
    },
  },
  {
    files: ['packages/service/src/**/*.ts'],
    rules: {
      'no-restricted-imports': restrict([
        { group: ['@fundguard/api', '@fundguard/api/*', '@fundguard/cli', '@fundguard/cli/*', 'fastify', '@fastify/*'], message: 'service knows no transport' },
      ]),
    },
  },
  {
    files: ['packages/api/src/**/*.ts'],
    rules: { 'no-restricted-imports': restrict([{ group: ['@fundguard/cli', '@fundguard/cli/*'], message: 'api does not depend on the cli' }]) },
  },
  {
    files: ['packages/*/src/**/*.ts', 'bench/**/*.ts', 'rules/**/*.ts'],
    ignores: ['**/*.test.ts'],
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: { '@typescript-eslint/switch-exhaustiveness-check': ['error', { considerDefaultExhaustiveForUnions: true }] },
  },
);
