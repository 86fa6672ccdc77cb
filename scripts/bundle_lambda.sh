#!/usr/bin/env bash
# Builds the Python Lambda code asset: the scanner's package (functions/scan_image/*.py as scan_image/, so
# the handlers are `scan_image.handler.lambda_handler` and `scan_image.sweeper.lambda_handler`) plus the
# hashed lock of its whole dependency closure (functions/scan_image/requirements.lock) as Linux x86_64
# CPython 3.12 wheels, without Docker. CDK runs this during synth (amplify/functions/python-bundle.ts,
# local bundling), so `npx ampx sandbox` and `ampx pipeline-deploy` build the asset themselves; by hand:
#   bash scripts/bundle_lambda.sh [OUT_DIR]        (default build/scan_image)
# Bytecode: with a CPython 3.12 at hand ($PYTHON312, python3.12 or pyenv's 3.12), every module is
# precompiled (unchecked-hash .pyc, see BENCHMARKS.md for the cold-start figures); without one the
# asset is still correct, only slower to import, and a warning says so.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"

SRC="$ROOT/functions/scan_image"
OUT="${1:-$ROOT/build/scan_image}"
LOCK="$SRC/requirements.lock"
PIP=${PIP:-$ROOT/.venv/bin/pip}
[ -x "$PIP" ] || PIP="python3 -m pip"

[ -f "$LOCK" ] || { echo "bundle_lambda: $LOCK missing (make lock-lambda)" >&2; exit 1; }

# Rebuild from scratch so removed files or dependencies never linger in the asset.
rm -rf "$OUT"
mkdir -p "$OUT"
shopt -s nullglob
py_files=("$SRC"/*.py)
[ ${#py_files[@]} -gt 0 ] || { echo "bundle_lambda: no .py files in $SRC" >&2; exit 1; }
mkdir "$OUT/scan_image"
cp "${py_files[@]}" "$OUT/scan_image"/

# Every distribution must match a hash in the lock (--require-hashes), and pip refuses a dependency
# the lock does not pin, so the asset holds exactly the locked closure. Both platform tags: the
# python3.12 runtime (Amazon Linux 2023, glibc 2.34) runs manylinux2014 and manylinux_2_28 wheels
# (e.g. Pillow's).
# pip's output goes to a log that is shown only on failure.
log=$(mktemp)
trap 'rm -f "$log"' EXIT
if ! $PIP install --disable-pip-version-check --no-compile --require-hashes \
  --target "$OUT" \
  --platform manylinux2014_x86_64 --platform manylinux_2_28_x86_64 \
  --implementation cp --python-version 3.12 --abi cp312 \
  --only-binary=:all: \
  -r "$LOCK" -q >"$log" 2>&1; then
  cat "$log" >&2
  echo "bundle_lambda: pip install failed" >&2
  exit 1
fi

# Trim what the runtime never needs.
find "$OUT" -type d -name __pycache__ -prune -exec rm -rf {} +
rm -rf "$OUT"/bin

# Precompile with the runtime's Python version. unchecked-hash: the asset zip stores fixed file
# dates, so timestamp-checked .pyc files would never match and be recompiled at every cold start
# (read-only /var/task cannot cache them); unchecked .pyc are also byte-identical between builds.
find_python312() {
  local candidate
  for candidate in "${PYTHON312:-}" python3.12 "$(command -v pyenv >/dev/null && PYENV_VERSION=3.12 pyenv which python3.12 2>/dev/null || true)"; do
    [ -n "$candidate" ] || continue
    if "$candidate" -c 'import sys; sys.exit(sys.version_info[:2] != (3, 12))' 2>/dev/null; then
      echo "$candidate"; return 0
    fi
  done
  return 1
}
if [ "${BUNDLE_BYTECODE:-1}" = 1 ]; then
  if py312=$(find_python312); then
    "$py312" -m compileall -q -j 0 --invalidation-mode unchecked-hash "$OUT" >"$log" 2>&1 \
      || { cat "$log" >&2; echo "bundle_lambda: compileall failed" >&2; exit 1; }
  else
    echo "bundle_lambda: warning: no CPython 3.12 found (set PYTHON312): asset without precompiled bytecode" >&2
  fi
fi

echo "bundle_lambda: $OUT ($(du -sh "$OUT" | cut -f1), $(find "$OUT" -type f | wc -l) files)"
