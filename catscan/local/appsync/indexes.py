"""Amplify's `@index` (secondary indexes): GSIs, the generated query fields, their auth and their DynamoDB Query.

Derived from the directives only, like the Amplify index transformer (v2, Gen 2 defaults):

    owner: String @index(name: "byOwner", sortKeyFields: ["createdAt"], queryField: "scansByOwner")

- the model's table gets a GSI `byOwner` (partition key `owner`, sort key `createdAt`, projection ALL);
- a query field `scansByOwner(owner: String!, createdAt: ModelStringKeyConditionInput,
  sortDirection: ModelSortDirection, filter: ModelScanFilterInput, limit: Int, nextToken: String):
  ModelScanConnection` (name and query field default to `scansByOwnerAndCreatedAt`; `queryField: null`
  gives the GSI without a query field);
- its resolver (index_resolver.py) is a DynamoDB Query on the GSI with the generated auth.

Not emulated (the schema is refused with a clear error): composite sort keys (more than one sort key field,
stored by Amplify as a synthetic `a#b` attribute) and `@primaryKey`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from graphql import DirectiveNode, ObjectTypeDefinitionNode, value_from_ast_untyped

if TYPE_CHECKING:  # imported for types only: schema_model imports this module
    from .schema_model import ApiModel, FieldInfo, ModelType

KEY_CONDITION_OPERATORS = {
    "String": ("eq", "le", "lt", "ge", "gt", "between", "beginsWith"),
    "ID": ("eq", "le", "lt", "ge", "gt", "between", "beginsWith"),
    "Int": ("eq", "le", "lt", "ge", "gt", "between"),
    "Float": ("eq", "le", "lt", "ge", "gt", "between"),
}
_NUMBER_TYPES = ("Int", "Float")
_NAME_PATTERN = r"^[A-Za-z0-9_\-.]{3,255}$"


class IndexSchemaError(ValueError):
    """An @index the transformer would refuse (or one this emulator does not support)."""


@dataclass(frozen=True)
class Index:
    name: str
    partition_key: str
    sort_keys: tuple[str, ...]
    query_field: str | None

    @property
    def key_fields(self) -> tuple[str, ...]:
        return (self.partition_key, *self.sort_keys)

    @property
    def sort_key(self) -> str | None:
        return self.sort_keys[0] if self.sort_keys else None


# ---------------------------------------------------------------------------------------------------------
# schema


def _to_upper(s: str) -> str:
    return s[:1].upper() + s[1:]


def _to_lower(s: str) -> str:
    return s[:1].lower() + s[1:]


def parse_indexes(model: ModelType, node: ObjectTypeDefinitionNode, plural: str) -> list[Index]:
    """The @index directives on the fields of a @model type, with the transformer's defaults and checks."""
    out: list[Index] = []
    for field_node in node.fields or ():
        for directive in field_node.directives or ():
            if directive.name.value != "index":
                continue
            out.append(_parse_index(model, field_node.name.value, directive, plural))
    names = [i.name for i in out]
    for name in names:
        if names.count(name) > 1:
            raise IndexSchemaError(
                f"You may only supply one @index with the name '{name}' on type '{model.name}'."
            )
        if not re.match(_NAME_PATTERN, name):
            raise IndexSchemaError(
                "The indexName is invalid. It should be between 3 and 255 characters. Only "
                "A–Z, a–z, 0–9, underscore characters, hyphens, and periods allowed."  # noqa: RUF001 - AWS's wording
            )
    return out


