/** drizzle-kit configuration: `npm run db:generate` writes db/migrations/, `npm run db:push` syncs a dev database. */
import { defineConfig } from 'drizzle-kit';

export default defineConfig({
  dialect: 'postgresql',
  schema: './db/schema.ts',
  out: './db/migrations',
  dbCredentials: {
    // drizzle-kit runs outside the app, so it reads the environment directly.
    url: process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/threadbase',
  },
  strict: true,
  verbose: true,
});
