"""A moto server in a thread for the emulator tests that need AWS behind them but not a whole local cloud."""

from __future__ import annotations

from collections.abc import Iterator

from moto.server import ThreadedMotoServer


def moto_server() -> Iterator[str]:
    """Its URL on a free port of 127.0.0.1, until the generator ends (`yield from` it in a fixture)."""
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    try:
        yield f"http://{host}:{port}"
    finally:
        server.stop()
