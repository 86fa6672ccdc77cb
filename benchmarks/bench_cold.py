"""Cold start of the scanner Lambda, as `make bench` measures it (figures, not assertions).

- Handler import against `import boto3` plus one client, in the same interpreter (python3.12, the Lambda
  runtime) and from the same bundle (build/scan_image), in fresh processes: once without bytecode
  (Lambda's /var/task is read-only, so every cold start would compile every module) and once with the
  bytecode the bundle ships (`compileall --invalidation-mode unchecked-hash` in scripts/bundle_lambda.sh,
  valid whatever the zip's file times). Wall and CPU time: on a busy machine the CPU figure is the steadier one.
- Init plus the first scan: a fresh python3.12 process imports the handler from the bundle and handles
  one real SQS batch (one upload) against the local cloud, as a cold container's first invocation.
"""

from __future__ import annotations

import glob
import json
import os
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import boto3

from catscan.local.runner import sqs_event
from catscan.local.seed import REGION

REPO_ROOT = Path(__file__).resolve().parents[1]
# Code roots holding the scanner's package (scan_image/): the sources, and the bundle as Lambda's /var/task.
# A probe runs with its code root as working directory, which `python -c` puts first on the import path.
SOURCE_DIR = REPO_ROOT / "functions"
BUNDLE_DIR = REPO_ROOT / "build" / "scan_image"

IMPORT_PROBE = """
import sys, time
wall, cpu = time.perf_counter(), time.process_time()
if sys.argv[1] == "handler":
    import scan_image.handler
else:
    import boto3
    boto3.client("s3")
print((time.perf_counter() - wall) * 1000, (time.process_time() - cpu) * 1000)
"""

FIRST_SCAN_PROBE = """
import json, sys, time
wall = time.perf_counter()
from scan_image import handler
init = time.perf_counter()
from catscan.local.lambda_runtime import LambdaContext  # from the repository root (PYTHONPATH)
result = handler.lambda_handler(json.loads(sys.stdin.read()), LambdaContext(timeout_seconds=30))
done = time.perf_counter()
print("PROBE " + json.dumps({"init_ms": (init - wall) * 1000, "invoke_ms": (done - init) * 1000, "result": result}))
"""


def lambda_python() -> str | None:
    """A python3.12 (the Lambda runtime's version): on PATH, else a pyenv-installed one."""
    root = Path(os.environ.get("PYENV_ROOT", Path.home() / ".pyenv"))
    candidates = [
        shutil.which("python3.12"),
        *sorted(glob.glob(str(root / "versions" / "3.12*" / "bin" / "python3.12"))),
    ]
    for candidate in candidates:
        if (
            candidate
            and subprocess.run(
                [candidate, "-c", "import sys; assert sys.version_info[:2] == (3, 12)"], capture_output=True
            ).returncode
            == 0
        ):
            return candidate
    return None


def build_bundle() -> Path | None:
    """The Lambda bundle as the repository builds it, without its bytecode (the variant compared with the
    shipped one, which with_bytecode makes from it); None when it cannot be built here."""
    script = REPO_ROOT / "scripts" / "bundle_lambda.sh"
    if script.exists():
        done = subprocess.run(
            ["bash", str(script)],
            cwd=REPO_ROOT,
            capture_output=True,
            text=True,
            env={**os.environ, "BUNDLE_BYTECODE": "0"},
        )
        if done.returncode != 0:
            print(f"bench: bundling failed, measuring the sources instead:\n{done.stderr}", flush=True)
            return None
    return BUNDLE_DIR if (BUNDLE_DIR / "scan_image" / "handler.py").exists() else None


def with_bytecode(bundle: Path, python: str, target: Path) -> Path:
    shutil.copytree(bundle, target)
    subprocess.run(
        [python, "-m", "compileall", "-q", "-j", "0", "--invalidation-mode", "unchecked-hash", str(target)],
        check=True,
        capture_output=True,
    )
    return target


def _env(function_env: dict[str, str]) -> dict[str, str]:
    # PYTHONDONTWRITEBYTECODE: the code directory is read-only in Lambda, so no run leaves bytecode behind.
    return {**os.environ, **function_env, "PYTHONDONTWRITEBYTECODE": "1"}


