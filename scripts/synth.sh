#!/usr/bin/env bash
# Offline validation of the Gen 2 backend (no AWS account, no network):
#   1. bundle the Python Lambda (build/scan_image, Linux wheels, no Docker)
#   2. type-check amplify/ (tsc --noEmit)
#   3. cdk synth amplify/backend.ts into cdk.out/ with the sandbox context `ampx` would pass
#   4. cfn-lint every template; fails on errors, counts warnings
# Prints one summary line; the tools' full output is shown only when a step fails.
set -euo pipefail
cd "$(dirname "$0")/.."

BIN=node_modules/.bin
OUT=cdk.out
LOG_DIR=$(mktemp -d)
trap 'rm -rf "$LOG_DIR"' EXIT

fail() { # step name, log file
  echo "synth: $1 failed" >&2
  [ -f "$2" ] && cat "$2" >&2
  exit 1
}

[ -x "$BIN/cdk" ] && [ -x "$BIN/tsc" ] || { echo "synth: node_modules missing, run scripts/setup_node.sh" >&2; exit 1; }
[ -x .venv/bin/cfn-lint ] || { echo "synth: .venv/bin/cfn-lint missing, run scripts/setup_python.sh" >&2; exit 1; }

# 1. Lambda bundle
bash scripts/bundle_lambda.sh >"$LOG_DIR/bundle.log" 2>&1 || fail "bundle_lambda" "$LOG_DIR/bundle.log"

# 2. Type check
"$BIN/tsc" --noEmit -p . >"$LOG_DIR/tsc.log" 2>&1 || fail "tsc" "$LOG_DIR/tsc.log"

# 3. Synth. Never talk to AWS: no version check, no notices, no telemetry, no lookups (dummy env).
export CDK_DISABLE_VERSION_CHECK=true CDK_DISABLE_CLI_TELEMETRY=true
export CDK_DEFAULT_ACCOUNT=${CDK_DEFAULT_ACCOUNT:-111111111111}
export CDK_DEFAULT_REGION=${CDK_DEFAULT_REGION:-us-east-1}
export AWS_REGION=${AWS_REGION:-$CDK_DEFAULT_REGION}
export AWS_EC2_METADATA_DISABLED=true
rm -rf "$OUT"
"$BIN/cdk" synth --quiet --no-notices --no-version-reporting --output "$OUT" \
  --context amplify-backend-namespace="${AMPLIFY_BACKEND_NAMESPACE:-catscan}" \
  --context amplify-backend-name="${AMPLIFY_BACKEND_NAME:-offline}" \
  --context amplify-backend-type=sandbox \
  >"$LOG_DIR/synth.log" 2>&1 || fail "cdk synth" "$LOG_DIR/synth.log"
# Our own construct annotations (e.g. a missing handler.py) are worth seeing even on success.
grep -A1 '^\(WARNING\|ERROR\) .*catscan\|^\(WARNING\|ERROR\) .*scan_image' "$LOG_DIR/synth.log" >&2 || true

shopt -s nullglob
templates=("$OUT"/*.template.json)
[ ${#templates[@]} -gt 0 ] || fail "cdk synth (no templates in $OUT)" "$LOG_DIR/synth.log"

# 4. cfn-lint: non-zero only for errors; warnings are counted and reported.
lint_rc=0
.venv/bin/cfn-lint --format parseable --non-zero-exit-code error -- "${templates[@]}" \
  >"$LOG_DIR/lint.log" 2>&1 || lint_rc=$?
errors=$(grep -c ':E[0-9]\{4\}:' "$LOG_DIR/lint.log" || true)
warnings=$(grep -c ':W[0-9]\{4\}:' "$LOG_DIR/lint.log" || true)
if [ "$lint_rc" -ne 0 ]; then
  grep -v ':[WI][0-9]\{4\}:' "$LOG_DIR/lint.log" >&2 || true
  echo "synth: ${#templates[@]} templates, cfn-lint: ${errors} errors (${warnings} warnings)" >&2
  exit 1
fi
echo "synth: ${#templates[@]} templates, cfn-lint: ${errors} errors (${warnings} warnings)"
