#!/usr/bin/env bash
# Installs the workspace's npm dependencies when they are missing or older than package-lock.json.
# Sourced by start.sh and test.sh so that each is one command on a fresh clone.
set -euo pipefail

node_major=$(node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0)
if [ "$node_major" -lt 20 ]; then
  echo "Outpost needs Node.js 20 or newer (found: $(node --version 2>/dev/null || echo none))." >&2
  exit 1
fi

stamp=node_modules/.outpost-lock-hash
want=$(sha256sum package-lock.json | cut -d' ' -f1)
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
  echo "==> installing dependencies"
  # npm ci refuses lock files that lack other platforms' optional native packages (npm/cli#4828:
  # npm records only the host's, e.g. @swc/core-linux-x64-gnu); npm install then installs the
  # locked versions all the same.
  npm ci --no-audit --no-fund || npm install --no-audit --no-fund
  want=$(sha256sum package-lock.json | cut -d' ' -f1)
  echo "$want" > "$stamp"
fi

export NX_DAEMON=false NX_NO_CLOUD=true NX_TUI=false NX_SKIP_NX_CACHE=${NX_SKIP_NX_CACHE:-false}
