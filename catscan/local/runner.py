"""S3 -> function runner for the local cloud.

moto cannot invoke a Lambda without Docker, so S3 notifies an SQS queue and this runner long-polls it
and calls the unchanged `functions/scan_image` handler, with Lambda's async semantics: each event is
tried 1 + 2 times with backoff, then a Lambda destination record goes to the on-failure queue. Worker
processes play warm Lambda containers (the handler module is imported once per worker).
"""
from __future__ import annotations

import argparse
import hashlib
import json
import logging
import os
import signal
import sys
import threading
import time
import traceback
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import boto3

from catscan.local.lambda_runtime import LambdaContext

FUNCTION_DIR = Path(__file__).resolve().parents[2] / "functions" / "scan_image"
log = logging.getLogger("catscan.runner")

# Lambda's async invocation: the first try plus 2 retries, then the on-failure destination.
MAX_ATTEMPTS = 3


@dataclass(frozen=True)
class RunnerConfig:
    queue_url: str
    failure_queue_url: str
    function_env: dict[str, str]
    sqs_endpoint: str
    region: str = "us-east-1"
    concurrency: int = 2
    retry_delays: tuple[float, ...] = (1.0, 2.0)  # Lambda waits ~1 and ~2 minutes; locally seconds
    visibility_timeout: int = 60  # longer than the function timeout, as for a Lambda event source
    function_timeout: float = 30.0


# --- worker side (one per "warm container") ---------------------------------------------------

_handler: Any = None


def _init_worker(function_env: dict[str, str]) -> None:
    global _handler
    os.environ.update(function_env)
    sys.path.insert(0, str(FUNCTION_DIR))
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent decides when workers stop
    import handler  # noqa: PLC0415 - imported once per worker, like a Lambda cold start

    _handler = handler.lambda_handler


def _invoke(event: dict[str, Any], function_env: dict[str, str], timeout: float) -> dict[str, Any]:
    context = LambdaContext(region=function_env.get("AWS_REGION", "us-east-1"), timeout_seconds=timeout)
    try:
        return {"ok": True, "result": _handler(event, context), "requestId": context.aws_request_id}
    except Exception as exc:  # noqa: BLE001 - an unhandled function error, as Lambda reports it
        return {"ok": False, "requestId": context.aws_request_id, "errorType": type(exc).__name__,
                "errorMessage": str(exc), "trace": traceback.format_exc(limit=5)}


# --- event shaping ---------------------------------------------------------------------------


def as_lambda_event(body: dict[str, Any]) -> dict[str, Any]:
    """moto's S3 records lack fields S3 always sends (sequencer, request ids): add them.

    The sequencer is derived from the record itself, so a duplicated delivery keeps the same one.
    """
    for record in body.get("Records", []):
        obj = record.get("s3", {}).get("object", {})
        digest = hashlib.sha256(json.dumps(record, sort_keys=True).encode()).hexdigest().upper()
        obj.setdefault("sequencer", digest[:18])
        record.setdefault("responseElements", {"x-amz-request-id": digest[18:34],
                                               "x-amz-id-2": digest[34:]})
        record.setdefault("userIdentity", {"principalId": "local"})
        record.setdefault("requestParameters", {"sourceIPAddress": "127.0.0.1"})
    return body


def failure_record(event: dict[str, Any], outcome: dict[str, Any], attempts: int,
                   function_arn: str) -> dict[str, Any]:
    """The record Lambda sends to an on-failure destination."""
    return {
        "version": "1.0",
        "timestamp": datetime.now(timezone.utc).isoformat(),
        "requestContext": {"requestId": outcome["requestId"], "functionArn": f"{function_arn}:$LATEST",
                           "condition": "RetriesExhausted", "approximateInvokeCount": attempts},
        "requestPayload": event,
        "responseContext": {"statusCode": 200, "executedVersion": "$LATEST", "functionError": "Unhandled"},
        "responsePayload": {"errorMessage": outcome["errorMessage"], "errorType": outcome["errorType"]},
    }


# --- the runner ------------------------------------------------------------------------------


