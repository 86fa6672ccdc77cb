"""Faults of the running pipeline: an AppSync outage, a runner killed mid-scan, duplicated S3 events, an
upload that never comes.

Each ends with the verdict delivered (or FAILED with a reason), failed events parked in the dead-letter
queue and re-driven by the sweeper (or at once by `catscan redrive`), and never a second DetectLabels
charge for an object whose detection completed.
"""

from __future__ import annotations

import json
import os
import signal
import time
import urllib.parse
import urllib.request

from catscan.client.api import upload
from catscan.local.seed import client
from tests.support.images import photo
from tests.support.steps import billed, create, failure_queue_depth, get, get_raw_status, queue_idle, wait_for


def test_after_an_appsync_outage_the_scan_ends_done_with_nobody_running_redrive(cloud, demo):
    new = create(demo, photo("chelsea.png"))
    appsync = cloud.child("appsync")
    appsync.stop()
    try:
        upload(demo, new.key, photo("chelsea.png"))
        # Every delivery fails (getScan), with backoff, then the queue's redrive policy parks the event.
        # The sweeper leaves it there while AppSync is down.
        wait_for(lambda: failure_queue_depth(cloud) >= 1, 60, "the event in the dead-letter queue")
        time.sleep(3)  # a sweeper run or two during the outage
        assert failure_queue_depth(cloud) == 1
        assert get_raw_status(cloud, new.scan["id"]) == "PENDING"  # nothing could be written
    finally:
        cloud.restart("appsync")
    # The sweeper's next run re-drives the event; the scanner then completes the scan.
    final = wait_for(
        lambda: (s := get(demo, new.scan["id"]))["status"] == "DONE" and s, 60, "DONE after the outage"
    )
    assert final["isCat"] is True and failure_queue_depth(cloud) == 0


def test_a_scan_whose_image_never_arrives_is_failed_by_the_sweeper(cloud, demo):
    new = create(demo, photo("chelsea.png"))  # and no upload
    final = wait_for(
        lambda: (s := get(demo, new.scan["id"]))["status"] == "FAILED" and s, 30, "FAILED by the sweeper"
    )
    assert final["reason"].startswith("The image never arrived")


def test_runner_killed_mid_scan_still_delivers_the_verdict(cloud, demo):
    new = create(demo, photo("astronaut.png"))
    detector = cloud.child("rekognition").process
    os.kill(detector.pid, signal.SIGSTOP)  # hold the scan inside DetectLabels
    try:
        upload(demo, new.key, photo("astronaut.png"))
        wait_for(lambda: get(demo, new.scan["id"])["status"] == "PROCESSING", 30, "PROCESSING")
        runner = cloud.child("runner")
        os.killpg(runner.process.pid, signal.SIGKILL)  # the runner and its workers, mid-invocation
        runner.process.wait()
    finally:
        os.kill(detector.pid, signal.SIGCONT)
    cloud.restart("runner")
    # The message reappears after its visibility timeout; the crashed attempt's idempotency lock
    # has expired by then (function timeout < visibility timeout), so the scan completes.
    final = wait_for(
        lambda: (s := get(demo, new.scan["id"]))["status"] == "DONE" and s, 60, "DONE after the crash"
    )
    assert final["isCat"] is False


def test_a_duplicated_s3_event_costs_one_detection(cloud, demo):
    new = create(demo, photo("coffee.png"))
    upload(demo, new.key, photo("coffee.png"))
    wait_for(lambda: get(demo, new.scan["id"])["status"] == "DONE", 30, "DONE")
    sqs = client("sqs", cloud.moto_url)
    wait_for(lambda: queue_idle(sqs, cloud.seeded.queue_url), 30, "the upload's event to be consumed")
    bucket, name = cloud.seeded.bucket, f"{cloud.seeded.bucket}/{new.key}"
    assert billed(cloud)["DetectLabelsByObject"][name] == 1

    # S3 delivers at least once: one more event for the object, delivered three times.
    event = {
        "Records": [
            {
                "eventVersion": "2.1",
                "eventSource": "aws:s3",
                "awsRegion": "us-east-1",
                "eventName": "ObjectCreated:Put",
                "s3": {
                    "bucket": {"name": bucket},
                    "object": {
                        "key": urllib.parse.quote_plus(new.key),
                        "size": 1,
                        "eTag": "e",
                        "sequencer": "00000000000000DUP1",
                    },
                },
            }
        ]
    }
    for _ in range(3):
        sqs.send_message(QueueUrl=cloud.seeded.queue_url, MessageBody=json.dumps(event))
    wait_for(lambda: queue_idle(sqs, cloud.seeded.queue_url), 30, "the deliveries to be consumed")
    # Nothing more: the scan already has its verdict, so the late event and its copies change nothing.
    assert billed(cloud)["DetectLabelsByObject"][name] == 1
    assert get(demo, new.scan["id"])["status"] == "DONE"
