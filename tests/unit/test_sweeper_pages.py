"""The sweeper acts on each page of stale scans before it reads the next, so a backlog larger than one
invocation can read is still worked off, oldest first (in-memory fakes; milliseconds)."""

from __future__ import annotations

import importlib
from datetime import UTC, datetime
from typing import Any

import pytest

from scan_image.appsync_client import ScanApi
from scan_image.deadline import Deadline
from scan_image.graphql_documents import GET_SCAN, SCANS_UPDATED_BEFORE, UPDATE_SCAN

NOW = datetime(2026, 11, 29, 12, 0, tzinfo=UTC)
OLD = "2026-11-28T00:00:00.000Z"  # older than the stuck cut-off


class PagedApi(ScanApi):
    """The real client, with AppSync answered in memory: scansByStatus in pages of two, every request
    logged, and each write taking a second of the invocation."""

    def __init__(self, pages: list[list[str]], clock: list[float]) -> None:
        super().__init__("https://example.invalid/graphql", "us-east-1", credentials=object())
        self.pages, self.clock, self.log = pages, clock, []

    def _execute(
        self, document: str, variables: dict[str, Any], deadline: Deadline, reserve: bool = False
    ) -> dict[str, Any]:
        deadline.timeout(5, reserve=reserve)  # BudgetExhausted when no time is left, as for a real request
        if document == GET_SCAN:
            return {"getScan": None}
        if document == SCANS_UPDATED_BEFORE:
            if variables["status"] != "PENDING":
                return {"scansByStatus": {"items": [], "nextToken": None}}
            number = int(variables["nextToken"] or 0)
            self.log.append(f"read page {number + 1}")
            items = [
                {
                    "id": i,
                    "imageKey": f"uploads/x/{i}/a.jpg",
                    "status": "PENDING",
                    "updatedAt": OLD,
                    "createdAt": OLD,
                }
                for i in self.pages[number]
            ]
            more = number + 1 < len(self.pages)
            return {"scansByStatus": {"items": items, "nextToken": str(number + 1) if more else None}}
        assert document == UPDATE_SCAN, document
        self.log.append(f"fail {variables['input']['id']}")
        self.clock[0] -= 1000
        return {"updateScan": variables["input"]}


class EmptyQueue:
    def receive_message(self, **_: Any) -> dict:
        return {"Messages": []}


@pytest.fixture
def sweeper_module(monkeypatch):
    for name, value in {
        "APPSYNC_URL": "https://example.invalid/graphql",
        "SCAN_QUEUE_URL": "q",
        "DEAD_LETTER_QUEUE_URL": "dlq",
        "UPLOADS_BUCKET": "b",
        "AWS_REGION": "us-east-1",
        "STUCK_AFTER_SECONDS": "7200",
    }.items():
        monkeypatch.setenv(name, value)
    return importlib.import_module("scan_image.sweeper")


def test_each_page_is_acted_on_before_the_next_is_read(sweeper_module):
    clock = [60_000.0]
    api = PagedApi([["a", "b"], ["c", "d"], ["e", "f"]], clock)
    sweeper = sweeper_module.Sweeper(sweeper_module.SweepSettings.from_env(), api, EmptyQueue(), s3=None)
    report = sweeper.sweep(NOW, Deadline(lambda: int(clock[0]), reserve_seconds=0))
    assert api.log == [
        "read page 1",
        "fail a",
        "fail b",
        "read page 2",
        "fail c",
        "fail d",
        "read page 3",
        "fail e",
        "fail f",
    ]
    assert report.stuck == ["a", "b", "c", "d", "e", "f"]


def test_a_budget_that_runs_out_midway_keeps_what_was_done(sweeper_module):
    clock = [3_100.0]  # time for three writes (a call needs 0.2 s left)
    api = PagedApi([["a", "b"], ["c", "d"], ["e", "f"]], clock)
    sweeper = sweeper_module.Sweeper(sweeper_module.SweepSettings.from_env(), api, EmptyQueue(), s3=None)
    report = sweeper.sweep(NOW, Deadline(lambda: int(clock[0]), reserve_seconds=0))
    assert report.stuck == ["a", "b", "c"]  # the next run resumes at d, the oldest left
    assert "read page 3" not in api.log
