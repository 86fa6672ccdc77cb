"""Scans page by page from the indexes, reading only the pages a caller consumes.

- mine: `scansByOwner` (the byOwner GSI: owner, createdAt) newest first; the cost of a page does not grow
  with other users' scans.
- everyone's (Admin): the byStatus GSI (status, updatedAt) has one partition a status; their newest-first
  pages are merged, so the order is by last update (a finished scan moves to the top, as live updates do).
  `status=` reads one partition, `owner_email=` the byOwnerEmail GSI (ownerEmail, createdAt).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

from scan_image import graphql_documents as documents
from scan_image.owner_directory import stored_email

STATUSES = ("PENDING", "PROCESSING", "DONE", "REJECTED", "FAILED")
MAX_PAGE = 100  # the generated resolvers' default page size

Page = tuple[list[dict[str, Any]], str | None]
Fetch = Callable[[int, str | None], Awaitable[Page]]


def page_size(wanted: int | None) -> int:
    """Ask for what is still wanted (a DynamoDB page reads `limit` items), at most MAX_PAGE."""
    return MAX_PAGE if wanted is None else max(1, min(wanted, MAX_PAGE))


async def paged(fetch: Fetch, limit: int | None = None) -> AsyncIterator[dict[str, Any]]:
    """Items of one index partition in index order, fetching the next page only when it is needed."""
    token: str | None = None
    yielded = 0
    while limit is None or yielded < limit:
        items, token = await fetch(page_size(None if limit is None else limit - yielded), token)
        for item in items:
            if limit is not None and yielded >= limit:
                return
            yielded += 1
            yield item
        if not token:
            return


async def merged(fetches: list[Fetch], key: str, limit: int | None = None) -> AsyncIterator[dict[str, Any]]:
    """A k-way merge of partitions that are each sorted by `key` descending: the globally newest first.

    Every partition that is not exhausted keeps at least one buffered item, so the head chosen is the
    newest of all; a partition's next page is read only once its buffer is empty."""
    buffers: list[list[dict[str, Any]]] = [[] for _ in fetches]
    tokens: list[str | None] = [None] * len(fetches)
    exhausted = [False] * len(fetches)
    size = page_size(limit)

    async def refill(i: int) -> None:
        while not buffers[i] and not exhausted[i]:  # a filtered page may be empty while more follow
            items, tokens[i] = await fetches[i](size, tokens[i])
            buffers[i].extend(items)
            exhausted[i] = tokens[i] is None

    yielded = 0
    while limit is None or yielded < limit:
        await asyncio.gather(*(refill(i) for i in range(len(fetches))))
        heads = [i for i, buffer in enumerate(buffers) if buffer]
        if not heads:
            return
        newest = max(heads, key=lambda i: buffers[i][0].get(key) or "")
        yielded += 1
        yield buffers[newest].pop(0)


class ScanLister:
    """The listing queries of one signed-in API client (catscan.client.api.ScanApi)."""

    def __init__(self, api: Any) -> None:
        self.api = api

    def _fetch(self, document: str, field: str, **variables: Any) -> Fetch:
        async def fetch(limit: int, token: str | None) -> Page:
            data = await self.api.execute(
                document, {**variables, "sortDirection": "DESC", "limit": limit, "nextToken": token}
            )
            page = data[field]
            return page["items"], page.get("nextToken")

        return fetch

    def mine(self, owner_key: str, limit: int | None = None) -> AsyncIterator[dict[str, Any]]:
        return paged(self._fetch(documents.SCANS_BY_OWNER, "scansByOwner", owner=owner_key), limit)

    def everyone(
        self, limit: int | None = None, status: str | None = None, owner_email: str | None = None
    ) -> AsyncIterator[dict[str, Any]]:
        if owner_email is not None:
            filter_ = {"status": {"eq": status}} if status else None
            return paged(
                self._fetch(
                    documents.SCANS_BY_OWNER_EMAIL,
                    "scansByOwnerEmail",
                    ownerEmail=stored_email(owner_email),
                    filter=filter_,
                ),
                limit,
            )
        statuses = [status] if status else list(STATUSES)
        fetches = [self._fetch(documents.SCANS_BY_STATUS, "scansByStatus", status=s) for s in statuses]
        return merged(fetches, "updatedAt", limit)
