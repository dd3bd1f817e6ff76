#!/usr/bin/env bash
# A production install, for real: clones this checkout's committed HEAD into a temp directory,
# runs `npm ci`, `npm run build`, then `npm ci --omit=dev` (the order a Dockerfile or a Railway
# build uses), checks that tsx and TypeScript are gone, and runs scripts/ci/prod-smoke.mjs there:
# `npm start` on a JSON store and on PostgreSQL, `npm run db:migrate` on a fresh database, and
# SIGTERM with a request in flight.
#
#   scripts/ci/prod-install.sh [admin PostgreSQL URL]   (default: this machine's PostgreSQL 15)
set -euo pipefail
src=$(cd "$(dirname "$0")/../.." && pwd)
pg_url=${1:-postgres://postgres@127.0.0.1:5432/postgres}
work=$(mktemp -d "${TMPDIR:-/tmp}/threadbase-prod-install-XXXXXX")
trap 'rm -rf "$work"' EXIT

git clone --quiet --no-hardlinks "$src" "$work/tb"
cd "$work/tb"
npm ci --no-audit --no-fund --loglevel=error
npm run --silent build
npm ci --omit=dev --no-audit --no-fund --loglevel=error
# (typescript stays: @vercel/node depends on it.)
for dev in tsx vitest drizzle-kit; do
  if [ -e "node_modules/$dev" ]; then echo "prod-install: node_modules/$dev is still there after npm ci --omit=dev" >&2; exit 1; fi
done
node scripts/ci/prod-smoke.mjs "$pg_url"
