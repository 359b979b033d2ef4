#!/usr/bin/env bash
# `npm test`: every check CI runs, in order: install, format, typecheck, lint, build, contract
# drift (OpenAPI), compose file, then all unit, integration and end-to-end tests on SQLite AND the
# real MariaDB and RabbitMQ of this machine (they must be up: .ci/run starts them).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/ensure-deps.sh
mkdir -p artifacts

step() { echo; echo "==> $*"; }

step "format (prettier --check)"
node_modules/.bin/prettier --check . --log-level warn

step "typecheck and lint"
node_modules/.bin/nx run-many -t typecheck lint --parallel=2 --outputStyle=static

step "build"
node_modules/.bin/nx run-many -t build --parallel=2 --outputStyle=static

step "OpenAPI document matches the route definitions"
node apps/manager/dist/cli/openapi.js --check

step "docker-compose-demo.yml"
if docker compose version >/dev/null 2>&1; then
  docker compose -f docker-compose-demo.yml config -q
elif command -v docker-compose >/dev/null 2>&1; then
  docker-compose -f docker-compose-demo.yml config -q
else
  echo "neither 'docker compose' nor 'docker-compose' is installed (.ci/run installs it)" >&2
  exit 1
fi
echo "docker-compose-demo.yml is valid"

step "tests (unit, integration on SQLite + MariaDB, end-to-end)"
export OUTPOST_TEST_DATABASES=${OUTPOST_TEST_DATABASES:-sqlite,mariadb}
status=0
node_modules/.bin/vitest run --project shared --project manager --project agent --project console \
  --reporter=default --reporter=json --outputFile.json=artifacts/vitest-suites.json "$@" || status=$?

step "end-to-end tests (real manager and agent processes, one file at a time)"
node_modules/.bin/vitest run --project e2e \
  --reporter=default --reporter=json --outputFile.json=artifacts/vitest-e2e.json "$@" || status=$?

step "benchmarks, quick mode (checked for running and writing results, not for speed)"
rm -f bench/results/*.json
node bench/run.mjs --quick || status=$?
for scenario in $(node bench/run.mjs --list); do
  [ -s "bench/results/$scenario.json" ] || { echo "bench/results/$scenario.json was not written" >&2; status=1; }
done

node scripts/test-summary.mjs artifacts/vitest-suites.json artifacts/vitest-e2e.json || true
exit $status
