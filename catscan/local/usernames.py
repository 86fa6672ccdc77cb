"""User names of a case-insensitive Cognito user pool (`UsernameConfiguration: {CaseSensitive: false}`).

Amplify Gen 2 creates its pool case-insensitive: `Demo@catscan.local` signs in as `demo@catscan.local`, and
signing up with it again is `UsernameExistsException`. moto ignores the setting and matches user names (and,
with `UsernameAttributes: email`, the e-mail attribute) exactly, so the local cloud folds every user name it
hands to moto to lower case: the gate for each user-pool request, `catscan.local.seed.add_user` for users it
creates in moto directly. One rule in one place, so both paths find the same user.
"""

from __future__ import annotations

from typing import Any

# The user-name parameters of the user-pool API: `Username` (SignUp, ConfirmSignUp, ForgotPassword, every
# Admin* user operation, ...), and USERNAME in the parameters of the sign-in flows and their challenges.
NESTED_USERNAMES = ("AuthParameters", "ChallengeResponses")
# With `UsernameAttributes: ["email"]` the e-mail is the name users sign in with (moto copies `Username` into it).
NAME_ATTRIBUTES = ("email",)


def fold(username: str) -> str:
    """The one spelling of a user name that moto stores and looks up."""
    return username.lower()


def case_insensitive(pool: dict[str, Any]) -> bool:
    """Whether a DescribeUserPool `UserPool` matches user names regardless of case (AWS's default: sensitive)."""
    config = pool.get("UsernameConfiguration")
    return isinstance(config, dict) and config.get("CaseSensitive") is False


def fold_request(body: dict[str, Any]) -> dict[str, Any]:
    """A user-pool request with every user name (and e-mail attribute) in its folded spelling."""
    out = dict(body)
    if isinstance(out.get("Username"), str):
        out["Username"] = fold(out["Username"])
    for key in NESTED_USERNAMES:
        params = out.get(key)
        if isinstance(params, dict) and isinstance(params.get("USERNAME"), str):
            out[key] = {**params, "USERNAME": fold(params["USERNAME"])}
    attributes = out.get("UserAttributes")
    if isinstance(attributes, list):
        out["UserAttributes"] = [
            {**a, "Value": fold(a["Value"])}
            if isinstance(a, dict) and a.get("Name") in NAME_ATTRIBUTES and isinstance(a.get("Value"), str)
            else a
            for a in attributes
        ]
    return out
