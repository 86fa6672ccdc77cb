"""The uploader's e-mail for a scan: from Cognito, stored lower-case (the Admin's filter matches any case)."""

from __future__ import annotations

from typing import Any

from scan_image.owner_directory import OwnerDirectory


class FakeCognito:
    """AdminGetUser over an in-memory pool, counting calls."""

    def __init__(self, emails: dict[str, str]) -> None:
        self.emails, self.calls = emails, 0

    def admin_get_user(self, UserPoolId: str, Username: str) -> dict[str, Any]:
        self.calls += 1
        if Username not in self.emails:
            raise RuntimeError("UserNotFoundException")
        return {
            "UserAttributes": [
                {"Name": "sub", "Value": "s"},
                {"Name": "email", "Value": self.emails[Username]},
            ]
        }


def test_an_e_mail_typed_with_capitals_is_stored_lower_case_and_cached() -> None:
    cognito = FakeCognito({"u1": " Ana.Silva@Example.COM"})
    owners = OwnerDirectory(cognito, "pool")
    assert owners.email("u1") == "ana.silva@example.com"
    assert owners.email("u1") == "ana.silva@example.com" and cognito.calls == 1


def test_an_unknown_user_has_no_e_mail_and_does_not_fail_the_scan() -> None:
    owners = OwnerDirectory(FakeCognito({}), "pool")
    assert owners.email("nobody") is None and owners.email(None) is None
