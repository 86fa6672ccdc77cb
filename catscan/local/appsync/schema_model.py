"""Amplify-annotated SDL -> the API model and the AppSync-facing schema Amplify would generate.

Everything here is derived from the directives (@model, @auth) of the input SDL, the way the Amplify
GraphQL transformer (v2, Gen 2 defaults) derives it; nothing is specific to one type:

- every `@model` type gets get<T>/list<T>s queries, create/update/delete mutations with their inputs,
  Model<T>FilterInput / Model<T>ConditionInput / ModelSubscription<T>FilterInput, a Model<T>Connection,
  and onCreate/onUpdate/onDelete subscriptions (`@aws_subscribe`) with an `owner` argument per owner rule;
- `@auth` rules become roles and an access-control matrix (role x field x operation), with field-level
  rules resetting the field's access exactly like the transformer's AccessControlMatrix;
- implicit fields are added like the transformer does (id, owner fields, createdAt/updatedAt).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from graphql import (
    DirectiveNode,
    EnumTypeDefinitionNode,
    FieldDefinitionNode,
    ListTypeNode,
    NamedTypeNode,
    NonNullTypeNode,
    ObjectTypeDefinitionNode,
    TypeNode,
    parse,
    print_ast,
    value_from_ast_untyped,
)

from .indexes import Index, key_condition_inputs_sdl, parse_indexes, query_field_sdl, scalar_kind

# ---------------------------------------------------------------------------------------------------------
# operations

MODEL_OPERATIONS = ("create", "update", "delete", "read")
READ_OPERATIONS = ("get", "list", "sync", "listen", "search")
ALL_OPERATIONS = ("create", "update", "delete", *READ_OPERATIONS)

DEFAULT_OWNER_FIELD = "owner"
DEFAULT_IDENTITY_CLAIM = "sub::username"  # useSubUsernameForDefaultIdentityClaim (Gen 2 default)
DEFAULT_GROUP_CLAIM = "cognito:groups"
DEFAULT_GROUPS_FIELD = "groups"
IDENTITY_CLAIM_DELIMITER = "::"

AWS_SCALARS = (
    "AWSDate",
    "AWSTime",
    "AWSDateTime",
    "AWSTimestamp",
    "AWSEmail",
    "AWSJSON",
    "AWSPhone",
    "AWSURL",
    "AWSIPAddress",
)
BUILTIN_SCALARS = ("ID", "String", "Int", "Float", "Boolean")


def expand_operations(operations: list[str] | None) -> frozenset[str]:
    """`read` means get, list, sync, listen and search, as in the transformer."""
    ops: set[str] = set()
    for op in operations if operations is not None else MODEL_OPERATIONS:
        if op == "read":
            ops.update(READ_OPERATIONS)
        else:
            ops.add(op)
    return frozenset(ops)


def pluralize(name: str) -> str:
    """Close enough to the `pluralize` package Amplify uses for list<T>s names."""
    if re.search(r"[^aeiou]y$", name):
        return name[:-1] + "ies"
    if re.search(r"(s|x|z|ch|sh)$", name):
        return name + "es"
    return name + "s"


# ---------------------------------------------------------------------------------------------------------
# auth rules and roles


@dataclass(frozen=True)
class AuthRule:
    allow: str  # owner | groups | private | public | custom
    provider: str  # userPools | oidc | iam | apiKey | function
    operations: frozenset[str]
    owner_field: str = DEFAULT_OWNER_FIELD
    identity_claim: str = DEFAULT_IDENTITY_CLAIM
    group_claim: str = DEFAULT_GROUP_CLAIM
    groups: tuple[str, ...] = ()
    groups_field: str | None = None


@dataclass(frozen=True)
class Role:
    """One role of the access-control matrix, named like the transformer's roleMap keys."""

    name: str
    provider: str
    strategy: str  # owner | groups | private | public | custom
    static: bool
    claim: str | None = None  # owner: identity claim ("sub::username"); groups: group claim
    entity: str | None = None  # owner: owner field; static group: group name; dynamic group: groups field
    entity_is_list: bool = False

    @property
    def claims(self) -> list[str]:
        return (self.claim or "").split(IDENTITY_CLAIM_DELIMITER)


