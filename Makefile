# catscan: every target installs what it needs first, so a fresh clone needs only `make dev` / `make test`.
SHELL := /bin/bash
PY := .venv/bin/python
export PYTHONPATH := $(CURDIR)

.PHONY: dev test bench setup setup-python setup-node setup-model setup-browser synth test-infra test-python lock clean

dev: setup
	$(PY) -m catscan dev

test: setup test-infra test-python

setup: setup-python setup-model setup-node

setup-python: .venv/.installed
.venv/.installed: requirements.lock
	bash scripts/setup_python.sh
	touch $@

setup-model: setup-python
	bash scripts/build_model.sh

setup-node:
	bash scripts/setup_node.sh

synth: setup-node setup-python
	bash scripts/synth.sh

test-infra: synth
	$(PY) -m pytest -q tests/infra

test-python: setup-python setup-model
	$(PY) -m pytest -q tests --ignore=tests/infra

bench: setup
	$(PY) -m catscan.bench

lock:
	.venv/bin/pip freeze --exclude-editable > requirements.lock

clean:
	rm -rf .venv node_modules frontend/node_modules cdk.out dist build .cache amplify_outputs.json
