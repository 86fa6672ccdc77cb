"""The whole local cloud: moto, the AppSync emulator, local Rekognition, the runner and the web UI.

Used by `catscan dev` and by the test session (on free ports), so tests run what people run.
"""

from __future__ import annotations

import json
import shutil
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

from catscan.local import seed as seeding
from catscan.local.gate.config import MAILBOX_FILE_NAME
from catscan.local.gate.mailbox_page import MAILBOX_PATH
from catscan.local.outputs import amplify_outputs, write_outputs
from catscan.local.ports import Ports
from catscan.local.processes import Child, StartupError, port_open, wait_ready
from catscan.local.runner import RUNTIME

REPO_ROOT = Path(__file__).resolve().parents[2]

# Local-only credentials of the scanner "role": the emulator admits exactly this IAM key.
SCANNER_ACCESS_KEY = "LOCALSCANNERKEY0000001"
SCANNER_SECRET_KEY = "local-only-scanner-secret"


@dataclass
class LocalCloud:
    ports: Ports = field(default_factory=Ports)
    state_dir: Path = REPO_ROOT / ".local-cloud"
    outputs_path: Path = REPO_ROOT / "amplify_outputs.json"
    # The scanner's limits (functions/scan_image/runtime.json, deployed as they are); tests shorten some.
    runner_concurrency: int = RUNTIME["eventSourceMaxConcurrency"]  # the event source's maximum concurrency
    batch_size: int = RUNTIME["eventSourceBatchSize"]
    function_timeout: float = RUNTIME["functionTimeoutSeconds"]
    max_receive_count: int = RUNTIME["maxReceiveCount"]
    retry_backoff_base: float = RUNTIME["retryBackoffBaseSeconds"]
    retry_backoff_max: float = RUNTIME["retryBackoffMaxSeconds"]
    service_timeout: float = RUNTIME["serviceTimeoutSeconds"]  # one S3 / Rekognition request
    # The sweeper runs every minute locally (5 in AWS) so that `make dev` shows it at work.
    sweeper_period: float | None = 60.0
    upload_grace_seconds: int = RUNTIME["uploadGraceSeconds"]
    stuck_after_seconds: int = RUNTIME["stuckAfterSeconds"]
    max_redrives: int = RUNTIME["maxRedrives"]
    queue_visibility_timeout: int | None = None
    param_cache_seconds: int = 5
    with_ui: bool = True
    persist: bool = True  # keep users, images and scans across restarts (state_dir/state)
    host: str = "127.0.0.1"
    rekognition_tps: float | None = None  # DetectLabels quota (calls/s) of the local account; None: unlimited
    rekognition_latency_ms: int = 0  # added to each DetectLabels call
    appsync_read_lag_ms: int = 0  # getScan misses a scan this young (DynamoDB's eventual consistency)
    children: list[Child] = field(default_factory=list)
    seeded: seeding.Seeded | None = None

    @property
    def moto_state_file(self) -> Path:
        return self.state_dir / "state" / "moto.pickle"

    def wipe_state(self) -> None:
        """Forget users, images and scans: the next start is a fresh local cloud."""
        shutil.rmtree(self.state_dir / "state", ignore_errors=True)

    def url(self, port: int) -> str:
        return f"http://{self.host}:{port}"

    @property
    def moto_url(self) -> str:
        return self.url(self.ports.moto)

    @property
    def appsync_url(self) -> str:
        return f"{self.url(self.ports.appsync)}/graphql"

    @property
    def realtime_url(self) -> str:
        return f"ws://{self.host}:{self.ports.appsync}/graphql/realtime"

    @property
    def rekognition_url(self) -> str:
        return self.url(self.ports.rekognition)

    @property
    def gate_url(self) -> str:
        return self.url(self.ports.gate)

    @property
    def mailbox_url(self) -> str:
        """The local mailbox page: the codes the local Cognito "e-mails" (gate/mailbox.py)."""
        return f"{self.gate_url}{MAILBOX_PATH}"

    @property
    def mailbox_path(self) -> Path:
        return self.state_dir / "state" / MAILBOX_FILE_NAME  # the gate's --state-dir

    @property
    def ui_url(self) -> str:
        return self.url(self.ports.ui)

    def function_env(self) -> dict[str, str]:
        """The scanner Lambda's environment, with endpoints pointing at the local cloud."""
        assert self.seeded
        return {
            "APPSYNC_URL": self.appsync_url,
            "AWS_REGION": seeding.REGION,
            "AWS_DEFAULT_REGION": seeding.REGION,
            "AWS_ACCESS_KEY_ID": SCANNER_ACCESS_KEY,
            "AWS_SECRET_ACCESS_KEY": SCANNER_SECRET_KEY,
            "AWS_ENDPOINT_URL": self.moto_url,
            "AWS_ENDPOINT_URL_REKOGNITION": self.rekognition_url,
            "IDEMPOTENCY_TABLE": self.seeded.idempotency_table,
            "USER_POOL_ID": self.seeded.user_pool_id,  # the uploader's e-mail (AdminGetUser on moto)
            "PARAM_TARGET_LABEL": self.seeded.param_target_label,
            "PARAM_MIN_CONFIDENCE": self.seeded.param_min_confidence,
            "PARAM_CACHE_SECONDS": str(self.param_cache_seconds),
            "POWERTOOLS_SERVICE_NAME": "catscan-scanner",
            "POWERTOOLS_METRICS_NAMESPACE": "catscan",
            "AWS_LAMBDA_FUNCTION_NAME": "catscan-scan-image-local",
            "SCAN_QUEUE_URL": self.seeded.queue_url,
            "MAX_RECEIVE_COUNT": str(self.max_receive_count),
            "RETRY_BACKOFF_BASE_SECONDS": str(self.retry_backoff_base),
            "RETRY_BACKOFF_MAX_SECONDS": str(self.retry_backoff_max),
            "SERVICE_TIMEOUT_SECONDS": str(self.service_timeout),
        }

    def sweeper_env(self) -> dict[str, str]:
        """The sweeper Lambda's environment (same role as the scanner locally)."""
        assert self.seeded
        scanner = self.function_env()
        keep = (
            "APPSYNC_URL",
            "AWS_REGION",
            "AWS_DEFAULT_REGION",
            "AWS_ACCESS_KEY_ID",
            "AWS_SECRET_ACCESS_KEY",
            "AWS_ENDPOINT_URL",
            "SCAN_QUEUE_URL",
            "MAX_RECEIVE_COUNT",
            "POWERTOOLS_METRICS_NAMESPACE",
        )
        return {
            **{k: scanner[k] for k in keep},
            "DEAD_LETTER_QUEUE_URL": self.seeded.failure_queue_url,
            "UPLOADS_BUCKET": self.seeded.bucket,
            "UPLOAD_GRACE_SECONDS": str(self.upload_grace_seconds),
            "STUCK_AFTER_SECONDS": str(self.stuck_after_seconds),
            "MAX_REDRIVES": str(self.max_redrives),
            "POWERTOOLS_SERVICE_NAME": "catscan-sweeper",
            "AWS_LAMBDA_FUNCTION_NAME": "catscan-sweeper-local",
        }

    @property
    def visibility_timeout(self) -> int:
        """Six times the function timeout, as AWS recommends for an SQS event source (tests may shorten
        it, never below the function timeout, which AWS refuses)."""
        wanted = self.queue_visibility_timeout or 6 * self.function_timeout
        return int(max(wanted, self.function_timeout + 1))

    def start(self, timeout: float = 60.0) -> None:
        started = time.monotonic()
        wanted = [self.ports.moto, self.ports.appsync, self.ports.rekognition, self.ports.gate] + (
            [self.ports.ui] if self.with_ui else []
        )
        busy = [port for port in wanted if port_open(port, self.host)]
        if busy:
            raise StartupError(
                f"port(s) {', '.join(map(str, busy))} already in use: is another `catscan dev` "
                "running? Stop it, or choose other ports (see `catscan dev --help`)."
            )
        logs = self.state_dir / "logs"
        py = sys.executable
        moto_argv = [py, "-m", "catscan.local.moto_host", "--host", self.host, "--port", str(self.ports.moto)]
        if self.persist:
            moto_argv += ["--state-file", str(self.moto_state_file)]
        # Saving a state with many images takes a while: give moto time to write it.
        moto = Child("moto", moto_argv, logs / "moto.log", port=self.ports.moto, stop_timeout=120)
        rekognition_argv = [
            py,
            "-m",
            "catscan.local.rekognition.server",
            "--host",
            self.host,
            "--port",
            str(self.ports.rekognition),
            "--s3-endpoint",
            self.moto_url,
            "--latency-ms",
            str(self.rekognition_latency_ms),
            "--tps",
            repr(float(self.rekognition_tps)) if self.rekognition_tps else "unlimited",
        ]
        rekognition = Child(
            "rekognition", rekognition_argv, logs / "rekognition.log", port=self.ports.rekognition
        )
        self.children = [moto, rekognition]
        try:
            moto.start(REPO_ROOT)
            rekognition.start(REPO_ROOT)  # loads its model while moto is being seeded
            wait_ready([moto], timeout)
            self.seeded = seeding.seed(
                self.moto_url, self.ui_url, self.max_receive_count, self.visibility_timeout
            )
            later = [self._appsync(logs), self._gate(logs), self._runner(logs)]
            if self.with_ui:
                later.append(self._ui(logs))
            for child in later:
                child.start(REPO_ROOT)
            self.children += later
            wait_ready(self.children, max(1.0, timeout - (time.monotonic() - started)))
            outputs = amplify_outputs(
                self.seeded, self.moto_url, self.appsync_url, self.rekognition_url, self.ui_url
            )
            # Clients reach S3 and Cognito through the storage gate (IAM rules, stable IdentityIds, RevokeToken);
            # the scanner and the detector use moto directly, as AWS services would.
            outputs["custom"]["local"]["endpoints"].update(
                {"s3": self.gate_url, "cognito-identity": self.gate_url, "cognito-idp": self.gate_url}
            )
            write_outputs(self.outputs_path, outputs)
        except BaseException:
            self.stop()
            raise
        self.startup_seconds = time.monotonic() - started

    def _appsync(self, logs: Path) -> Child:
        assert self.seeded
        argv = [
            sys.executable,
            "-m",
            "catscan.local.appsync",
            "--host",
            self.host,
            "--port",
            str(self.ports.appsync),
            "--schema",
            str(REPO_ROOT / "schema.graphql"),
            "--region",
            seeding.REGION,
            "--dynamodb-endpoint",
            self.moto_url,
            "--table-suffix",
            "local",
            "--user-pool-id",
            self.seeded.user_pool_id,
            "--client-id",
            self.seeded.user_pool_client_id,
            "--cognito-endpoint",
            self.moto_url,
            "--iam-credential",
            f"{SCANNER_ACCESS_KEY}:{SCANNER_SECRET_KEY}",
            "--read-lag-ms",
            str(self.appsync_read_lag_ms),
        ]
        return Child("appsync", argv, logs / "appsync.log", port=self.ports.appsync)

    def _gate(self, logs: Path) -> Child:
        assert self.seeded
        argv = [
            sys.executable,
            "-m",
            "catscan.local.gate",
            "--host",
            self.host,
            "--port",
            str(self.ports.gate),
            "--moto-endpoint",
            self.moto_url,
            "--region",
            seeding.REGION,
            "--user-pool-id",
            self.seeded.user_pool_id,
            "--client-id",
            self.seeded.user_pool_client_id,
            "--identity-pool-id",
            self.seeded.identity_pool_id,
            "--bucket",
            self.seeded.bucket,
            "--state-dir",
            str(self.state_dir / "state"),
            "--scanner-credential",
            f"{SCANNER_ACCESS_KEY}:{SCANNER_SECRET_KEY}",
        ]
        return Child("storage-gate", argv, logs / "storage-gate.log", port=self.ports.gate)

    def _runner(self, logs: Path) -> Child:
        assert self.seeded
        config = {
            "queue_url": self.seeded.queue_url,
            "function_env": self.function_env(),
            "sqs_endpoint": self.moto_url,
            "region": seeding.REGION,
            "concurrency": self.runner_concurrency,
            "batch_size": self.batch_size,
            "function_timeout": self.function_timeout,
            "sweeper_env": self.sweeper_env(),
            "sweeper_period": self.sweeper_period,
        }
        path = self.state_dir / "runner.json"
        path.write_text(json.dumps(config, indent=2))
        return Child(
            "runner",
            [sys.executable, "-m", "catscan.local.runner", "--config", str(path)],
            logs / "runner.log",
            ready_line="runner ready",
        )

    def _ui(self, logs: Path) -> Child:
        argv = [
            sys.executable,
            "-m",
            "catscan.local.ui_server",
            "--host",
            self.host,
            "--port",
            str(self.ports.ui),
            "--dist",
            str(REPO_ROOT / "frontend" / "dist"),
            "--outputs",
            str(self.outputs_path),
        ]
        return Child("ui", argv, logs / "ui.log", port=self.ports.ui)

    def child(self, name: str) -> Child:
        return next(c for c in self.children if c.name == name)

    def restart(self, name: str, timeout: float = 30.0) -> None:
        """Stop one part and start it again (fault tests: a crashed runner, an AppSync outage)."""
        child = self.child(name)
        child.stop()
        child.start(REPO_ROOT)
        wait_ready([child], timeout)

    def stop(self) -> None:
        for child in reversed(self.children):
            child.stop()
        self.children = []

    def __enter__(self) -> LocalCloud:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()
