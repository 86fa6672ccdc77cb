"""The `catscan` command run as a subprocess against the shared local cloud (tests/conftest.py)."""

from __future__ import annotations

import json
import os
import queue
import re
import signal
import subprocess
import sys
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from catscan.local.seed import DEMO_USERS
from tests.support.images import photo, png_bytes

REPO_ROOT = Path(__file__).resolve().parents[2]
DEMO = DEMO_USERS[0][:2]
ADMIN = DEMO_USERS[1][:2]


@dataclass
class Result:
    code: int
    stdout: str
    stderr: str

    def json_lines(self) -> list[dict]:
        return [json.loads(line) for line in self.stdout.splitlines()]


def environment(password: str | None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CATSCAN_")}
    env["PYTHONPATH"] = str(REPO_ROOT)
    env["NO_COLOR"] = "1"
    if password is not None:
        env["CATSCAN_PASSWORD"] = password
    return env


def argv(command: list[str], outputs: Path, user: str | None) -> list[str]:
    args = [sys.executable, "-m", "catscan", *command, "--outputs", str(outputs)]
    return args + (["--user", user] if user else [])


class Catscan:
    """Runs `python -m catscan COMMAND ... --outputs <the cloud's> --user U` with CATSCAN_PASSWORD."""

    def __init__(self, outputs: Path) -> None:
        self.outputs = outputs

    def __call__(
        self,
        *command: str | Path,
        user: tuple[str, str] | None = DEMO,
        password: str | None = None,
        outputs: Path | None = None,
        timeout: float = 60,
    ) -> Result:
        email, secret = user if user else (None, None)
        done = subprocess.run(
            argv([str(c) for c in command], outputs or self.outputs, email),
            env=environment(password if password is not None else secret),
            capture_output=True,
            text=True,
            timeout=timeout,
            cwd=REPO_ROOT,
            stdin=subprocess.DEVNULL,
        )
        return Result(done.returncode, done.stdout, done.stderr)

    def start(self, *command: str, user: tuple[str, str] = DEMO) -> Running:
        process = subprocess.Popen(
            argv(list(command), self.outputs, user[0]),
            env=environment(user[1]),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            stdin=subprocess.DEVNULL,
            text=True,
            cwd=REPO_ROOT,
        )
        return Running(process)


class Running:
    """A long-running catscan (watch): its output lines arrive in queues, read with a timeout."""

    def __init__(self, process: subprocess.Popen) -> None:
        self.process = process
        self.stdout: queue.Queue[str] = queue.Queue()
        self.stderr: queue.Queue[str] = queue.Queue()
        self.stderr_seen: list[str] = []
        for stream, sink in ((process.stdout, self.stdout), (process.stderr, self.stderr)):
            threading.Thread(target=self._pump, args=(stream, sink), daemon=True).start()

    @staticmethod
    def _pump(stream, sink: queue.Queue) -> None:
        for line in stream:
            sink.put(line)

    def line(self, which: str = "stdout", timeout: float = 15) -> str:
        line = getattr(self, which).get(timeout=timeout)
        if which == "stderr":
            self.stderr_seen.append(line)
        return line

    def interrupt(self, timeout: float = 15) -> tuple[int, str]:
        """SIGINT (Ctrl-C); the exit code and the rest of stderr."""
        self.process.send_signal(signal.SIGINT)
        code = self.process.wait(timeout)
        rest = []
        while True:
            try:
                rest.append(self.stderr.get(timeout=0.5))
            except queue.Empty:
                break
        return code, "".join(self.stderr_seen + rest)

    def kill(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait(5)


@pytest.fixture(scope="session")
def catscan(cloud) -> Catscan:
    return Catscan(cloud.outputs_path)


@pytest.fixture(scope="session")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A cat, two photos without one, a text file named .jpg, a GIF, and a PNG too small to scan."""
    root = tmp_path_factory.mktemp("photos")
    for name in ("chelsea.png", "astronaut.png", "coffee.png"):
        (root / name).write_bytes(photo(name).read_bytes())
    (root / "notes.jpg").write_bytes(b"these are my shopping notes\n" * 20)
    (root / "anim.gif").write_bytes(  # a 1x1 GIF
        b"GIF89a\x01\x00\x01\x00\x80\x00\x00\xff\xff\xff\x00\x00\x00!\xf9\x04\x00\x00\x00\x00\x00"
        b",\x00\x00\x00\x00\x01\x00\x01\x00\x00\x02\x02D\x01\x00;"
    )
    (root / "tiny.png").write_bytes(png_bytes(60, 60))
    return root


@pytest.fixture
def closed_outputs(cloud, tmp_path: Path) -> Iterator[Path]:
    """The cloud's outputs with every endpoint moved to a port where nothing listens."""
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]  # bound, never listening: connections are refused
        text = re.sub(r"(127\.0\.0\.1|localhost):\d+", f"127.0.0.1:{port}", cloud.outputs_path.read_text())
        path = tmp_path / "amplify_outputs.json"
        path.write_text(text)
        yield path
