"""python -m catscan.local.gate --host 127.0.0.1 --port 4530 --moto-endpoint http://127.0.0.1:4566 \
    --region us-east-1 --user-pool-id us-east-1_x --client-id abc --identity-pool-id us-east-1:… \
    --bucket catscan-uploads-local --state-dir .local-cloud [--service-credential KEY:SECRET]

The port opens only once moto answers and knows the user pool and the bucket (aiohttp runs the start-up
hooks before it binds), so "port open" means ready.
"""

from __future__ import annotations

import argparse
import logging
from pathlib import Path

from aiohttp import web

from .config import GateConfig
from .server import HEALTH_PATH, create_app


def parse_args(argv: list[str] | None = None) -> tuple[argparse.Namespace, GateConfig]:
    p = argparse.ArgumentParser(
        prog="python -m catscan.local.gate",
        description="S3 + Cognito gate in front of moto (the local cloud)",
    )
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=4530)
    p.add_argument("--moto-endpoint", required=True)
    p.add_argument("--region", default="us-east-1")
    p.add_argument("--user-pool-id", required=True)
    p.add_argument(
        "--client-id",
        action="append",
        required=True,
        dest="client_ids",
        help="app client id the identity pool accepts tokens of (repeatable)",
    )
    p.add_argument("--identity-pool-id", required=True)
    p.add_argument(
        "--bucket", required=True, help="the app's bucket (the one the authenticated role's policy names)"
    )
    p.add_argument(
        "--state-dir",
        required=True,
        type=Path,
        help="where the IdentityId mapping and minted credentials are kept",
    )
    p.add_argument(
        "--service-credential",
        action="append",
        default=[],
        metavar="ACCESS_KEY:SECRET",
        help="a key with full S3 access, for tools (repeatable)",
    )
    p.add_argument(
        "--scanner-credential",
        action="append",
        default=[],
        metavar="ACCESS_KEY:SECRET",
        help="the scanner's key: read-only on uploads/*, as its Lambda role (repeatable)",
    )
    p.add_argument("--cognito-endpoint", default=None, help="where the pool's JWKS is served (default: moto)")
    p.add_argument("--credentials-ttl", type=int, default=3600, help="seconds minted credentials live")
    p.add_argument("--log-level", default="INFO")
    args = p.parse_args(argv)

    def pairs(items: list[str], flag: str) -> dict[str, str]:
        creds = {}
        for item in items:
            key, sep, secret = item.partition(":")
            if not sep or not key or not secret:
                p.error(f"{flag} must be ACCESS_KEY:SECRET, got {item!r}")
            creds[key] = secret
        return creds

    creds = pairs(args.service_credential, "--service-credential")
    scanner = pairs(args.scanner_credential, "--scanner-credential")
    config = GateConfig(
        moto_endpoint=args.moto_endpoint,
        region=args.region,
        user_pool_id=args.user_pool_id,
        client_ids=tuple(args.client_ids),
        identity_pool_id=args.identity_pool_id,
        bucket=args.bucket,
        state_dir=args.state_dir,
        service_credentials=creds,
        scanner_credentials=scanner,
        cognito_endpoint=args.cognito_endpoint,
        credentials_ttl_seconds=args.credentials_ttl,
    )
    return args, config


def main(argv: list[str] | None = None) -> None:
    args, config = parse_args(argv)
    logging.basicConfig(level=args.log_level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    log = logging.getLogger("catscan.local.gate")
    log.info(
        "gate (S3, Cognito) on http://%s:%d (health: %s) in front of %s",
        args.host,
        args.port,
        HEALTH_PATH,
        config.moto,
    )
    web.run_app(create_app(config), host=args.host, port=args.port, access_log=None, print=None)


if __name__ == "__main__":
    main()
