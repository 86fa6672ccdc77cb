"""S3 through the gate with boto3: the owner's prefix works, everything the role's policy does not allow is
refused the way S3 refuses it, and what moto stores is exactly what was sent."""

from __future__ import annotations

import hashlib
import os
import time
from pathlib import Path

import boto3
import pytest
import requests
from boto3.s3.transfer import TransferConfig
from botocore.config import Config
from botocore.exceptions import ClientError

from catscan.local.gate import GateConfig, run_in_thread
from catscan.local.seed import REGION, Seeded
from tests.local.gate.gate_testkit import (
    DEMO,
    SERVICE_KEY,
    GateProcess,
    Identity,
    client,
    error_code,
    id_token,
    identity,
    refused,
)
from tests.support.clock import Clock

SIGV4 = {"signature_version": "s3v4"}


def test_owner_puts_gets_lists_and_deletes_below_own_identity(
    demo: Identity, seeded: Seeded, moto_s3
) -> None:
    s3, key = demo.s3(), demo.prefix() + "scan-1/photo.png"
    put = s3.put_object(Bucket=seeded.bucket, Key=key, Body=b"png-bytes", ContentType="image/png")
    assert put["ETag"] == f'"{hashlib.md5(b"png-bytes").hexdigest()}"'
    got = s3.get_object(Bucket=seeded.bucket, Key=key)
    assert got["Body"].read() == b"png-bytes" and got["ContentType"] == "image/png"
    assert s3.head_object(Bucket=seeded.bucket, Key=key)["ContentLength"] == 9
    assert s3.get_object(Bucket=seeded.bucket, Key=key, Range="bytes=0-2")["Body"].read() == b"png"
    listed = s3.list_objects_v2(Bucket=seeded.bucket, Prefix=demo.prefix())
    assert key in [o["Key"] for o in listed["Contents"]]
    listed_v1 = s3.list_objects(Bucket=seeded.bucket, Prefix=demo.prefix() + "scan-1/", Delimiter="/")
    assert [o["Key"] for o in listed_v1["Contents"]] == [key]
    s3.delete_object(Bucket=seeded.bucket, Key=key)
    assert "Contents" not in moto_s3.list_objects_v2(Bucket=seeded.bucket, Prefix=key)


def test_another_identitys_prefix_is_refused(
    demo: Identity, other: Identity, seeded: Seeded, moto_s3
) -> None:
    victim = other.prefix() + "scan-9/secret.png"
    other.s3().put_object(Bucket=seeded.bucket, Key=victim, Body=b"other's")
    s3 = demo.s3()
    assert refused(s3.put_object, Bucket=seeded.bucket, Key=victim, Body=b"overwrite") == "AccessDenied"
    assert (
        refused(s3.put_object, Bucket=seeded.bucket, Key=other.prefix() + "new.png", Body=b"x")
        == "AccessDenied"
    )
    assert refused(s3.get_object, Bucket=seeded.bucket, Key=victim) == "AccessDenied"
    assert refused(s3.head_object, Bucket=seeded.bucket, Key=victim) == "403"
    assert refused(s3.delete_object, Bucket=seeded.bucket, Key=victim) == "AccessDenied"
    assert refused(s3.list_objects_v2, Bucket=seeded.bucket, Prefix=other.prefix()) == "AccessDenied"
    assert (
        refused(
            s3.copy_object,
            Bucket=seeded.bucket,
            Key=demo.prefix() + "stolen.png",
            CopySource={"Bucket": seeded.bucket, "Key": victim},
        )
        == "AccessDenied"
    )
    assert moto_s3.get_object(Bucket=seeded.bucket, Key=victim)["Body"].read() == b"other's"


def test_outside_uploads_and_broad_listings_are_refused(demo: Identity, seeded: Seeded, moto_s3) -> None:
    s3, bucket = demo.s3(), seeded.bucket
    moto_s3.put_object(Bucket=bucket, Key="public/readme.txt", Body=b"x")
    for key in (
        "public/readme.txt",
        "readme.txt",
        "uploads/readme.txt",
        f"Uploads/{demo.identity_id}/x",
        f"uploads/{demo.identity_id}",
        f"x/uploads/{demo.identity_id}/y",
    ):
        assert refused(s3.put_object, Bucket=bucket, Key=key, Body=b"x") == "AccessDenied", key
        assert refused(s3.get_object, Bucket=bucket, Key=key) == "AccessDenied", key
    for prefix in (None, "", "uploads/", f"uploads/{demo.identity_id}", "public/"):
        kwargs = {} if prefix is None else {"Prefix": prefix}
        assert refused(s3.list_objects_v2, Bucket=bucket, **kwargs) == "AccessDenied", prefix
    assert refused(s3.list_buckets) == "AccessDenied"
    assert refused(s3.head_bucket, Bucket=bucket) == "403"
    assert refused(s3.get_bucket_cors, Bucket=bucket) == "AccessDenied"
    assert refused(s3.list_multipart_uploads, Bucket=bucket) == "AccessDenied"
    assert refused(s3.list_object_versions, Bucket=bucket, Prefix=demo.prefix()) == "AccessDenied"
    assert refused(s3.create_bucket, Bucket="catscan-new-bucket") == "AccessDenied"