def parse_auth_rules(directive: DirectiveNode, *, is_field: bool) -> list[AuthRule]:
    args = {a.name.value: value_from_ast_untyped(a.value) for a in directive.arguments or ()}
    rules: list[AuthRule] = []
    for raw in args.get("rules") or []:
        allow = raw["allow"]
        default_provider = (
            "apiKey" if allow == "public" else ("function" if allow == "custom" else "userPools")
        )
        groups = raw.get("groups")
        rules.append(
            AuthRule(
                allow=allow,
                provider=raw.get("provider") or default_provider,
                operations=expand_operations(raw.get("operations")),
                owner_field=raw.get("ownerField") or DEFAULT_OWNER_FIELD,
                identity_claim=raw.get("identityClaim") or DEFAULT_IDENTITY_CLAIM,
                group_claim=raw.get("groupClaim") or DEFAULT_GROUP_CLAIM,
                groups=tuple(groups or ()),
                groups_field=(raw.get("groupsField") or DEFAULT_GROUPS_FIELD)
                if allow == "groups" and not groups
                else None,
            )
        )
    return rules


# ---------------------------------------------------------------------------------------------------------
# types


@dataclass
class FieldInfo:
    name: str
    type_node: TypeNode
    base_type: str
    is_list: bool
    required: bool  # the outer type is non-null
    auth_rules: list[AuthRule] | None = None  # field-level @auth, None when absent
    default: Any = None  # @default(value:), converted to the field's scalar type; None when absent

    @property
    def sdl_type(self) -> str:
        return print_ast(self.type_node)


@dataclass
class ModelType:
    name: str
    fields: dict[str, FieldInfo]
    auth_rules: list[AuthRule]
    roles: dict[str, Role] = field(default_factory=dict)
    # access-control matrix: role name -> field name -> allowed operations
    acm: dict[str, dict[str, set[str]]] = field(default_factory=dict)
    primary_key: str = "id"
    timestamps: dict[str, str | None] = field(
        default_factory=lambda: {"createdAt": "createdAt", "updatedAt": "updatedAt"}
    )
    queries: dict[str, str | None] = field(default_factory=dict)
    mutations: dict[str, str | None] = field(default_factory=dict)
    subscriptions: dict[str, list[str]] = field(default_factory=dict)
    subscriptions_on: bool = True
    indexes: list[Index] = field(default_factory=list)  # @index (see indexes.py)

    # -- access control ---------------------------------------------------------------------------------
    def roles_for(self, operation: str, *, on_all_fields: bool = False) -> list[Role]:
        """Roles allowed an operation on at least one field (on all fields for `on_all_fields`)."""
        out = []
        for name, matrix in self.acm.items():
            allowed = [operation in ops for ops in matrix.values()]
            if (all(allowed) if on_all_fields else any(allowed)) and allowed:
                out.append(self.roles[name])
        return out

    def allowed_fields(self, role: Role, operation: str) -> set[str]:
        return {f for f, ops in self.acm.get(role.name, {}).items() if operation in ops}

    def is_allowed(self, role: Role, field_name: str, operation: str) -> bool:
        return operation in self.acm.get(role.name, {}).get(field_name, set())

    def field_read_roles(self, field_name: str) -> list[Role] | None:
        """Roles that may read the field, or None when it needs no field resolver (every reader may read it).

        Mirrors the transformer's getReadRolesForField + needsFieldResolver."""
        readers = sorted({r.name for op in READ_OPERATIONS for r in self.roles_for(op)})
        for private in ("userPools:private", "oidc:private"):
            if private in readers and all(
                self.is_allowed(self.roles[private], field_name, op) for op in READ_OPERATIONS
            ):
                prefix = private.split(":")[0] + ":"
                readers = [r for r in readers if not r.startswith(prefix) or r == private]
        allowed = [
            r
            for r in readers
            if any(self.is_allowed(self.roles[r], field_name, op) for op in READ_OPERATIONS)
        ]
        if len(allowed) < len(readers):
            return [self.roles[r] for r in allowed]
        return None

    @property
    def defaults(self) -> dict[str, Any]:
        """`@default` values by field name."""
        return {f.name: f.default for f in self.fields.values() if f.default is not None}

    @property
    def owner_roles(self) -> list[Role]:
        return [r for r in self.roles.values() if r.strategy == "owner"]

    # -- operation names --------------------------------------------------------------------------------
    @property
    def create_input(self) -> str:
        return f"Create{self.name}Input"

    @property
    def update_input(self) -> str:
        return f"Update{self.name}Input"

    @property
    def delete_input(self) -> str:
        return f"Delete{self.name}Input"

    @property
    def filter_input(self) -> str:
        return f"Model{self.name}FilterInput"

    @property
    def condition_input(self) -> str:
        return f"Model{self.name}ConditionInput"

    @property
    def subscription_filter_input(self) -> str:
        return f"ModelSubscription{self.name}FilterInput"

    @property
    def connection(self) -> str:
        return f"Model{self.name}Connection"


