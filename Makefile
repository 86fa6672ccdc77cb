# catscan: every target installs what it needs first, so a fresh clone needs only `make dev` / `make test`.
SHELL := /bin/bash
PY := .venv/bin/python
export PYTHONPATH := $(CURDIR)

.PHONY: dev test bench reliability setup setup-python setup-model setup-node setup-frontend setup-browser \
        build-frontend synth test-frontend test-python lint-python samples lock lock-lambda bench-bundle clean

## make dev: the whole app on the local cloud (http://127.0.0.1:5173)
dev: setup build-frontend
	$(PY) -m catscan dev

## make test: every check; one pytest run at the end covers unit, local cloud, infra and browser tests
test: setup synth lint-python test-frontend build-frontend setup-browser test-python

## make samples: photos/ with the README's example files (a cat, three other photos, three refused files)
samples: setup-python
	$(PY) scripts/sample_photos.py photos

## make bench: figures for BENCHMARKS.md
bench: setup build-frontend
	$(PY) -m benchmarks.bench
	$(PY) -m benchmarks.bench_scale

setup: setup-python setup-model setup-node setup-frontend

setup-python: .venv/.installed
.venv/.installed: requirements.lock pyproject.toml
	bash scripts/setup_python.sh
	touch $@

setup-model: setup-python
	bash scripts/build_model.sh

setup-node:
	bash scripts/setup_node.sh

setup-frontend:
	bash scripts/setup_frontend.sh

setup-browser:
	bash scripts/setup_browser.sh

build-frontend: setup-frontend
	bash scripts/build_frontend.sh

synth: setup-node setup-python
	bash scripts/synth.sh

## the web UI: generated GraphQL code current, tsc and ESLint with zero findings, then vitest
test-frontend: setup-frontend
	cd frontend && npm run --silent codegen:check && npm run --silent typecheck && npm run --silent lint && npm test --silent

test-python: setup-python setup-model
	$(PY) -m pytest tests

## make lint-python: ruff (lint and format check) on every Python file, mypy --strict on the scanner and the
## client library (settings: pyproject.toml). `.venv/bin/ruff format . && .venv/bin/ruff check --fix .` fixes most.
lint-python: setup-python
	.venv/bin/ruff check .
	.venv/bin/ruff format --check .
	.venv/bin/mypy -p scan_image -p catscan.client

## make bench-bundle: does precompiled bytecode shorten the scanner's cold start? (BENCHMARKS.md)
bench-bundle: setup-python
	$(PY) -m benchmarks.bench_bundle

## make reliability: the full load run, figures for RELIABILITY.md
reliability: setup
	$(PY) -m benchmarks.reliability
	$(PY) -m benchmarks.reliability --burst --uploads 200 --clients 10 --in-flight 20 --subscribers 0 \
	  --list-users 0 --runner-concurrency 2 --rekognition-tps 5 --scan-timeout 300

lock:
	.venv/bin/pip freeze --exclude-editable > requirements.lock

## make lock-lambda: the scanner's whole dependency closure, hashed, for the python3.12 Lambda
## (manylinux_2_28 covers manylinux2014 wheels too), at the versions the tests run (-c requirements.lock)
lock-lambda: setup-python
	.venv/bin/uv pip compile -q functions/scan_image/requirements.txt -c requirements.lock \
	  --python-platform x86_64-manylinux_2_28 --python-version 3.12 --only-binary :all: \
	  --generate-hashes --custom-compile-command "make lock-lambda" -o functions/scan_image/requirements.lock

clean:
	rm -rf .venv node_modules frontend/node_modules frontend/dist cdk.out build .cache amplify_outputs.json .local-cloud