def import_times(python: str, code_dir: Path, function_env: dict[str, str], runs: int = 7) -> dict[str, Any]:
    """Medians over fresh processes (alternating, so that load changes hit both alike)."""
    samples: dict[str, list[tuple[float, float]]] = {"boto3": [], "handler": []}
    for _ in range(runs):
        for what in samples:
            out = subprocess.run(
                [python, "-c", IMPORT_PROBE, what],
                cwd=code_dir,
                check=True,
                capture_output=True,
                text=True,
                env=_env(function_env),
            )
            wall, cpu = map(float, out.stdout.split()[-2:])
            samples[what].append((wall, cpu))
    result: dict[str, Any] = {"runs": runs}
    for what, values in samples.items():
        result[f"{what}_ms"] = statistics.median(v[0] for v in values)
        result[f"{what}_cpu_ms"] = statistics.median(v[1] for v in values)
    result["ratio"] = result["handler_ms"] / result["boto3_ms"]
    result["cpu_ratio"] = result["handler_cpu_ms"] / result["boto3_cpu_ms"]
    return result


def first_scan(
    python: str, code_dir: Path, function_env: dict[str, str], event: dict[str, Any]
) -> dict[str, Any]:
    """A cold container: fresh process, handler import, one invocation with a real batch."""
    # The repository root after the code root: only the local Lambda context object comes from there.
    env = {**_env(function_env), "PYTHONPATH": str(REPO_ROOT)}
    out = subprocess.run(
        [python, "-c", FIRST_SCAN_PROBE],
        cwd=code_dir,
        input=json.dumps(event),
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    lines = [line for line in out.stdout.splitlines() if line.startswith("PROBE ")]
    if out.returncode != 0 or not lines:
        raise RuntimeError(f"first-scan probe failed ({out.returncode}):\n{out.stderr[-2000:]}")
    return json.loads(lines[-1][len("PROBE ") :])


def measure_imports(function_env: dict[str, str], tmpdir: Path) -> dict[str, Any]:
    """Import figures for the bundle as shipped and with bytecode (or the sources under this Python)."""
    python = lambda_python()
    bundle = build_bundle()
    if python is None or bundle is None:
        interpreter = python or sys.executable
        return {
            "python": interpreter,
            "code": "functions/scan_image (sources)",
            "as_built": import_times(interpreter, SOURCE_DIR, function_env),
        }
    compiled = with_bytecode(bundle, python, tmpdir / "bundle-bytecode")
    return {
        "python": python,
        "code": "build/scan_image",
        "as_built": import_times(python, bundle, function_env, runs=5),
        "bytecode": import_times(python, compiled, function_env),
        "bytecode_dir": compiled,
    }


def cold_container(cloud: Any, imports: dict[str, Any], upload_one: Any, scan_status: Any) -> dict[str, Any]:
    """Init plus the first scan of one upload, for each code variant measured by `measure_imports`.

    The runner is stopped meanwhile (its pollers would take the message) and started again after.
    """
    variants = (
        {"as_built": BUNDLE_DIR, "bytecode": imports["bytecode_dir"]}
        if "bytecode" in imports
        else {"as_built": SOURCE_DIR}
    )
    sqs = boto3.client(
        "sqs",
        endpoint_url=cloud.moto_url,
        region_name=REGION,
        aws_access_key_id="local",
        aws_secret_access_key="local",
    )
    queue = cloud.seeded.queue_url
    arn = sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    results: dict[str, Any] = {}
    cloud.child("runner").stop()
    try:
        for variant, code_dir in variants.items():
            scan_id, key = upload_one()  # key: for the error message
            messages: list[dict[str, Any]] = []
            deadline = time.monotonic() + 20
            while not messages and time.monotonic() < deadline:
                got = sqs.receive_message(
                    QueueUrl=queue, MaxNumberOfMessages=10, WaitTimeSeconds=1, AttributeNames=["All"]
                ).get("Messages", [])
                messages = [m for m in got if scan_id in m["Body"]]  # the key is URL-encoded there
            if not messages:
                raise RuntimeError(f"no queue message for {key}")
            figures = first_scan(
                imports["python"], code_dir, cloud.function_env(), sqs_event(messages, arn, REGION)
            )
            failed = figures["result"].get("batchItemFailures")
            sqs.delete_message_batch(
                QueueUrl=queue,
                Entries=[{"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(messages)],
            )
            results[variant] = {
                "init_ms": figures["init_ms"],
                "invoke_ms": figures["invoke_ms"],
                "total_ms": figures["init_ms"] + figures["invoke_ms"],
                "status": "retry" if failed else scan_status(scan_id),
            }
    finally:
        cloud.restart("runner")
    return results
