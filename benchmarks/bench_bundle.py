"""`make bench-bundle`: does precompiled bytecode in the scanner's code asset shorten its cold start?

Builds the asset as the synth does (scripts/bundle_lambda.sh), then a copy without any .pyc, and
imports the handler in fresh CPython 3.12 processes from each, alternating, as the Lambda runtime
does at a cold start (module import = the part of the init phase the asset decides; /var/task is
read-only, so nothing compiled at import time is ever cached: PYTHONDONTWRITEBYTECODE=1 here).
Figures go into their own section of BENCHMARKS.md, which `make bench` keeps.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import statistics
import subprocess
import tempfile
import zipfile
from datetime import UTC, datetime
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
BEGIN, END = "<!-- bench-bundle -->", "<!-- /bench-bundle -->"

# What scan_image/handler.py reads at import (settings.load_settings); no request leaves the process.
HANDLER_ENV = {
    "APPSYNC_URL": "https://example.invalid/graphql",
    "IDEMPOTENCY_TABLE": "bench-idempotency",
    "PARAM_TARGET_LABEL": "/catscan/bench/target-label",
    "PARAM_MIN_CONFIDENCE": "/catscan/bench/min-confidence",
    "POWERTOOLS_SERVICE_NAME": "catscan-scanner",
    "POWERTOOLS_METRICS_NAMESPACE": "catscan",
    "AWS_REGION": "us-east-1",
    "AWS_DEFAULT_REGION": "us-east-1",  # Lambda sets both
    "AWS_ACCESS_KEY_ID": "bench",
    "AWS_SECRET_ACCESS_KEY": "bench",
    "PYTHONDONTWRITEBYTECODE": "1",
}
IMPORT = (
    "import time; t = time.perf_counter(); import scan_image.handler; print((time.perf_counter() - t) * 1000)"
)


def find_python312() -> str:
    """The interpreter the bundle script compiles with (same search order)."""
    candidates = [os.environ.get("PYTHON312"), shutil.which("python3.12")]
    pyenv = shutil.which("pyenv")
    if pyenv:
        out = subprocess.run(
            [pyenv, "which", "python3.12"],
            capture_output=True,
            text=True,
            env={**os.environ, "PYENV_VERSION": "3.12"},
        )
        candidates.append(out.stdout.strip() if out.returncode == 0 else None)
    for c in filter(None, candidates):
        if (
            subprocess.run(
                [c, "-c", "import sys; sys.exit(sys.version_info[:2] != (3, 12))"], capture_output=True
            ).returncode
            == 0
        ):
            return c
    raise SystemExit("no CPython 3.12 found (set PYTHON312): the Lambda runtime is python3.12")


def zipped_mb(path: Path) -> float:
    with tempfile.TemporaryFile() as f:
        with zipfile.ZipFile(f, "w", zipfile.ZIP_DEFLATED) as z:
            for file in sorted(path.rglob("*")):
                if file.is_file():
                    z.write(file, file.relative_to(path))
        return f.tell() / 1e6


def tree_mb(path: Path) -> float:
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file()) / 1e6


def import_ms(python: str, asset: Path) -> float:
    out = subprocess.run(
        [python, "-c", IMPORT],
        cwd=asset,
        capture_output=True,
        text=True,
        check=True,
        env={"PATH": os.environ.get("PATH", ""), **HANDLER_ENV},
    )
    return float(out.stdout.strip().splitlines()[-1])


def measure(runs: int) -> dict:
    python = find_python312()
    with tempfile.TemporaryDirectory() as tmp:
        with_pyc, without = Path(tmp) / "with-pyc", Path(tmp) / "without-pyc"
        subprocess.run(
            ["bash", str(REPO_ROOT / "scripts" / "bundle_lambda.sh"), str(with_pyc)],
            check=True,
            env={**os.environ, "BUNDLE_BYTECODE": "1", "PYTHON312": python},
        )
        shutil.copytree(with_pyc, without)
        for cache in list(without.rglob("__pycache__")):
            shutil.rmtree(cache)
        assert not list(without.rglob("*.pyc")) and list(with_pyc.rglob("*.pyc"))
        import_ms(python, with_pyc), import_ms(python, without)  # warm the OS file cache for both
        times: dict[str, list[float]] = {"with": [], "without": []}
        for _ in range(runs):  # alternating, so drift on a shared machine hits both alike
            times["with"].append(import_ms(python, with_pyc))
            times["without"].append(import_ms(python, without))
        version = subprocess.run([python, "--version"], capture_output=True, text=True).stdout.strip()
        return {
            "python": version,
            "runs": runs,
            "times": times,
            "size": {"with": tree_mb(with_pyc), "without": tree_mb(without)},
            "zip": {"with": zipped_mb(with_pyc), "without": zipped_mb(without)},
        }


def render(m: dict) -> str:
    def q(xs: list[float], p: float) -> float:
        return statistics.quantiles(xs, n=100, method="inclusive")[int(p) - 1]

    w, wo = m["times"]["with"], m["times"]["without"]
    saved = statistics.median(wo) - statistics.median(w)
    return "\n".join(
        [
            BEGIN,
            "## Scanner cold start: precompiled bytecode in the code asset",
            "",
            f"Recorded by `make bench-bundle` on {datetime.now(UTC):%Y-%m-%d %H:%M} UTC; {m['python']}, "
            f"{os.cpu_count()} cores. `import scan_image.handler` in a fresh "
            f"process from the asset as the synth builds it, {m['runs']} runs each, alternating; nothing is "
            "compiled to disk at import (read-only /var/task in Lambda). Figures, not assertions.",
            "",
            "| asset | import median | import p90 | unzipped | zipped |",
            "|---|---|---|---|---|",
            f"| with .pyc (unchecked-hash) | {statistics.median(w):.0f} ms | {q(w, 90):.0f} ms | "
            f"{m['size']['with']:.0f} MB | {m['zip']['with']:.1f} MB |",
            f"| without .pyc | {statistics.median(wo):.0f} ms | {q(wo, 90):.0f} ms | "
            f"{m['size']['without']:.0f} MB | {m['zip']['without']:.1f} MB |",
            "",
            f"Precompiled bytecode saves {saved:.0f} ms of each cold start's import "
            f"({saved / statistics.median(wo):.0%}), so scripts/bundle_lambda.sh keeps it"
            if saved > 0
            else f"Precompiled bytecode does not shorten the import here ({-saved:.0f} ms slower)",
            "(the larger asset costs Lambda a little download time on a cold start; not measured here).",
            END,
            "",
        ]
    )


def _section_pattern(begin: str, end: str) -> re.Pattern[str]:
    return re.compile(re.escape(begin) + r".*?" + re.escape(end) + r"\n?", re.S)


def write_section(path: Path, section: str) -> None:
    """Replaces this benchmark's section of BENCHMARKS.md (or appends it), leaving the rest alone."""
    text = path.read_text() if path.exists() else "# Benchmarks\n"
    pattern = _section_pattern(BEGIN, END)
    text = (
        pattern.sub(lambda _: section, text) if pattern.search(text) else text.rstrip("\n") + "\n\n" + section
    )
    path.write_text(text)


def kept_section(path: Path, begin: str = BEGIN, end: str = END) -> str:
    """A marked section of an existing BENCHMARKS.md (by default this benchmark's), for `make bench` to keep
    when it rewrites the file."""
    if not path.exists():
        return ""
    m = _section_pattern(begin, end).search(path.read_text())
    return "\n" + m.group(0) if m else ""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--out", type=Path, default=REPO_ROOT / "BENCHMARKS.md")
    args = parser.parse_args()
    section = render(measure(args.runs))
    write_section(args.out, section)
    print(section)


if __name__ == "__main__":
    main()
