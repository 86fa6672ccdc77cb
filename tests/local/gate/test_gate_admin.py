"""The Admin group's role through the gate: read every identity's uploads, write and delete only its own.

Amplify Gen 2 gives members of a group with a role that group's role instead of the authenticated role
(token-based role mapping), and amplify/storage/resource.ts grants the Admin role `uploads/*` read plus the
owner's own-path write and delete; policy.ADMIN_POLICY_TEMPLATE is compared with cdk.out in test_gate_policy.
"""

from __future__ import annotations

import io

import requests
from boto3.s3.transfer import TransferConfig

from catscan.local.seed import ADMIN_GROUP, Seeded, add_user
from tests.local.gate.gate_testkit import GateProcess, Identity, client, id_token, identity, refused

SMALL_MULTIPART = TransferConfig(multipart_threshold=5 * 1024 * 1024, multipart_chunksize=5 * 1024 * 1024)


def _stored(moto_s3, bucket: str, key: str) -> bytes | None:
    try:
        return moto_s3.get_object(Bucket=bucket, Key=key)["Body"].read()
    except moto_s3.exceptions.NoSuchKey:
        return None


def test_admin_reads_and_lists_every_identitys_uploads(
    admin: Identity, demo: Identity, other: Identity, seeded: Seeded, moto_s3
) -> None:
    bucket = seeded.bucket
    for owner in (demo, other):
        moto_s3.put_object(Bucket=bucket, Key=owner.prefix() + "admin-view-1/cat.png", Body=b"their image")
    s3 = admin.s3()
    for owner in (demo, other):
        key = owner.prefix() + "admin-view-1/cat.png"
        assert s3.get_object(Bucket=bucket, Key=key)["Body"].read() == b"their image"
        assert s3.head_object(Bucket=bucket, Key=key)["ContentLength"] == len(b"their image")
        listed = s3.list_objects_v2(Bucket=bucket, Prefix=owner.prefix())
        assert key in [o["Key"] for o in listed["Contents"]]
    everyone = s3.list_objects_v2(Bucket=bucket, Prefix="uploads/")
    assert {demo.prefix() + "admin-view-1/cat.png", other.prefix() + "admin-view-1/cat.png"} <= {
        o["Key"] for o in everyone["Contents"]
    }


def test_admin_reads_with_a_presigned_url_like_the_web_ui(
    admin: Identity, demo: Identity, seeded: Seeded, moto_s3
) -> None:
    key = demo.prefix() + "admin-view-2/thumb.png"
    moto_s3.put_object(Bucket=seeded.bucket, Key=key, Body=b"thumbnail")
    url = admin.s3(signature_version="s3v4").generate_presigned_url(
        "get_object", Params={"Bucket": seeded.bucket, "Key": key}
    )
    response = requests.get(url, timeout=10)
    assert response.status_code == 200 and response.content == b"thumbnail"


def test_admin_cannot_write_or_delete_another_identitys_uploads(
    admin: Identity, demo: Identity, seeded: Seeded, moto_s3
) -> None:
    bucket, s3 = seeded.bucket, admin.s3()
    key = demo.prefix() + "admin-view-3/keep.png"
    moto_s3.put_object(Bucket=bucket, Key=key, Body=b"demo's")
    assert refused(s3.put_object, Bucket=bucket, Key=key, Body=b"overwritten") == "AccessDenied"
    new_key = demo.prefix() + "admin-view-3/new.png"
    assert refused(s3.put_object, Bucket=bucket, Key=new_key, Body=b"x") == "AccessDenied"
    assert refused(s3.delete_object, Bucket=bucket, Key=key) == "AccessDenied"
    assert (
        refused(
            s3.copy_object,
            Bucket=bucket,
            Key=demo.prefix() + "admin-view-3/copy.png",
            CopySource={"Bucket": bucket, "Key": key},
        )
        == "AccessDenied"
    )
    assert (
        refused(s3.create_multipart_upload, Bucket=bucket, Key=demo.prefix() + "admin-view-3/m.bin")
        == "AccessDenied"
    )
    url = admin.s3(signature_version="s3v4").generate_presigned_url(
        "delete_object", Params={"Bucket": bucket, "Key": key}
    )
    assert requests.delete(url, timeout=10).status_code == 403
    result = s3.delete_objects(Bucket=bucket, Delete={"Objects": [{"Key": key}]})
    assert [e["Code"] for e in result["Errors"]] == ["AccessDenied"]
    assert _stored(moto_s3, bucket, key) == b"demo's"
    assert _stored(moto_s3, bucket, new_key) is None


