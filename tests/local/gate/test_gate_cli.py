"""`python -m catscan.local.gate`: arguments, readiness, health."""

from __future__ import annotations

import subprocess
import time
from pathlib import Path

import requests

from catscan.local.processes import free_port, port_open
from catscan.local.seed import Seeded
from tests.local.gate.gate_testkit import REPO_ROOT, GateProcess, gate_argv


def test_health(gate: GateProcess, seeded: Seeded) -> None:
    response = requests.get(f"{gate.url}/__gate/health", timeout=10)
    assert response.status_code == 200
    assert response.json()["status"] == "ok" and response.json()["bucket"] == seeded.bucket


def test_port_stays_closed_when_moto_is_not_there(seeded: Seeded, tmp_path: Path) -> None:
    port = free_port()
    argv = gate_argv(f"http://127.0.0.1:{free_port()}", seeded, port, tmp_path)
    process = subprocess.Popen(argv, cwd=REPO_ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 20
        while process.poll() is None and time.monotonic() < deadline:
            assert not port_open(port)
            time.sleep(0.05)
        assert process.returncode not in (None, 0)
    finally:
        if process.poll() is None:
            process.kill()
        process.wait()


def test_bad_service_credential_is_a_usage_error(seeded: Seeded, tmp_path: Path) -> None:
    argv = gate_argv("http://127.0.0.1:1", seeded, free_port(), tmp_path)
    argv[argv.index("--service-credential") + 1] = "no-colon"
    done = subprocess.run(argv, cwd=REPO_ROOT, capture_output=True, text=True, timeout=30, check=False)
    assert done.returncode == 2 and "ACCESS_KEY:SECRET" in done.stderr