@dataclass
class RootField:
    """What a root field of the generated schema does."""

    kind: str  # get | list | create | update | delete | subscription
    model: ModelType
    mutation_kind: str | None = None  # for subscriptions: create | update | delete
    mutations: tuple[str, ...] = ()  # for subscriptions: the @aws_subscribe mutations
    index: Index | None = None  # for index queries


@dataclass
class ApiModel:
    models: dict[str, ModelType]
    enums: dict[str, list[str]]
    non_models: dict[str, dict[str, FieldInfo]]
    root_fields: dict[str, RootField] = field(default_factory=dict)  # "Query.getScan" -> RootField
    sdl: str = ""

    def subscriptions_for(self, mutation_name: str) -> list[str]:
        return [
            name.split(".", 1)[1]
            for name, rf in self.root_fields.items()
            if rf.kind == "subscription" and mutation_name in rf.mutations
        ]


# ---------------------------------------------------------------------------------------------------------
# parsing


def _unwrap(type_node: TypeNode) -> tuple[str, bool, bool]:
    required = isinstance(type_node, NonNullTypeNode)
    node = type_node.type if required else type_node
    is_list = isinstance(node, ListTypeNode)
    while not isinstance(node, NamedTypeNode):
        node = node.type
    return node.name.value, is_list, required


def _directive(node: Any, name: str) -> DirectiveNode | None:
    return next((d for d in node.directives or () if d.name.value == name), None)


_DEFAULT_CONVERTERS: dict[str, Callable[[str], Any]] = {
    "Int": int,
    "Float": float,
    "Boolean": lambda v: v.strip().lower() == "true",
    "AWSTimestamp": int,
}


def _field_info(node: FieldDefinitionNode) -> FieldInfo:
    base, is_list, required = _unwrap(node.type)
    auth = _directive(node, "auth")
    default = _directive(node, "default")
    value = None
    if default is not None:
        raw = value_from_ast_untyped(default.arguments[0].value)
        value = _DEFAULT_CONVERTERS.get(base, str)(raw)
    return FieldInfo(
        node.name.value,
        node.type,
        base,
        is_list,
        required,
        parse_auth_rules(auth, is_field=True) if auth else None,
        value,
    )


def _synthetic_field(name: str, sdl_type: str) -> FieldInfo:
    type_node = parse(f"type X {{ f: {sdl_type} }}").definitions[0].fields[0].type
    base, is_list, required = _unwrap(type_node)
    return FieldInfo(name, type_node, base, is_list, required)


