#!/usr/bin/env bash
# Creates .venv and installs catscan through its pyproject.toml (the CLI with the `local` and `test`
# extras), every package constrained to the version in requirements.lock (never an unpinned torch).
set -euo pipefail
cd "$(dirname "$0")/.."
[ -x .venv/bin/python ] || python3 -m venv .venv
.venv/bin/pip install -q --disable-pip-version-check -c requirements.lock -e ".[local,test]"
