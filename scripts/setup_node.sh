#!/usr/bin/env bash
# Installs the root (Amplify Gen 2 backend) node_modules with `npm ci`, only when they are missing or
# older than package-lock.json; otherwise returns at once. Same for tests/parity (the VTL engine the
# resolver parity tests run the generated resolvers with; a package of its own, see its package.json).
set -euo pipefail
cd "$(dirname "$0")/.."

install() { # directory, label
  local stamp=$1/node_modules/.catscan-installed
  if [ -L "$1/node_modules" ]; then  # another checkout's install (a git worktree): never wipe it from here
    echo "setup_node: $1/node_modules is a link to another checkout's install; leaving it alone" >&2
    return 0
  fi
  if [ -f "$stamp" ] && [ "$stamp" -nt "$1/package-lock.json" ] && [ "$stamp" -nt "$1/package.json" ]; then
    return 0
  fi
  echo "setup_node: npm ci ($2)"
  (cd "$1" && npm ci --no-audit --no-fund --loglevel=error)
  touch "$stamp"
}

install . "root; ~1.2 GB, a minute or two"
install tests/parity "VTL engine for the parity tests; ~320 MB"
