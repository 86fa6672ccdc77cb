"""The gate: S3 and Cognito (identity pools, user pools) in front of moto, enforcing what AWS enforces.

moto does not evaluate IAM, so without the gate any signed-in user of the local cloud could read or write
another identity's `uploads/` path; and moto's `GetId` returns a new IdentityId on every call, where Cognito
returns the same one for the same user. The gate verifies every S3 request's SigV4 (header or presigned)
against the credentials it minted in `GetCredentialsForIdentity`, authorizes it with the Amplify-generated
policy of the role those credentials carry (the authenticated role, or the `Admin` group's role), and forwards
what is allowed to moto unchanged. Cognito user pool calls go to moto too, with `RevokeToken` (which moto
lacks) and a verified e-mail after `ConfirmSignUp` added.

    python -m catscan.local.gate --port 4530 --moto-endpoint http://127.0.0.1:4566 ...
    from catscan.local.gate import GateConfig, create_app, run_in_thread
"""

from __future__ import annotations

from .config import GateConfig
from .server import RunningGate, create_app, run_in_thread

__all__ = ["GateConfig", "RunningGate", "create_app", "run_in_thread"]
