#!/usr/bin/env bash
# Builds frontend/dist when a source is newer than the last build (the local cloud serves it).
set -euo pipefail
cd "$(dirname "$0")/../frontend"
stamp=dist/.built
if [ -f "$stamp" ] && [ -z "$(find src public index.html vite.config.ts package-lock.json -newer "$stamp" -print -quit)" ]; then
  exit 0
fi
npm run build --silent
touch "$stamp"
