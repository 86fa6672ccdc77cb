"""amplify_outputs.json in the Gen 2 outputs format, with the local endpoints under custom.local."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from catscan.local.seed import ADMIN_GROUP, PASSWORD_POLICY, REGION, Seeded


def amplify_outputs(
    seeded: Seeded, moto_url: str, appsync_url: str, rekognition_url: str, ui_url: str
) -> dict[str, Any]:
    return {
        "version": "1.4",
        "auth": {
            "aws_region": REGION,
            "user_pool_id": seeded.user_pool_id,
            "user_pool_client_id": seeded.user_pool_client_id,
            "identity_pool_id": seeded.identity_pool_id,
            "mfa_methods": [],
            "standard_required_attributes": ["email"],
            "username_attributes": ["email"],
            "user_verification_types": ["email"],
            "groups": [{ADMIN_GROUP: {"precedence": 0}}],
            "mfa_configuration": "NONE",
            "password_policy": {
                "min_length": PASSWORD_POLICY["MinimumLength"],
                "require_lowercase": PASSWORD_POLICY["RequireLowercase"],
                "require_numbers": PASSWORD_POLICY["RequireNumbers"],
                "require_symbols": PASSWORD_POLICY["RequireSymbols"],
                "require_uppercase": PASSWORD_POLICY["RequireUppercase"],
            },
            "unauthenticated_identities_enabled": False,
        },
        "data": {
            "url": appsync_url,
            "aws_region": REGION,
            "default_authorization_type": "AMAZON_COGNITO_USER_POOLS",
            "authorization_types": ["AWS_IAM"],
        },
        "storage": {
            "aws_region": REGION,
            "bucket_name": seeded.bucket,
            "buckets": [
                {
                    "name": "catscanUploads",
                    "bucket_name": seeded.bucket,
                    "aws_region": REGION,
                    "paths": {
                        "uploads/${cognito-identity.amazonaws.com:sub}/*": {
                            "entityidentity": ["get", "list", "write", "delete"]
                        },
                        "uploads/*": {"groupsAdmin": ["get", "list"]},
                    },
                }
            ],
        },
        "custom": {
            # The same keys the Gen 2 backend outputs (amplify/backend.ts), for `catscan redrive`.
            "scanner": {
                "functionName": "catscan-scan-image-local",
                "sweeperFunctionName": "catscan-sweeper-local",
                "scanQueueUrl": seeded.queue_url,
                "deadLetterQueueUrl": seeded.failure_queue_url,
                "idempotencyTable": seeded.idempotency_table,
                "targetLabelParameter": seeded.param_target_label,
                "minConfidenceParameter": seeded.param_min_confidence,
            },
            "local": {
                "endpoints": {
                    "s3": moto_url,
                    "cognito-idp": moto_url,
                    "cognito-identity": moto_url,
                    "rekognition": rekognition_url,
                    "sqs": moto_url,
                    "ssm": moto_url,
                    "dynamodb": moto_url,
                },
                "ui": ui_url,
            },
        },
    }


def write_outputs(path: Path, outputs: dict[str, Any]) -> None:
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(outputs, indent=2) + "\n")
    tmp.replace(path)
