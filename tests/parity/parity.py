"""Cases of the auth matrix, generated from the transformed schema, and what each side decides for them.

Side A: the resolvers Amplify generated (tests/parity/vtl.py runs them). Side B: the emulator
(catscan/local/appsync), driven through its GraphQL engine and its subscription start, with a stubbed store
holding the same stipulated items. Both sides' outcomes are normalized to the same shape:

- query / mutation: {"error": message} or {"value": {field: value | {"error": message}}} (lists: "items"),
  plus "table": the stored items after the operation (what was written, e.g. the owner field filled in);
- subscription: {"error": message} or {"delivers": {payload label: bool}}.
"""

from __future__ import annotations

import asyncio
import copy
import json
from dataclasses import dataclass, field
from typing import Any

from graphql import (
    GraphQLEnumType,
    GraphQLInputObjectType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLSchema,
    build_schema,
    get_named_type,
    is_leaf_type,
)

from catscan.local.appsync.auth import Identity
from catscan.local.appsync.config import EmulatorConfig
from catscan.local.appsync.engine import Engine
from catscan.local.appsync.realtime import StartRefused, prepare_subscription
from catscan.local.appsync.schema_model import AWS_SCALARS, build_api_model
from catscan.local.appsync.store import serialize_item
from catscan.local.appsync.subscriptions import Subscription, SubscriptionRegistry

from .vtl import NotExecutable, PipelineRunner, key_condition_matches, model_filter_matches

# ---------------------------------------------------------------------------------------------------------
# callers: the kinds of the auth matrix (tests/security/identities.py), as each side sees them

OWNER = ("7d0c5b2e-owner-sub", "owner-user")
OTHER = ("9a41f3c6-other-sub", "other-user")
ADMIN = ("c3e8a1d4-admin-sub", "admin-user")


def _claims(sub: str, username: str, groups: list[str] | None = None) -> dict[str, Any]:
    claims = {
        "sub": sub,
        "cognito:username": username,
        "token_use": "id",
        "email": f"{username}@catscan.local",
        "iss": "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_parity",
    }
    if groups:
        claims["cognito:groups"] = groups
    return claims


@dataclass(frozen=True)
class Caller:
    name: str
    vtl: dict[str, Any]  # harness.cjs `caller`
    identity: Identity  # the emulator's


POOL_ID, IDENTITY_ID = "us-east-1:0b1c2d3e-pool", "us-east-1:4f5a6b7c-identity"
CALLERS = [
    Caller(
        "owner",
        {"mode": "AMAZON_COGNITO_USER_POOLS", "jwt": _claims(*OWNER)},
        Identity("userPools", claims=_claims(*OWNER)),
    ),
    Caller(
        "other user",
        {"mode": "AMAZON_COGNITO_USER_POOLS", "jwt": _claims(*OTHER)},
        Identity("userPools", claims=_claims(*OTHER)),
    ),
    Caller(
        "Admin",
        {"mode": "AMAZON_COGNITO_USER_POOLS", "jwt": _claims(*ADMIN, ["Admin"])},
        Identity("userPools", claims=_claims(*ADMIN, ["Admin"])),
    ),
    Caller(
        "scanner IAM",
        {
            "mode": "AWS_IAM",
            "iam": {
                "userArn": "arn:aws:sts::111111111111:assumed-role/scanner-role/scanner",
                "username": "AROAPARITY:scanner",
            },
        },
        Identity("iam", access_key="AKIAPARITYSCANNER"),
    ),
    Caller(
        "identity-pool IAM",
        {
            "mode": "AWS_IAM",
            "iam": {
                "userArn": "arn:aws:sts::111111111111:assumed-role/authRole/CognitoIdentityCredentials",
                "cognitoIdentityPoolId": POOL_ID,
                "cognitoIdentityId": IDENTITY_ID,
                "cognitoIdentityAuthType": "authenticated",
                "cognitoIdentityAuthProvider": "cognito-idp",
            },
        },
        Identity(
            "iam",
            access_key="ASIAPARITYPOOLUSER",
            cognito_identity_pool_id=POOL_ID,
            cognito_identity_id=IDENTITY_ID,
        ),
    ),
]

# ---------------------------------------------------------------------------------------------------------
# the transformed schema and sample values

