#!/usr/bin/env bash
# Offline validation of the Gen 2 backend (no AWS account, no network):
#   1. type-check amplify/ (tsc --noEmit)
#   2. cdk synth amplify/backend.ts into cdk.out/ with the sandbox context `ampx` would pass, exactly
#      as ampx runs it: the synth bundles the Python Lambda itself (no bundle built beforehand) and
#      runs cdk-nag's AwsSolutions rules (an unacknowledged finding fails it)
#   3. cfn-lint every template; fails on errors, counts warnings
# Prints one summary line; the tools' full output is shown only when a step fails.
set -euo pipefail
cd "$(dirname "$0")/.."

BIN=node_modules/.bin
OUT=cdk.out
LOG_DIR=$(mktemp -d)
trap 'rm -rf "$LOG_DIR"' EXIT

# cdk-nag: open findings from CDK's validation report; acknowledged ones from the templates' Metadata
# (our constructs) and from the synth's log (generated constructs, acknowledged by pattern).
nag_summary() {
  .venv/bin/python - "$OUT" "$LOG_DIR/synth.log" <<'PY'
import json, pathlib, sys
out, log = pathlib.Path(sys.argv[1]), pathlib.Path(sys.argv[2])
report = out / "validation-report.json"
open_ = {"error": 0, "warning": 0}
if report.is_file():
    for plugin in json.loads(report.read_text()).get("pluginReports", []):
        for v in plugin.get("violations", []):
            open_[v.get("severity", "error")] = open_.get(v.get("severity", "error"), 0) + len(v["violatingConstructs"])
acknowledged = 0
for tpl in out.glob("*.template.json"):
    for res in json.loads(tpl.read_text()).get("Resources", {}).values():
        acknowledged += len(res.get("Metadata", {}).get("cdk_nag", {}).get("rules_to_suppress", []))
# Generated constructs' findings acknowledged by pattern (amplify/nag.ts prints one line each).
if log.is_file():
    acknowledged += sum(line.startswith("cdk-nag acknowledged:") for line in log.read_text().splitlines())
print(f"cdk-nag: {open_['error']} errors, {open_['warning']} warnings, {acknowledged} acknowledged")
PY
}

fail() { # step name, log file
  echo "synth: $1 failed" >&2
  [ -f "$2" ] && cat "$2" >&2
  exit 1
}

[ -x "$BIN/cdk" ] && [ -x "$BIN/tsc" ] || { echo "synth: node_modules missing, run scripts/setup_node.sh" >&2; exit 1; }
[ -x .venv/bin/cfn-lint ] || { echo "synth: .venv/bin/cfn-lint missing, run scripts/setup_python.sh" >&2; exit 1; }

# 1. Type check
"$BIN/tsc" --noEmit -p . >"$LOG_DIR/tsc.log" 2>&1 || fail "tsc" "$LOG_DIR/tsc.log"

# 2. Synth. Never talk to AWS: no version check, no notices, no telemetry, no lookups (dummy env).
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
  >"$LOG_DIR/synth.log" 2>&1 || { nag_summary >&2 || true; fail "cdk synth" "$LOG_DIR/synth.log"; }
nag=$(nag_summary)
# Our own construct annotations (e.g. a missing handler.py) are worth seeing even on success.
grep -A1 '^\(WARNING\|ERROR\) .*catscan\|^\(WARNING\|ERROR\) .*scan_image' "$LOG_DIR/synth.log" >&2 || true

shopt -s nullglob
templates=("$OUT"/*.template.json)
[ ${#templates[@]} -gt 0 ] || fail "cdk synth (no templates in $OUT)" "$LOG_DIR/synth.log"

# 3. cfn-lint: non-zero only for errors; warnings are counted and reported.
lint_rc=0
.venv/bin/cfn-lint --format parseable --non-zero-exit-code error -- "${templates[@]}" \
  >"$LOG_DIR/lint.log" 2>&1 || lint_rc=$?
errors=$(grep -c ':E[0-9]\{4\}:' "$LOG_DIR/lint.log" || true)
warnings=$(grep -c ':W[0-9]\{4\}:' "$LOG_DIR/lint.log" || true)
if [ "$lint_rc" -ne 0 ]; then
  grep -v ':[WI][0-9]\{4\}:' "$LOG_DIR/lint.log" >&2 || true
  echo "synth: ${#templates[@]} templates, cfn-lint: ${errors} errors (${warnings} warnings), ${nag}" >&2
  exit 1
fi
echo "synth: ${#templates[@]} templates, cfn-lint: ${errors} errors (${warnings} warnings), ${nag}"
