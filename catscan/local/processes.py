"""Child processes of the local cloud: start with logs to files, wait until they answer, stop cleanly."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def port_open(port: int, host: str = "127.0.0.1") -> bool:
    try:
        with socket.create_connection((host, port), timeout=0.2):
            return True
    except OSError:
        return False


class StartupError(RuntimeError):
    pass


@dataclass
class Child:
    name: str
    argv: list[str]
    log_path: Path
    port: int | None = None
    ready_line: str | None = None
    env: dict[str, str] = field(default_factory=dict)
    stop_timeout: float = 5.0
    process: subprocess.Popen | None = None
    _log: IO[bytes] | None = None
    _log_offset: int = 0

    def start(self, cwd: Path) -> None:
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        self._log = open(self.log_path, "ab")  # noqa: SIM115 - open while the process runs; a restart appends
        self._log_offset = self._log.tell()  # readiness is judged on this run's lines only
        self.process = subprocess.Popen(
            self.argv,
            cwd=cwd,
            stdout=self._log,
            stderr=subprocess.STDOUT,
            env={**os.environ, **self.env},
            start_new_session=True,  # Ctrl-C reaches only the parent
        )

    def is_ready(self) -> bool:
        if self.process is None or self.process.poll() is not None:
            raise StartupError(f"{self.name} exited during start-up; see {self.log_path}:\n{self.tail()}")
        if self.port is not None and not port_open(self.port):
            return False
        if self.ready_line is not None:
            with open(self.log_path, "rb") as log:
                log.seek(self._log_offset)
                return self.ready_line.encode() in log.read()
        return True

    def tail(self, lines: int = 15) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=self.stop_timeout)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()
        if self._log:
            self._log.close()


def wait_ready(children: list[Child], timeout: float) -> None:
    deadline = time.monotonic() + timeout
    pending = list(children)
    while pending:
        pending = [c for c in pending if not c.is_ready()]
        if not pending:
            return
        if time.monotonic() > deadline:
            names = ", ".join(c.name for c in pending)
            raise StartupError(
                f"not ready after {timeout:.0f}s: {names}\n"
                + "\n".join(f"--- {c.name}\n{c.tail()}" for c in pending)
            )
        time.sleep(0.05)
