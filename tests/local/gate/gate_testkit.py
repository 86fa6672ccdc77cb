"""Helpers for the storage gate tests: real moto, real boto3 clients, the gate as a process or in a thread."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boto3
import pytest
import requests
from botocore.config import Config
from botocore.exceptions import ClientError

from catscan.local.processes import free_port, port_open
from catscan.local.seed import REGION, Seeded

REPO_ROOT = Path(__file__).resolve().parents[3]
UI_ORIGIN = "http://127.0.0.1:5173"
SERVICE_KEY, SERVICE_SECRET = "LOCALSCANNERKEY0000001", "local-only-scanner-secret"
DEMO = ("demo@catscan.local", "Catscan-demo-1")
ADMIN = ("admin@catscan.local", "Catscan-admin-1")
OTHER = ("other@catscan.local", "Other-user-1")  # added by the conftest


def client(
    service: str,
    endpoint: str,
    key: str = "local",
    secret: str = "local",
    token: str | None = None,
    **config: Any,
) -> Any:
    extra: dict[str, Any] = {}
    if service == "s3":
        extra["config"] = Config(s3={"addressing_style": "path"}, retries={"max_attempts": 1}, **config)
    return boto3.client(
        service,
        endpoint_url=endpoint,
        region_name=REGION,
        aws_access_key_id=key,
        aws_secret_access_key=secret,
        aws_session_token=token,
        **extra,
    )


def id_token(moto_url: str, client_id: str, user: tuple[str, str]) -> str:
    idp = client("cognito-idp", moto_url)
    result = idp.initiate_auth(
        ClientId=client_id,
        AuthFlow="USER_PASSWORD_AUTH",
        AuthParameters={"USERNAME": user[0], "PASSWORD": user[1]},
    )
    return result["AuthenticationResult"]["IdToken"]


def access_token(moto_url: str, client_id: str, user: tuple[str, str]) -> str:
    idp = client("cognito-idp", moto_url)
    result = idp.initiate_auth(
        ClientId=client_id,
        AuthFlow="USER_PASSWORD_AUTH",
        AuthParameters={"USERNAME": user[0], "PASSWORD": user[1]},
    )
    return result["AuthenticationResult"]["AccessToken"]


def provider(seeded: Seeded) -> str:
    return f"cognito-idp.{REGION}.amazonaws.com/{seeded.user_pool_id}"


@dataclass
class Identity:
    identity_id: str
    credentials: dict[str, Any]
    gate_url: str

    def s3(self, **config: Any) -> Any:
        c = self.credentials
        return client("s3", self.gate_url, c["AccessKeyId"], c["SecretKey"], c["SessionToken"], **config)

    def prefix(self) -> str:
        return f"uploads/{self.identity_id}/"


def identity(gate_url: str, seeded: Seeded, token: str) -> Identity:
    cognito = client("cognito-identity", gate_url)
    logins = {provider(seeded): token}
    identity_id = cognito.get_id(IdentityPoolId=seeded.identity_pool_id, Logins=logins)["IdentityId"]
    creds = cognito.get_credentials_for_identity(IdentityId=identity_id, Logins=logins)["Credentials"]
    return Identity(identity_id, creds, gate_url)


def error_code(exc: ClientError) -> str:
    return str(exc.response.get("Error", {}).get("Code"))


def refused(call: Any, *args: Any, **kwargs: Any) -> str:
    """Runs a boto3 call that must fail; returns the error code (the HTTP status for HEAD)."""
    try:
        call(*args, **kwargs)
    except ClientError as exc:
        return error_code(exc)
    raise AssertionError(f"{getattr(call, '__name__', call)} was allowed")


def gate_argv(moto_url: str, seeded: Seeded, port: int, state_dir: Path) -> list[str]:
    return [
        sys.executable,
        "-m",
        "catscan.local.gate",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--moto-endpoint",
        moto_url,
        "--region",
        REGION,
        "--user-pool-id",
        seeded.user_pool_id,
        "--client-id",
        seeded.user_pool_client_id,
        "--identity-pool-id",
        seeded.identity_pool_id,
        "--bucket",
        seeded.bucket,
        "--state-dir",
        str(state_dir),
        "--service-credential",
        f"{SERVICE_KEY}:{SERVICE_SECRET}",
        "--log-level",
        os.environ.get("GATE_TEST_LOG_LEVEL", "INFO"),
    ]


@dataclass
class GateProcess:
    port: int
    process: subprocess.Popen
    log_path: Path

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def start_gate_process(
    moto_url: str, seeded: Seeded, state_dir: Path, log_path: Path, timeout: float = 30.0
) -> GateProcess:
    port = free_port()
    with open(log_path, "ab") as log:
        process = subprocess.Popen(
            gate_argv(moto_url, seeded, port, state_dir),
            cwd=REPO_ROOT,
            stdout=log,
            stderr=subprocess.STDOUT,
            env={**os.environ, "PYTHONPATH": str(REPO_ROOT)},
        )
    deadline = time.monotonic() + timeout
    while not port_open(port):
        if process.poll() is not None:
            raise RuntimeError(f"the gate exited: {log_path.read_text()[-2000:]}")
        if time.monotonic() > deadline:
            process.kill()
            raise TimeoutError(f"the gate did not open its port: {log_path.read_text()[-2000:]}")
        time.sleep(0.05)
    return GateProcess(port, process, log_path)


# --- Cognito user-pool calls through the gate, shared by the gate's account tests -----------------------------

SIGN_UP, RESET = "sign-up", "password-reset"


def refusal(call: Any, *args: Any, **kwargs: Any) -> tuple[str, str]:
    """The error code and message of a call the gate refuses."""
    with pytest.raises(ClientError) as info:
        call(*args, **kwargs)
    return error_code(info.value), info.value.response["Error"]["Message"]


def mail(gate_url: str, to: str, purpose: str = SIGN_UP) -> list[dict]:
    """The messages to `to` in the local mailbox, newest first (read like the e2e tests: over HTTP)."""
    answer = requests.get(f"{gate_url}/__gate/mailbox.json", timeout=10)
    assert answer.status_code == 200
    return [m for m in answer.json()["messages"] if m["to"] == to and m["purpose"] == purpose]


def mail_code(gate_url: str, to: str, purpose: str = SIGN_UP) -> str:
    messages = mail(gate_url, to, purpose)
    assert messages, f"no {purpose} mail to {to}"
    return messages[0]["code"]


def sign_in(idp: Any, seeded: Seeded, email: str, password: str) -> dict:
    return idp.initiate_auth(
        ClientId=seeded.user_pool_client_id,
        AuthFlow="USER_PASSWORD_AUTH",
        AuthParameters={"USERNAME": email, "PASSWORD": password},
    )