APPSYNC_PRELUDE = (
    "\n".join(f"scalar {s}" for s in AWS_SCALARS)
    + """
directive @aws_subscribe(mutations: [String]) on FIELD_DEFINITION
directive @aws_cognito_user_pools(cognito_groups: [String]) on OBJECT | FIELD_DEFINITION | INPUT_OBJECT | INTERFACE | UNION | ENUM
directive @aws_iam on OBJECT | FIELD_DEFINITION | INPUT_OBJECT | INTERFACE | UNION | ENUM
directive @aws_api_key on OBJECT | FIELD_DEFINITION | INPUT_OBJECT | INTERFACE | UNION | ENUM
directive @aws_oidc on OBJECT | FIELD_DEFINITION | INPUT_OBJECT | INTERFACE | UNION | ENUM
directive @aws_lambda on OBJECT | FIELD_DEFINITION | INPUT_OBJECT | INTERFACE | UNION | ENUM
directive @aws_auth(cognito_groups: [String]) on FIELD_DEFINITION
"""
)


def build_appsync_schema(sdl: str) -> GraphQLSchema:
    """An AppSync SDL (AWS scalars and directives implied) as a graphql-core schema."""
    return build_schema(APPSYNC_PRELUDE + sdl)


SCALAR_SAMPLES: dict[str, Any] = {
    "ID": "sample-id",
    "String": "sample text",
    "Int": 7,
    "Float": 0.5,
    "Boolean": True,
    "AWSJSON": '{"sample":1}',
    "AWSDateTime": "2026-01-02T03:04:05.000Z",
    "AWSDate": "2026-01-02",
    "AWSTime": "03:04:05.000Z",
    "AWSTimestamp": 1767322800,
    "AWSEmail": "sample@catscan.local",
    "AWSURL": "https://catscan.local/x",
    "AWSPhone": "+15555550100",
    "AWSIPAddress": "127.0.0.1",
}


def sample(type_: Any) -> Any:
    if isinstance(type_, GraphQLNonNull):
        return sample(type_.of_type)
    if isinstance(type_, GraphQLList):
        return [sample(type_.of_type)]
    if isinstance(type_, GraphQLEnumType):
        return list(type_.values)[-1]
    if isinstance(type_, (GraphQLInputObjectType, GraphQLObjectType)):
        return {name: sample(f.type) for name, f in type_.fields.items()}
    if type_.name not in SCALAR_SAMPLES:
        raise NotExecutable(f"no sample value for scalar {type_.name}")
    return SCALAR_SAMPLES[type_.name]


def stored_sample(type_: Any) -> Any:
    """A sample as AppSync stores it: AWSJSON parsed (AppSync hands resolvers the parsed value)."""
    return coerce_input(type_, sample(type_))


def coerce_input(type_: Any, value: Any) -> Any:
    """AppSync's input coercion as far as resolvers see it: AWSJSON strings arrive parsed."""
    if value is None:
        return None
    if isinstance(type_, GraphQLNonNull):
        return coerce_input(type_.of_type, value)
    if isinstance(type_, GraphQLList):
        return (
            [coerce_input(type_.of_type, v) for v in value]
            if isinstance(value, list)
            else coerce_input(type_.of_type, value)
        )
    if isinstance(type_, (GraphQLInputObjectType, GraphQLObjectType)):
        return {
            k: coerce_input(type_.fields[k].type, v) if k in type_.fields else v for k, v in value.items()
        }
    if getattr(type_, "name", None) == "AWSJSON" and isinstance(value, str):
        return json.loads(value)
    return value


def normalize_output(type_: Any, value: Any) -> Any:
    """Output values compared by meaning: AWSJSON strings parsed, timestamps made now as `<set>`."""
    named = get_named_type(type_)
    if isinstance(value, dict) and set(value) == {"error"}:
        return value
    if isinstance(value, list):
        return [normalize_output(named, v) for v in value]
    if named.name == "AWSJSON" and isinstance(value, str):
        return json.loads(value)
    if named.name == "AWSDateTime" and isinstance(value, str) and value != SCALAR_SAMPLES["AWSDateTime"]:
        return "<set>"
    if isinstance(named, GraphQLObjectType) and isinstance(value, dict):
        return {n: normalize_output(f.type, value.get(n)) for n, f in named.fields.items()}
    return value


def selection(type_: GraphQLObjectType) -> str:
    parts = []
    for name, f in type_.fields.items():
        named = get_named_type(f.type)
        parts.append(name if is_leaf_type(named) else f"{name} {{ {selection(named)} }}")
    return " ".join(parts)


# ---------------------------------------------------------------------------------------------------------
# stipulated items


