"""Which S3 operation a request is, which IAM actions it needs, and whether the caller's role allows them.

POLICY_TEMPLATE is the `storageAccess` policy Amplify Gen 2 generates for the identity pool's authenticated
role from `amplify/storage/resource.ts` (`uploads/{entity_id}/*` -> `allow.entity('identity').to(['read',
'write', 'delete'])`, `thumbnails/{entity_id}/*` -> read and delete); ADMIN_POLICY_TEMPLATE the one it generates for the `Admin` group's role
(`allow.groups(['Admin']).to(['read'])` on the same path, i.e. `uploads/*`, plus write and delete on the
Admin's own `uploads/{entity_id}/*`). See cdk.out/*storage*.nested.template.json after `make synth` (a test
compares both). Cognito Identity hands a group member the group's role *instead of* the authenticated role,
so each set of credentials carries exactly one of these policies (ROLE_POLICIES). They are evaluated like
IAM: the policy variable `${cognito-identity.amazonaws.com:sub}` becomes the caller's IdentityId, `*` / `?`
match in resources (ARNs) and `StringLike` conditions, and whatever is not allowed is denied.

Operations map to actions as S3 documents them: GetObject/HeadObject -> s3:GetObject; PutObject,
CreateMultipartUpload, UploadPart, CompleteMultipartUpload -> s3:PutObject (plus s3:PutObjectAcl for ACL
headers, s3:PutObjectTagging for x-amz-tagging, object-lock permissions for lock headers); CopyObject and
UploadPartCopy also need s3:GetObject on the source; DeleteObject -> s3:DeleteObject; DeleteObjects ->
s3:DeleteObject per key; ListObjects(V2) and HeadBucket -> s3:ListBucket with the `s3:prefix` condition key;
AbortMultipartUpload and ListParts are allowed to the upload's initiator (S3's default) and otherwise need
s3:AbortMultipartUpload / s3:ListMultipartUploadParts. Any other operation or sub-resource needs an action
the role does not have, so it is denied.
"""
from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any
from urllib.parse import unquote, urlsplit

from .sigv4 import QUERY_AUTH_PARAMS, decoded_query
from .state import AUTHENTICATED_ROLE

IDENTITY_VARIABLE = "${cognito-identity.amazonaws.com:sub}"
BUCKET_ARN = "arn:aws:s3:::{bucket}"

# The generated statements, with the bucket ARN as a placeholder (CloudFormation's Fn::GetAtt Bucket.Arn).
OWN = IDENTITY_VARIABLE
POLICY_TEMPLATE: tuple[dict[str, Any], ...] = (
    {"Action": "s3:GetObject", "Effect": "Allow",
     "Resource": [BUCKET_ARN + f"/uploads/{OWN}/*", BUCKET_ARN + f"/thumbnails/{OWN}/*"]},
    {"Action": "s3:ListBucket", "Effect": "Allow", "Resource": BUCKET_ARN,
     "Condition": {"StringLike": {"s3:prefix": [f"uploads/{OWN}/*", f"uploads/{OWN}/",
                                                f"thumbnails/{OWN}/*", f"thumbnails/{OWN}/"]}}},
    {"Action": "s3:PutObject", "Effect": "Allow", "Resource": BUCKET_ARN + f"/uploads/{OWN}/*"},
    {"Action": "s3:DeleteObject", "Effect": "Allow",
     "Resource": [BUCKET_ARN + f"/uploads/{OWN}/*", BUCKET_ARN + f"/thumbnails/{OWN}/*"]},
)

# The Admin group's role. Cognito Identity gives an Admin this role instead of the authenticated one, so the
# owner's own write and delete are granted to it as well (amplify/storage/resource.ts: groupOwnsEntityPath).
ADMIN_POLICY_TEMPLATE: tuple[dict[str, Any], ...] = (
    {"Action": "s3:GetObject", "Effect": "Allow",
     "Resource": [BUCKET_ARN + "/uploads/*", BUCKET_ARN + "/thumbnails/*"]},
    {"Action": "s3:ListBucket", "Effect": "Allow", "Resource": BUCKET_ARN,
     "Condition": {"StringLike": {"s3:prefix": ["uploads/*", "uploads/", "thumbnails/*", "thumbnails/"]}}},
    {"Action": "s3:PutObject", "Effect": "Allow", "Resource": BUCKET_ARN + f"/uploads/{OWN}/*"},
    {"Action": "s3:DeleteObject", "Effect": "Allow",
     "Resource": [BUCKET_ARN + f"/uploads/{OWN}/*", BUCKET_ARN + f"/thumbnails/{OWN}/*"]},
)

ADMIN_GROUP = "Admin"
SCANNER_ROLE = "Scanner"
# The scanner Lambda's S3 grant (amplify/functions/scan-image): read the uploads, write the thumbnails.
SCANNER_POLICY: tuple[dict[str, Any], ...] = (
    {"Action": ["s3:GetObject", "s3:GetObjectVersion"], "Effect": "Allow", "Resource": BUCKET_ARN + "/uploads/*"},
    {"Action": "s3:PutObject", "Effect": "Allow", "Resource": BUCKET_ARN + "/thumbnails/*"},
)
# Role name (the identity pool's authenticated role, or a user pool group's role) -> its storage policy.
ROLE_POLICIES: dict[str, tuple[dict[str, Any], ...]] = {
    AUTHENTICATED_ROLE: POLICY_TEMPLATE,
    ADMIN_GROUP: ADMIN_POLICY_TEMPLATE,
    SCANNER_ROLE: SCANNER_POLICY,
}
# User pool groups that have an IAM role, by precedence (lowest first), as Cognito picks
# `cognito:preferred_role` for a member of several groups.
GROUP_ROLES: tuple[tuple[str, int], ...] = ((ADMIN_GROUP, 0),)


