"""`python -m catscan.local.appsync` as `catscan dev` starts it: a child process answering on its port."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request

from tests.local.appsync.appsync_testkit import REPO, SCANNER_KEY, SCANNER_SECRET, SCHEMA


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _post(url: str, body: dict, headers: dict) -> tuple[int, dict]:
    request = urllib.request.Request(
        url,
        data=json.dumps(body).encode(),
        method="POST",
        headers={"content-type": "application/json", **headers},
    )
    try:
        with urllib.request.urlopen(request, timeout=5) as resp:
            return resp.status, json.loads(resp.read())
    except urllib.error.HTTPError as err:
        return err.code, json.loads(err.read())


def test_module_entry_point(cognito, tmp_path):
    port = _free_port()
    argv = [
        sys.executable,
        "-m",
        "catscan.local.appsync",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--schema",
        str(SCHEMA),
        "--region",
        "us-east-1",
        "--dynamodb-endpoint",
        cognito.endpoint,
        "--table-suffix",
        "cli",
        "--user-pool-id",
        cognito.pool_id,
        "--client-id",
        cognito.client_id,
        "--cognito-endpoint",
        cognito.endpoint,
        "--iam-credential",
        f"{SCANNER_KEY}:{SCANNER_SECRET}",
    ]
    env = {**os.environ, "PYTHONPATH": str(REPO) + os.pathsep + os.environ.get("PYTHONPATH", "")}
    log = tmp_path / "appsync.log"
    with open(log, "wb") as out:
        child = subprocess.Popen(argv, cwd=REPO, env=env, stdout=out, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 20
        while True:
            assert child.poll() is None, log.read_text()
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=1) as resp:
                    assert json.loads(resp.read()) == {"status": "ok", "subscriptions": 0}
                    break
            except OSError:
                assert time.monotonic() < deadline, "the emulator did not come up"
                time.sleep(0.05)
        url = f"http://127.0.0.1:{port}/graphql"
        status, body = _post(
            url,
            {
                "query": "mutation($i: CreateScanInput!) { createScan(input: $i) { owner } }",
                "variables": {"i": {"imageKey": "k", "fileName": "f.png"}},
            },
            {"Authorization": cognito.id_token("alice")},
        )
        assert (status, body) == (200, {"data": {"createScan": {"owner": "alice"}}})
        assert _post(url, {"query": "{ listScans { nextToken } }"}, {})[0] == 401
    finally:
        child.terminate()
        child.wait(10)