def _role_for(rule: AuthRule, fields: dict[str, FieldInfo], group: str | None = None) -> Role:
    if rule.allow == "groups" and group is not None:
        return Role(
            f"{rule.provider}:staticGroup:{group}:{rule.group_claim}",
            rule.provider,
            "groups",
            True,
            rule.group_claim,
            group,
        )
    if rule.allow == "groups":
        f = fields.get(rule.groups_field or DEFAULT_GROUPS_FIELD)
        return Role(
            f"{rule.provider}:dynamicGroup:{rule.groups_field}:{rule.group_claim}",
            rule.provider,
            "groups",
            False,
            rule.group_claim,
            rule.groups_field,
            bool(f and f.is_list),
        )
    if rule.allow == "owner":
        f = fields.get(rule.owner_field)
        return Role(
            f"{rule.provider}:owner:{rule.owner_field}:{rule.identity_claim}",
            rule.provider,
            "owner",
            False,
            rule.identity_claim,
            rule.owner_field,
            bool(f and f.is_list),
        )
    return Role(f"{rule.provider}:{rule.allow}", rule.provider, rule.allow, True)


def _apply_rules(model: ModelType, rules: list[AuthRule], fields: list[str]) -> None:
    for rule in rules:
        targets = [None] if not (rule.allow == "groups" and rule.groups) else list(rule.groups)
        for group in targets:
            role = _role_for(rule, model.fields, group)
            model.roles.setdefault(role.name, role)
            matrix = model.acm.setdefault(role.name, {f: set() for f in model.fields})
            for f in fields:
                matrix.setdefault(f, set()).update(rule.operations)


def _model_config(model: ModelType, directive: DirectiveNode) -> None:
    args = {a.name.value: value_from_ast_untyped(a.value) for a in directive.arguments or ()}
    name, plural = model.name, pluralize(model.name)
    model.queries = {"get": f"get{name}", "list": f"list{plural}"}
    model.mutations = {"create": f"create{name}", "update": f"update{name}", "delete": f"delete{name}"}
    model.subscriptions = {k: [f"on{k.capitalize()}{name}"] for k in ("create", "update", "delete")}
    if "queries" in args:
        model.queries = {k: v for k, v in (args["queries"] or {}).items() if k in ("get", "list")}
    if "mutations" in args:
        model.mutations = {
            k: v for k, v in (args["mutations"] or {}).items() if k in ("create", "update", "delete")
        }
    if "subscriptions" in args:
        subs = args["subscriptions"]
        if subs is None or subs.get("level") == "off":
            model.subscriptions, model.subscriptions_on = {}, False
        else:
            for k in ("create", "update", "delete"):
                key = f"on{k.capitalize()}"
                if key in subs:
                    model.subscriptions[k] = list(subs[key] or [])
            model.subscriptions_on = subs.get("level", "on") == "on"
    if "timestamps" in args:
        ts = args["timestamps"]
        model.timestamps = (
            {"createdAt": None, "updatedAt": None}
            if ts is None
            else {
                "createdAt": ts.get("createdAt", "createdAt"),
                "updatedAt": ts.get("updatedAt", "updatedAt"),
            }
        )


def load_api_model(schema_path: Path | str) -> ApiModel:
    return build_api_model(Path(schema_path).read_text())


def build_api_model(sdl: str) -> ApiModel:
    doc = parse(sdl)
    models: dict[str, ModelType] = {}
    enums: dict[str, list[str]] = {}
    non_models: dict[str, dict[str, FieldInfo]] = {}
    for d in doc.definitions:
        if isinstance(d, EnumTypeDefinitionNode):
            enums[d.name.value] = [v.name.value for v in d.values]
        elif isinstance(d, ObjectTypeDefinitionNode):
            fields = {f.name.value: _field_info(f) for f in d.fields}
            model_dir = _directive(d, "model")
            if model_dir is None:
                non_models[d.name.value] = fields
                continue
            auth = _directive(d, "auth")
            model = ModelType(d.name.value, fields, parse_auth_rules(auth, is_field=False) if auth else [])
            _model_config(model, model_dir)
            if "id" not in fields:
                fields = {"id": _synthetic_field("id", "ID!"), **fields}
                model.fields = fields
            for rule in model.auth_rules:  # the transformer adds missing owner fields as String
                if rule.allow == "owner" and rule.owner_field not in model.fields:
                    model.fields[rule.owner_field] = _synthetic_field(rule.owner_field, "String")
            for ts in model.timestamps.values():
                if ts and ts not in model.fields:
                    model.fields[ts] = _synthetic_field(ts, "AWSDateTime!")
            model.indexes = parse_indexes(model, d, pluralize(model.name))
            models[model.name] = model
    for model in models.values():
        all_fields = list(model.fields)
        _apply_rules(model, model.auth_rules, all_fields)
        for f in model.fields.values():  # field-level rules reset the field, then grant their own access
            if f.auth_rules is not None:
                for matrix in model.acm.values():
                    matrix[f.name] = set()
                _apply_rules(model, f.auth_rules, [f.name])
    api = ApiModel(models, enums, non_models)
    api.sdl = generate_appsync_sdl(api)
    return api