def role_for_groups(groups: Any) -> str:
    """The role Cognito Identity's token-based mapping gives a user in `groups` (the ID token's
    `cognito:groups`): the role of the lowest-precedence group that has one, else the authenticated role."""
    names = set(groups) if isinstance(groups, (list, tuple)) else set()
    for group, _precedence in sorted(GROUP_ROLES, key=lambda g: g[1]):
        if group in names:
            return group
    return AUTHENTICATED_ROLE


def policy_for_role(role: str) -> tuple[dict[str, Any], ...]:
    """The storage policy of a role; a role the gate does not know has no permissions."""
    return ROLE_POLICIES.get(role, ())


SIGNATURE_PARAMS = set(QUERY_AUTH_PARAMS) | {"X-Amz-Security-Token", "X-Amz-Content-Sha256"}
# Query parameters that select nothing: the JS SDK's operation marker and GetObject's response overrides.
GET_OBJECT_PARAMS = {"partNumber", "response-cache-control", "response-content-disposition",
                     "response-content-encoding", "response-content-language", "response-content-type",
                     "response-expires"}
LIST_PARAMS = {"prefix", "delimiter", "marker", "max-keys", "encoding-type", "list-type", "continuation-token",
               "fetch-owner", "start-after"}
LIST_PARTS_PARAMS = {"uploadId", "max-parts", "part-number-marker", "encoding-type"}


@dataclass(frozen=True)
class Check:
    """One IAM action on one resource, with the request's condition keys."""

    action: str
    resource: str
    context: Mapping[str, tuple[str, ...]] = field(default_factory=dict)


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


# ------------------------------------------------------------------------------------------ IAM evaluation


@lru_cache(maxsize=512)
def _wildcard(pattern: str) -> re.Pattern[str]:
    return re.compile("".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in pattern),
                      re.DOTALL)


def wildcard_match(pattern: str, value: str) -> bool:
    return _wildcard(pattern).fullmatch(value) is not None


def _as_list(value: Any) -> list[Any]:
    return list(value) if isinstance(value, (list, tuple)) else [value]


def statements_for(bucket: str, identity_id: str,
                   template: tuple[dict[str, Any], ...] = POLICY_TEMPLATE) -> list[dict[str, Any]]:
    """The template with the bucket ARN and the policy variable filled in."""
    def fill(value: Any) -> Any:
        if isinstance(value, str):
            return value.replace("{bucket}", bucket).replace(IDENTITY_VARIABLE, identity_id)
        if isinstance(value, (list, tuple)):
            return [fill(v) for v in value]
        if isinstance(value, dict):
            return {k: fill(v) for k, v in value.items()}
        return value
    return [fill(dict(s)) for s in template]


def _condition_holds(condition: Mapping[str, Any], context: Mapping[str, tuple[str, ...]]) -> bool:
    for operator, keys in condition.items():
        for key, expected in keys.items():
            values = context.get(key)
            if not values:  # a missing condition key never satisfies StringLike / StringEquals
                return False
            patterns = _as_list(expected)
            for value in values:
                if operator == "StringLike":
                    ok = any(wildcard_match(p, value) for p in patterns)
                elif operator == "StringEquals":
                    ok = value in patterns
                else:  # an operator this evaluator does not know never allows
                    return False
                if not ok:
                    return False
    return True


def allowed(statements: list[dict[str, Any]], check: Check) -> bool:
    """IAM identity-policy evaluation: an explicit Deny wins, else any Allow, else implicit deny."""
    verdict = False
    for s in statements:
        if not any(wildcard_match(a, check.action) for a in _as_list(s.get("Action", []))):
            continue
        if not any(wildcard_match(r, check.resource) for r in _as_list(s.get("Resource", []))):
            continue
        if "Condition" in s and not _condition_holds(s["Condition"], check.context):
            continue
        if s.get("Effect") == "Deny":
            return False
        verdict = verdict or s.get("Effect") == "Allow"
    return verdict


# --------------------------------------------------------------------------------------- classification


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
        return Operation("ListBuckets" if method == "GET" else "Unknown", None,
                         checks=[Check("s3:ListAllMyBuckets", "arn:aws:s3:::*")], supported=method == "GET")
    bucket = unquote(bucket_raw)
    key = unquote(segments[2]) if len(segments) > 2 and segments[2] else None
    plain, plus = _params(raw_query)
    names = {n for n in plain if n not in SIGNATURE_PARAMS and n != "x-id" and not n.lower().startswith("x-amz-")}
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
            op = Operation("ListParts", bucket, key, upload_id=upload_id,
                           initiator_action=Check("s3:ListMultipartUploadParts", arn))
            return op
        if _only(names, GET_OBJECT_PARAMS):
            return Operation("GetObject" if method == "GET" else "HeadObject", bucket, key,
                             checks=[Check("s3:GetObject", arn)])
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
            return Operation("CompleteMultipartUpload", bucket, key, checks=[Check("s3:PutObject", arn)],
                             upload_id=upload_id)
        return unsupported
    if method == "DELETE":
        if not names:
            return Operation("DeleteObject", bucket, key, checks=[Check("s3:DeleteObject", arn)])
        if names == {"uploadId"}:
            return Operation("AbortMultipartUpload", bucket, key, upload_id=upload_id,
                             initiator_action=Check("s3:AbortMultipartUpload", arn))
        return unsupported
    return unsupported


def delete_objects_checks(bucket: str, entries: list[tuple[str, str | None]]) -> list[Check]:
    """DeleteObjects: s3:DeleteObject per key (s3:DeleteObjectVersion for a versioned entry)."""
    return [Check("s3:DeleteObjectVersion" if version else "s3:DeleteObject", object_arn(bucket, key))
            for key, version in entries]
