"""Pure authorization decisions, mirroring the VTL the Amplify auth transformer (v2, Gen 2 defaults) generates.

Inputs are the model's roles/access-control matrix (schema_model) and the caller's Identity (auth); nothing
here does I/O. Behaviours reproduced on purpose:

- IAM principals admitted to the API (here: the configured access keys) pass every check, field-level ones
  included (Gen 2 "generic IAM access", `isNonCognitoIAMPrincipal`).
- Owner rules use the identity claim `sub::username`: the owner field is stored as `<sub>::<username>`;
  a caller matches an owner value equal to `<sub>::<username>`, `<sub>` or `<username>`.
- create: the owner field is filled with `<sub>::<username>` when absent; a client-supplied owner must match
  the caller; input fields outside the role's allowed fields -> `Unauthorized on [f, ...]`.
- update: a role must have `update` on every input field (and `delete` on fields set to null).
- delete: only roles with `delete` on *every* field may delete (field-level rules count).
- get: an existing item the caller may not read -> `Not Authorized to access get<T> on type Query`.
- list: owners see only their items (an auth filter), static groups everything.
- subscriptions: static groups see everything; owners get a runtime filter `owner eq <username>` applied to
  the mutation's payload; an `owner` argument must be one of the caller's claims.
- fields with field-level rules: readable only by their roles; always null in mutation responses.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from .auth import Identity
from .schema_model import ModelType, Role


class Unauthorized(Exception):
    """A resolver-level denial: HTTP 200 with errorType `Unauthorized` (VTL `$util.unauthorized()`)."""

    error_type = "Unauthorized"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def not_authorized(field_name: str, type_name: str) -> Unauthorized:
    return Unauthorized(f"Not Authorized to access {field_name} on type {type_name}")


def _java_list(items: list[str]) -> str:
    return "[" + ", ".join(items) + "]"


# ---------------------------------------------------------------------------------------------------------
# role matching


def is_admin_iam(identity: Identity) -> bool:
    """Gen 2: an IAM principal granted the API (not an identity-pool user) is allowed everything.

    Identity-pool credentials are refused by every generated check (`$util.isNull($ctx.identity.cognitoIdentityPoolId)
    && $util.isNull($ctx.identity.cognitoIdentityId)`), since no rule grants `provider: identityPool`."""
    return (
        identity.kind == "iam"
        and identity.cognito_identity_pool_id is None
        and identity.cognito_identity_id is None
    )


def _applies(role: Role, identity: Identity) -> bool:
    return identity.kind == "userPools" and role.provider == "userPools"


def owner_claims(role: Role, identity: Identity) -> tuple[str, list[str], str] | None:
    """(combined claim, claim list, subscription filter value), or None when a claim is missing.

    For `sub::username`: ("<sub>::<username>", [<sub>, <username>], <username>)."""
    values = [identity.claim(c) for c in role.claims]
    if any(v is None or v == "" for v in values):
        return None
    values = [str(v) for v in values]
    combined = "::".join(values)
    return combined, (values if len(values) > 1 else []), values[-1]


def owner_match(role: Role, identity: Identity, entity: Any) -> bool:
    oc = owner_claims(role, identity)
    if oc is None or entity is None:
        return False
    combined, claim_list, _ = oc
    if role.entity_is_list:
        return isinstance(entity, list) and any(v == combined or v in claim_list for v in entity)
    return entity == combined or entity in claim_list


def static_match(role: Role, identity: Identity) -> bool:
    if not _applies(role, identity):
        return False
    if role.strategy == "private":
        return True
    return role.strategy == "groups" and role.static and role.entity in identity.group_claim(role.claim or "")


def dynamic_group_match(role: Role, identity: Identity, entity: Any) -> bool:
    groups = identity.group_claim(role.claim or "")
    if role.entity_is_list:
        return isinstance(entity, list) and any(g in entity for g in groups)
    return entity is not None and entity in groups


def item_match(role: Role, identity: Identity, item: dict[str, Any] | None) -> bool:
    """Does a dynamic role (owner / dynamic group) grant this caller access to this item?"""
    if item is None or not _applies(role, identity):
        return False
    if role.strategy == "owner":
        return owner_match(role, identity, item.get(role.entity or ""))
    if role.strategy == "groups" and not role.static:
        return dynamic_group_match(role, identity, item.get(role.entity or ""))
    return False


# ---------------------------------------------------------------------------------------------------------
# mutations


def authorize_create(
    model: ModelType, identity: Identity, input_: dict[str, Any], mutation: str
) -> dict[str, Any]:
    """Returns the input to store (owner field filled in) or raises Unauthorized."""
    data = dict(input_)
    if is_admin_iam(identity):
        return data
    input_fields = list(input_)
    all_fields = set(model.fields)
    authorized, allowed = False, set()
    roles = [r for r in model.roles_for("create") if _applies(r, identity)]
    for role in roles:
        if role.static and static_match(role, identity):
            fields = model.allowed_fields(role, "create")
            if fields >= all_fields:
                authorized = True
                break
            allowed |= fields
    for role in roles:
        if role.static:
            continue
        fields = model.allowed_fields(role, "create")
        full = fields >= all_fields
        entity_name = role.entity or ""
        if role.strategy == "owner":
            oc = owner_claims(role, identity)
            if oc is None:
                continue
            combined = oc[0]
            absent = data.get(entity_name) is None and entity_name not in data
            if authorized and absent:  # populateOwnerFieldForStaticGroupAuth
                data[entity_name] = [combined] if role.entity_is_list else combined
                continue
            if authorized:
                continue
            if owner_match(role, identity, data.get(entity_name)):
                authorized = authorized or full
                allowed |= set() if full else fields
            if absent:
                data[entity_name] = [combined] if role.entity_is_list else combined
                authorized = authorized or full
                allowed |= set() if full else fields
        elif (
            role.strategy == "groups"
            and not authorized
            and dynamic_group_match(role, identity, data.get(entity_name))
        ):
            authorized = authorized or full
            allowed |= set() if full else fields
    if not authorized and not allowed:
        raise not_authorized(mutation, "Mutation")
    if not authorized:
        denied = [f for f in input_fields if f not in allowed]
        if denied:
            raise Unauthorized(f"Unauthorized on {_java_list(denied)}")
    return data


def authorize_update(
    model: ModelType,
    identity: Identity,
    existing: dict[str, Any] | None,
    input_: dict[str, Any],
    mutation: str,
) -> None:
    if is_admin_iam(identity):
        return
    if not model.roles_for("update"):
        # No rule grants update: the generated step would still admit a deleting role with the key alone;
        # amplify/data/updates-need-an-update-rule.ts refuses every caller but IAM principals, as here.
        raise not_authorized(mutation, "Mutation")
    all_fields = set(model.fields)
    names = {r.name for r in model.roles_for("update")} | {r.name for r in model.roles_for("delete")}
    roles = [model.roles[n] for n in sorted(names) if _applies(model.roles[n], identity)]
    authorized, allowed, null_allowed = False, set(), set()
    for role in roles:
        fields = model.allowed_fields(role, "update") | {model.primary_key}
        null_fields = model.allowed_fields(role, "delete")
        full = fields >= all_fields and null_fields >= all_fields
        granted = static_match(role, identity) if role.static else item_match(role, identity, existing)
        if granted:
            if full:
                authorized = True
                break
            allowed |= fields
            null_allowed |= null_fields
    if authorized:
        return
    if not allowed and not null_allowed:
        raise not_authorized(mutation, "Mutation")
    denied = {f: None for f, v in input_.items() if v is None and f not in null_allowed}
    denied.update({f: None for f in input_ if f not in allowed})
    if denied:
        raise Unauthorized(f"Unauthorized on {_java_list(list(denied))}")


def authorize_delete(
    model: ModelType, identity: Identity, existing: dict[str, Any] | None, mutation: str
) -> None:
    if is_admin_iam(identity):
        return
    for role in model.roles_for("delete", on_all_fields=True):
        if static_match(role, identity) if role.static else item_match(role, identity, existing):
            return
    raise not_authorized(mutation, "Mutation")


def needs_item_for_write(model: ModelType, identity: Identity, operation: str) -> bool:
    """Whether deciding an update/delete needs the stored item (the generated resolvers always read it first;
    we skip the read when a static rule or IAM already decides)."""
    if is_admin_iam(identity):
        return False
    roles = model.roles_for(operation, on_all_fields=operation == "delete")
    return not any(r.static and static_match(r, identity) for r in roles)


# ---------------------------------------------------------------------------------------------------------
# reads


@dataclass
class ReadAccess:
    """`all` or a set of item predicates (the auth filter) of which one must hold."""

    all: bool
    predicates: list[Callable[[dict[str, Any]], bool]] = field(default_factory=list)

    def allows(self, item: dict[str, Any]) -> bool:
        return self.all or any(p(item) for p in self.predicates)


def read_access(model: ModelType, identity: Identity, operation: str, field_name: str) -> ReadAccess:
    """operation: get | list. Raises `Not Authorized to access <field> on type Query` when nothing applies."""
    if is_admin_iam(identity):
        return ReadAccess(True)
    roles = [r for r in model.roles_for(operation) if _applies(r, identity)]
    if any(r.static and static_match(r, identity) for r in roles):
        return ReadAccess(True)
    predicates = []
    for role in roles:
        if role.static:
            continue
        if role.strategy == "owner" and owner_claims(role, identity) is None:
            continue
        predicates.append(lambda item, role=role: item_match(role, identity, item))
    if not predicates:
        raise not_authorized(field_name, "Query")
    return ReadAccess(False, predicates)


def field_read_allowed(model: ModelType, field_name: str, identity: Identity, source: dict[str, Any]) -> bool:
    roles = model.field_read_roles(field_name)
    if roles is None or is_admin_iam(identity):
        return True
    for role in roles:
        if role.static and static_match(role, identity):
            return True
        if not role.static and item_match(role, identity, source):
            return True
    return False


def has_field_auth(model: ModelType, field_name: str) -> bool:
    return model.field_read_roles(field_name) is not None


# ---------------------------------------------------------------------------------------------------------
# subscriptions


def subscription_filter(
    model: ModelType, identity: Identity, args: dict[str, Any], field_name: str
) -> dict[str, Any] | None:
    """Authorize a subscription; returns the runtime (enhanced) filter AppSync applies, or None for no filter.

    Mirrors `generateAuthExpressionForSubscriptions` / `combineAuthExpressionAndFilter`."""
    if is_admin_iam(identity):
        return None
    roles = [r for r in model.roles_for("listen") if _applies(r, identity)]
    authorized = any(r.static and static_match(r, identity) for r in roles)
    has_valid_owner_arg = False
    owner_filters: list[dict[str, Any]] = []
    group_filters: list[dict[str, Any]] = []
    for role in roles:
        if role.static:
            continue
        entity = role.entity or ""
        if role.strategy == "owner":
            oc = owner_claims(role, identity)
            if oc is None:
                continue
            combined, claim_list, filter_value = oc
            owner_filters.append({entity: {"contains" if role.entity_is_list else "eq": filter_value}})
            arg = args.get(entity)
            if not authorized and arg not in (None, ""):
                if arg == combined or arg in claim_list:
                    authorized = has_valid_owner_arg = True
                else:
                    raise not_authorized(field_name, "Subscription")
        elif role.strategy == "groups":
            groups = identity.group_claim(role.claim or "")
            if groups:
                group_filters.append({entity: {"containsAny" if role.entity_is_list else "in": groups}})
    runtime = owner_filters + group_filters
    filter_args = args.get("filter") or {}
    owner_only = has_valid_owner_arg and len(runtime) == 1 and len(filter_args) == 0
    dynamic_with_filters = (not authorized or has_valid_owner_arg) and len(runtime) > 0
    if not owner_only and dynamic_with_filters:
        return {"or": runtime}
    if not authorized:
        raise not_authorized(field_name, "Subscription")
    # authorized statically, or by a valid owner argument alone: AppSync's basic filtering on the
    # subscription arguments (payload.owner == argument) then applies, see subscriptions.py
    return None
