#!/usr/bin/env bash
# Builds build/scan_image/: the scanner Lambda's code plus its pinned dependencies as Linux x86_64
# CPython 3.12 wheels (the Lambda runtime), without Docker. amplify/functions/scan-image uses this
# directory as the function's code asset, so run this before `cdk synth` / `ampx sandbox` / deploy.
set -euo pipefail
cd "$(dirname "$0")/.."

SRC=functions/scan_image
OUT=build/scan_image
PIP=${PIP:-.venv/bin/pip}

[ -f "$SRC/requirements.txt" ] || { echo "bundle_lambda: $SRC/requirements.txt missing" >&2; exit 1; }
[ -x "$PIP" ] || PIP="python3 -m pip"

# Rebuild from scratch so removed files or dependencies never linger in the asset.
rm -rf "$OUT"
mkdir -p "$OUT"
shopt -s nullglob
py_files=("$SRC"/*.py)
[ ${#py_files[@]} -gt 0 ] || echo "bundle_lambda: warning: no .py files in $SRC yet" >&2
[ ${#py_files[@]} -eq 0 ] || cp "${py_files[@]}" "$OUT"/

# pip's output goes to a log that is shown only on failure (it may warn about missing local indexes).
log=$(mktemp)
trap 'rm -f "$log"' EXIT
# The python3.12 runtime is Amazon Linux 2023 (glibc 2.34): manylinux_2_28 wheels (e.g. Pillow's) run there.
if ! $PIP install --disable-pip-version-check --no-compile \
  --target "$OUT" \
  --platform manylinux2014_x86_64 --platform manylinux_2_28_x86_64 --implementation cp --python-version 3.12 \
  --only-binary=:all: \
  -r "$SRC/requirements.txt" -q >"$log" 2>&1; then
  cat "$log" >&2
  echo "bundle_lambda: pip install failed" >&2
  exit 1
fi

# Trim what the runtime never needs (keeps the asset small and its hash stable).
find "$OUT" -type d -name __pycache__ -prune -exec rm -rf {} +
rm -rf "$OUT"/bin

echo "bundle_lambda: $OUT ($(du -sh "$OUT" | cut -f1), $(find "$OUT" -type f | wc -l) files)"
