#!/usr/bin/env bash
# Installs the root (Amplify Gen 2 backend) node_modules with `npm ci`, only when they are missing or
# older than package-lock.json; otherwise returns at once.
set -euo pipefail
cd "$(dirname "$0")/.."

stamp=node_modules/.catscan-installed
if [ -f "$stamp" ] && [ "$stamp" -nt package-lock.json ] && [ "$stamp" -nt package.json ]; then
  exit 0
fi
echo "setup_node: npm ci (root; ~1.2 GB, a minute or two)"
npm ci --no-audit --no-fund --loglevel=error
touch "$stamp"
