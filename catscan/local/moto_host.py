"""moto server in a process of ours, so its state can be saved on stop and restored on start."""
from __future__ import annotations

import argparse
import logging
import signal
import threading
import time
from pathlib import Path

import moto.backends
from moto.server import ThreadedMotoServer

from catscan.local.moto_state import load_state, save_state


def _cache_module_list() -> None:
    """moto lists its package folder on every request to route it (~15% of its CPU under load);
    the folder does not change while it runs."""
    modules = tuple(moto.backends.list_of_moto_modules())
    moto.backends.list_of_moto_modules = lambda: iter(modules)


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
    _cache_module_list()
    # One log line a request costs ~9% of moto's CPU under load; errors are still logged.
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
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
