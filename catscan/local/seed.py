"""Creates the local cloud's AWS resources in moto, as the Amplify backend would in AWS."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from typing import Any

import boto3

from catscan.local.usernames import case_insensitive, fold

REGION = "us-east-1"
ACCOUNT_ID = "123456789012"
BUCKET = "catscan-uploads-local"
SCAN_QUEUE = "catscan-scan-events-local"
FAILURE_QUEUE = "catscan-scan-failures-local"
IDEMPOTENCY_TABLE = "catscan-idempotency-local"
PARAM_TARGET_LABEL = "/catscan/local/target-label"
PARAM_MIN_CONFIDENCE = "/catscan/local/min-confidence"
# The local detector's P(cat) runs lower than Rekognition's confidences (catscan/local/rekognition/README.md).
DEFAULT_MIN_CONFIDENCE = "30"
ADMIN_GROUP = "Admin"

# Local-only accounts, documented in the README. Never used anywhere but the local cloud.
DEMO_USERS = (
    ("demo@catscan.local", "Catscan-demo-1", False),
    ("admin@catscan.local", "Catscan-admin-1", True),
)


@dataclass(frozen=True)
class Seeded:
    user_pool_id: str
    user_pool_client_id: str
    identity_pool_id: str
    bucket: str
    queue_url: str
    queue_arn: str
    failure_queue_url: str
    idempotency_table: str
    param_target_label: str
    param_min_confidence: str

    def to_json(self) -> str:
        return json.dumps(asdict(self))


def client(service: str, endpoint: str) -> Any:
    return boto3.client(
        service,
        endpoint_url=endpoint,
        region_name=REGION,
        aws_access_key_id="local",
        aws_secret_access_key="local",
    )


def seed(moto_url: str, ui_origin: str, max_receive_count: int = 8, visibility_timeout: int = 180) -> Seeded:
    """Find or create every resource, so a restored state keeps its ids, users and settings.

    The scan queue has the deployed queue's shape: S3 notifies it, its visibility timeout exceeds the
    function timeout, and its redrive policy moves an event that failed `max_receive_count` deliveries
    to the dead-letter queue."""
    pool_id, client_id = _user_pool(client("cognito-idp", moto_url))
    identity_pool_id = _identity_pool(client("cognito-identity", moto_url), pool_id, client_id)

    sqs = client("sqs", moto_url)
    failure_url = sqs.create_queue(QueueName=FAILURE_QUEUE, Attributes={"MessageRetentionPeriod": "1209600"})[
        "QueueUrl"
    ]
    failure_arn = sqs.get_queue_attributes(QueueUrl=failure_url, AttributeNames=["QueueArn"])["Attributes"][
        "QueueArn"
    ]
    queue_url = sqs.create_queue(QueueName=SCAN_QUEUE)["QueueUrl"]  # idempotent with equal attributes
    sqs.set_queue_attributes(
        QueueUrl=queue_url,
        Attributes={  # set every start: the limits may have changed
            "VisibilityTimeout": str(visibility_timeout),
            "RedrivePolicy": json.dumps(
                {"deadLetterTargetArn": failure_arn, "maxReceiveCount": max_receive_count}
            ),
        },
    )
    queue_arn = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])["Attributes"][
        "QueueArn"
    ]

    s3 = client("s3", moto_url)
    if BUCKET not in {b["Name"] for b in s3.list_buckets().get("Buckets", [])}:
        s3.create_bucket(Bucket=BUCKET)
    s3.put_bucket_cors(
        Bucket=BUCKET,
        CORSConfiguration={
            "CORSRules": [
                {
                    "AllowedOrigins": [ui_origin, ui_origin.replace("127.0.0.1", "localhost")],
                    "AllowedMethods": ["GET", "PUT", "POST", "HEAD", "DELETE"],
                    "AllowedHeaders": ["*"],
                    "ExposeHeaders": ["ETag", "x-amz-request-id", "x-amz-version-id"],
                    "MaxAgeSeconds": 3000,
                }
            ]
        },
    )
    s3.put_bucket_notification_configuration(
        Bucket=BUCKET,
        NotificationConfiguration={
            "QueueConfigurations": [
                {
                    "Id": "scan-uploads",
                    "QueueArn": queue_arn,
                    "Events": ["s3:ObjectCreated:*"],
                    "Filter": {"Key": {"FilterRules": [{"Name": "prefix", "Value": "uploads/"}]}},
                }
            ]
        },
    )

    dynamodb = client("dynamodb", moto_url)
    if IDEMPOTENCY_TABLE not in dynamodb.list_tables()["TableNames"]:
        dynamodb.create_table(
            TableName=IDEMPOTENCY_TABLE,
            BillingMode="PAY_PER_REQUEST",
            AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
            KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
        )
    ssm = client("ssm", moto_url)
    # An operator's change survives a restart: only missing parameters get their defaults.
    _put_missing(ssm, PARAM_TARGET_LABEL, "Cat", "Label that means 'cat' in DetectLabels output")
    _put_missing(
        ssm, PARAM_MIN_CONFIDENCE, DEFAULT_MIN_CONFIDENCE, "Minimum confidence (0-100) for a cat verdict"
    )

    seeded = Seeded(
        pool_id,
        client_id,
        identity_pool_id,
        BUCKET,
        queue_url,
        queue_arn,
        failure_url,
        IDEMPOTENCY_TABLE,
        PARAM_TARGET_LABEL,
        PARAM_MIN_CONFIDENCE,
    )
    idp = client("cognito-idp", moto_url)
    for email, password, admin in DEMO_USERS:
        try:
            idp.admin_get_user(UserPoolId=pool_id, Username=email)
        except idp.exceptions.UserNotFoundException:
            add_user(moto_url, seeded.user_pool_id, email, password, admin=admin)
    return seeded


def _put_missing(ssm: Any, name: str, value: str, description: str) -> None:
    try:
        ssm.get_parameter(Name=name)
    except ssm.exceptions.ParameterNotFound:
        ssm.put_parameter(Name=name, Value=value, Type="String", Description=description)


def _identity_pool(cognito: Any, pool_id: str, client_id: str) -> str:
    for pool in cognito.list_identity_pools(MaxResults=60)["IdentityPools"]:
        if pool["IdentityPoolName"] == "catscan_local":
            return pool["IdentityPoolId"]
    return cognito.create_identity_pool(
        IdentityPoolName="catscan_local",
        AllowUnauthenticatedIdentities=False,
        CognitoIdentityProviders=[
            {
                "ProviderName": f"cognito-idp.{REGION}.amazonaws.com/{pool_id}",
                "ClientId": client_id,
                "ServerSideTokenCheck": False,
            }
        ],
    )["IdentityPoolId"]


# Amplify Gen 2's default password policy, as the synthesized user pool has it (tests/infra compares them):
# the local pool refuses what the deployed one refuses.
PASSWORD_POLICY = {
    "MinimumLength": 8,
    "RequireUppercase": True,
    "RequireLowercase": True,
    "RequireNumbers": True,
    "RequireSymbols": True,
}


def password_rules() -> str:
    """The policy in words, for error messages."""
    kinds = [
        name
        for name, key in (
            ("an upper-case letter", "RequireUppercase"),
            ("a lower-case letter", "RequireLowercase"),
            ("a number", "RequireNumbers"),
            ("a symbol such as - or !", "RequireSymbols"),
        )
        if PASSWORD_POLICY[key]
    ]
    return f"at least {PASSWORD_POLICY['MinimumLength']} characters, with " + ", ".join(kinds)


def _user_pool(idp: Any) -> tuple[str, str]:
    for pool in idp.list_user_pools(MaxResults=60)["UserPools"]:
        if pool["Name"] == "catscan-local":
            clients = idp.list_user_pool_clients(UserPoolId=pool["Id"], MaxResults=60)["UserPoolClients"]
            return pool["Id"], clients[0]["ClientId"]
    pool_id = idp.create_user_pool(
        PoolName="catscan-local",
        UsernameAttributes=["email"],
        # As Amplify Gen 2 synthesizes it; moto ignores it, the gate and add_user apply it (usernames.py).
        UsernameConfiguration={"CaseSensitive": False},
        AutoVerifiedAttributes=["email"],
        Policies={"PasswordPolicy": PASSWORD_POLICY},
        Schema=[{"Name": "email", "AttributeDataType": "String", "Required": True, "Mutable": True}],
    )["UserPool"]["Id"]
    client_id = idp.create_user_pool_client(
        UserPoolId=pool_id,
        ClientName="catscan-web-local",
        GenerateSecret=False,
        ExplicitAuthFlows=["ALLOW_USER_PASSWORD_AUTH", "ALLOW_USER_SRP_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"],
    )["UserPoolClient"]["ClientId"]
    idp.create_group(GroupName=ADMIN_GROUP, UserPoolId=pool_id, Description="Sees all scans and debug data")
    return pool_id, client_id


def add_user(moto_url: str, user_pool_id: str, email: str, password: str, admin: bool = False) -> None:
    """A confirmed user with a permanent password (what sign-up + confirmation would leave).

    `moto_url` is moto's (the seed) or the gate's (`catscan user add`); either way a case-insensitive pool gets
    the user name in the spelling the gate looks users up by."""
    idp = client("cognito-idp", moto_url)
    if case_insensitive(idp.describe_user_pool(UserPoolId=user_pool_id)["UserPool"]):
        email = fold(email)
    idp.admin_create_user(
        UserPoolId=user_pool_id,
        Username=email,
        MessageAction="SUPPRESS",
        UserAttributes=[{"Name": "email", "Value": email}, {"Name": "email_verified", "Value": "true"}],
    )
    idp.admin_set_user_password(UserPoolId=user_pool_id, Username=email, Password=password, Permanent=True)
    if admin:
        idp.admin_add_user_to_group(UserPoolId=user_pool_id, Username=email, GroupName=ADMIN_GROUP)
