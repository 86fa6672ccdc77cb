"""python -m catscan.local.appsync --port 4510 --schema schema.graphql --dynamodb-endpoint http://127.0.0.1:4566 \
    --user-pool-id us-east-1_x --client-id abc --cognito-endpoint http://127.0.0.1:4566 --iam-credential AKID:SECRET"""

from __future__ import annotations

import argparse
import logging

from aiohttp import web

from .config import EmulatorConfig
from .server import create_app


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(
        prog="python -m catscan.local.appsync", description="Local AWS AppSync emulator"
    )
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=4510)
    p.add_argument("--schema", default="schema.graphql", help="Amplify-annotated SDL")
    p.add_argument("--region", default="us-east-1")
    p.add_argument("--dynamodb-endpoint", default=None)
    p.add_argument("--table-suffix", default="local")
    p.add_argument("--user-pool-id", required=True)
    p.add_argument(
        "--client-id",
        action="append",
        default=[],
        dest="client_ids",
        help="accepted app client id (repeatable)",
    )
    p.add_argument("--cognito-endpoint", default=None, help="where the pool's JWKS is served (moto)")
    p.add_argument("--issuer-base", default=None, help="default: https://cognito-idp.<region>.amazonaws.com")
    p.add_argument(
        "--iam-credential",
        action="append",
        default=[],
        metavar="ACCESS_KEY:SECRET",
        help="IAM principal granted the API (repeatable)",
    )
    p.add_argument("--keepalive-seconds", type=float, default=60.0)
    p.add_argument(
        "--read-lag-ms",
        type=int,
        default=0,
        help="getScan may miss an item this long after its creation (eventual consistency)",
    )
    p.add_argument("--log-level", default="INFO")
    args = p.parse_args(argv)
    logging.basicConfig(level=args.log_level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    creds = {}
    for item in args.iam_credential:
        key, sep, secret = item.partition(":")
        if not sep:
            p.error(f"--iam-credential must be ACCESS_KEY:SECRET, got {item!r}")
        creds[key] = secret
    config = EmulatorConfig(
        schema_path=args.schema,
        region=args.region,
        dynamodb_endpoint=args.dynamodb_endpoint,
        table_suffix=args.table_suffix,
        user_pool_id=args.user_pool_id,
        app_client_ids=tuple(args.client_ids),
        cognito_endpoint=args.cognito_endpoint,
        iam_credentials=creds,
        issuer_base=args.issuer_base,
        keepalive_seconds=args.keepalive_seconds,
        read_lag_ms=args.read_lag_ms,
    )
    logging.getLogger(__name__).info("AppSync emulator on http://%s:%d/graphql", args.host, args.port)
    web.run_app(create_app(config), host=args.host, port=args.port, access_log=None, print=None)


if __name__ == "__main__":
    main()
