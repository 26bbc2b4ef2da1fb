import { defineConfig } from 'drizzle-kit';

// `npx drizzle-kit generate --config packages/store/drizzle.config.ts` writes a new migration after a schema change.
export default defineConfig({
  dialect: 'postgresql',
  schema: './packages/store/src/schema.ts',
  out: './packages/store/migrations',
});
