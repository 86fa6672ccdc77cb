"""`catscan watch` prints a scan's row again only when what the row says changed (in-memory; milliseconds)."""

from __future__ import annotations

from catscan.cli.watch_cmd import _Shown


def test_a_thumbnail_written_after_the_verdict_is_not_a_second_row():
    shown = _Shown()
    processing = {"id": "a", "status": "PROCESSING", "isCat": None, "confidence": None, "reason": None}
    done = {"id": "a", "status": "DONE", "isCat": True, "confidence": 92.0, "reason": None}
    assert shown.is_news(processing)
    assert shown.is_news(done)
    assert not shown.is_news({**done, "thumbnailKey": "thumbnails/x/a.jpg"})
    assert shown.is_news({**done, "id": "b"})  # another scan with the same verdict is its own row


def test_it_forgets_the_oldest_scans_first():
    shown = _Shown()
    shown.LIMIT = 2
    rows = [{"id": i, "status": "DONE", "isCat": False, "confidence": 1.0, "reason": None} for i in "abc"]
    assert all(shown.is_news(r) for r in rows)
    assert shown.is_news(rows[0])  # forgotten, so shown again
    assert not shown.is_news(rows[2])
