"""The storage grants of each IAM role the local cloud knows, as Amplify Gen 2 generates them.

POLICY_TEMPLATE is the `storageAccess` policy Amplify Gen 2 generates for the identity pool's authenticated
role from `amplify/storage/resource.ts` (`uploads/{entity_id}/*` -> `allow.entity('identity').to(['read',
'write', 'delete'])`, `thumbnails/{entity_id}/*` -> read and delete); ADMIN_POLICY_TEMPLATE the one it
generates for the `Admin` group's role (`allow.groups(['Admin']).to(['read'])` on the same path, i.e.
`uploads/*`, plus write and delete on the Admin's own `uploads/{entity_id}/*`). See
cdk.out/*storage*.nested.template.json after `make synth` (a test compares both). Cognito Identity hands a
group member the group's role *instead of* the authenticated role, so each set of credentials carries
exactly one of these policies (ROLE_POLICIES); iam_policy.py evaluates them.
"""

from __future__ import annotations

from typing import Any

from .iam_policy import IDENTITY_VARIABLE
from .state import AUTHENTICATED_ROLE

BUCKET_ARN = "arn:aws:s3:::{bucket}"

# The generated statements, with the bucket ARN as a placeholder (CloudFormation's Fn::GetAtt Bucket.Arn).
OWN = IDENTITY_VARIABLE
POLICY_TEMPLATE: tuple[dict[str, Any], ...] = (
    {
        "Action": "s3:GetObject",
        "Effect": "Allow",
        "Resource": [BUCKET_ARN + f"/uploads/{OWN}/*", BUCKET_ARN + f"/thumbnails/{OWN}/*"],
    },
    {
        "Action": "s3:ListBucket",
        "Effect": "Allow",
        "Resource": BUCKET_ARN,
        "Condition": {
            "StringLike": {
                "s3:prefix": [
                    f"uploads/{OWN}/*",
                    f"uploads/{OWN}/",
                    f"thumbnails/{OWN}/*",
                    f"thumbnails/{OWN}/",
                ]
            }
        },
    },
    {"Action": "s3:PutObject", "Effect": "Allow", "Resource": BUCKET_ARN + f"/uploads/{OWN}/*"},
    {
        "Action": "s3:DeleteObject",
        "Effect": "Allow",
        "Resource": [BUCKET_ARN + f"/uploads/{OWN}/*", BUCKET_ARN + f"/thumbnails/{OWN}/*"],
    },
)

# The Admin group's role. Cognito Identity gives an Admin this role instead of the authenticated one, so the
# owner's own write and delete are granted to it as well (amplify/storage/resource.ts: groupOwnsEntityPath).
ADMIN_POLICY_TEMPLATE: tuple[dict[str, Any], ...] = (
    {
        "Action": "s3:GetObject",
        "Effect": "Allow",
        "Resource": [BUCKET_ARN + "/uploads/*", BUCKET_ARN + "/thumbnails/*"],
    },
    {
        "Action": "s3:ListBucket",
        "Effect": "Allow",
        "Resource": BUCKET_ARN,
        "Condition": {"StringLike": {"s3:prefix": ["uploads/*", "uploads/", "thumbnails/*", "thumbnails/"]}},
    },
    {"Action": "s3:PutObject", "Effect": "Allow", "Resource": BUCKET_ARN + f"/uploads/{OWN}/*"},
    {
        "Action": "s3:DeleteObject",
        "Effect": "Allow",
        "Resource": [BUCKET_ARN + f"/uploads/{OWN}/*", BUCKET_ARN + f"/thumbnails/{OWN}/*"],
    },
)

ADMIN_GROUP = "Admin"
SCANNER_ROLE = "Scanner"
# The scanner Lambda's S3 grant (amplify/functions/scan-image): read the uploads, write the thumbnails.
SCANNER_POLICY: tuple[dict[str, Any], ...] = (
    {
        "Action": ["s3:GetObject", "s3:GetObjectVersion"],
        "Effect": "Allow",
        "Resource": BUCKET_ARN + "/uploads/*",
    },
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
