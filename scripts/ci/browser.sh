#!/usr/bin/env bash
# CI step for browsers and generated clients: installs Debian's chromium when missing (the
# browser test fails under CI=true without it, including inside `npm test`, so run this before
# the test steps), lints docs/openapi.json with redocly's recommended rules (@redocly/cli kept
# in the CI cache folder, not a project dependency), then runs the Chromium cross-origin test
# and the typed-client test on both backends.
set -euo pipefail
cd "$(dirname "$0")/../.."
started=$SECONDS

if [ ! -x /usr/bin/chromium ]; then
  DEBIAN_FRONTEND=noninteractive apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium
fi
# Debian's wrapper script prints a harmless "[: … unexpected operator" on some machines.
/usr/bin/chromium --version 2>/dev/null
echo "chromium ready ($((SECONDS - started))s)"

redocly_version=2.77.0
redocly_dir="${XDG_CACHE_HOME:-$HOME/.cache}/threadbase-ci/redocly-$redocly_version"
if [ ! -x "$redocly_dir/node_modules/.bin/redocly" ]; then
  mkdir -p "$redocly_dir"
  npm install --prefix "$redocly_dir" --no-save --no-package-lock --no-audit --no-fund "@redocly/cli@$redocly_version"
fi
REDOCLY_TELEMETRY=off REDOCLY_SUPPRESS_UPDATE_NOTICE=true \
  "$redocly_dir/node_modules/.bin/redocly" lint docs/openapi.json --extends recommended --format stylish
echo "redocly lint done ($((SECONDS - started))s)"

CI=true npx vitest run test/browser test/client --maxWorkers=2
echo "browser and typed-client tests done ($((SECONDS - started))s)"