# ---------------------------------------------------------------------------------------------------------
# the AppSync-facing SDL

_SCALAR_FILTER = {"ID": "ID", "String": "String", "Int": "Int", "Float": "Float", "Boolean": "Boolean"}

COMMON_INPUTS = """
enum ModelAttributeTypes { binary binarySet bool list map number numberSet string stringSet _null }
enum ModelSortDirection { ASC DESC }
input ModelSizeInput { ne: Int eq: Int le: Int lt: Int ge: Int gt: Int between: [Int] }
input ModelStringInput { ne: String eq: String le: String lt: String ge: String gt: String contains: String
  notContains: String between: [String] beginsWith: String attributeExists: Boolean
  attributeType: ModelAttributeTypes size: ModelSizeInput }
input ModelIDInput { ne: ID eq: ID le: ID lt: ID ge: ID gt: ID contains: ID notContains: ID between: [ID]
  beginsWith: ID attributeExists: Boolean attributeType: ModelAttributeTypes size: ModelSizeInput }
input ModelIntInput { ne: Int eq: Int le: Int lt: Int ge: Int gt: Int between: [Int] attributeExists: Boolean
  attributeType: ModelAttributeTypes }
input ModelFloatInput { ne: Float eq: Float le: Float lt: Float ge: Float gt: Float between: [Float]
  attributeExists: Boolean attributeType: ModelAttributeTypes }
input ModelBooleanInput { ne: Boolean eq: Boolean attributeExists: Boolean attributeType: ModelAttributeTypes }
input ModelSubscriptionStringInput { ne: String eq: String le: String lt: String ge: String gt: String
  contains: String notContains: String between: [String] beginsWith: String in: [String] notIn: [String] }
input ModelSubscriptionIDInput { ne: ID eq: ID le: ID lt: ID ge: ID gt: ID contains: ID notContains: ID
  between: [ID] beginsWith: ID in: [ID] notIn: [ID] }
input ModelSubscriptionIntInput { ne: Int eq: Int le: Int lt: Int ge: Int gt: Int between: [Int] in: [Int]
  notIn: [Int] }
input ModelSubscriptionFloatInput { ne: Float eq: Float le: Float lt: Float ge: Float gt: Float
  between: [Float] in: [Float] notIn: [Float] }
input ModelSubscriptionBooleanInput { ne: Boolean eq: Boolean }
"""

DIRECTIVE_DEFS = """
directive @aws_subscribe(mutations: [String]) on FIELD_DEFINITION
directive @aws_cognito_user_pools(cognito_groups: [String]) on OBJECT | FIELD_DEFINITION
directive @aws_iam on OBJECT | FIELD_DEFINITION
directive @aws_api_key on OBJECT | FIELD_DEFINITION
"""


def _input_type_of(api: ApiModel, f: FieldInfo) -> str:
    """The create/update input type of a field: non-model object types become <T>Input."""
    base = f"{f.base_type}Input" if f.base_type in api.non_models else f.base_type
    inner = f.type_node.type if isinstance(f.type_node, NonNullTypeNode) else f.type_node
    if isinstance(inner, ListTypeNode):
        item = inner.type
        item_req = isinstance(item, NonNullTypeNode)
        return f"[{base}{'!' if item_req else ''}]"
    return base