def test_admin_still_writes_and_deletes_its_own_uploads(
    admin: Identity, demo: Identity, seeded: Seeded, moto_s3
) -> None:
    bucket, s3 = seeded.bucket, admin.s3()
    own = admin.prefix() + "admin-view-4/"
    s3.put_object(Bucket=bucket, Key=own + "mine.png", Body=b"admin's")
    assert s3.get_object(Bucket=bucket, Key=own + "mine.png")["Body"].read() == b"admin's"
    s3.upload_fileobj(io.BytesIO(b"m" * (6 * 1024 * 1024)), bucket, own + "big.bin", Config=SMALL_MULTIPART)
    # Copying another identity's image into the own path: read there, write here.
    moto_s3.put_object(Bucket=bucket, Key=demo.prefix() + "admin-view-4/src.png", Body=b"source")
    s3.copy_object(
        Bucket=bucket,
        Key=own + "copied.png",
        CopySource={"Bucket": bucket, "Key": demo.prefix() + "admin-view-4/src.png"},
    )
    assert _stored(moto_s3, bucket, own + "copied.png") == b"source"
    s3.delete_object(Bucket=bucket, Key=own + "mine.png")
    assert _stored(moto_s3, bucket, own + "mine.png") is None
    # DeleteObjects over own and another identity's keys: own deleted, the other refused.
    theirs = demo.prefix() + "admin-view-4/src.png"
    result = s3.delete_objects(
        Bucket=bucket, Delete={"Objects": [{"Key": own + "copied.png"}, {"Key": theirs}]}
    )
    assert [d["Key"] for d in result.get("Deleted", [])] == [own + "copied.png"]
    assert [(e["Key"], e["Code"]) for e in result["Errors"]] == [(theirs, "AccessDenied")]
    assert _stored(moto_s3, bucket, theirs) == b"source"


def test_admin_reads_nothing_outside_uploads(admin: Identity, seeded: Seeded, moto_s3) -> None:
    bucket, s3 = seeded.bucket, admin.s3()
    moto_s3.put_object(Bucket=bucket, Key="public/outside.png", Body=b"x")
    assert refused(s3.get_object, Bucket=bucket, Key="public/outside.png") == "AccessDenied"
    assert refused(s3.list_objects_v2, Bucket=bucket) == "AccessDenied"  # no prefix: the whole bucket
    assert refused(s3.list_objects_v2, Bucket=bucket, Prefix="public/") == "AccessDenied"
    assert refused(s3.put_object, Bucket=bucket, Key="public/new.png", Body=b"x") == "AccessDenied"


def test_non_admins_still_read_only_their_own(
    demo: Identity, other: Identity, admin: Identity, seeded: Seeded, moto_s3
) -> None:
    bucket = seeded.bucket
    key = admin.prefix() + "admin-view-5/admin.png"
    moto_s3.put_object(Bucket=bucket, Key=key, Body=b"admin's")
    for ident in (demo, other):
        s3 = ident.s3()
        assert refused(s3.get_object, Bucket=bucket, Key=key) == "AccessDenied"
        assert refused(s3.head_object, Bucket=bucket, Key=key) == "403"
        assert refused(s3.list_objects_v2, Bucket=bucket, Prefix="uploads/") == "AccessDenied"
        assert refused(s3.list_objects_v2, Bucket=bucket, Prefix=admin.prefix()) == "AccessDenied"


def test_the_role_is_fixed_when_credentials_are_minted(
    gate: GateProcess, moto_url: str, seeded: Seeded, moto_s3
) -> None:
    """Joining the group takes effect with the next ID token and credentials, as with STS; older credentials
    keep the authenticated role until they expire."""
    user = ("promoted@catscan.local", "Promoted-user-1")
    add_user(moto_url, seeded.user_pool_id, *user)
    key = "uploads/us-east-1:00000000-1111-2222-3333-444444444444/scan/x.png"
    moto_s3.put_object(Bucket=seeded.bucket, Key=key, Body=b"someone's")
    before = identity(gate.url, seeded, id_token(moto_url, seeded.user_pool_client_id, user))
    assert refused(before.s3().get_object, Bucket=seeded.bucket, Key=key) == "AccessDenied"
    client("cognito-idp", moto_url).admin_add_user_to_group(
        UserPoolId=seeded.user_pool_id, Username=user[0], GroupName=ADMIN_GROUP
    )
    after = identity(gate.url, seeded, id_token(moto_url, seeded.user_pool_client_id, user))
    assert after.identity_id == before.identity_id
    assert after.s3().get_object(Bucket=seeded.bucket, Key=key)["Body"].read() == b"someone's"
    assert refused(before.s3().get_object, Bucket=seeded.bucket, Key=key) == "AccessDenied"
    after.s3().put_object(Bucket=seeded.bucket, Key=after.prefix() + "scan/own.png", Body=b"own")