def test_subresources_and_headers_the_role_lacks_are_refused(demo: Identity, seeded: Seeded) -> None:
    s3, bucket, key = demo.s3(), seeded.bucket, demo.prefix() + "sub/x.txt"
    s3.put_object(Bucket=bucket, Key=key, Body=b"x")
    assert refused(s3.put_object, Bucket=bucket, Key=key, Body=b"x", ACL="public-read") == "AccessDenied"
    assert refused(s3.put_object, Bucket=bucket, Key=key, Body=b"x", Tagging="a=b") == "AccessDenied"
    assert refused(s3.get_object_acl, Bucket=bucket, Key=key) == "AccessDenied"
    assert refused(s3.get_object_tagging, Bucket=bucket, Key=key) == "AccessDenied"
    assert (
        refused(
            s3.put_object_tagging, Bucket=bucket, Key=key, Tagging={"TagSet": [{"Key": "a", "Value": "b"}]}
        )
        == "AccessDenied"
    )
    assert refused(s3.get_object, Bucket=bucket, Key=key, VersionId="null") == "AccessDenied"
    # Copying within the own prefix is a PutObject plus a GetObject of the source: allowed.
    s3.copy_object(
        Bucket=bucket, Key=demo.prefix() + "sub/copy.txt", CopySource={"Bucket": bucket, "Key": key}
    )


def test_other_buckets_are_refused_to_identities_and_open_to_the_service_key(
    demo: Identity, seeded: Seeded, service_s3
) -> None:
    service_s3.create_bucket(Bucket="catscan-elsewhere")
    service_s3.put_object(Bucket="catscan-elsewhere", Key=demo.prefix() + "x", Body=b"x")
    assert (
        refused(demo.s3().get_object, Bucket="catscan-elsewhere", Key=demo.prefix() + "x") == "AccessDenied"
    )
    everything = service_s3.list_objects_v2(Bucket=seeded.bucket)
    assert everything["KeyCount"] >= 1
    assert service_s3.get_bucket_cors(Bucket=seeded.bucket)["CORSRules"]


def test_bad_signatures_and_credentials_are_refused(
    demo: Identity, seeded: Seeded, gate: GateProcess
) -> None:
    c, bucket, key = demo.credentials, seeded.bucket, demo.prefix() + "auth.txt"
    demo.s3().put_object(Bucket=bucket, Key=key, Body=b"x")
    cases = {
        "wrong secret": client("s3", gate.url, c["AccessKeyId"], "x" * 40, c["SessionToken"]),
        "wrong session token": client(
            "s3", gate.url, c["AccessKeyId"], c["SecretKey"], "bm90LXRoZS10b2tlbg=="
        ),
        "no session token": client("s3", gate.url, c["AccessKeyId"], c["SecretKey"]),
        "unknown key": client("s3", gate.url, "ASIAAAAAAAAAAAAAAAAA", c["SecretKey"], c["SessionToken"]),
        "service key, wrong secret": client("s3", gate.url, SERVICE_KEY, "nope"),
    }
    codes = {name: refused(s3.get_object, Bucket=bucket, Key=key) for name, s3 in cases.items()}
    assert codes == {
        "wrong secret": "SignatureDoesNotMatch",
        "wrong session token": "InvalidToken",
        "no session token": "InvalidAccessKeyId",
        "unknown key": "InvalidAccessKeyId",
        "service key, wrong secret": "SignatureDoesNotMatch",
    }
    # A request signed for another region gets S3's AuthorizationHeaderMalformed naming the right region
    # (botocore then re-signs for it, as it does with S3).
    wrong_region = boto3.client(
        "s3",
        endpoint_url=gate.url,
        region_name="eu-west-1",
        aws_access_key_id=c["AccessKeyId"],
        aws_secret_access_key=c["SecretKey"],
        aws_session_token=c["SessionToken"],
        config=Config(s3={"addressing_style": "path"}, **SIGV4),
    )
    url = wrong_region.generate_presigned_url("get_object", Params={"Bucket": bucket, "Key": key})
    response = requests.get(url, timeout=10)
    assert (
        response.status_code == 400 and b"<Code>AuthorizationQueryParametersError</Code>" in response.content
    )
    assert b"<Region>us-east-1</Region>" in response.content