def _filter_type(api: ApiModel, f: FieldInfo, subscription: bool) -> str | None:
    if f.base_type in api.non_models or f.base_type in api.models:
        return None
    if subscription:
        if f.base_type in _SCALAR_FILTER:
            return f"ModelSubscription{_SCALAR_FILTER[f.base_type]}Input"
        return "ModelSubscriptionStringInput"  # enums and AWS scalars
    if f.base_type in api.enums:
        return f"Model{f.base_type}Input" if not f.is_list else f"Model{f.base_type}ListInput"
    if f.base_type in _SCALAR_FILTER:
        return f"Model{_SCALAR_FILTER[f.base_type]}Input"
    return "ModelStringInput"


# Gen 2 grants IAM principals access to every model (`enableIamAuthorizationMode`), so every generated type and
# root field names IAM besides the providers of its rules.
PROVIDER_DIRECTIVES = {
    "iam": "@aws_iam",
    "userPools": "@aws_cognito_user_pools",
    "apiKey": "@aws_api_key",
    "oidc": "@aws_oidc",
    "function": "@aws_lambda",
}

# The Gen 2 data construct always declares this input (its AI conversation support), used or not.
GEN2_INPUTS = "input AmplifyAIConversationTurnErrorInput { errorType: String! message: String! }"


def _auth_directives(models: list[ModelType]) -> str:
    providers = {"iam"} | {r.provider for m in models for r in m.auth_rules}
    return " ".join(d for p, d in PROVIDER_DIRECTIVES.items() if p in providers)


