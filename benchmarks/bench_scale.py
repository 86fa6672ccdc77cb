"""`make bench`, scale part: does reading a user's scans cost the same whatever the table holds?

- `catscan list --limit 20` (the real CLI, sign-in included) for a user with 3 scans, once with 3 rows in
  the table and once with 10,000 (the other rows belong to 100 other users): the ratio should stay near 1,
  because the owner index is a Query on the user's partition, not a Scan of the table. The scansByOwner
  request alone is timed too.
- The web UI (built frontend/dist, headless Chromium) for a user with 1,000 DONE scans, each with its own
  thumbnail: time from navigation to the first card, and the image bytes of the first view.

Rows are written straight into the local DynamoDB table (and thumbnails into S3) in the shape the
emulator and the scanner write them: seeding 10,000 scans through the whole pipeline would take an hour
and measure the scanner instead. Writes the "Scale" section of BENCHMARKS.md.
"""

from __future__ import annotations

import argparse
import asyncio
import io
import os
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import boto3
from boto3.dynamodb.types import TypeSerializer
from PIL import Image

from catscan.client.api import ScanApi
from catscan.client.outputs import load_outputs
from catscan.client.session import UserSession
from catscan.local.cloud import REPO_ROOT, LocalCloud, Ports
from catscan.local.seed import add_user
from scan_image import graphql_documents as documents

SECTION = "## Scale: lists and first view"
PASSWORD = "Bench-scale-1"
_serializer = TypeSerializer()


def _iso(at: datetime) -> str:
    return at.strftime("%Y-%m-%dT%H:%M:%S.") + f"{at.microsecond // 1000:03d}Z"


def _client(cloud: LocalCloud, service: str) -> Any:
    return boto3.client(
        service,
        endpoint_url=cloud.moto_url,
        region_name="us-east-1",
        aws_access_key_id="bench",
        aws_secret_access_key="bench",
    )


def scan_item(
    owner_key: str, identity_id: str, created: datetime, email: str, thumbnail: bool
) -> dict[str, Any]:
    """A DONE scan as the API and the scanner leave it."""
    scan_id = str(uuid.uuid4())
    stamp = _iso(created)
    item = {
        "id": scan_id,
        "__typename": "Scan",
        "owner": owner_key,
        "ownerEmail": email,
        "imageKey": f"uploads/{identity_id}/{scan_id}/photo.jpg",
        "fileName": f"photo-{scan_id[:8]}.jpg",
        "contentType": "image/jpeg",
        "sizeBytes": 2_400_000,
        "status": "DONE",
        "isCat": True,
        "confidence": 93,
        "createdAt": stamp,
        "updatedAt": stamp,
    }
    if thumbnail:
        item["thumbnailKey"] = f"thumbnails/{identity_id}/{scan_id}.jpg"
    return item


def put_items(cloud: LocalCloud, items: list[dict[str, Any]]) -> None:
    ddb = _client(cloud, "dynamodb")
    for start in range(0, len(items), 25):
        requests = [
            {"PutRequest": {"Item": {k: _serializer.serialize(v) for k, v in item.items()}}}
            for item in items[start : start + 25]
        ]
        while requests:
            unprocessed = ddb.batch_write_item(RequestItems={"Scan-local": requests}).get(
                "UnprocessedItems", {}
            )
            requests = unprocessed.get("Scan-local", [])


def other_users_rows(n: int, users: int = 100) -> list[dict[str, Any]]:
    now = datetime.now(UTC)
    owners = [(f"{uuid.uuid4()}", f"user{i}@example.com") for i in range(users)]
    rows = []
    for i in range(n):
        sub, email = owners[i % users]
        rows.append(scan_item(f"{sub}::{sub}", f"us-east-1:{sub}", now - timedelta(minutes=i), email, False))
    return rows


def new_user(cloud: LocalCloud, outputs: Any, email: str) -> UserSession:
    add_user(cloud.moto_url, cloud.seeded.user_pool_id, email, PASSWORD)
    return UserSession.sign_in(outputs, email, PASSWORD)


def time_cli_list(cloud: LocalCloud, email: str, runs: int) -> float:
    """Median seconds of `catscan list --json --limit 20` (a new process each run, as a user runs it)."""
    env = {**os.environ, "CATSCAN_PASSWORD": PASSWORD, "NO_COLOR": "1"}
    argv = [
        sys.executable,
        "-m",
        "catscan",
        "list",
        "--json",
        "--limit",
        "20",
        "--outputs",
        str(cloud.outputs_path),
        "--user",
        email,
    ]
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        done = subprocess.run(argv, env=env, capture_output=True, text=True, cwd=REPO_ROOT, timeout=120)
        times.append(time.perf_counter() - started)
        if done.returncode != 0 or len(done.stdout.splitlines()) != 3:
            raise RuntimeError(f"catscan list failed: {done.returncode} {done.stderr[-500:]}")
    return statistics.median(times)


