#!/usr/bin/env bash
# Installs frontend/node_modules with `npm ci`, only when they are missing or older than
# frontend/package-lock.json (or package.json); otherwise returns at once.
set -euo pipefail
cd "$(dirname "$0")/../frontend"

if [ -L node_modules ]; then  # another checkout's install (a git worktree): never wipe it from here
  echo "setup_frontend: frontend/node_modules is a link to another checkout's install; leaving it alone" >&2
  exit 0
fi
stamp=node_modules/.catscan-installed
if [ -f "$stamp" ] && [ "$stamp" -nt package-lock.json ] && [ "$stamp" -nt package.json ]; then
  exit 0
fi
echo "setup_frontend: npm ci (frontend; ~330 MB, about 40 s)"
npm ci --no-audit --no-fund --loglevel=error
touch "$stamp"