def generate_appsync_sdl(api: ApiModel) -> str:
    out: list[str] = [DIRECTIVE_DEFS]
    out += [f"scalar {s}" for s in AWS_SCALARS]
    out.append(COMMON_INPUTS)
    out.append(GEN2_INPUTS)
    model_fields = [f for m in api.models.values() for f in m.fields.values()]
    for name, values in api.enums.items():
        out.append(f"enum {name} {{ {' '.join(values)} }}")
        # filter inputs exist for the enums model fields use, as the transformer emits them
        if any(f.base_type == name and not f.is_list for f in model_fields):
            out.append(f"input Model{name}Input {{ eq: {name} ne: {name} }}")
        if any(f.base_type == name and f.is_list for f in model_fields):
            out.append(
                f"input Model{name}ListInput {{ eq: [{name}] ne: [{name}] contains: {name} notContains: {name} }}"
            )
    every_model = _auth_directives(list(api.models.values()))
    for name, fields in api.non_models.items():
        out.append(
            f"type {name} {every_model} {{ "
            + " ".join(f"{f.name}: {f.sdl_type}" for f in fields.values())
            + " }"
        )
        out.append(
            f"input {name}Input {{ "
            + " ".join(
                f"{f.name}: {_input_type_of(api, f)}{'!' if f.required else ''}" for f in fields.values()
            )
            + " }"
        )
    queries, mutations, subscriptions = [], [], []
    key_conditions: set[str] = set()
    for model in api.models.values():
        fields = model.fields.values()
        auth = _auth_directives([model])
        out.append(
            f"type {model.name} {auth} {{ " + " ".join(f"{f.name}: {f.sdl_type}" for f in fields) + " }"
        )
        out.append(f"type {model.connection} {auth} {{ items: [{model.name}]! nextToken: String }}")
        timestamps = {t for t in model.timestamps.values() if t}
        # A required @default field stays required in the create input: the transformer makes it
        # nullable only for SQL models (see the emulator README).
        create = [
            f"{f.name}: {_input_type_of(api, f)}{'!' if f.required and f.name != model.primary_key and f.name not in timestamps else ''}"
            for f in fields
        ]
        update = [
            f"{f.name}: {_input_type_of(api, f)}{'!' if f.name == model.primary_key else ''}" for f in fields
        ]
        out.append(f"input {model.create_input} {{ {' '.join(create)} }}")
        out.append(f"input {model.update_input} {{ {' '.join(update)} }}")
        out.append(f"input {model.delete_input} {{ {model.primary_key}: ID! }}")
        filt = [f"{f.name}: {t}" for f in fields if (t := _filter_type(api, f, False))]
        cond = [c for c in filt if not c.startswith(f"{model.primary_key}:")]
        owner_fields = {r.entity for r in model.owner_roles} | {
            r.entity for r in model.roles.values() if r.strategy == "groups" and not r.static
        }
        sub_filt = [
            f"{f.name}: {t}"
            for f in fields
            if f.name not in owner_fields and (t := _filter_type(api, f, True))
        ]
        out.append(
            f"input {model.filter_input} {{ {' '.join(filt)} and: [{model.filter_input}] "
            f"or: [{model.filter_input}] not: {model.filter_input} }}"
        )
        out.append(
            f"input {model.condition_input} {{ {' '.join(cond)} and: [{model.condition_input}] "
            f"or: [{model.condition_input}] not: {model.condition_input} }}"
        )
        # The auth transformer adds each owner field back as `ModelStringInput`, so a client may filter
        # its subscription by owner (`onUpdateScan(filter: {owner: {eq: "<username>"}})`).
        sub_owner = [
            f"{o}: ModelStringInput"
            for o in dict.fromkeys(r.entity for r in model.owner_roles)
            if o in model.fields
        ]
        out.append(
            f"input {model.subscription_filter_input} {{ {' '.join(sub_filt)} "
            f"and: [{model.subscription_filter_input}] or: [{model.subscription_filter_input}] "
            f"{' '.join(sub_owner)} }}"
        )
        if get := model.queries.get("get"):
            queries.append(f"{get}({model.primary_key}: ID!): {model.name} {auth}")
            api.root_fields[f"Query.{get}"] = RootField("get", model)
        if lst := model.queries.get("list"):
            queries.append(
                f"{lst}(filter: {model.filter_input}, limit: Int, nextToken: String): {model.connection} {auth}"
            )
            api.root_fields[f"Query.{lst}"] = RootField("list", model)
        for index in model.indexes:
            if index.query_field:
                queries.append(f"{query_field_sdl(api, model, index)} {auth}")
                api.root_fields[f"Query.{index.query_field}"] = RootField("index", model, index=index)
                if index.sort_key:
                    key_conditions.add(scalar_kind(api, model.fields[index.sort_key]))
        for kind, input_name in (
            ("create", model.create_input),
            ("update", model.update_input),
            ("delete", model.delete_input),
        ):
            if m := model.mutations.get(kind):
                mutations.append(
                    f"{m}(input: {input_name}!, condition: {model.condition_input}): {model.name} {auth}"
                )
                api.root_fields[f"Mutation.{m}"] = RootField(kind, model)
        owner_args = [
            r.entity for r in model.roles_for("listen") if r.strategy == "owner" and not r.entity_is_list
        ]
        for kind, names in model.subscriptions.items():
            mutation = model.mutations.get(kind)
            if not mutation:
                continue
            for sub in names:
                args = [f"filter: {model.subscription_filter_input}"]
                args += [f"{o}: String" for o in dict.fromkeys(owner_args)] if model.subscriptions_on else []
                subscriptions.append(
                    f'{sub}({", ".join(args)}): {model.name} @aws_subscribe(mutations: ["{mutation}"]) {auth}'
                )
                api.root_fields[f"Subscription.{sub}"] = RootField("subscription", model, kind, (mutation,))
    out += key_condition_inputs_sdl(key_conditions)
    out.append("type Query { " + " ".join(queries or ["_empty: String"]) + " }")
    if mutations:
        out.append("type Mutation { " + " ".join(mutations) + " }")
    if subscriptions:
        out.append("type Subscription { " + " ".join(subscriptions) + " }")
    return "\n".join(out) + "\n"
