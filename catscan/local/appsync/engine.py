"""GraphQL execution: the generated schema wired to resolvers that behave like the Amplify-generated ones."""

from __future__ import annotations

import asyncio
import functools
import inspect
import uuid
from collections import Counter, OrderedDict
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    GraphQLError,
    GraphQLResolveInfo,
    GraphQLSchema,
    InlineFragmentNode,
    OperationDefinitionNode,
    SelectionSetNode,
    build_schema,
    execute,
    parse,
    validate,
)

from . import authorization as authz
from .auth import Identity
from .config import EmulatorConfig
from .errors import format_execution_error, format_request_error
from .filters import matches
from .index_resolver import resolve_index_query
from .indexes import Index
from .scalars import install_aws_scalars
from .schema_model import IDENTITY_CLAIM_DELIMITER, ApiModel, ModelType, RootField
from .store import DynamoStore

OPERATION_KEY = "__operation"  # marks mutation results, like the model transformer's OPERATION_KEY


@dataclass
class RequestContext:
    identity: Identity
    engine: Engine
    document: DocumentNode | None = None
    event: bool = False  # executing a subscription event: sources are final payloads
    published: list[tuple[str, str, FieldNode]] = field(default_factory=list)


# ---------------------------------------------------------------------------------------------------------
# selection-set helpers


def iter_fields(selection_set: SelectionSetNode | None, fragments: dict[str, FragmentDefinitionNode]):
    if selection_set is None:
        return
    for sel in selection_set.selections:
        if isinstance(sel, FieldNode):
            yield sel
        elif isinstance(sel, InlineFragmentNode):
            yield from iter_fields(sel.selection_set, fragments)
        else:  # FragmentSpreadNode
            frag = fragments.get(sel.name.value)
            if frag is not None:
                yield from iter_fields(frag.selection_set, fragments)


def dealias(
    value: Any, selection_set: SelectionSetNode | None, fragments: dict[str, FragmentDefinitionNode]
) -> Any:
    """A response value keyed by response keys (aliases) -> keyed by field names, keeping only what was selected:
    the payload AppSync publishes for a mutation."""
    if value is None or selection_set is None:
        return value
    if isinstance(value, list):
        return [dealias(v, selection_set, fragments) for v in value]
    out: dict[str, Any] = {}
    for node in iter_fields(selection_set, fragments):
        key = node.alias.value if node.alias else node.name.value
        if key not in value:
            continue
        sub = dealias(value[key], node.selection_set, fragments)
        name = node.name.value
        if isinstance(out.get(name), dict) and isinstance(sub, dict):
            out[name] = {**out[name], **sub}
        else:
            out[name] = sub
    return out


def fragments_of(document: DocumentNode) -> dict[str, FragmentDefinitionNode]:
    return {d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)}


def operation_of(document: DocumentNode, operation_name: str | None) -> OperationDefinitionNode | None:
    ops = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
    if operation_name:
        return next((o for o in ops if o.name and o.name.value == operation_name), None)
    return ops[0] if len(ops) == 1 else None


# ---------------------------------------------------------------------------------------------------------


