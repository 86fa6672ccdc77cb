"""What AppSync does with this schema, caller by operation: the auth matrix tests/security/test_auth_matrix.py
checks on the local cloud and tests/parity checks the generated resolvers against (one table for both)."""

from __future__ import annotations

D, A = "denied", "allowed"
FORGED = ["anonymous", "unsigned JWT", "JWT, other key", "tampered claims", "expired JWT", "wrong SigV4"]
SUBSCRIPTION_NAMES = ("onCreateScan", "onUpdateScan", "onDeleteScan")
GRAPHQL_COLUMNS = [
    "getScan",
    "listScans",
    "scansByOwner",
    "scansByStatus",
    "createScan",
    "updateScan",
    "deleteScan",
    *SUBSCRIPTION_NAMES,
]
# Owner create/read/delete, Admin read, IAM = the scanner.
# scansByOwner asks for the owner's stored owner value: the generated resolver refuses anyone else's
# (another user is denied, not shown an empty page); scansByStatus filters owners like listScans.
EXPECTED: dict[str, list[str]] = {
    "owner": [A, "sees it", "sees it", "sees it", A, D, A, "receives", "receives", "receives"],
    "other user": [D, "hidden", D, "hidden", A, D, D, "no event", "no event", "no event"],
    "Admin": [A, "sees it", "sees it", "sees it", A, D, D, "receives", "receives", "receives"],
    "scanner (IAM)": [A, "sees it", "sees it", "sees it", A, A, A, "receives", "receives", "receives"],
    **{name: [D] * 10 for name in FORGED},
}
