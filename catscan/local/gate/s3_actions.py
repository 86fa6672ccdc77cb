"""Which S3 operation a request is and which IAM actions (with condition keys) it needs.

Operations map to actions as S3 documents them: GetObject/HeadObject -> s3:GetObject; PutObject,
CreateMultipartUpload, UploadPart, CompleteMultipartUpload -> s3:PutObject (plus s3:PutObjectAcl for ACL
headers, s3:PutObjectTagging for x-amz-tagging, object-lock permissions for lock headers); CopyObject and
UploadPartCopy also need s3:GetObject on the source; DeleteObject -> s3:DeleteObject; DeleteObjects ->
s3:DeleteObject per key; ListObjects(V2) and HeadBucket -> s3:ListBucket with the `s3:prefix` condition key;
AbortMultipartUpload and ListParts are allowed to the upload's initiator (S3's default) and otherwise need
s3:AbortMultipartUpload / s3:ListMultipartUploadParts. Any other operation or sub-resource needs an action
no role has, so it is denied.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from urllib.parse import unquote, urlsplit

from .iam_policy import Check
from .s3_signature import QUERY_AUTH_PARAMS, decoded_query

SIGNATURE_PARAMS = set(QUERY_AUTH_PARAMS) | {"X-Amz-Security-Token", "X-Amz-Content-Sha256"}
# Query parameters that select nothing: the JS SDK's operation marker and GetObject's response overrides.
GET_OBJECT_PARAMS = {
    "partNumber",
    "response-cache-control",
    "response-content-disposition",
    "response-content-encoding",
    "response-content-language",
    "response-content-type",
    "response-expires",
}
LIST_PARAMS = {
    "prefix",
    "delimiter",
    "marker",
    "max-keys",
    "encoding-type",
    "list-type",
    "continuation-token",
    "fetch-owner",
    "start-after",
}
LIST_PARTS_PARAMS = {"uploadId", "max-parts", "part-number-marker", "encoding-type"}


@dataclass
class Operation:
    name: str
    bucket: str | None
    key: str | None = None
    checks: list[Check] = field(default_factory=list)
    upload_id: str | None = None  # Abort / ListParts: the initiator may act without an IAM grant
    initiator_action: Check | None = None
    supported: bool = True  # False: a request shape the gate does not recognise (denied to identities)


def object_arn(bucket: str, key: str) -> str:
    return f"arn:aws:s3:::{bucket}/{key}"


def bucket_arn(bucket: str) -> str:
    return f"arn:aws:s3:::{bucket}"


def _params(raw_query: str) -> tuple[dict[str, list[str]], dict[str, list[str]]]:
    """Query parameters (percent-decoded; and decoded with '+' as space, as moto reads them)."""
    plain: dict[str, list[str]] = {}
    plus: dict[str, list[str]] = {}
    for n, v in decoded_query(raw_query):
        plain.setdefault(n, []).append(v)
    for n, v in decoded_query(raw_query, plus_is_space=True):
        plus.setdefault(n, []).append(v)
    return plain, plus


def effective_amz_headers(headers: Mapping[str, str], params: Mapping[str, list[str]]) -> dict[str, str]:
    """x-amz-* headers, including those a presigned URL carries in its query string (S3 honours both)."""
    out = {k.lower(): v for k, v in headers.items() if k.lower().startswith("x-amz-")}
    for name, values in params.items():
        if name.lower().startswith("x-amz-") and name not in SIGNATURE_PARAMS:
            out.setdefault(name.lower(), values[0])
    return out


def _put_checks(bucket: str, key: str, amz: Mapping[str, str]) -> list[Check]:
    arn = object_arn(bucket, key)
    checks = [Check("s3:PutObject", arn)]
    if "x-amz-acl" in amz or any(h.startswith("x-amz-grant-") for h in amz):
        checks.append(Check("s3:PutObjectAcl", arn))
    if "x-amz-tagging" in amz:
        checks.append(Check("s3:PutObjectTagging", arn))
    if "x-amz-object-lock-mode" in amz or "x-amz-object-lock-retain-until-date" in amz:
        checks.append(Check("s3:PutObjectRetention", arn))
    if "x-amz-object-lock-legal-hold" in amz:
        checks.append(Check("s3:PutObjectLegalHold", arn))
    return checks


def _copy_source_checks(source: str) -> list[Check] | None:
    """s3:GetObject (s3:GetObjectVersion for a version) on the copy source, parsed the way moto parses it."""
    parsed = urlsplit(source)
    path = unquote(parsed.path).lstrip("/")
    if "/" not in path:
        return None
    src_bucket, src_key = path.split("/", 1)
    action = "s3:GetObjectVersion" if "versionId" in parsed.query else "s3:GetObject"
    return [Check(action, object_arn(src_bucket, src_key))]


def _only(names: set[str], allowed_names: set[str]) -> bool:
    return names <= allowed_names


def classify(method: str, raw_path: str, raw_query: str, headers: Mapping[str, str]) -> Operation:
    """The S3 operation of a path-style request and the checks it needs (DeleteObjects: see server)."""
    method = method.upper()
    segments = raw_path.split("/", 2)  # ['', bucket, key]
    bucket_raw = segments[1] if len(segments) > 1 else ""
    if not bucket_raw:
        return Operation(
            "ListBuckets" if method == "GET" else "Unknown",
            None,
            checks=[Check("s3:ListAllMyBuckets", "arn:aws:s3:::*")],
            supported=method == "GET",
        )
    bucket = unquote(bucket_raw)
    key = unquote(segments[2]) if len(segments) > 2 and segments[2] else None
    plain, plus = _params(raw_query)
    names = {
        n for n in plain if n not in SIGNATURE_PARAMS and n != "x-id" and not n.lower().startswith("x-amz-")
    }
    amz = effective_amz_headers(headers, plain)
    unsupported = Operation(f"{method} with {sorted(names)}", bucket, key, supported=False)

    if key is None:
        if method in ("GET", "HEAD") and not names - LIST_PARAMS:
            if method == "HEAD":
                return Operation("HeadBucket", bucket, checks=[Check("s3:ListBucket", bucket_arn(bucket))])
            # Both readings of the prefix must be allowed: S3 reads '+' literally, moto as a space.
            prefixes = tuple(dict.fromkeys(plain.get("prefix", []) + plus.get("prefix", [])))
            context = {"s3:prefix": prefixes} if "prefix" in plain else {}
            name = "ListObjectsV2" if plain.get("list-type") == ["2"] else "ListObjects"
            return Operation(name, bucket, checks=[Check("s3:ListBucket", bucket_arn(bucket), context)])
        if method == "POST" and names == {"delete"}:
            return Operation("DeleteObjects", bucket)  # the per-key checks need the body
        return unsupported

    arn = object_arn(bucket, key)
    upload_ids = plain.get("uploadId", [])
    if upload_ids and (len(upload_ids) != 1 or not upload_ids[0]):
        return unsupported
    upload_id = upload_ids[0] if upload_ids else None
    copy_source = amz.get("x-amz-copy-source")

    if method in ("GET", "HEAD"):
        if upload_id is not None and method == "GET" and _only(names, LIST_PARTS_PARAMS):
            op = Operation(
                "ListParts",
                bucket,
                key,
                upload_id=upload_id,
                initiator_action=Check("s3:ListMultipartUploadParts", arn),
            )
            return op
        if _only(names, GET_OBJECT_PARAMS):
            return Operation(
                "GetObject" if method == "GET" else "HeadObject",
                bucket,
                key,
                checks=[Check("s3:GetObject", arn)],
            )
        return unsupported
    if method == "PUT":
        if names == {"uploadId", "partNumber"} and upload_id and plain["partNumber"][0]:
            checks = [Check("s3:PutObject", arn)]
            name = "UploadPart"
            if copy_source is not None:
                source = _copy_source_checks(copy_source)
                if source is None:
                    return unsupported
                checks += source
                name = "UploadPartCopy"
            return Operation(name, bucket, key, checks=checks, upload_id=upload_id)
        if not names:
            checks = _put_checks(bucket, key, amz)
            if copy_source is not None:
                source = _copy_source_checks(copy_source)
                if source is None:
                    return unsupported
                return Operation("CopyObject", bucket, key, checks=checks + source)
            return Operation("PutObject", bucket, key, checks=checks)
        return unsupported
    if method == "POST":
        if names == {"uploads"}:
            return Operation("CreateMultipartUpload", bucket, key, checks=_put_checks(bucket, key, amz))
        if names == {"uploadId"}:
            return Operation(
                "CompleteMultipartUpload",
                bucket,
                key,
                checks=[Check("s3:PutObject", arn)],
                upload_id=upload_id,
            )
        return unsupported
    if method == "DELETE":
        if not names:
            return Operation("DeleteObject", bucket, key, checks=[Check("s3:DeleteObject", arn)])
        if names == {"uploadId"}:
            return Operation(
                "AbortMultipartUpload",
                bucket,
                key,
                upload_id=upload_id,
                initiator_action=Check("s3:AbortMultipartUpload", arn),
            )
        return unsupported
    return unsupported


def delete_objects_checks(bucket: str, entries: list[tuple[str, str | None]]) -> list[Check]:
    """DeleteObjects: s3:DeleteObject per key (s3:DeleteObjectVersion for a versioned entry)."""
    return [
        Check("s3:DeleteObjectVersion" if version else "s3:DeleteObject", object_arn(bucket, key))
        for key, version in entries
    ]