def test_tampered_and_anonymous_requests_are_refused(
    demo: Identity, seeded: Seeded, gate: GateProcess
) -> None:
    key = demo.prefix() + "tamper.txt"
    demo.s3().put_object(Bucket=seeded.bucket, Key=key, Body=b"x")
    url = demo.s3(**SIGV4).generate_presigned_url("get_object", Params={"Bucket": seeded.bucket, "Key": key})
    assert requests.get(url, timeout=10).status_code == 200
    sig_at = url.index("X-Amz-Signature=") + len("X-Amz-Signature=")
    flipped = url[:sig_at] + ("0" if url[sig_at] != "0" else "1") + url[sig_at + 1 :]
    response = requests.get(flipped, timeout=10)
    assert response.status_code == 403 and b"<Code>SignatureDoesNotMatch</Code>" in response.content
    other_key = url.replace("tamper.txt", "tamper2.txt")
    assert b"SignatureDoesNotMatch" in requests.get(other_key, timeout=10).content
    # Anonymous: no signature at all.
    for method in ("GET", "PUT", "DELETE", "HEAD"):
        response = requests.request(
            method, f"{gate.url}/{seeded.bucket}/{key}", data=b"x" if method == "PUT" else None, timeout=10
        )
        assert response.status_code == 403, method
        if method != "HEAD":
            assert b"<Code>AccessDenied</Code>" in response.content
    listing = requests.get(f"{gate.url}/{seeded.bucket}?list-type=2&prefix={demo.prefix()}", timeout=10)
    assert listing.status_code == 403
    # A signed header left out of the signature (x-amz-* must all be signed).
    s3 = demo.s3()
    s3.meta.events.register(
        "before-send.s3.GetObject", lambda request, **_: request.headers.__setitem__("x-amz-meta-extra", "1")
    )
    assert refused(s3.get_object, Bucket=seeded.bucket, Key=key) == "AccessDenied"


def test_skewed_clocks_are_refused(thread_gate, clock: Clock, moto_url: str, seeded: Seeded) -> None:
    ident = identity(thread_gate.url, seeded, id_token(moto_url, seeded.user_pool_client_id, DEMO))
    s3, key = ident.s3(), ident.prefix() + "skew.txt"
    s3.put_object(Bucket=seeded.bucket, Key=key, Body=b"x")
    clock.offset = 600  # ten minutes: within S3's 15-minute skew
    assert s3.get_object(Bucket=seeded.bucket, Key=key)["Body"].read() == b"x"
    clock.offset = 16 * 60
    assert refused(s3.get_object, Bucket=seeded.bucket, Key=key) == "RequestTimeTooSkewed"


def test_expired_credentials_are_refused(moto_url: str, seeded: Seeded, tmp_path: Path) -> None:
    config = GateConfig(
        moto_endpoint=moto_url,
        region=REGION,
        user_pool_id=seeded.user_pool_id,
        client_ids=(seeded.user_pool_client_id,),
        identity_pool_id=seeded.identity_pool_id,
        bucket=seeded.bucket,
        state_dir=tmp_path,
        credentials_ttl_seconds=5,
    )
    running = run_in_thread(config)
    try:
        ident = identity(running.url, seeded, id_token(moto_url, seeded.user_pool_client_id, DEMO))
        s3, key = ident.s3(), ident.prefix() + "expiry.txt"
        s3.put_object(Bucket=seeded.bucket, Key=key, Body=b"x")
        url = ident.s3(**SIGV4).generate_presigned_url(
            "get_object", Params={"Bucket": seeded.bucket, "Key": key}
        )
        time.sleep(max(0.0, ident.credentials["Expiration"].timestamp() - time.time()) + 0.2)
        assert refused(s3.get_object, Bucket=seeded.bucket, Key=key) == "ExpiredToken"
        response = requests.get(url, timeout=10)  # a URL signed with them expires with them
        assert response.status_code == 400 and b"<Code>ExpiredToken</Code>" in response.content
    finally:
        running.stop()


