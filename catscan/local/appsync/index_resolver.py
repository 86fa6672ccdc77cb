"""The resolver of an `@index` query field: the generated auth function, then a DynamoDB Query on the GSI.

- Query (never a Scan): key condition from the partition key and the sort key condition,
  `ScanIndexForward` from `sortDirection`, `Limit` = `limit` (default 100); the auth filter and `filter`
  are evaluated after the page was read, so a page may hold fewer than `limit` items while `nextToken` is
  set, exactly like the generated resolver's DynamoDB FilterExpression.
- Auth as `generateAuthExpressionForQueries` with an index: static groups and generic IAM see everything;
  an owner rule whose owner field is a key of the index does not filter: the caller must ask for a key value
  that is one of its claims (`<sub>`, `<username>` or `<sub>::<username>`), anything else is
  `Not Authorized to access <query> on type Query` (not an empty page); owner rules on other fields add the
  list auth filter (`owner eq <sub>::<username> | <sub> | <username>`).

A consequence for `sub::username` owners (as on AppSync): the owner field is stored as `<sub>::<username>`,
so `scansByOwner(owner: "<username>")` is authorized but finds nothing; callers query with the stored value
`<sub>::<username>`.
"""

from __future__ import annotations

from typing import Any

from botocore.exceptions import ClientError

from . import authorization as authz
from .auth import Identity
from .filters import matches
from .indexes import Index, attribute_type
from .schema_model import ModelType
from .store import DynamoStore, StoreError, _decode_token, _encode_token, _store_error, deserialize_item


def _auth_filter(
    model: ModelType, identity: Identity, roles: list, key_fields: tuple[str, ...]
) -> list | None:
    """generateAuthFilter over the dynamic roles whose field is not a key of the index; None when empty."""
    predicates = []
    for role in roles:
        if role.static or role.entity in key_fields:
            continue
        if role.strategy == "owner" and authz.owner_claims(role, identity) is None:
            continue
        if role.strategy == "groups" and not identity.group_claim(role.claim or ""):
            continue
        predicates.append(lambda item, role=role: authz.item_match(role, identity, item))
    return predicates or None


def _claim_matches(arg: Any, accepted: set[str]) -> bool:
    if isinstance(arg, str):
        return arg in accepted
    eq = arg.get("eq") if isinstance(arg, dict) else None
    if isinstance(eq, list):
        return all(e in accepted for e in eq)
    return eq in accepted


def index_read_access(
    model: ModelType, identity: Identity, index: Index, args: dict[str, Any], field_name: str
) -> tuple[authz.ReadAccess, dict[str, Any]]:
    """(who may see which items, the arguments after auth) or Unauthorized."""
    args = dict(args)
    if authz.is_admin_iam(identity):
        return authz.ReadAccess(True), args
    roles = [r for r in model.roles_for("list") if authz._applies(r, identity)]
    authorized = any(r.static and authz.static_match(r, identity) for r in roles)
    auth_filter = None if authorized else _auth_filter(model, identity, roles, index.key_fields)
    key_claims: dict[str, str] = {}  # the transformer's primaryFieldMap
    for role in roles:
        if role.static or role.strategy != "owner" or role.entity not in index.key_fields:
            continue
        claims = authz.owner_claims(role, identity)
        if claims is None:
            continue
        combined, claim_list, _ = claims
        arg = args.get(role.entity or "")
        if arg is None:
            key_claims[role.entity or ""] = combined
        elif _claim_matches(arg, {combined, *claim_list}):
            authorized, auth_filter = True, None
    if not authorized and auth_filter is None and key_claims:
        # only reachable for an owner field used as a sort key and left out: it becomes `eq <sub>::<username>`
        for entity, value in key_claims.items():
            args[entity] = {"eq": value} if entity in index.sort_keys else value
        authorized = True
    if not authorized and auth_filter is None:
        raise authz.not_authorized(field_name, "Query")
    return (authz.ReadAccess(True) if auth_filter is None else authz.ReadAccess(False, auth_filter)), args


# ---------------------------------------------------------------------------------------------------------
# the DynamoDB Query


def _sort_key_condition(
    index: Index, condition: dict[str, Any] | None, names: dict, values: dict, typed: Any
) -> str:
    ops = {k: v for k, v in (condition or {}).items() if v is not None}
    if not ops:
        return ""
    if len(ops) > 1:
        raise StoreError(
            "ValidationException",
            "Invalid KeyConditionExpression: the sort key condition "
            f"of '{index.sort_key}' takes one operator, got {sorted(ops)}",
        )
    names["#sortKey"] = index.sort_key
    ((op, arg),) = ops.items()
    if op == "between":
        lo, hi = ([*list(arg), None, None])[:2]
        values[":sortKey0"], values[":sortKey1"] = typed(lo), typed(hi)
        return " AND #sortKey BETWEEN :sortKey0 AND :sortKey1"
    values[":sortKey"] = typed(arg)
    if op == "beginsWith":
        return " AND begins_with(#sortKey, :sortKey)"
    return f" AND #sortKey {({'eq': '=', 'lt': '<', 'le': '<=', 'gt': '>', 'ge': '>='})[op]} :sortKey"


def query_page(
    store: DynamoStore, model: ModelType, index: Index, args: dict[str, Any], limit: int
) -> tuple[list[dict[str, Any]], str | None]:
    """One DynamoDB Query page of `limit` evaluated items on the index's GSI."""

    def typed(field_name: str):
        kind = attribute_type(model, field_name)
        return lambda v: {kind: str(v)}

    names = {f"#{index.partition_key}": index.partition_key}
    values = {f":{index.partition_key}": typed(index.partition_key)(args[index.partition_key])}
    expression = f"#{index.partition_key} = :{index.partition_key}"
    if index.sort_key:
        expression += _sort_key_condition(
            index, args.get(index.sort_key), names, values, typed(index.sort_key)
        )
    kwargs: dict[str, Any] = {
        "TableName": store.table(model),
        "IndexName": index.name,
        "KeyConditionExpression": expression,
        "ExpressionAttributeNames": names,
        "ExpressionAttributeValues": values,
        "Limit": max(1, limit),
        "ScanIndexForward": args.get("sortDirection") != "DESC",
    }
    if args.get("nextToken"):
        kwargs["ExclusiveStartKey"] = _decode_token(args["nextToken"])
    try:
        resp = store.items.query(**kwargs)
    except ClientError as exc:
        raise _store_error(exc) from exc
    last = resp.get("LastEvaluatedKey")
    return [deserialize_item(i) for i in resp.get("Items", [])], (_encode_token(last) if last else None)


def resolve_index_query(
    store: DynamoStore,
    model: ModelType,
    index: Index,
    identity: Identity,
    args: dict[str, Any],
    field_name: str,
    default_limit: int,
) -> dict[str, Any]:
    access, args = index_read_access(model, identity, index, args, field_name)
    limit = args.get("limit")
    items, token = query_page(store, model, index, args, default_limit if limit is None else limit)
    filter_ = args.get("filter")
    return {"items": [i for i in items if access.allows(i) and matches(filter_, i)], "nextToken": token}