def time_query(session: UserSession, runs: int) -> float:
    """Median ms of one scansByOwner(limit: 20) request."""

    async def go() -> float:
        async with ScanApi(session) as api:
            times = []
            for _ in range(runs):
                started = time.perf_counter()
                await api.execute(
                    documents.SCANS_BY_OWNER,
                    {"owner": session.owner_key, "sortDirection": "DESC", "limit": 20},
                )
                times.append((time.perf_counter() - started) * 1000)
            return statistics.median(times)

    return asyncio.run(go())


def list_ratio(cloud: LocalCloud, outputs: Any, total_rows: int, runs: int) -> dict[str, float]:
    few = new_user(cloud, outputs, "few@catscan.local")

    async def three() -> None:
        async with ScanApi(few) as api:
            for name in ("a.jpg", "b.jpg", "c.jpg"):
                await api.execute(
                    documents.CREATE_SCAN,
                    {"input": {"imageKey": f"uploads/x/{uuid.uuid4()}/{name}", "fileName": name}},
                )

    asyncio.run(three())
    small_cli = time_cli_list(cloud, "few@catscan.local", runs)
    small_query = time_query(few, 20)
    print(
        f"  3 rows: list {small_cli:.2f} s, query {small_query:.1f} ms; seeding {total_rows - 3} rows ...",
        flush=True,
    )
    put_items(cloud, other_users_rows(total_rows - 3))
    large_cli = time_cli_list(cloud, "few@catscan.local", runs)
    large_query = time_query(few, 20)
    return {
        "rows": total_rows,
        "small_cli_s": small_cli,
        "large_cli_s": large_cli,
        "small_query_ms": small_query,
        "large_query_ms": large_query,
    }


def thumbnail_bytes() -> bytes:
    import skimage.data

    image = Image.open(Path(skimage.data.__file__).parent / "chelsea.png").convert("RGB")
    image.thumbnail((320, 320))
    out = io.BytesIO()
    image.save(out, "JPEG", quality=80, optimize=True, progressive=True)
    return out.getvalue()


