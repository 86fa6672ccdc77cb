"""A burst under Rekognition's rate quota: 40 uploads from 8 clients while the local Rekognition allows
2 DetectLabels calls a second (answering over it as AWS does). Every scan must end DONE with the right
verdict (none FAILED), and the run cannot be faster than the quota allows (40 / 2 = 20 s)."""

from __future__ import annotations

import asyncio
import json
import urllib.request
from collections.abc import Iterator

import pytest

from benchmarks.reliability import make_samples, provision_users, run_load
from catscan.client.outputs import load_outputs
from catscan.local.cloud import LocalCloud, Ports

UPLOADS, CLIENTS, TPS = 40, 8, 2.0


@pytest.fixture(scope="module")
def quota_cloud(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalCloud]:
    state = tmp_path_factory.mktemp("quota-cloud")
    local = LocalCloud(
        ports=Ports.free(),
        state_dir=state,
        outputs_path=state / "amplify_outputs.json",
        with_ui=False,
        persist=False,
        runner_concurrency=2,
        rekognition_tps=TPS,
        retry_backoff_base=1.0,
        sweeper_period=None,
    )
    local.start(timeout=90)
    yield local
    local.stop()


@pytest.fixture(scope="module")
def burst(quota_cloud, tmp_path_factory):
    outputs = load_outputs(quota_cloud.outputs_path)
    samples = [s for s in make_samples(tmp_path_factory.mktemp("burst-images")) if s.expected != "refused"]
    users = provision_users(quota_cloud, outputs, "burst-", CLIENTS)
    figures = asyncio.run(
        run_load(
            users, [], samples, UPLOADS, 0, in_flight=UPLOADS // CLIENTS, scan_timeout=240, max_seconds=300
        )
    )
    with urllib.request.urlopen(f"{quota_cloud.rekognition_url}/_local/usage", timeout=5) as response:
        usage = json.loads(response.read())
    print(
        f"\nburst: {UPLOADS} uploads, {CLIENTS} clients, quota {TPS:g}/s: {figures.wall_s:.1f} s, "
        f"{figures.verdicts}, throttled answers {usage['Throttled']}, billed {usage['DetectLabels']}"
    )
    return figures, usage


def test_every_scan_of_the_burst_ends_done_with_the_right_verdict(burst):
    figures, _ = burst
    assert figures.client_errors == [] and figures.lost == 0 and figures.lost_stuck == []
    assert figures.results_received == UPLOADS
    assert figures.wrong_verdicts == []
    assert set(figures.verdicts) <= {"cat", "no cat"} and sum(figures.verdicts.values()) == UPLOADS


def test_the_quota_held_and_each_object_was_billed_once(burst):
    figures, usage = burst
    assert figures.wall_s >= UPLOADS / TPS * 0.9  # the token bucket starts with a second's burst
    assert usage["DetectLabels"] == UPLOADS  # throttled calls are not billed; no object twice