def _parse_index(model: ModelType, field_name: str, directive: DirectiveNode, plural: str) -> Index:
    args = {a.name.value: value_from_ast_untyped(a.value) for a in directive.arguments or ()}
    sort_keys = args.get("sortKeyFields") or []
    sort_keys = tuple([sort_keys] if isinstance(sort_keys, str) else sort_keys)
    generated = f"{_to_lower(plural)}By{'And'.join(_to_upper(f) for f in (field_name, *sort_keys))}"
    if "name" in args and args["name"] is None:
        raise IndexSchemaError("Explicit null value not allowed for name field on @index")
    name = args.get("name") or generated
    # Gen 2 enables automatic index query names: a missing queryField is generated, `queryField: null` is none.
    query_field = args.get("queryField", generated)
    for key in (field_name, *sort_keys):
        f = model.fields.get(key)
        if f is None:
            raise IndexSchemaError(
                f"Can't find field '{key}' in {model.name}, but it was specified in index '{name}'."
            )
        if f.is_list:
            raise IndexSchemaError(f"Index '{name}' on type '{model.name}.{key}' cannot be a non-scalar.")
    if len(sort_keys) > 1:
        raise IndexSchemaError(
            f"Index '{name}' on type '{model.name}': composite sort keys (more than one "
            "sortKeyFields) are not supported by the local AppSync emulator."
        )
    return Index(name, field_name, sort_keys, query_field)


def scalar_kind(api: ApiModel, f: FieldInfo) -> str:
    """The key-condition scalar of a key field: enums and AWS scalars are strings (the transformer's resolver)."""
    if f.base_type in KEY_CONDITION_OPERATORS:
        return f.base_type
    if f.base_type in api.enums or f.base_type.startswith("AWS"):
        return "String"
    raise IndexSchemaError(f"The sort key '{f.name}' of type {f.base_type} cannot be used in an @index.")


def key_condition_input(api: ApiModel, model: ModelType, field_name: str) -> str:
    return f"Model{scalar_kind(api, model.fields[field_name])}KeyConditionInput"


def key_condition_inputs_sdl(kinds: set[str]) -> list[str]:
    out = []
    for kind in sorted(kinds):
        ops = " ".join(
            f"{op}: [{kind}]" if op == "between" else f"{op}: {kind}" for op in KEY_CONDITION_OPERATORS[kind]
        )
        out.append(f"input Model{kind}KeyConditionInput {{ {ops} }}")
    return out


def query_field_sdl(api: ApiModel, model: ModelType, index: Index) -> str:
    pk = model.fields[index.partition_key]
    args = [f"{index.partition_key}: {pk.base_type}!"]
    if index.sort_key:
        args.append(f"{index.sort_key}: {key_condition_input(api, model, index.sort_key)}")
    args += [
        "sortDirection: ModelSortDirection",
        f"filter: {model.filter_input}",
        "limit: Int",
        "nextToken: String",
    ]
    return f"{index.query_field}({', '.join(args)}): {model.connection}"


def attribute_type(model: ModelType, field_name: str) -> str:
    return "N" if model.fields[field_name].base_type in _NUMBER_TYPES else "S"


def gsi_definitions(model: ModelType) -> tuple[list[dict[str, str]], list[dict[str, Any]]]:
    """(AttributeDefinitions of the index keys, GlobalSecondaryIndexes) for CreateTable/UpdateTable."""
    attrs: dict[str, str] = {}
    gsis = []
    for index in model.indexes:
        keys = [{"AttributeName": index.partition_key, "KeyType": "HASH"}]
        keys += [{"AttributeName": sk, "KeyType": "RANGE"} for sk in index.sort_keys]
        for key in index.key_fields:
            attrs[key] = attribute_type(model, key)
        gsis.append({"IndexName": index.name, "KeySchema": keys, "Projection": {"ProjectionType": "ALL"}})
    return [{"AttributeName": k, "AttributeType": t} for k, t in attrs.items()], gsis


def add_missing_gsis(client: Any, table: str, model: ModelType) -> list[str]:
    """Add the GSIs a table created before the indexes were declared lacks (state kept across restarts)."""
    if not model.indexes:
        return []
    existing = {
        g["IndexName"]
        for g in client.describe_table(TableName=table)["Table"].get("GlobalSecondaryIndexes", [])
    }
    attrs, gsis = gsi_definitions(model)
    attrs = [{"AttributeName": model.primary_key, "AttributeType": "S"}, *attrs]
    added = []
    for gsi in gsis:
        if gsi["IndexName"] in existing:
            continue
        client.update_table(
            TableName=table, AttributeDefinitions=attrs, GlobalSecondaryIndexUpdates=[{"Create": gsi}]
        )
        added.append(gsi["IndexName"])
    return added
