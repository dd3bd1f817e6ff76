/** drizzle-kit configuration: `npm run db:generate` writes db/migrations/, `npm run db:push` syncs a dev database. */
import { defineConfig } from 'drizzle-kit';

export default defineConfig({
  dialect: 'postgresql',
  schema: './db/schema.ts',
  out: './db/migrations',
  dbCredentials: {
    // drizzle-kit runs outside the app, so it reads the environment directly. The default is the
    // database of docker-compose.yml, so `docker compose up -d && npm run db:push` just works.
    url: process.env.DATABASE_URL ?? 'postgres://threadbase:threadbase@127.0.0.1:5432/threadbase',
  },
  strict: true,
  verbose: true,
});
