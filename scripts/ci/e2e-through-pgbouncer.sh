#!/usr/bin/env bash
# Runs the HTTP end-to-end suite (test/e2e) and the pooler ops test with the PostgreSQL backend
# behind PgBouncer in transaction pooling mode and DATABASE_PREPARE=false — how Threadbase runs
# behind Supavisor, Neon's pooler or Railway's PgBouncer.
#
#   scripts/ci/e2e-through-pgbouncer.sh [extra vitest args]
#
# TEST_DATABASE_URL: the PostgreSQL server to put PgBouncer in front of (default: this machine's,
# postgres://postgres@127.0.0.1:5432/postgres). Per-test databases are created and dropped on it
# directly; the servers and stores under test connect through TEST_POOLER_URL, which
# test/helpers/backends.ts turns into DATABASE_URL (+ DATABASE_PREPARE=false) for the postgres
# backend.
set -euo pipefail
cd "$(dirname "$0")/../.."

server_url=${TEST_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/postgres}
port=$(scripts/ci/pgbouncer.sh start "$server_url")
trap 'scripts/ci/pgbouncer.sh stop "$port"' EXIT

# The same URL with PgBouncer's host and port; PgBouncer logs in to the server with the password.
pooler_url=$(node -e '
  const u = new URL(process.argv[1]);
  u.hostname = "127.0.0.1"; u.port = process.argv[2]; u.password = "";
  process.stdout.write(u.toString());' "$server_url" "$port")

echo "e2e through PgBouncer on 127.0.0.1:$port (transaction pooling) in front of $(node -e 'const u=new URL(process.argv[1]);process.stdout.write(u.host)' "$server_url")"
TEST_DATABASE_URL="$server_url" TEST_POOLER_URL="$pooler_url" \
  npx vitest run test/e2e test/ops/pooler.test.ts "$@"
