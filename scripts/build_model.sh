#!/usr/bin/env bash
# Builds the local Rekognition model: the packaged EfficientNet-Lite0 weights (legacy torch .pth,
# read without torch) -> .cache/models/efficientnet_lite0.onnx (or $CATSCAN_MODEL_PATH).
# Idempotent: a stamp next to the model records the source hash; an up-to-date build is a no-op.
# Extra arguments go to the converter (--force, --output PATH, --weights PATH).
set -euo pipefail
cd "$(dirname "$0")/.."
PY="${PYTHON:-.venv/bin/python}"
export PYTHONPATH="$PWD${PYTHONPATH:+:$PYTHONPATH}"
exec "$PY" -m catscan.local.rekognition.convert "$@"
