#!/usr/bin/env bash
# The README's commands on a fresh clone, and a production install, for real. Clones this
# checkout's committed HEAD into a new temp directory of mode 0700 (like root's home: run as
# root, this is the case where PostgreSQL's `postgres` user cannot reach node_modules), then:
#   1. npm ci, and test/helpers/pg.test.ts on the embedded PostgreSQL (one small test file);
#   2. `npm run dev` answers GET /api/health;
#   3. npm run build, then `npm ci --omit=dev` (the order a Dockerfile or a Railway build uses),
#      checks tsx is gone, and runs scripts/ci/prod-smoke.mjs: the compiled server on a JSON store
#      and on PostgreSQL, `npm run db:migrate` on a fresh database, SIGTERM with a request in flight.
#
#   scripts/ci/fresh-checkout.sh [admin PostgreSQL URL]   (default: this machine's PostgreSQL 15)
set -euo pipefail
src=$(cd "$(dirname "$0")/../.." && pwd)
pg_url=${1:-postgres://postgres@127.0.0.1:5432/postgres}
work=$(mktemp -d "${TMPDIR:-/tmp}/threadbase-fresh-XXXXXX")
chmod 700 "$work"
dev_pid=
cleanup() {
  if [ -n "$dev_pid" ]; then kill -TERM -- "-$dev_pid" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

git clone --quiet --no-hardlinks "$src" "$work/tb"
if [ -d "$src/../shared" ]; then ln -s "$(cd "$src/../shared" && pwd)" "$work/shared"; fi
cd "$work/tb"
echo "fresh-checkout: $work/tb (mode $(stat -c %a "$work") parent), as $(id -un)"

npm ci --no-audit --no-fund --loglevel=error
env -u TEST_DATABASE_URL -u DATABASE_URL npx vitest run test/helpers/pg.test.ts

# npm run dev in a process group of its own, so the whole group can be stopped.
setsid env -u DATABASE_URL PORT=0 DATA_DIR="$work/dev-data" npm run dev > "$work/dev.log" 2>&1 &
dev_pid=$!
url=
for _ in $(seq 1 60); do
  url=$(grep -o 'listening on http://localhost:[0-9]*' "$work/dev.log" | sed 's/^listening on //' || true)
  [ -n "$url" ] && break
  sleep 0.5
done
[ -n "$url" ] || { echo "fresh-checkout: npm run dev did not start:"; cat "$work/dev.log"; exit 1; }
node -e 'fetch(process.argv[1]).then(async (r) => { console.log(`npm run dev: GET /api/health ${r.status} ${await r.text()}`); process.exit(r.ok ? 0 : 1); })' "$url/api/health"
kill -TERM -- "-$dev_pid"
dev_pid=

npm run --silent build
npm ci --omit=dev --no-audit --no-fund --loglevel=error
# (typescript stays: @vercel/node depends on it.)
for dev in tsx vitest drizzle-kit; do
  if [ -e "node_modules/$dev" ]; then echo "fresh-checkout: node_modules/$dev is still there after npm ci --omit=dev" >&2; exit 1; fi
done
node scripts/ci/prod-smoke.mjs "$pg_url"