def stipulated_table(model: GraphQLObjectType) -> dict[str, dict[str, Any]]:
    """Scans of the owner (owner field as Gen 2 writes it, and the legacy `<sub>` / `<username>` forms),
    of another user, and one without owner; every field filled."""
    base = {name: stored_sample(f.type) for name, f in model.fields.items()}
    base["__typename"] = model.name
    owners = {
        "owned": f"{OWNER[0]}::{OWNER[1]}",
        "owned-sub": OWNER[0],
        "owned-username": OWNER[1],
        "others": f"{OTHER[0]}::{OTHER[1]}",
        "unowned": None,
    }
    table = {}
    for label, owner in owners.items():
        item = {**copy.deepcopy(base), "id": f"scan-{label}", "owner": owner}
        if owner is None:
            del item["owner"]
        table[item["id"]] = item
    return table


def payload_of(item: dict[str, Any]) -> dict[str, Any]:
    """A mutation's response as a subscriber filter sees it: the owner field resolver shows `<username>`."""
    out = {k: v for k, v in item.items() if k != "__typename"}
    if isinstance(out.get("owner"), str):
        out["owner"] = out["owner"].split("::")[-1]
    return out


# ---------------------------------------------------------------------------------------------------------
# cases


@dataclass(frozen=True)
class Case:
    operation: str  # "Query.getScan"
    kind: str  # get | list | create | update | delete | subscription
    caller: Caller
    args: dict[str, Any]
    label: str = ""

    @property
    def id(self) -> str:
        return f"{self.operation}[{self.caller.name}]{self.label}"


@dataclass
class Api:
    """The generated API as the cases need it: schema, model type, root operations with a resolver."""

    schema: GraphQLSchema
    model: GraphQLObjectType
    operations: dict[str, str] = field(default_factory=dict)  # "Query.getScan" -> kind


def model_names(sdl: str) -> list[str]:
    """The @model types of a transformed schema: those with a Model<T>Connection."""
    schema = build_appsync_schema(sdl)
    return sorted(
        n[len("Model") : -len("Connection")]
        for n in schema.type_map
        if n.startswith("Model") and n.endswith("Connection") and n != "ModelConnection"
    )


def describe_api(sdl: str, resolver_keys: set[str], model_name: str) -> Api:
    schema = build_appsync_schema(sdl)
    model = schema.get_type(model_name)
    assert isinstance(model, GraphQLObjectType), f"{model_name} is not a type of the transformed schema"
    api = Api(schema, model)
    for root_name, root in (
        ("Query", schema.query_type),
        ("Mutation", schema.mutation_type),
        ("Subscription", schema.subscription_type),
    ):
        for name, f in (root.fields if root else {}).items():
            key = f"{root_name}.{name}"
            returns = get_named_type(f.type)
            items = getattr(returns, "fields", {}).get("items")
            of_model = returns is model or (items is not None and get_named_type(items.type) is model)
            if key not in resolver_keys or not of_model:
                continue
            if root_name == "Subscription":
                api.operations[key] = "subscription"
            elif root_name == "Mutation":
                if "input" not in f.args:
                    raise NotExecutable(f"{key}: a mutation without `input` (not a model mutation)")
                input_type = get_named_type(f.args["input"].type).name
                api.operations[key] = next(
                    k for k in ("create", "update", "delete") if input_type.lower().startswith(k)
                )
            else:
                api.operations[key] = "get" if get_named_type(f.type) is model else "list"
    return api


