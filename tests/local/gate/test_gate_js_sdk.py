"""The browser's S3 client (AWS SDK for JavaScript v3, as frontend/src/config/uploader.ts uses it) through the
gate, run in Node with the frontend's own node_modules."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from catscan.local.seed import REGION, Seeded
from tests.local.gate.gate_testkit import REPO_ROOT, GateProcess, Identity

FRONTEND = REPO_ROOT / "frontend"
SCRIPT = Path(__file__).with_name("js_sdk_client.cjs")


def _node_ready() -> bool:
    return bool(shutil.which("node")) and all(
        (FRONTEND / "node_modules" / "@aws-sdk" / name / "package.json").exists()
        for name in ("client-s3", "s3-request-presigner")
    )


pytestmark = pytest.mark.skipif(
    not _node_ready(), reason="node or the frontend's @aws-sdk packages are missing"
)


def test_js_sdk_v3_signs_what_the_gate_verifies(
    gate: GateProcess, demo: Identity, other: Identity, seeded: Seeded, moto_s3
) -> None:
    other.s3().put_object(Bucket=seeded.bucket, Key=other.prefix() + "js/victim.png", Body=b"victim")
    c = demo.credentials
    args = {
        "endpoint": gate.url,
        "region": REGION,
        "bucket": seeded.bucket,
        "credentials": {
            "accessKeyId": c["AccessKeyId"],
            "secretAccessKey": c["SecretKey"],
            "sessionToken": c["SessionToken"],
        },
        "own": demo.prefix(),
        "other": other.prefix(),
    }
    done = subprocess.run(
        ["node", str(SCRIPT), str(FRONTEND), json.dumps(args)],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=FRONTEND,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    out = json.loads(done.stdout)

    # uploader.ts: presigned PUT with Content-Type, presigned GET, presigned DELETE.
    for item in out["uploader"]:
        assert (item["put"], item["get"]) == (200, 200), item
        assert item["body"] == "js:" + item["key"].rsplit("/", 1)[1]
        assert not item["hasChecksumInUrl"]
        if not item["key"].endswith("cat photo.png"):  # deleted again below
            assert moto_s3.head_object(Bucket=seeded.bucket, Key=item["key"])["ContentType"] == "image/png"
    assert out["uploaderDelete"] == 204
    assert out["uploaderOther"] == {"put": 403, "get": 403, "delete": 403}

    # SDK defaults (CRC32 checksums; a stream body): the bytes moto stores are the bytes sent.
    assert out["defaultPutBuffer"]["ok"] and out["defaultPutStream"]["ok"], out
    stream_key = out["defaultPutStream"]["value"]
    assert moto_s3.get_object(Bucket=seeded.bucket, Key=stream_key)["Body"].read() == b"\x07" * (300 * 1024)
    assert out["defaultGet"] == {"ok": True, "length": 300 * 1024}
    assert sorted(out["defaultList"]["keys"]) == sorted([out["defaultPutBuffer"]["value"], stream_key])
    assert out["defaultDelete"]["ok"]
    for name, result in out["defaultOther"].items():
        assert not result["ok"] and result["status"] == 403 and result["code"] == "AccessDenied", (
            name,
            result,
        )
