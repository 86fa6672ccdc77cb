"""The uploader's e-mail, from Cognito, for the scan's `ownerEmail` (Admin rows, `catscan watch`).

Why the scanner and not a post-confirmation trigger: the scanner already writes every scan with IAM, so the
e-mail lands on the scan itself (no second model, no join per row, and every subscription payload carries
it); and a post-confirmation trigger never runs for users created with AdminCreateUser (the seeded demo users,
`catscan user add`), which would leave them nameless. The value comes from Cognito by the owner's username
(AdminGetUser), never from the client: owners cannot create or update `ownerEmail` (schema.graphql).

A lookup failure never fails a scan: the e-mail is left out and written by a later scan of the same user.

The e-mail is stored lower-case: the user pool's sign-in is case-insensitive, but Cognito keeps the `email`
attribute as typed, and the Admin's uploader filter (the byOwnerEmail index) matches exactly; the clients fold
what is typed into the filter the same way (catscan/client/listing.py).
"""

from __future__ import annotations

import logging
from collections import OrderedDict
from typing import Any

logger = logging.getLogger(__name__)


def stored_email(email: str) -> str:
    """The one spelling of an e-mail that scans store and the uploader filter looks up."""
    return email.strip().lower()


class OwnerDirectory:
    """E-mails by Cognito username, cached for the life of the (warm) container."""

    def __init__(self, cognito_idp: Any, user_pool_id: str, max_entries: int = 1024) -> None:
        self._idp, self._pool = cognito_idp, user_pool_id
        self._cache: OrderedDict[str, str] = OrderedDict()
        self._max = max_entries

    def email(self, username: str | None) -> str | None:
        """The user's `email` attribute, or None (no owner, unknown user, Cognito unreachable)."""
        if not username:
            return None
        if username in self._cache:
            self._cache.move_to_end(username)
            return self._cache[username]
        try:
            user = self._idp.admin_get_user(UserPoolId=self._pool, Username=username)
        except Exception as exc:  # noqa: BLE001 - a missing e-mail must not cost the verdict
            logger.warning("no e-mail for the scan's owner: %s", exc)
            return None
        email = next((a["Value"] for a in user.get("UserAttributes", []) if a["Name"] == "email"), None)
        email = stored_email(email) if email else None
        if email:
            self._cache[username] = email
            if len(self._cache) > self._max:
                self._cache.popitem(last=False)
        return email