def generate_cases(api: Api) -> list[Case]:
    table = stipulated_table(api.model)
    ids = list(table)
    cases: list[Case] = []
    for key, kind in api.operations.items():
        f = _root_field(api.schema, key)
        for caller in CALLERS:
            if kind == "get":
                for item_id in [*ids, "scan-missing"]:
                    cases.append(Case(key, kind, caller, {"id": item_id}, f" {item_id}"))
            elif kind == "list":
                required = [a for a, arg in f.args.items() if isinstance(arg.type, GraphQLNonNull)]
                arg_sets = (
                    [{}]
                    if not required
                    else [
                        {a: table[i].get(a) for a in required}
                        for i in ids
                        if all(table[i].get(a) for a in required)
                    ]
                )
                for args in arg_sets:
                    cases.append(Case(key, kind, caller, args, f" {json.dumps(args)}"))
                    if "filter" in f.args:
                        flt = {"id": {"eq": "scan-owned"}}
                        cases.append(
                            Case(key, kind, caller, {**args, "filter": flt}, f" {json.dumps(args)} filter")
                        )
            elif kind == "create":
                input_type = get_named_type(f.args["input"].type)
                base = {
                    n: sample(x.type)
                    for n, x in input_type.fields.items()
                    if isinstance(x.type, GraphQLNonNull)
                }
                base["id"] = "scan-new"
                cases.append(Case(key, kind, caller, {"input": base}, " required fields"))
                for n, x in input_type.fields.items():
                    if n in base:
                        continue
                    value = {"owner": f"{OWNER[0]}::{OWNER[1]}"}.get(n, sample(x.type))
                    cases.append(Case(key, kind, caller, {"input": {**base, n: value}}, f" +{n}"))
                    cases.append(Case(key, kind, caller, {"input": {**base, n: None}}, f" +{n}=null"))
                if "owner" in input_type.fields:
                    for label, owner in (
                        ("own username", OWNER[1]),
                        ("own sub", OWNER[0]),
                        ("other's", f"{OTHER[0]}::{OTHER[1]}"),
                    ):
                        cases.append(
                            Case(key, kind, caller, {"input": {**base, "owner": owner}}, f" owner={label}")
                        )
            elif kind == "update":
                input_type = get_named_type(f.args["input"].type)
                for item_id in ("scan-owned", "scan-others"):
                    cases.append(Case(key, kind, caller, {"input": {"id": item_id}}, f" {item_id} id only"))
                    for n, x in input_type.fields.items():
                        if n == "id":
                            continue
                        for value, label in ((sample(x.type), ""), (None, "=null")):
                            cases.append(
                                Case(
                                    key,
                                    kind,
                                    caller,
                                    {"input": {"id": item_id, n: value}},
                                    f" {item_id} {n}{label}",
                                )
                            )
            elif kind == "delete":
                for item_id in ids:
                    cases.append(Case(key, kind, caller, {"input": {"id": item_id}}, f" {item_id}"))
            elif kind == "subscription":
                for args, label in _subscription_args(f, api):
                    cases.append(Case(key, kind, caller, args, label))
    return cases


def _subscription_args(f: Any, api: Api) -> list[tuple[dict[str, Any], str]]:
    variants: list[tuple[dict[str, Any], str]] = [({}, " no arguments")]
    filter_type = get_named_type(f.args["filter"].type) if "filter" in f.args else None
    for name in f.args:
        if name == "filter":
            continue
        for label, value in (
            ("own username", OWNER[1]),
            ("own sub::username", f"{OWNER[0]}::{OWNER[1]}"),
            ("other's username", OTHER[1]),
        ):
            variants.append(({name: value}, f" {name}={label}"))
    if filter_type is not None:
        for name, _x in filter_type.fields.items():
            if name in ("and", "or", "not"):
                continue
            value = (
                OWNER[1]
                if name == "owner"
                else sample(api.model.fields[name].type)
                if name in api.model.fields
                else None
            )
            if value is None or isinstance(value, (list, dict)):
                continue
            variants.append(({"filter": {name: {"eq": value}}}, f" filter {name} eq"))
    return variants


def _root_field(schema: GraphQLSchema, key: str) -> Any:
    root_name, name = key.split(".", 1)
    root = {
        "Query": schema.query_type,
        "Mutation": schema.mutation_type,
        "Subscription": schema.subscription_type,
    }[root_name]
    return root.fields[name]


# ---------------------------------------------------------------------------------------------------------
# side A: the generated resolvers


def run_generated(
    runner: PipelineRunner, api: Api, case: Case, table: dict[str, dict[str, Any]]
) -> dict[str, Any]:
    f = _root_field(api.schema, case.operation)
    args = {k: coerce_input(f.args[k].type, v) if k in f.args else v for k, v in case.args.items()}
    outcome = runner.run(case.operation, args, case.caller.vtl, table)
    if case.kind == "subscription":
        if outcome.error:
            return {"error": outcome.error["message"]}
        flt = outcome.subscription_filter
        return {
            "delivers": {
                i: _basic_filter(outcome.args, payload_of(item)) and _filter_groups(flt, payload_of(item))
                for i, item in table.items()
            }
        }
    result: dict[str, Any]
    if outcome.error:
        result = {"error": outcome.error["message"]}
    elif case.kind == "list":
        items = [
            _fields(runner, api, api.model, item, case, table)
            for item in (outcome.result or {}).get("items", [])
        ]
        result = {"items": sorted(items, key=lambda i: str(i and i.get("id")))}
    else:
        result = {
            "value": None
            if outcome.result is None
            else _fields(runner, api, api.model, outcome.result, case, table)
        }
    result["table"] = normalize_table(table)
    return result


