"""A small, bounded version of `python -m benchmarks.reliability`, asserting correctness only (no timing):
60 uploads from 6 users while 30 more subscriptions (5 users x 6) stay open, then each of those users
uploads one image. Nothing may be lost, pushed twice with different content, listed twice, or pushed
to another user; every subscription gets its own user's scan."""

from __future__ import annotations

import asyncio

import pytest

from benchmarks.reliability import make_samples, provision_users, run_load
from catscan.client.session import UserSession
from catscan.local.seed import DEMO_USERS

UPLOADS, CLIENTS, SUBSCRIBERS, SUBSCRIBER_USERS = 60, 6, 30, 5


@pytest.fixture(scope="module")
def figures(cloud, outputs, tmp_path_factory):
    samples = make_samples(tmp_path_factory.mktemp("load-images"))
    load_users = provision_users(cloud, outputs, "small-load-", CLIENTS)
    listeners = provision_users(cloud, outputs, "small-listener-", SUBSCRIBER_USERS)
    email, password, _ = DEMO_USERS[1]
    admin = UserSession.sign_in(outputs, email, password)
    return asyncio.run(
        run_load(
            load_users,
            listeners,
            samples,
            UPLOADS,
            SUBSCRIBERS,
            in_flight=3,
            scan_timeout=60,
            max_seconds=240,
            admin=admin,
            list_users=None,
        )
    )


def test_every_upload_is_answered_once(figures):
    assert figures.client_errors == []
    assert figures.uploads_made == UPLOADS and figures.not_attempted == 0
    assert figures.lost == 0 and figures.lost_stuck == []
    assert figures.results_received == UPLOADS
    assert figures.duplicated == 0 and figures.repeated == 0


def test_list_scans_has_each_scan_once_and_only_for_its_owner(figures):
    assert figures.lists_checked == CLIENTS and figures.admin_listed >= UPLOADS + SUBSCRIBER_USERS
    assert figures.list_duplicates == 0 and figures.list_missing == 0
    assert figures.list_foreign == 0 and figures.wrong_owner == 0


def test_verdicts_match_the_images(figures):
    assert figures.wrong_verdicts == []
    assert set(figures.verdicts) == {"cat", "no cat", "refused"}


def test_nobody_is_pushed_another_users_scan(figures):
    assert figures.client_events >= UPLOADS  # the check saw the load's events
    assert figures.misdelivered == 0
    assert figures.subscriber_misdelivered == 0


def test_every_subscriber_gets_its_own_users_updates(figures):
    assert figures.subscriber_errors == []
    assert figures.subscribers == SUBSCRIBERS
    assert figures.deliveries_expected == SUBSCRIBERS
    assert figures.deliveries_received == SUBSCRIBERS
    assert figures.subscribers_complete == SUBSCRIBERS
