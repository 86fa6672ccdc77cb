#!/usr/bin/env bash
# Creates .venv and installs the locked Python dependencies (never an unpinned torch).
set -euo pipefail
cd "$(dirname "$0")/.."
[ -x .venv/bin/python ] || python3 -m venv .venv
.venv/bin/pip install -q --disable-pip-version-check -r requirements.lock
# The catscan package itself (CLI entry point `catscan`), without touching the locked set.
.venv/bin/pip install -q --disable-pip-version-check --no-deps -e .