def _fields(
    runner: PipelineRunner,
    api: Api,
    type_: GraphQLObjectType,
    source: dict[str, Any],
    case: Case,
    table: dict[str, dict[str, Any]],
) -> dict[str, Any]:
    """The selected fields of one result object, field resolvers (e.g. Scan.owner, Scan.debug) run on it."""
    out: dict[str, Any] = {}
    for name, f in type_.fields.items():
        key = f"{type_.name}.{name}"
        if key in runner.resolvers:
            sub = runner.run(key, {}, case.caller.vtl, table, source=copy.deepcopy(source))
            value = {"error": sub.error["message"]} if sub.error else sub.result
        else:
            value = source.get(name)
        named = get_named_type(f.type)
        if isinstance(named, GraphQLObjectType) and isinstance(value, dict) and "error" not in value:
            value = _select(named, value)
        elif isinstance(named, GraphQLObjectType) and isinstance(value, list):
            value = [None if v is None else _select(named, v) for v in value]
        out[name] = normalize_output(f.type, value)
    # GraphQL completion (AppSync's, not a template's): a null non-null field nulls its parent
    if any(
        isinstance(f.type, GraphQLNonNull)
        and (out[n] is None or (isinstance(out[n], dict) and set(out[n]) == {"error"}))
        for n, f in type_.fields.items()
    ):
        return None
    return out


def _select(type_: GraphQLObjectType, value: dict[str, Any]) -> dict[str, Any]:
    return {n: value.get(n) for n in type_.fields}


def _basic_filter(args: dict[str, Any], payload: dict[str, Any]) -> bool:
    """AppSync's argument filtering: each subscription argument given equals the payload's field."""
    return all(payload.get(n) == v for n, v in args.items() if n != "filter" and v is not None)


def _filter_groups(flt: dict[str, Any] | None, payload: dict[str, Any]) -> bool:
    """AppSync's enhanced subscription filter: groups OR'ed, filters of a group AND'ed."""
    if not flt:
        return True
    return any(all(_sub_condition(c, payload) for c in g["filters"]) for g in flt["filterGroup"])


def _sub_condition(c: dict[str, Any], payload: dict[str, Any]) -> bool:
    op, operand, value = c["operator"], c["value"], payload.get(c["fieldName"])
    if op == "in":
        return value in operand
    if op == "notIn":
        return value not in operand
    if op == "containsAny":
        return isinstance(value, list) and any(v in value for v in operand)
    return _plain_condition(op, operand, c["fieldName"] in payload, value)


def _plain_condition(op: str, operand: Any, present: bool, value: Any) -> bool:
    return model_filter_matches({"f": {op: operand}}, {"f": value} if present else {})


