"""The CLI words file sizes as the web UI does (frontend/src/lib/format.test.ts has the same cases)."""

from __future__ import annotations

import pytest

from catscan.client.filetypes import MAX_IMAGE_BYTES, format_bytes, size_rejection


@pytest.mark.parametrize(
    "size, text",
    [
        (512, "512 B"),
        (2048, "2.0 KB"),
        (200 * 1024, "200 KB"),
        (15 * 1024 * 1024, "15 MB"),
        (3.45 * 1024 * 1024, "3.5 MB"),
        (int(21.34 * 1024 * 1024), "21.3 MB"),
    ],
)
def test_format_bytes(size, text):
    assert format_bytes(size) == text


def test_size_rejection_only_above_the_limit():
    assert size_rejection("a.jpg", MAX_IMAGE_BYTES) is None
    assert (
        size_rejection("a.jpg", MAX_IMAGE_BYTES + 1) == "a.jpg is 15.0 MB: images up to 15 MB can be scanned."
    )
