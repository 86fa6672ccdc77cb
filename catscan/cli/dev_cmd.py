"""`catscan dev`: the whole app on the local cloud until Ctrl-C."""
from __future__ import annotations

import argparse
import signal
import threading

from catscan.local.cloud import LocalCloud, Ports
from catscan.local.processes import StartupError
from catscan.local.rekognition import quota
from catscan.local.seed import DEMO_USERS


def register(commands: argparse._SubParsersAction) -> None:
    p = commands.add_parser("dev", help="run the app on the local cloud (moto, AppSync emulator, detector, UI)",
                            epilog="environment: CATSCAN_REKOGNITION_TPS=N gives the local Rekognition a DetectLabels "
                                   "quota of N calls a second (default unlimited); CATSCAN_REKOGNITION_LATENCY_MS=N "
                                   "adds N ms to each call.")
    defaults = Ports()
    for name in ("moto", "appsync", "rekognition", "ui", "gate"):
        p.add_argument(f"--{name}-port", type=int, default=getattr(defaults, name), metavar="PORT",
                       help=f"port of {name} (default {getattr(defaults, name)})")
    p.add_argument("--workers", type=int, default=2, help="concurrent scanner invocations (default 2)")
    p.add_argument("--no-ui", action="store_true", help="do not serve the web UI")
    p.add_argument("--fresh", action="store_true",
                   help="start empty: forget the users, images and scans kept from earlier runs")
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    try:
        rekognition_tps, rekognition_latency_ms = quota.from_env()
    except ValueError as exc:
        print(f"error: {exc}", flush=True)
        return 2
    cloud = LocalCloud(ports=Ports(args.moto_port, args.appsync_port, args.rekognition_port, args.ui_port,
                                   args.gate_port),
                       runner_concurrency=args.workers, with_ui=not args.no_ui,
                       rekognition_tps=rekognition_tps, rekognition_latency_ms=rekognition_latency_ms)
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
    print("  demo accounts (local only):")
    for email, password, admin in DEMO_USERS:
        print(f"    {email:22} {password}{'  (Admin)' if admin else ''}")
    print(f"ready in {cloud.startup_seconds:.1f}s - Ctrl-C stops everything", flush=True)

    stop = threading.Event()
    # Explicit handlers: a shell that starts us in the background hands us SIGINT ignored.
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    try:
        while not stop.wait(0.5):
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