class Engine:
    def __init__(self, config: EmulatorConfig, api: ApiModel, store: DynamoStore) -> None:
        self.config = config
        self.api = api
        self.store = store
        self.schema: GraphQLSchema = build_schema(api.sdl)
        install_aws_scalars(self.schema)
        self._documents: OrderedDict[str, DocumentNode | list[GraphQLError]] = OrderedDict()
        self.on_publish: list[Any] = []  # callables (mutation_field_name, payload) -> None
        # Local-only usage counts (auth kind, root field, input status) for `make bench`'s calls per scan.
        self.calls: Counter[tuple[str, str, str]] = Counter()
        self._wire()

    # -- documents ----------------------------------------------------------------------------------------
    def document(self, query: str) -> DocumentNode | list[GraphQLError]:
        """Parsed and validated document (cached: clients send the same few operations over and over)."""
        cached = self._documents.get(query)
        if cached is not None:
            self._documents.move_to_end(query)
            return cached
        try:
            doc: DocumentNode | list[GraphQLError] = parse(query)
        except GraphQLError as err:
            doc = [err]
        else:
            errors = validate(self.schema, doc)
            if errors:
                doc = list(errors)
        self._documents[query] = doc
        if len(self._documents) > 512:
            self._documents.popitem(last=False)
        return doc

    # -- execution ----------------------------------------------------------------------------------------
    async def execute(
        self, query: Any, variables: Any, operation_name: Any, identity: Identity
    ) -> dict[str, Any]:
        if not isinstance(query, str) or not query.strip():
            return {
                "data": None,
                "errors": [
                    {"path": None, "locations": None, "message": "Invalid request, `query` can't be null."}
                ],
            }
        if variables is not None and not isinstance(variables, dict):
            return {
                "data": None,
                "errors": [
                    {
                        "path": None,
                        "locations": None,
                        "message": "Invalid request, `variables` must be an object.",
                    }
                ],
            }
        doc = self.document(query)
        if isinstance(doc, list):
            return {"data": None, "errors": [format_request_error(e) for e in doc]}
        op = operation_of(doc, operation_name if isinstance(operation_name, str) else None)
        if op is not None and op.operation.value == "subscription":
            return {
                "data": None,
                "errors": [
                    {
                        "path": None,
                        "locations": None,
                        "errorType": "UnsupportedOperation",
                        "message": "Subscriptions are supported only through the realtime "
                        "endpoint (/graphql/realtime).",
                    }
                ],
            }
        self._count(op, variables, identity)
        ctx = RequestContext(identity, self, doc)
        result = execute(
            self.schema,
            doc,
            context_value=ctx,
            variable_values=variables,
            operation_name=operation_name if isinstance(operation_name, str) else None,
        )
        if inspect.isawaitable(result):
            result = await result
        if result.errors and result.data is None and not ctx.published and _is_request_error(result.errors):
            return {"data": None, "errors": [format_request_error(e) for e in result.errors]}
        body: dict[str, Any] = {"data": result.data}
        if result.errors:
            body["errors"] = [format_execution_error(e) for e in result.errors]
        if ctx.published and result.data:
            fragments = fragments_of(doc)
            for response_key, field_name, node in ctx.published:
                value = result.data.get(response_key)
                if value is not None:
                    self.publish(field_name, dealias(value, node.selection_set, fragments))
        return body

    def _count(self, op: Any, variables: dict[str, Any] | None, identity: Identity) -> None:
        if op is None:
            return
        status = ((variables or {}).get("input") or {}).get("status") if isinstance(variables, dict) else None
        for selection in op.selection_set.selections:
            name = getattr(getattr(selection, "name", None), "value", None)
            if name:
                self.calls[(identity.kind, name, str(status) if isinstance(status, str) else "")] += 1

    def publish(self, mutation_field: str, payload: dict[str, Any]) -> None:
        for listener in self.on_publish:
            listener(mutation_field, payload)

    # -- resolvers ----------------------------------------------------------------------------------------
    def _wire(self) -> None:
        for key, root in self.api.root_fields.items():
            type_name, field_name = key.split(".", 1)
            if root.kind == "subscription":
                continue
            gql_type = self.schema.get_type(type_name)
            gql_type.fields[field_name].resolve = self._root_resolver(root, field_name)  # type: ignore[union-attr]
        for model in self.api.models.values():
            gql_type = self.schema.get_type(model.name)
            owner_entities = {
                r.entity for r in model.owner_roles if IDENTITY_CLAIM_DELIMITER in (r.claim or "")
            }
            for name in model.fields:
                protected = authz.has_field_auth(model, name)
                if protected or name in owner_entities:
                    gql_type.fields[name].resolve = _field_resolver(
                        model, name, protected, name in owner_entities
                    )  # type: ignore[union-attr]

    def _root_resolver(self, root: RootField, field_name: str):
        kind, model = root.kind, root.model
        handler = {
            "get": self._get,
            "list": self._list,
            "create": self._create,
            "update": self._update,
            "delete": self._delete,
            "index": functools.partial(self._index_query, root.index),
        }[kind]

        async def resolve(_root: Any, info: GraphQLResolveInfo, **args: Any) -> Any:
            ctx: RequestContext = info.context
            result = await handler(model, field_name, ctx.identity, args)
            if kind in ("create", "update", "delete"):
                ctx.published.append((info.path.key, field_name, info.field_nodes[0]))  # type: ignore[arg-type]
                return {**result, OPERATION_KEY: "Mutation"}
            return result

        return resolve

    def _now(self) -> str:
        now = datetime.fromtimestamp(self.config.clock(), tz=UTC)
        return now.strftime("%Y-%m-%dT%H:%M:%S.") + f"{now.microsecond // 1000:03d}Z"

    async def _get(self, model: ModelType, field_name: str, identity: Identity, args: dict[str, Any]) -> Any:
        access = authz.read_access(model, identity, "get", field_name)
        item = await asyncio.to_thread(self.store.get, model, args[model.primary_key])
        if item is None or self._not_yet_readable(model, item):
            return None
        if not access.allows(item):
            raise authz.not_authorized(field_name, "Query")
        return item

    def _not_yet_readable(self, model: ModelType, item: dict[str, Any]) -> bool:
        """An eventually consistent read may miss an item written a moment ago (config.read_lag_ms)."""
        created = model.timestamps.get("createdAt")
        if not self.config.read_lag_ms or not created or not item.get(created):
            return False
        written = datetime.fromisoformat(str(item[created]).replace("Z", "+00:00")).timestamp()
        return self.config.clock() - written < self.config.read_lag_ms / 1000

    async def _list(self, model: ModelType, field_name: str, identity: Identity, args: dict[str, Any]) -> Any:
        access = authz.read_access(model, identity, "list", field_name)
        limit = args.get("limit")
        limit = self.config.default_list_limit if limit is None else limit
        items, token = await asyncio.to_thread(self.store.scan, model, limit, args.get("nextToken"))
        filter_ = args.get("filter")
        items = [i for i in items if access.allows(i) and matches(filter_, i)]
        return {"items": items, "nextToken": token}

    async def _index_query(
        self, index: Index, model: ModelType, field_name: str, identity: Identity, args: dict[str, Any]
    ) -> Any:
        return await asyncio.to_thread(
            resolve_index_query,
            self.store,
            model,
            index,
            identity,
            args,
            field_name,
            self.config.default_list_limit,
        )

    async def _create(
        self, model: ModelType, field_name: str, identity: Identity, args: dict[str, Any]
    ) -> Any:
        # `@default`s are stored after the auth step, as amplify/data/defaults-after-auth.ts makes the
        # deployed resolver do: auth judges only what the client sent; an explicit null counts as absent.
        defaults = model.defaults
        input_ = {k: v for k, v in args["input"].items() if not (k in defaults and v is None)}
        data = {**defaults, **authz.authorize_create(model, identity, input_, field_name)}
        now = self._now()
        item = dict(data.items())
        item[model.primary_key] = item.get(model.primary_key) or str(uuid.uuid4())
        for ts in model.timestamps.values():
            if ts and ts not in item:  # an explicit null is stored as null, as the generated resolver does
                item[ts] = now
        item["__typename"] = model.name
        item = {k: v for k, v in item.items() if v is not None}
        return await asyncio.to_thread(self.store.create, model, item, args.get("condition"))

    async def _update(
        self, model: ModelType, field_name: str, identity: Identity, args: dict[str, Any]
    ) -> Any:
        input_ = dict(args["input"])
        key = input_[model.primary_key]
        existing = None
        if authz.needs_item_for_write(model, identity, "update"):
            existing = await asyncio.to_thread(self.store.get, model, key)
        authz.authorize_update(model, identity, existing, input_, field_name)
        values = {k: v for k, v in input_.items() if k != model.primary_key}
        updated_at = model.timestamps.get("updatedAt")
        if (
            updated_at and updated_at not in values
        ):  # an explicit null removes it, as the generated resolver does
            values[updated_at] = self._now()
        values["__typename"] = model.name
        return await asyncio.to_thread(self.store.update, model, key, values, args.get("condition"))

    async def _delete(
        self, model: ModelType, field_name: str, identity: Identity, args: dict[str, Any]
    ) -> Any:
        key = args["input"][model.primary_key]
        existing = None
        if authz.needs_item_for_write(model, identity, "delete"):
            existing = await asyncio.to_thread(self.store.get, model, key)
        authz.authorize_delete(model, identity, existing, field_name)
        return await asyncio.to_thread(self.store.delete, model, key, args.get("condition"))


def _field_resolver(model: ModelType, name: str, protected: bool, owner_entity: bool):
    """Field-level auth (`Not Authorized to access <f> on type <T>`, null in mutation results) and the owner
    field resolver that shows `<sub>::<username>` as `<username>` (useSubUsernameForDefaultIdentityClaim)."""

    def resolve(source: Any, info: GraphQLResolveInfo) -> Any:
        ctx: RequestContext = info.context
        value = source.get(name) if isinstance(source, dict) else None
        if ctx.event:
            return value
        if protected:
            if not authz.field_read_allowed(model, name, ctx.identity, source):
                raise authz.not_authorized(name, model.name)
            if model.subscriptions_on and source.get(OPERATION_KEY) == "Mutation":
                return None
        if owner_entity and value is not None:
            if isinstance(value, list):
                return [v.split(IDENTITY_CLAIM_DELIMITER)[-1] if isinstance(v, str) else v for v in value]
            if isinstance(value, str):
                return value.split(IDENTITY_CLAIM_DELIMITER)[-1]
        return value

    return resolve


def _is_request_error(errors: list[GraphQLError]) -> bool:
    """Variable coercion and similar errors come back without a path: the operation never ran."""
    return all(e.path is None for e in errors)