def first_view(cloud: LocalCloud, outputs: Any, scans: int) -> dict[str, float]:
    """A user with `scans` DONE scans (own thumbnails) opens My scans in Chromium."""
    from playwright.sync_api import expect, sync_playwright

    email = "many@catscan.local"
    session = new_user(cloud, outputs, email)
    identity_id, _ = session.identity()
    now = datetime.now(UTC)
    items = [
        scan_item(session.owner_key, identity_id, now - timedelta(minutes=i), email, True)
        for i in range(scans)
    ]
    put_items(cloud, items)
    s3, body = _client(cloud, "s3"), thumbnail_bytes()
    for item in items:
        s3.put_object(
            Bucket=cloud.seeded.bucket, Key=item["thumbnailKey"], Body=body, ContentType="image/jpeg"
        )
    chromium = os.environ.get("CATSCAN_CHROMIUM", "/usr/bin/chromium")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=chromium,
            headless=True,
            args=["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"],
        )
        try:
            context = browser.new_context(viewport={"width": 1280, "height": 900}, base_url=cloud.ui_url)
            page = context.new_page()
            page.goto("/")
            page.get_by_label("Email").fill(email)
            page.get_by_label("Password", exact=True).fill(PASSWORD)
            page.get_by_role("button", name="Sign in", exact=True).click()
            expect(page.get_by_test_id("scan-row").first).to_be_visible(timeout=60_000)
            results = []
            for _ in range(3):  # signed in (tokens in storage): each load is a returning user's first view
                images: list[tuple[str, int]] = []

                def on_response(response: Any, images: list = images) -> None:
                    if response.request.resource_type == "image":
                        try:
                            images.append((response.url, len(response.body())))
                        except Exception:  # noqa: BLE001 - a response without a body (redirect)
                            images.append((response.url, 0))

                page.on("response", on_response)
                started = time.perf_counter()
                page.reload()
                expect(page.get_by_test_id("scan-row").first).to_be_visible(timeout=60_000)
                first_card = time.perf_counter() - started
                page.wait_for_load_state("networkidle")
                page.remove_listener("response", on_response)
                cards = page.get_by_test_id("scan-row").count()
                originals = sum(1 for url, _ in images if "/uploads/" in url)
                results.append((first_card, sum(n for _, n in images), len(images), cards, originals))
            context.close()
        finally:
            browser.close()
    first_card, image_bytes, image_count, cards, originals = sorted(results)[len(results) // 2]
    return {
        "scans": scans,
        "first_card_s": first_card,
        "image_bytes": image_bytes,
        "images": image_count,
        "cards": cards,
        "originals": originals,
    }


_HWM_PROBE = """
import io, sys
from PIL import Image
from scan_image import thumbnail
def hwm():
    return next(int(l.split()[1]) for l in open("/proc/self/status") if l.startswith("VmHWM")) // 1024
data = open(sys.argv[1], "rb").read()
base = hwm()
if sys.argv[2] == "thumbnail":
    thumbnail.render(data, int(sys.argv[3]), int(sys.argv[4]))
else:
    image = Image.open(io.BytesIO(data))
    image.load()
    image.thumbnail((320, 320))
print(hwm() - base)
"""


def thumbnail_memory(width: int = 6000, height: int = 4000) -> dict[str, float]:
    """Peak memory (VmHWM, fresh process) above the loaded file: thumbnail.render's draft-mode decode of a
    24 MP JPEG against a plain full decode of the same file."""
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "large.jpg"
        Image.effect_noise((width, height), 30).convert("RGB").save(path, "JPEG", quality=70)
        peaks = {
            mode: float(
                subprocess.run(
                    [sys.executable, "-c", _HWM_PROBE, str(path), mode, str(width), str(height)],
                    capture_output=True,
                    text=True,
                    check=True,
                    cwd=REPO_ROOT,
                ).stdout
            )
            for mode in ("thumbnail", "full")
        }
        return {"pixels": width * height, "file_mb": path.stat().st_size / 1e6, **peaks}


def render(ratio: dict[str, float], view: dict[str, float], memory: dict[str, float]) -> str:
    r = ratio["large_cli_s"] / ratio["small_cli_s"]
    q = ratio["large_query_ms"] / ratio["small_query_ms"]
    now = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    return "\n".join(
        [
            SECTION,
            "",
            f"Recorded by `make bench` (benchmarks/bench_scale.py) on {now}; {os.cpu_count()} cores.",
            "",
            "| measure | result | target | |",
            "|---|---|---|---|",
            f"| `catscan list --limit 20`, user with 3 scans, 3 rows in the table (median) | {ratio['small_cli_s']:.2f} s | - | - |",
            f"| the same with {ratio['rows']:,} rows in the table | {ratio['large_cli_s']:.2f} s | - | - |",
            f"| ratio | x{r:.2f} | <= 1.5 | {'met' if r <= 1.5 else '**missed**'} |",
            f"| scansByOwner(limit: 20) alone, 3 rows / {ratio['rows']:,} rows (median) | "
            f"{ratio['small_query_ms']:.1f} ms / {ratio['large_query_ms']:.1f} ms (x{q:.2f}) | - | - |",
            f"| web UI, {view['scans']:,} scans: navigation -> first card (median of 3 loads) | "
            f"{view['first_card_s']:.2f} s | <= 1 s | {'met' if view['first_card_s'] <= 1 else '**missed**'} |",
            f"| web UI, image bytes of the first view | {view['image_bytes'] / 1024:.0f} KB "
            f"({view['images']} images, {view['cards']} cards, {view['originals']} originals) | <= 2 MB | "
            f"{'met' if view['image_bytes'] <= 2 * 1024 * 1024 else '**missed**'} |",
            f"| thumbnail of a {memory['pixels'] / 1e6:.0f} MP JPEG ({memory['file_mb']:.1f} MB): peak memory above the "
            f"file, draft-mode decode / full decode | {memory['thumbnail']:.0f} MB / {memory['full']:.0f} MB | - | - |",
            "",
            "The CLI figures include starting Python and signing in (most of the time). Before the indexes (issue",
            "10) the same list took 0.7 s with 3 rows and 4 s with 3,000 (x5.7): listScans is a DynamoDB Scan of",
            "the whole table, read page by page over HTTP. Now one Query on the byOwner GSI answers it; but moto",
            "answers a GSI Query by comparing every item of the table in memory, so the request alone still grows",
            f"with the table locally (x{q:.1f} here); DynamoDB reads only the owner's partition. The first view",
            "reads 24 scans and downloads only their ~15 KB thumbnails (those in view), never an original.",
            "",
        ]
    )


def write_section(path: Path, section: str) -> None:
    text = path.read_text() if path.exists() else "# Benchmarks\n"
    if SECTION in text:
        before, rest = text.split(SECTION, 1)
        after = rest.split("\n## ", 1)
        text = before + section + (("\n## " + after[1]) if len(after) > 1 else "")
    else:
        text = text.rstrip("\n") + "\n\n" + section
    path.write_text(text)


def main() -> None:
    parser = argparse.ArgumentParser(description="catscan scale benchmarks (figures, not assertions)")
    parser.add_argument("--rows", type=int, default=10_000)
    parser.add_argument("--ui-scans", type=int, default=1_000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--out", type=Path, default=REPO_ROOT / "BENCHMARKS.md")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        tmpdir = Path(tmp)
        cloud = LocalCloud(
            ports=Ports.free(),
            state_dir=tmpdir / "state",
            outputs_path=tmpdir / "outputs.json",
            with_ui=True,
            persist=False,
            sweeper_period=None,
        )
        print("starting the local cloud ...", flush=True)
        cloud.start(timeout=120)
        try:
            outputs = load_outputs(cloud.outputs_path)
            print("catscan list --limit 20 at 3 rows and at scale ...", flush=True)
            ratio = list_ratio(cloud, outputs, args.rows, args.runs)
            print(f"web UI first view with {args.ui_scans} scans ...", flush=True)
            view = first_view(cloud, outputs, args.ui_scans)
        finally:
            cloud.stop()
    print("thumbnail memory ...", flush=True)
    section = render(ratio, view, thumbnail_memory())
    write_section(args.out, section)
    print(section)


if __name__ == "__main__":
    main()