def normalize_table(table: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """Stored items, with generated timestamps as `<set>` and DynamoDB NULL attributes as absent."""
    out = {}
    for key, item in table.items():
        norm = {k: v for k, v in item.items() if v is not None}
        for ts in ("createdAt", "updatedAt"):
            if ts in norm and norm[ts] != SCALAR_SAMPLES["AWSDateTime"]:
                norm[ts] = "<set>"
        out[key] = norm
    return out


# ---------------------------------------------------------------------------------------------------------
# side B: the emulator


class StubStore:
    """The emulator's DynamoStore interface over the stipulated items (and the DynamoDB `query` its @index
    resolver sends to the store's item client)."""

    def __init__(self, rows: dict[str, dict[str, Any]]) -> None:
        self.rows = rows
        self.items = self  # the item client the @index resolver queries (DynamoStore.items)

    def table(self, model: Any) -> str:
        return model.name

    def query(
        self,
        *,
        KeyConditionExpression: str,
        ExpressionAttributeNames: dict[str, str],  # boto3-style names
        ExpressionAttributeValues: dict[str, Any],
        Limit: int,
        **_: Any,
    ) -> dict[str, Any]:
        items = [
            i
            for i in self.rows.values()
            if key_condition_matches(
                KeyConditionExpression, ExpressionAttributeNames, ExpressionAttributeValues, i
            )
        ]
        return {"Items": [serialize_item(i) for i in items[:Limit]]}

    def get(self, model: Any, key: str) -> dict[str, Any] | None:
        return copy.deepcopy(self.rows.get(key))

    def scan(self, model: Any, limit: int, next_token: str | None) -> tuple[list[dict[str, Any]], str | None]:
        return [copy.deepcopy(i) for i in list(self.rows.values())[:limit]], None

    def create(self, model: Any, item: dict[str, Any], condition: Any) -> dict[str, Any]:
        self.rows[item["id"]] = copy.deepcopy(item)
        return copy.deepcopy(item)

    def update(self, model: Any, key: str, values: dict[str, Any], condition: Any) -> dict[str, Any]:
        item = self.rows[key]
        for k, v in values.items():
            if v is None:
                item.pop(k, None)
            else:
                item[k] = v
        return copy.deepcopy(item)

    def delete(self, model: Any, key: str, condition: Any) -> dict[str, Any]:
        return self.rows.pop(key)


class Emulator:
    def __init__(self, emulator_schema: str, api: Api) -> None:
        self.api_model = build_api_model(emulator_schema)
        self.store = StubStore({})
        self.engine = Engine(EmulatorConfig(schema_path="<parity>"), self.api_model, self.store)  # type: ignore[arg-type]
        self.api = api

    def document(self, case: Case) -> tuple[str, dict[str, Any]]:
        f = _root_field(self.api.schema, case.operation)
        root_name, name = case.operation.split(".", 1)
        decls = ", ".join(f"${a}: {f.args[a].type}" for a in case.args)
        call = f"{name}({', '.join(f'{a}: ${a}' for a in case.args)})" if case.args else name
        sel = selection(self.api.model)
        if case.kind == "list":
            sel = f"items {{ {sel} }} nextToken"
        if case.kind == "subscription":
            sel = "id"
        op = {"Query": "query", "Mutation": "mutation", "Subscription": "subscription"}[root_name]
        return f"{op} Parity{f'({decls})' if decls else ''} {{ {call} {{ {sel} }} }}", case.args

    async def run(self, case: Case, table: dict[str, dict[str, Any]]) -> dict[str, Any]:
        self.store.rows = table
        query, variables = self.document(case)
        if case.kind == "subscription":
            try:
                field_name, args, runtime_filter, executor = prepare_subscription(
                    self.engine, case.caller.identity, query, variables, "Parity"
                )
            except StartRefused as exc:
                return {"error": exc.message}
            sub = Subscription("parity", None, field_name, args, runtime_filter, executor)  # type: ignore[arg-type]
            return {
                "delivers": {
                    i: SubscriptionRegistry.wants(sub, payload_of(item)) for i, item in table.items()
                }
            }
        body = await self.engine.execute(query, variables, "Parity", case.caller.identity)
        name = case.operation.split(".", 1)[1]
        errors = body.get("errors") or []
        root_errors = [e for e in errors if e.get("path") in (None, [name])]
        data = (body.get("data") or {}).get(name)
        result: dict[str, Any]
        if root_errors and data is None:
            result = {"error": root_errors[0]["message"]}
        elif case.kind == "list":
            items = [
                None if i is None else _with_errors(self.api.model, i, errors, [name, "items", n])
                for n, i in enumerate(data["items"])
            ]
            result = {"items": sorted(items, key=lambda i: str(i and i.get("id")))}
        else:
            result = {"value": None if data is None else _with_errors(self.api.model, data, errors, [name])}
        result["table"] = normalize_table(table)
        return result


def _with_errors(
    type_: GraphQLObjectType, value: dict[str, Any], errors: list[dict[str, Any]], path: list[Any]
) -> dict[str, Any]:
    out = {n: normalize_output(f.type, value.get(n)) for n, f in type_.fields.items()}
    for e in errors:
        p = e.get("path") or []
        if len(p) == len(path) + 1 and p[:-1] == path:
            out[p[-1]] = {"error": e["message"]}
    return out


# ---------------------------------------------------------------------------------------------------------


def compare(
    runner: PipelineRunner, emulator: Emulator, api: Api, cases: list[Case], table: dict[str, dict[str, Any]]
) -> tuple[list[dict[str, Any]], list[str]]:
    """Every case on both sides from the same stipulated table: (differences, cases not executable)."""
    differences, skipped = [], []

    async def both() -> None:
        for case in cases:
            try:
                generated = run_generated(runner, api, case, copy.deepcopy(table))
            except NotExecutable as exc:
                skipped.append(f"{case.id}: {exc}")
                continue
            emulated = await emulator.run(case, copy.deepcopy(table))
            if generated != emulated:
                differences.append(
                    {"case": case.id, "args": case.args, "generated": generated, "emulator": emulated}
                )

    asyncio.run(both())
    return differences, skipped