def test_presigned_urls(
    demo: Identity, other: Identity, seeded: Seeded, thread_gate, clock: Clock, moto_url: str
) -> None:
    key, victim = demo.prefix() + "presigned.png", other.prefix() + "presigned.png"
    demo.s3().put_object(Bucket=seeded.bucket, Key=key, Body=b"mine")
    other.s3().put_object(Bucket=seeded.bucket, Key=victim, Body=b"theirs")
    presign = demo.s3(**SIGV4).generate_presigned_url
    own = requests.get(presign("get_object", Params={"Bucket": seeded.bucket, "Key": key}), timeout=10)
    assert own.status_code == 200 and own.content == b"mine"
    theirs = requests.get(presign("get_object", Params={"Bucket": seeded.bucket, "Key": victim}), timeout=10)
    assert theirs.status_code == 403 and b"<Code>AccessDenied</Code>" in theirs.content
    put_url = presign("put_object", Params={"Bucket": seeded.bucket, "Key": demo.prefix() + "via-url.png"})
    assert requests.put(put_url, data=b"uploaded", timeout=10).status_code == 200
    delete_url = presign("delete_object", Params={"Bucket": seeded.bucket, "Key": victim})
    assert requests.delete(delete_url, timeout=10).status_code == 403
    # Expiry, on the gate whose clock the test moves (its own identities: its own state).
    ident = identity(thread_gate.url, seeded, id_token(moto_url, seeded.user_pool_client_id, DEMO))
    ident.s3().put_object(Bucket=seeded.bucket, Key=ident.prefix() + "presigned.png", Body=b"mine")
    url = ident.s3(**SIGV4).generate_presigned_url(
        "get_object", Params={"Bucket": seeded.bucket, "Key": ident.prefix() + "presigned.png"}, ExpiresIn=60
    )
    assert requests.get(url, timeout=10).status_code == 200
    clock.offset = 61
    expired = requests.get(url, timeout=10)
    assert expired.status_code == 403 and b"Request has expired" in expired.content


NAMES = [
    "with space.png",
    "plus+sign.png",
    "both + and space.jpg",
    "ünïcødé-猫.png",
    "emoji-🐈.png",
    "a" * 200 + ".png",
    "paren(1)!'*.png",
    "tilde~semi;colon:at@.png",
    "percent%20literal.png",
    "dots/../up.png",
    "question?mark#hash.png",
    "amp&eq=.png",
]


@pytest.mark.parametrize("name", NAMES, ids=range(len(NAMES)))
def test_awkward_key_names(demo: Identity, seeded: Seeded, moto_s3, name: str) -> None:
    s3, key = demo.s3(), demo.prefix() + "names/" + name
    s3.put_object(Bucket=seeded.bucket, Key=key, Body=name.encode())
    assert moto_s3.get_object(Bucket=seeded.bucket, Key=key)["Body"].read() == name.encode()
    assert s3.get_object(Bucket=seeded.bucket, Key=key)["Body"].read() == name.encode()
    listed = s3.list_objects_v2(Bucket=seeded.bucket, Prefix=key)
    assert [o["Key"] for o in listed["Contents"]] == [key]
    if "/../" not in name:  # HTTP clients resolve dot segments in URLs (as browsers do), with S3 too
        url = demo.s3(**SIGV4).generate_presigned_url(
            "get_object", Params={"Bucket": seeded.bucket, "Key": key}
        )
        assert requests.get(url, timeout=10).content == name.encode()
    s3.delete_object(Bucket=seeded.bucket, Key=key)


def test_16_mb_put_arrives_intact(demo: Identity, seeded: Seeded, moto_s3) -> None:
    data = os.urandom(16 * 1024 * 1024 + 123)
    key = demo.prefix() + "big/16mb.bin"
    demo.s3().put_object(Bucket=seeded.bucket, Key=key, Body=data)
    stored = moto_s3.get_object(Bucket=seeded.bucket, Key=key)["Body"].read()
    assert hashlib.sha256(stored).digest() == hashlib.sha256(data).digest()
    back = demo.s3().get_object(Bucket=seeded.bucket, Key=key)["Body"].read()
    assert back == data


def test_refusal_of_a_big_upload_comes_before_the_body(
    demo: Identity, other: Identity, seeded: Seeded
) -> None:
    data = b"\0" * (16 * 1024 * 1024)
    started = time.monotonic()
    assert (
        refused(demo.s3().put_object, Bucket=seeded.bucket, Key=other.prefix() + "big.bin", Body=data)
        == "AccessDenied"
    )
    assert time.monotonic() - started < 5