class Runner:
    def __init__(self, config: RunnerConfig) -> None:
        self.config = config
        self._sqs = boto3.client("sqs", endpoint_url=config.sqs_endpoint, region_name=config.region,
                                 aws_access_key_id="local", aws_secret_access_key="local")
        self._pool = ProcessPoolExecutor(max_workers=config.concurrency, initializer=_init_worker,
                                         initargs=(config.function_env,))
        self._stop = threading.Event()
        self._slots = threading.Semaphore(config.concurrency * 2)
        self._timers: set[threading.Timer] = set()
        self.invocations = 0

    def warm_up(self) -> None:
        """Start every worker now (cold starts before the first upload, not during it)."""
        futures = [self._pool.submit(time.sleep, 0.05) for _ in range(self.config.concurrency)]
        for f in futures:
            f.result()

    def run(self) -> None:
        while not self._stop.is_set():
            try:
                response = self._sqs.receive_message(
                    QueueUrl=self.config.queue_url, MaxNumberOfMessages=10, WaitTimeSeconds=1,
                    VisibilityTimeout=self.config.visibility_timeout,
                )
            except Exception as exc:  # noqa: BLE001 - moto restarting or gone: keep polling
                if not self._stop.is_set():
                    log.warning("receive failed: %s", exc)
                    time.sleep(0.5)
                continue
            for message in response.get("Messages", []):
                self._dispatch(message)

    def _dispatch(self, message: dict[str, Any]) -> None:
        try:
            body = json.loads(message["Body"])
        except json.JSONDecodeError:
            log.warning("dropping a message that is not JSON")
            self._delete(message)
            return
        if "Records" not in body:  # s3:TestEvent and other non-object notifications
            self._delete(message)
            return
        self._submit(message, as_lambda_event(body), attempt=1)

    def _submit(self, message: dict[str, Any], event: dict[str, Any], attempt: int) -> None:
        self._slots.acquire()
        self.invocations += 1
        future = self._pool.submit(_invoke, event, self.config.function_env, self.config.function_timeout)
        future.add_done_callback(lambda f: self._done(f, message, event, attempt))

    def _done(self, future: Future, message: dict[str, Any], event: dict[str, Any], attempt: int) -> None:
        self._slots.release()
        try:
            outcome = future.result()
        except Exception as exc:  # noqa: BLE001 - the worker process died (killed, crashed)
            outcome = {"ok": False, "requestId": "-", "errorType": "Runtime.ExitError",
                       "errorMessage": str(exc)}
        if outcome["ok"]:
            self._delete(message)
            return
        log.warning("invocation %s failed (attempt %d): %s: %s", outcome["requestId"], attempt,
                    outcome["errorType"], outcome["errorMessage"])
        if attempt < MAX_ATTEMPTS and not self._stop.is_set():
            delay = self.config.retry_delays[min(attempt - 1, len(self.config.retry_delays) - 1)]
            self._change_visibility(message, int(delay) + self.config.visibility_timeout)
            timer = threading.Timer(delay, self._retry, args=(message, event, attempt + 1))
            self._timers.add(timer)
            timer.start()
            return
        if attempt >= MAX_ATTEMPTS:
            arn = LambdaContext(region=self.config.region).invoked_function_arn
            self._sqs.send_message(QueueUrl=self.config.failure_queue_url,
                                   MessageBody=json.dumps(failure_record(event, outcome, attempt, arn)))
            self._delete(message)

    def _retry(self, message: dict[str, Any], event: dict[str, Any], attempt: int) -> None:
        self._timers.discard(threading.current_thread())  # type: ignore[arg-type]
        if not self._stop.is_set():
            self._submit(message, event, attempt)

    def _delete(self, message: dict[str, Any]) -> None:
        try:
            self._sqs.delete_message(QueueUrl=self.config.queue_url, ReceiptHandle=message["ReceiptHandle"])
        except Exception as exc:  # noqa: BLE001 - it will reappear and be deduplicated by idempotency
            log.warning("delete failed: %s", exc)

    def _change_visibility(self, message: dict[str, Any], seconds: int) -> None:
        try:
            self._sqs.change_message_visibility(QueueUrl=self.config.queue_url,
                                                ReceiptHandle=message["ReceiptHandle"],
                                                VisibilityTimeout=min(seconds, 43200))
        except Exception as exc:  # noqa: BLE001
            log.warning("visibility change failed: %s", exc)

    def stop(self) -> None:
        self._stop.set()
        for timer in list(self._timers):
            timer.cancel()
        self._pool.shutdown(wait=True, cancel_futures=True)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="catscan local S3 -> Lambda runner")
    parser.add_argument("--config", required=True, help="JSON file with the RunnerConfig fields")
    args = parser.parse_args(argv)
    raw = json.loads(Path(args.config).read_text())
    raw["retry_delays"] = tuple(raw.get("retry_delays", (1.0, 2.0)))
    config = RunnerConfig(**raw)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s runner %(levelname)s %(message)s")
    runner = Runner(config)
    signal.signal(signal.SIGTERM, lambda *_: runner._stop.set())
    runner.warm_up()
    print("runner ready", flush=True)
    try:
        runner.run()
    except KeyboardInterrupt:
        pass
    finally:
        runner.stop()


if __name__ == "__main__":
    main()
