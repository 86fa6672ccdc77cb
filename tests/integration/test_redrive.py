"""`catscan redrive`: dead-lettered scanner events go back to the scan queue and complete."""

from __future__ import annotations

import json
import urllib.parse

from catscan.local.seed import client
from tests.support.images import photo
from tests.support.steps import (
    catscan,
    create,
    failure_queue_depth,
    get,
    upload_without_notification,
    wait_for,
)


def test_catscan_redrive_replays_the_dead_letters_at_once(cloud, demo):
    """The operator's way: the move the sweeper makes on its schedule, now (this cloud runs no sweeper)."""
    new = create(demo, photo("coffee.png"))
    event = {
        "Records": [
            {
                "eventVersion": "2.1",
                "eventSource": "aws:s3",
                "awsRegion": "us-east-1",
                "eventName": "ObjectCreated:Put",
                "s3": {
                    "bucket": {"name": cloud.seeded.bucket},
                    "object": {
                        "key": urllib.parse.quote_plus(new.key),
                        "size": 1,
                        "eTag": "p",
                        "sequencer": "00000000000000PARK",
                    },
                },
            }
        ]
    }
    upload_without_notification(cloud, new.key, photo("coffee.png"))
    sqs = client("sqs", cloud.moto_url)
    sqs.send_message(QueueUrl=cloud.seeded.failure_queue_url, MessageBody=json.dumps(event))

    dry = catscan(cloud, "redrive", "--dry-run")
    assert dry.returncode == 0, dry.stderr
    assert "would replay 1 event" in dry.stdout and failure_queue_depth(cloud) == 1
    done = catscan(cloud, "redrive")
    assert done.returncode == 0, done.stderr
    assert "replayed 1 event" in done.stdout
    final = wait_for(
        lambda: (s := get(demo, new.scan["id"]))["status"] == "DONE" and s, 30, "DONE after redrive"
    )
    assert final["isCat"] is False and failure_queue_depth(cloud) == 0
