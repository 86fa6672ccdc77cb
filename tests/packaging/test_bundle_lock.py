"""scripts/bundle_lambda.sh installs exactly the hashed lock: a wheel whose hash is not in the lock, or a
dependency the lock does not pin, stops the bundle (and so the synth) instead of deploying it.

Runs the real script (and pip, from PyPI or its cache) on a tiny lock in a scratch copy of the layout it
expects: scripts/ and functions/scan_image/ under one root."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
LAMBDA_LOCK = (REPO / "functions" / "scan_image" / "requirements.lock").read_text()


def _pin(name: str) -> str:
    """`name==version \\` and its hash lines, as the Lambda's lock has them."""
    m = re.search(
        rf"^{re.escape(name)}==\S+ \\\n(?:\s+--hash=sha256:[0-9a-f]{{64}}(?: \\)?\n)+", LAMBDA_LOCK, re.M
    )
    assert m, name
    return m.group(0)


def _bundle(tmp_path: Path, lock: str) -> subprocess.CompletedProcess:
    (tmp_path / "scripts").mkdir()
    shutil.copy(REPO / "scripts" / "bundle_lambda.sh", tmp_path / "scripts")
    src = tmp_path / "functions" / "scan_image"
    src.mkdir(parents=True)
    (src / "handler.py").write_text("def lambda_handler(event, context):\n    return None\n")
    (src / "requirements.lock").write_text(lock)
    env = {**os.environ, "PIP": f"{sys.executable} -m pip", "BUNDLE_BYTECODE": "0"}
    return subprocess.run(
        ["bash", str(tmp_path / "scripts" / "bundle_lambda.sh"), str(tmp_path / "out")],
        capture_output=True,
        text=True,
        timeout=300,
        env=env,
    )


def test_the_locked_closure_installs(tmp_path: Path) -> None:
    run = _bundle(tmp_path, _pin("python-dateutil") + _pin("six"))
    assert run.returncode == 0, run.stderr
    installed = sorted(p.name for p in (tmp_path / "out").glob("*.dist-info"))
    assert [re.sub(r"-[^-]+\.dist-info$", "", n) for n in installed] == ["python_dateutil", "six"]
    assert (tmp_path / "out" / "scan_image" / "handler.py").is_file()  # the package the handler string names


def test_a_wheel_that_does_not_match_its_hash_stops_the_bundle(tmp_path: Path) -> None:
    tampered = re.sub(r"sha256:[0-9a-f]{64}", "sha256:" + "0" * 64, _pin("six"))
    run = _bundle(tmp_path, tampered)
    assert run.returncode != 0
    assert re.search(r"Expected sha256 0{64}\s.*Got\s+[0-9a-f]{64}", run.stderr, re.S), run.stderr
    assert "bundle_lambda: pip install failed" in run.stderr


def test_a_dependency_the_lock_does_not_pin_stops_the_bundle(tmp_path: Path) -> None:
    run = _bundle(tmp_path, _pin("python-dateutil"))  # python-dateutil needs six, which is not in this lock
    assert run.returncode != 0
    assert "--require-hashes mode, all requirements must have their versions pinned" in run.stderr, run.stderr
    assert re.search(r"^\s+six\b", run.stderr, re.M) and "bundle_lambda: pip install failed" in run.stderr
