"""`catscan dev`: the whole app on the local cloud until Ctrl-C."""

from __future__ import annotations

import argparse
import importlib.util
import os
import signal
import threading
from pathlib import Path

from catscan.cli.common import REPO_ROOT, print_error
from catscan.local.ports import Ports


def register(commands: argparse._SubParsersAction) -> None:
    p = commands.add_parser(
        "dev",
        help="run the app on the local cloud (moto, AppSync emulator, detector, UI)",
        epilog="environment: CATSCAN_REKOGNITION_TPS=N gives the local Rekognition a DetectLabels "
        "quota of N calls a second (default unlimited); CATSCAN_REKOGNITION_LATENCY_MS=N "
        "adds N ms to each call; CATSCAN_APPSYNC_READ_LAG_MS=N lets getScan miss a scan "
        "for N ms after its creation, as DynamoDB's eventually consistent reads may.",
    )
    defaults = Ports()
    for name in ("moto", "appsync", "rekognition", "ui", "gate"):
        p.add_argument(
            f"--{name}-port",
            type=int,
            default=getattr(defaults, name),
            metavar="PORT",
            help=f"port of {name} (default {getattr(defaults, name)})",
        )
    p.add_argument(
        "--workers",
        type=int,
        default=2,
        help="concurrent scanner invocations: the event source's maximum concurrency (default 2; "
        "the deployed one is in functions/scan_image/runtime.json)",
    )
    p.add_argument("--no-ui", action="store_true", help="do not serve the web UI")
    p.add_argument(
        "--fresh",
        action="store_true",
        help="start empty: forget the users, images and scans kept from earlier runs",
    )
    p.set_defaults(run=run)


def missing_prerequisite() -> str | None:
    """Why `catscan dev` cannot run here, in one line; None when it can."""
    # The local cloud runs the scanner's sources, the schema and the web UI of a repository checkout;
    # a `pip install .` copies only the Python package.
    if not (REPO_ROOT / "schema.graphql").is_file() or not (REPO_ROOT / "functions" / "scan_image").is_dir():
        return (
            "catscan dev runs the local cloud from a repository checkout, not from an installed package: "
            "clone the repository and run `make dev` there"
        )
    missing = [
        m for m in ("moto", "onnxruntime", "aws_lambda_powertools") if importlib.util.find_spec(m) is None
    ]
    if missing:
        return f"catscan dev needs the local extra ({', '.join(missing)} missing): pip install -e '.[local]', or make dev"
    return None


def run(args: argparse.Namespace) -> int:
    problem = missing_prerequisite()
    if problem:
        print_error(problem)
        return 2
    # The local cloud's modules read the checkout's files when imported: only after the check above.
    from catscan.local.cloud import LocalCloud
    from catscan.local.processes import StartupError
    from catscan.local.rekognition import quota
    from catscan.local.seed import DEMO_USERS

    try:
        rekognition_tps, rekognition_latency_ms = quota.from_env()
        read_lag_ms = int(os.environ.get("CATSCAN_APPSYNC_READ_LAG_MS", "0") or 0)
        if read_lag_ms < 0:
            raise ValueError("CATSCAN_APPSYNC_READ_LAG_MS must be 0 or more")
    except ValueError as exc:
        print(f"error: {exc}", flush=True)
        return 2
    cloud = LocalCloud(
        ports=Ports(args.moto_port, args.appsync_port, args.rekognition_port, args.ui_port, args.gate_port),
        runner_concurrency=args.workers,
        with_ui=not args.no_ui,
        rekognition_tps=rekognition_tps,
        rekognition_latency_ms=rekognition_latency_ms,
        appsync_read_lag_ms=read_lag_ms,
    )
    if args.fresh:
        cloud.wipe_state()
    print("starting the catscan local cloud ...", flush=True)
    try:
        cloud.start()
    except StartupError as exc:
        print(f"error: {exc}", flush=True)
        return 1
    print(f"  web UI      {cloud.ui_url}" if cloud.with_ui else "  web UI      (off)")
    print(f"  GraphQL     {cloud.appsync_url}  (realtime {cloud.realtime_url})")
    print(f"  moto        {cloud.moto_url}  (S3, SQS, Cognito, SSM, DynamoDB)")
    limits = [f"{rekognition_tps:g} DetectLabels/s quota"] if rekognition_tps else []
    limits += [f"+{rekognition_latency_ms} ms latency"] if rekognition_latency_ms else []
    print(f"  detector    {cloud.rekognition_url}" + (f"  ({', '.join(limits)})" if limits else ""))
    print(f"  storage     {cloud.gate_url}  (S3 + Cognito Identity with the app's IAM rules)")
    print(f"  outputs     {cloud.outputs_path}")
    print(f"  logs        {cloud.state_dir / 'logs'}")
    print(f"  mailbox     {cloud.mailbox_url}  (sign-up and password-reset codes; also printed here)")
    print("  demo accounts (local only):")
    for email, password, admin in DEMO_USERS:
        print(f"    {email:22} {password}{'  (Admin)' if admin else ''}")
    print(f"ready in {cloud.startup_seconds:.1f}s - Ctrl-C stops everything", flush=True)

    mail = MailPrinter(cloud.mailbox_path)
    stop = threading.Event()
    # Explicit handlers: a shell that starts us in the background hands us SIGINT ignored.
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    try:
        while not stop.wait(0.5):
            mail.print_new()
            for child in cloud.children:
                if child.process and child.process.poll() is not None:
                    print(f"error: {child.name} stopped unexpectedly; see {child.log_path}\n{child.tail()}")
                    stop.set()
    except KeyboardInterrupt:
        pass
    print("stopping ...", flush=True)
    # A second Ctrl-C must not orphan the children half-way through stopping (moto saves its state).
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    cloud.stop()
    print("stopped", flush=True)
    return 0


class MailPrinter:
    """Prints the codes the local Cognito "e-mails" as they arrive (the gate writes them to its mailbox file)."""

    def __init__(self, path: Path) -> None:
        from catscan.local.gate.mailbox import read_messages

        self.read_messages = read_messages
        self.path = path
        self.seen = max(
            (m.id for m in self.read_messages(path)), default=0
        )  # earlier runs' mail is on the page
        self.mtime = self._mtime()

    def _mtime(self) -> float:
        try:
            return self.path.stat().st_mtime
        except OSError:
            return 0.0

    def print_new(self) -> None:
        mtime = self._mtime()
        if mtime == self.mtime:
            return
        self.mtime = mtime
        messages = self.read_messages(self.path)
        if messages and messages[-1].id < self.seen:  # a fresh mailbox (ids start again)
            self.seen = 0
        for message in messages:
            if message.id > self.seen:
                print(f"  {message.line()}", flush=True)
                self.seen = message.id