def test_multipart_upload(demo: Identity, other: Identity, seeded: Seeded, moto_s3, tmp_path: Path) -> None:
    path = tmp_path / "multi.bin"
    path.write_bytes(os.urandom(12 * 1024 * 1024 + 7))
    config = TransferConfig(multipart_threshold=5 * 1024 * 1024, multipart_chunksize=5 * 1024 * 1024)
    key = demo.prefix() + "multi/multi.bin"
    demo.s3().upload_file(str(path), seeded.bucket, key, Config=config)
    stored = moto_s3.get_object(Bucket=seeded.bucket, Key=key)
    assert stored["Body"].read() == path.read_bytes() and stored["ETag"].endswith('-3"')
    with pytest.raises(Exception) as info:
        demo.s3().upload_file(str(path), seeded.bucket, other.prefix() + "multi.bin", Config=config)
    assert "AccessDenied" in str(info.value)


def test_multipart_upload_ids_are_tied_to_their_key_and_initiator(
    demo: Identity, other: Identity, seeded: Seeded
) -> None:
    bucket, s3, them = seeded.bucket, demo.s3(), other.s3()
    key = demo.prefix() + "mpu/own.bin"
    upload = s3.create_multipart_upload(Bucket=bucket, Key=key)["UploadId"]
    part = s3.upload_part(Bucket=bucket, Key=key, UploadId=upload, PartNumber=1, Body=b"x" * 100)
    assert [p["PartNumber"] for p in s3.list_parts(Bucket=bucket, Key=key, UploadId=upload)["Parts"]] == [1]
    # Another identity, with the upload id: through its own key (moto would accept) or the owner's key.
    their_key = other.prefix() + "mpu/hijack.bin"
    assert (
        refused(them.upload_part, Bucket=bucket, Key=their_key, UploadId=upload, PartNumber=2, Body=b"evil")
        == "NoSuchUpload"
    )
    assert (
        refused(them.upload_part, Bucket=bucket, Key=key, UploadId=upload, PartNumber=2, Body=b"evil")
        == "AccessDenied"
    )
    assert refused(them.list_parts, Bucket=bucket, Key=key, UploadId=upload) == "AccessDenied"
    assert refused(them.abort_multipart_upload, Bucket=bucket, Key=key, UploadId=upload) == "AccessDenied"
    assert (
        refused(
            them.complete_multipart_upload,
            Bucket=bucket,
            Key=their_key,
            UploadId=upload,
            MultipartUpload={"Parts": [{"PartNumber": 1, "ETag": part["ETag"]}]},
        )
        == "NoSuchUpload"
    )
    s3.abort_multipart_upload(Bucket=bucket, Key=key, UploadId=upload)


def test_delete_objects_deletes_only_what_the_caller_may(
    demo: Identity, other: Identity, seeded: Seeded, moto_s3
) -> None:
    bucket = seeded.bucket
    mine = [demo.prefix() + f"batch/{i}.txt" for i in range(3)]
    theirs = other.prefix() + "batch/keep.txt"
    for key in mine:
        demo.s3().put_object(Bucket=bucket, Key=key, Body=b"x")
    other.s3().put_object(Bucket=bucket, Key=theirs, Body=b"x")
    result = demo.s3().delete_objects(
        Bucket=bucket, Delete={"Objects": [{"Key": k} for k in [*mine, theirs]]}
    )
    assert sorted(d["Key"] for d in result["Deleted"]) == sorted(mine)
    assert [(e["Key"], e["Code"]) for e in result["Errors"]] == [(theirs, "AccessDenied")]
    assert moto_s3.head_object(Bucket=bucket, Key=theirs)["ContentLength"] == 1
    assert "Contents" not in moto_s3.list_objects_v2(Bucket=bucket, Prefix=demo.prefix() + "batch/")
    only_theirs = demo.s3().delete_objects(Bucket=bucket, Delete={"Objects": [{"Key": theirs}]})
    assert [e["Code"] for e in only_theirs["Errors"]] == ["AccessDenied"] and not only_theirs.get("Deleted")


def test_error_bodies_are_s3_shaped(demo: Identity, seeded: Seeded, gate: GateProcess) -> None:
    with pytest.raises(ClientError) as info:
        demo.s3().get_object(Bucket=seeded.bucket, Key="uploads/x/y")
    err = info.value.response
    assert err["ResponseMetadata"]["HTTPStatusCode"] == 403
    assert err["Error"] == {"Code": "AccessDenied", "Message": "Access Denied"}
    assert err["ResponseMetadata"]["RequestId"]
    # moto's own answers pass through untouched (here: a missing key of the owner).
    missing = _raises(demo.s3().get_object, Bucket=seeded.bucket, Key=demo.prefix() + "nope")
    assert error_code(missing) == "NoSuchKey"


def _raises(call, **kwargs) -> ClientError:
    with pytest.raises(ClientError) as info:
        call(**kwargs)
    return info.value
