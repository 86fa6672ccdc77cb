"""moto server in a process of ours, so its state can be saved on stop and restored on start."""
from __future__ import annotations

import argparse
import signal
import threading
import time
from pathlib import Path

from moto.server import ThreadedMotoServer

from catscan.local.moto_state import load_state, save_state


def main() -> None:
    parser = argparse.ArgumentParser(description="moto server with saved state")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=4566)
    parser.add_argument("--state-file", type=Path, help="restore from / save to this file")
    args = parser.parse_args()

    if args.state_file:
        started = time.monotonic()
        if load_state(args.state_file):
            print(f"restored state from {args.state_file} in {time.monotonic() - started:.2f}s", flush=True)
    server = ThreadedMotoServer(ip_address=args.host, port=args.port, verbose=False)
    server.start()
    print(f"moto listening on http://{args.host}:{args.port}", flush=True)

    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    stop.wait()
    server.stop()
    if args.state_file:
        save_state(args.state_file)
        print(f"saved state to {args.state_file}", flush=True)


if __name__ == "__main__":
    main()
