"""catscan installs as a Python package: `pip install .` into a fresh venv gives a working `catscan`,
and pyproject.toml declares what requirements.txt pins (make setup installs through pyproject,
constrained by requirements.lock)."""

from __future__ import annotations

import importlib.metadata
import os
import re
import subprocess
import tomllib
import venv
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

import catscan
from tests.support.images import photo

REPO = Path(__file__).resolve().parents[2]


def _pins(path: Path) -> dict[str, str]:
    pins = {}
    for line in path.read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            req = Requirement(line)
            (spec,) = req.specifier
            assert spec.operator == "==", f"{path.name}: {line} is not pinned"
            pins[canonicalize_name(req.name)] = spec.version
    return pins


def _declared() -> dict[str, list[Requirement]]:
    project = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]
    reqs = [Requirement(r) for r in project["dependencies"]]
    reqs += [Requirement(r) for extra in project["optional-dependencies"].values() for r in extra]
    out: dict[str, list[Requirement]] = {}
    for req in reqs:
        out.setdefault(canonicalize_name(req.name), []).append(req)
    return out


def test_pyproject_declares_every_pinned_top_level_dependency_at_its_pin() -> None:
    declared = _declared()
    for name, version in _pins(REPO / "requirements.txt").items():
        assert name in declared, f"{name} is pinned in requirements.txt but not declared in pyproject.toml"
        for req in declared[name]:
            assert req.specifier.contains(version, prereleases=True), f"{req} excludes the pin {version}"


def test_the_environment_is_the_lock() -> None:
    """make setup installs `.[local,test]` constrained by requirements.lock: every pin, at its version."""
    for name, version in _pins(REPO / "requirements.lock").items():
        assert importlib.metadata.version(name) == version, name


@pytest.fixture(scope="module")
def installed(tmp_path_factory) -> Path:
    """`pip install .` (from a copy: no editable link back to the checkout) into a fresh venv."""
    root = tmp_path_factory.mktemp("pip-install")
    src = root / "src"
    subprocess.run(
        ["git", "-C", str(REPO), "archive", "--format=tar", "-o", str(root / "src.tar"), "HEAD"], check=True
    )
    src.mkdir()
    subprocess.run(["tar", "-xf", str(root / "src.tar"), "-C", str(src)], check=True)
    # Sources as they are now (uncommitted edits of the package and pyproject included).
    subprocess.run(["cp", "-rT", str(REPO / "catscan"), str(src / "catscan")], check=True)
    subprocess.run(["cp", "-rT", str(REPO / "functions"), str(src / "functions")], check=True)
    subprocess.run(["cp", str(REPO / "pyproject.toml"), str(src)], check=True)
    env_dir = root / "venv"
    venv.EnvBuilder(with_pip=True).create(env_dir)
    # From PyPI (or the pip cache), at the locked versions: the same wheels a user's `pip install .` gets.
    subprocess.run(
        [
            str(env_dir / "bin" / "pip"),
            "install",
            "-q",
            "--disable-pip-version-check",
            "-c",
            str(REPO / "requirements.lock"),
            str(src),
        ],
        check=True,
        timeout=600,
        env=CLEAN_ENV,
    )
    return env_dir / "bin" / "catscan"


# The installed package alone: the test run's PYTHONPATH points at the checkout.
CLEAN_ENV = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}


def _run(exe: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(exe), *args], capture_output=True, text=True, timeout=120, cwd=exe.parent, env=CLEAN_ENV
    )


def test_installed_catscan_help_and_version(installed: Path) -> None:
    help_ = _run(installed, "--help")
    assert help_.returncode == 0, help_.stderr
    assert "Does this image contain a cat?" in help_.stdout and "catscan scan" in help_.stdout
    version = _run(installed, "--version")
    assert version.returncode == 0 and version.stdout.strip() == f"catscan {catscan.__version__}"
    scan_help = _run(installed, "scan", "--help")
    assert scan_help.returncode == 0 and "--outputs" in scan_help.stdout


def test_installed_catscan_dev_says_it_needs_the_checkout(installed: Path) -> None:
    dev = _run(installed, "dev")
    assert dev.returncode == 2
    assert re.fullmatch(
        r"error: catscan dev runs the local cloud from a repository checkout[^\n]*\n", dev.stderr
    )
    assert "Traceback" not in dev.stderr


def test_installed_catscan_scan_without_outputs_is_one_line(installed: Path) -> None:
    scan = _run(
        installed, "scan", "--outputs", str(installed.parent / "missing.json"), str(photo("chelsea.png"))
    )
    assert scan.returncode == 2
    assert scan.stderr.startswith("error: ") and scan.stderr.count("\n") == 1, scan.stderr


def test_lambda_lock_pins_the_lambda_requirements_and_the_tested_versions() -> None:
    """functions/scan_image/requirements.lock (make lock-lambda) holds each top-level pin of the
    Lambda, and shares every version with requirements.lock: the bundle runs what the tests ran."""
    fn = REPO / "functions" / "scan_image"
    text = (fn / "requirements.lock").read_text()
    locked = {canonicalize_name(n): v for n, v in re.findall(r"^([A-Za-z0-9][\w.-]*)==(\S+) \\$", text, re.M)}
    for name, version in _pins(fn / "requirements.txt").items():
        assert locked.get(name) == version, name
    tested = _pins(REPO / "requirements.lock")
    for name, version in locked.items():
        if name in tested:
            assert tested[name] == version, f"{name}: Lambda {version}, tests {tested[name]}"
