#!/usr/bin/env bash
# `npm start`: install what is missing, build, and run the manager with its console on the
# embedded defaults (SQLite and generated secrets under ./data). Honours OUTPOST_PORT,
# OUTPOST_DATA_DIR, OUTPOST_DATABASE_URL, OUTPOST_AMQP_URL and the other OUTPOST_* settings
# (docs/operator-guide.md).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/ensure-deps.sh

echo "==> building"
node_modules/.bin/nx run-many -t build --outputStyle=static >/tmp/outpost-build.log 2>&1 || {
  cat /tmp/outpost-build.log >&2
  echo "build failed" >&2
  exit 1
}

echo "==> starting the manager"
exec node apps/manager/dist/main.js
