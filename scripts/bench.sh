#!/usr/bin/env bash
# Builds what the benchmarks run (the built manager and agent), then runs them.
# Usage: bash scripts/bench.sh [--quick]
set -euo pipefail
cd "$(dirname "$0")/.."
node_modules/.bin/nx run-many -t build --projects=@outpost/shared,@outpost/migrations,@outpost/manager,@outpost/agent --outputStyle=static
node bench/run.mjs "$@"
