"""The local Lambda service: the scanner's SQS event source, and the sweeper's schedule.

In AWS, S3 notifies a queue, and an SQS event source mapping with a maximum concurrency invokes the
scanner with batches of messages (partial batch responses; a failed message comes back after its
visibility timeout and goes to the dead-letter queue after `maxReceiveCount` deliveries, as the
queue's redrive policy says). moto cannot run Lambdas, so this runner plays that part with the
unchanged handlers: one poller receives for every free "container" (up to the maximum concurrency, one
batch each) and the handled messages are deleted in batches; a container is a process that imports the
handler once (a cold start) and is killed at the function timeout, as Lambda kills a timed-out invocation:
nothing after that line runs, the messages are not deleted and come back later. A killed container
is replaced by a fresh one (another cold start). The sweeper runs on a fixed period in its own
container, like an EventBridge schedule.
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import json
import logging
import multiprocessing
import os
import queue
import signal
import threading
import time
import traceback
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from botocore.credentials import Credentials

from catscan.local.aws_auth.json_protocol import JsonProtocolClient
from catscan.local.lambda_runtime import LambdaContext

FUNCTION_DIR = Path(__file__).resolve().parents[2] / "functions" / "scan_image"
RUNTIME = json.loads((FUNCTION_DIR / "runtime.json").read_text())  # the limits CDK deploys too
log = logging.getLogger("catscan.runner")
SQS_MAX_RECEIVE = 10  # the most messages one ReceiveMessage or DeleteMessageBatch takes
DELETE_WINDOW = 0.25  # seconds: the handled messages deleted together (fewer calls under load)


@dataclass(frozen=True)
class RunnerConfig:
    queue_url: str
    function_env: dict[str, str]
    sqs_endpoint: str
    region: str = "us-east-1"
    concurrency: int = RUNTIME["eventSourceMaxConcurrency"]
    batch_size: int = RUNTIME["eventSourceBatchSize"]
    function_timeout: float = RUNTIME["functionTimeoutSeconds"]
    sweeper_env: dict[str, str] = field(default_factory=dict)
    sweeper_period: float | None = None  # seconds; None: no sweeper
    sweeper_timeout: float = 2 * RUNTIME["functionTimeoutSeconds"]  # as amplify/ deploys the sweeper


# --- a container: one process, one handler, killed at the timeout ------------------------------


def _container_main(conn: Any, env: dict[str, str], handler_path: str, function_name: str) -> None:
    os.environ.update(env)
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent decides when containers stop
    # The handler's module is imported by name, as Lambda imports it from /var/task: the scanner's package
    # (scan_image) from the catscan install, which maps it to functions/scan_image.
    module_name, attr = handler_path.rsplit(".", 1)
    import importlib  # the cold start happens here, once per container

    handler = getattr(importlib.import_module(module_name), attr)
    conn.send({"ready": True})
    while True:
        message = conn.recv()
        if message is None:
            return
        event, timeout = message
        context = LambdaContext(
            function_name=function_name, timeout_seconds=timeout, region=env.get("AWS_REGION", "us-east-1")
        )
        try:
            conn.send({"ok": True, "result": handler(event, context), "requestId": context.aws_request_id})
        except Exception as exc:  # noqa: BLE001 - an unhandled function error, as Lambda reports it
            conn.send(
                {
                    "ok": False,
                    "requestId": context.aws_request_id,
                    "errorType": type(exc).__name__,
                    "errorMessage": str(exc),
                    "trace": traceback.format_exc(limit=5),
                }
            )


class Container:
    """A warm Lambda execution environment for one handler."""

    _mp = multiprocessing.get_context("spawn")  # no threads or sockets inherited from the runner

    def __init__(self, env: dict[str, str], handler_path: str, function_name: str) -> None:
        self.env, self.handler_path, self.function_name = env, handler_path, function_name
        self.process: Any = None
        self.conn: Any = None
        self.cold_starts = 0

    def start(self) -> None:
        self.conn, child = self._mp.Pipe()
        self.process = self._mp.Process(
            target=_container_main, daemon=True, args=(child, self.env, self.handler_path, self.function_name)
        )
        self.process.start()
        self.cold_starts += 1
        if not self.conn.poll(120) or not self.conn.recv().get("ready"):
            raise RuntimeError(f"{self.handler_path}: the container did not start")

    def invoke(self, event: dict[str, Any], timeout: float) -> dict[str, Any]:
        if self.process is None or not self.process.is_alive():
            try:
                self.start()
            except Exception as exc:  # noqa: BLE001 - an init error fails the invocation, as in Lambda
                self.kill()
                return {
                    "ok": False,
                    "requestId": "-",
                    "errorType": "Runtime.InitError",
                    "errorMessage": str(exc),
                }
        started = time.monotonic()
        try:
            self.conn.send((event, timeout))
            if self.conn.poll(timeout + 0.25):
                return self.conn.recv()
        except (EOFError, OSError) as exc:
            self.kill()
            return {"ok": False, "requestId": "-", "errorType": "Runtime.ExitError", "errorMessage": str(exc)}
        self.kill()  # Lambda ends a timed-out invocation at once: nothing after this runs
        return {
            "ok": False,
            "requestId": "-",
            "errorType": "Sandbox.Timedout",
            "errorMessage": f"Task timed out after {time.monotonic() - started:.2f} seconds",
        }

    def kill(self) -> None:
        if self.process is not None:
            self.process.kill()
            self.process.join(5)
        self.process = None

    def stop(self) -> None:
        if self.process is not None and self.process.is_alive():
            try:
                self.conn.send(None)
                self.process.join(5)
            except OSError:
                pass
        self.kill()


# --- event shaping ---------------------------------------------------------------------------


def with_s3_fields(body: dict[str, Any]) -> dict[str, Any]:
    """moto's S3 records lack fields S3 always sends (sequencer, request ids): add them.

    The sequencer is derived from the record itself, so a duplicated delivery keeps the same one.
    """
    for record in body.get("Records", []):
        obj = record.get("s3", {}).get("object", {})
        digest = hashlib.sha256(json.dumps(record, sort_keys=True).encode()).hexdigest().upper()
        obj.setdefault("sequencer", digest[:18])
        record.setdefault("responseElements", {"x-amz-request-id": digest[18:34], "x-amz-id-2": digest[34:]})
        record.setdefault("userIdentity", {"principalId": "local"})
        record.setdefault("requestParameters", {"sourceIPAddress": "127.0.0.1"})
        record.setdefault("eventTime", datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ"))
    return body


def sqs_event(messages: list[dict[str, Any]], queue_arn: str, region: str) -> dict[str, Any]:
    """The event an SQS event source mapping hands the function."""
    records = []
    for m in messages:
        body = m["Body"]
        with contextlib.suppress(ValueError, AttributeError):
            body = json.dumps(with_s3_fields(json.loads(body)))
        records.append(
            {
                "messageId": m["MessageId"],
                "receiptHandle": m["ReceiptHandle"],
                "body": body,
                "attributes": m.get("Attributes", {}),
                "messageAttributes": m.get("MessageAttributes", {}),
                "md5OfBody": m.get("MD5OfBody"),
                "eventSource": "aws:sqs",
                "eventSourceARN": queue_arn,
                "awsRegion": region,
            }
        )
    return {"Records": records}


def scheduled_event(region: str) -> dict[str, Any]:
    now = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    return {
        "version": "0",
        "id": str(time.time_ns()),
        "detail-type": "Scheduled Event",
        "source": "aws.events",
        "account": "123456789012",
        "time": now,
        "region": region,
        "resources": [],
        "detail": {},
    }


# --- the runner ------------------------------------------------------------------------------


class Runner:
    def __init__(self, config: RunnerConfig) -> None:
        self.config = config
        self._stop = threading.Event()
        # SQS's JSON protocol without a boto3 client: the poller's calls run for every scan, and botocore's
        # per-call work cost the runner more CPU than they do (aws_auth/json_protocol.py).
        self._sqs = JsonProtocolClient(
            config.sqs_endpoint, "sqs", "AmazonSQS.", config.region, Credentials("local", "local")
        )
        self._queue_arn = self._sqs.call(
            "GetQueueAttributes", {"QueueUrl": config.queue_url, "AttributeNames": ["QueueArn"]}
        )["Attributes"]["QueueArn"]
        # The handler strings the CDK construct deploys (amplify/functions/scan-image/resource.ts).
        self.scanners = [
            Container(config.function_env, "scan_image.handler.lambda_handler", "catscan-scan-image-local")
            for _ in range(config.concurrency)
        ]
        self.sweeper = (
            Container(config.sweeper_env, "scan_image.sweeper.lambda_handler", "catscan-sweeper-local")
            if config.sweeper_period
            else None
        )
        self._threads: list[threading.Thread] = []
        self._idle: queue.Queue[Container] = queue.Queue()  # the containers free for a batch
        self._done: queue.Queue[str] = queue.Queue()  # receipt handles of handled messages, to delete
        self._invocations: set[threading.Thread] = set()  # batches being handled now
        self._invocations_over = (
            threading.Event()
        )  # stopping, and no batch is being handled: the last deletes

    def warm_up(self) -> None:
        """Start every container now (cold starts before the first upload, not during it)."""
        starters = [
            threading.Thread(target=c.start)
            for c in [*self.scanners, *([self.sweeper] if self.sweeper else [])]
        ]
        for t in starters:
            t.start()
        for t in starters:
            t.join()

    def run(self) -> None:
        for container in self.scanners:
            self._idle.put(container)
        self._threads = [
            threading.Thread(target=self._poll, daemon=True),
            threading.Thread(target=self._delete_done, daemon=True),
        ]
        if self.sweeper:
            self._threads.append(threading.Thread(target=self._schedule, daemon=True))
        for t in self._threads:
            t.start()
        self._stop.wait()

    def _idle_containers(self) -> list[Container]:
        """Every container free now (waits a little for the first one)."""
        try:
            idle = [self._idle.get(timeout=0.5)]
        except queue.Empty:
            return []
        while True:
            try:
                idle.append(self._idle.get_nowait())
            except queue.Empty:
                return idle

    def _poll(self) -> None:
        """The event source mapping's poller: one ReceiveMessage of up to 10 messages for the containers
        free now, split into batches of `batch_size`, each invoked on its own container (Lambda's pollers
        also receive more than one batch at a time; each message's visibility timeout starts when it is
        received, as before). The concurrency stays that of the mapping: one batch per free container."""
        while not self._stop.is_set():
            idle = self._idle_containers()
            if not idle:
                continue
            wanted = min(SQS_MAX_RECEIVE, len(idle) * self.config.batch_size)
            try:
                messages = self._sqs.call(
                    "ReceiveMessage",
                    {
                        "QueueUrl": self.config.queue_url,
                        "MaxNumberOfMessages": wanted,
                        "WaitTimeSeconds": 1,
                        "AttributeNames": ["All"],
                        "MessageAttributeNames": ["All"],
                    },
                ).get("Messages", [])
            except Exception as exc:  # noqa: BLE001 - moto restarting or gone: keep polling
                if not self._stop.is_set():
                    log.warning("receive failed: %s", exc)
                    time.sleep(0.5)
                messages = []
            if self._stop.is_set() and messages:
                # Received while stopping: nobody will run them; back to the queue at once.
                self._release(messages)
                messages = []
            size = self.config.batch_size
            for i in range(0, len(messages), size):
                invocation = threading.Thread(
                    target=self._invoke_and_free, args=(idle.pop(), messages[i : i + size]), daemon=True
                )
                self._invocations.add(invocation)
                invocation.start()
            for container in idle:
                self._idle.put(container)

    def _release(self, messages: list[dict[str, Any]]) -> None:
        entries = [
            {"Id": str(i), "ReceiptHandle": m["ReceiptHandle"], "VisibilityTimeout": 0}
            for i, m in enumerate(messages)
        ]
        try:
            self._sqs.call(
                "ChangeMessageVisibilityBatch", {"QueueUrl": self.config.queue_url, "Entries": entries}
            )
        except Exception as exc:  # noqa: BLE001 - they come back after their visibility timeout anyway
            log.warning("release failed: %s", exc)

    def _invoke_and_free(self, container: Container, messages: list[dict[str, Any]]) -> None:
        try:
            self._deliver(container, messages)
        finally:
            self._idle.put(container)
            self._invocations.discard(threading.current_thread())

    def _deliver(self, container: Container, messages: list[dict[str, Any]]) -> None:
        outcome = container.invoke(
            sqs_event(messages, self._queue_arn, self.config.region), self.config.function_timeout
        )
        if not outcome["ok"]:
            # The whole batch failed: every message comes back after its visibility timeout.
            log.warning(
                "invocation %s failed: %s: %s",
                outcome["requestId"],
                outcome["errorType"],
                outcome["errorMessage"],
            )
            return
        result = outcome.get("result") or {}
        failed = {f["itemIdentifier"] for f in result.get("batchItemFailures", [])}
        if failed:
            log.info(
                "invocation %s: %d of %d message(s) to retry",
                outcome["requestId"],
                len(failed),
                len(messages),
            )
        for m in messages:
            if m["MessageId"] not in failed:
                self._done.put(m["ReceiptHandle"])

    def _delete_done(self) -> None:
        """Deletes the handled messages, up to 10 in one DeleteMessageBatch: those handled within
        DELETE_WINDOW of the first (a handled message stays in flight that much longer, invisible to the
        others; were its delete lost, it would come back after its visibility timeout and stop at the scanner's
        getScan, the scan being terminal, as in AWS)."""
        while not self._invocations_over.is_set() or not self._done.empty():
            try:
                handles = [self._done.get(timeout=0.5)]
            except queue.Empty:
                continue
            until = time.monotonic() + DELETE_WINDOW
            while len(handles) < SQS_MAX_RECEIVE:
                try:
                    handles.append(self._done.get(timeout=max(0.0, until - time.monotonic())))
                except queue.Empty:
                    break
            try:
                response = self._sqs.call(
                    "DeleteMessageBatch",
                    {
                        "QueueUrl": self.config.queue_url,
                        "Entries": [{"Id": str(i), "ReceiptHandle": h} for i, h in enumerate(handles)],
                    },
                )
                for failure in response.get("Failed", []):
                    log.warning("delete failed: %s", failure.get("Message", failure.get("Code")))
            except Exception as exc:  # noqa: BLE001 - they reappear and stop at getScan (the scan is terminal)
                log.warning("delete failed: %s", exc)

    def _schedule(self) -> None:
        assert self.sweeper and self.config.sweeper_period
        while not self._stop.wait(self.config.sweeper_period):
            outcome = self.sweeper.invoke(scheduled_event(self.config.region), self.config.sweeper_timeout)
            if outcome["ok"]:
                log.info("sweeper: %s", json.dumps(outcome.get("result")))
            else:
                log.warning("sweeper failed: %s: %s", outcome["errorType"], outcome["errorMessage"])

    def stop(self) -> None:
        self._stop.set()
        poller, deleter, *others = self._threads or [None, None]
        # The poller first: an invocation it starts while stopping is then in the set waited for below,
        # and the deleter drains only after every invocation has handed in its handled messages.
        if poller is not None:
            poller.join(self.config.function_timeout + 2)
        for t in [*list(self._invocations), *others]:
            t.join(self.config.function_timeout + 2)
        self._invocations_over.set()
        if deleter is not None:
            deleter.join(5)
        for c in [*self.scanners, *([self.sweeper] if self.sweeper else [])]:
            c.stop()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="catscan local Lambda runner (SQS event source, schedule)")
    parser.add_argument("--config", required=True, help="JSON file with the RunnerConfig fields")
    args = parser.parse_args(argv)
    config = RunnerConfig(**json.loads(Path(args.config).read_text()))
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
