"""Structural comparison of two AppSync SDLs: types, fields, arguments, input fields, enum values and the
auth directives (@aws_iam, @aws_cognito_user_pools, @aws_subscribe ...), ignoring order, comments and the
AWS scalars / directive definitions AppSync implies."""

from __future__ import annotations

from typing import Any

from graphql import (
    DirectiveNode,
    EnumTypeDefinitionNode,
    InputObjectTypeDefinitionNode,
    ObjectTypeDefinitionNode,
    ObjectTypeExtensionNode,
    parse,
    print_ast,
)

from catscan.local.appsync.schema_model import AWS_SCALARS


def _directives(node: Any) -> frozenset[str]:
    return frozenset(_directive(d) for d in node.directives or ())


def _directive(d: DirectiveNode) -> str:
    args = ", ".join(
        f"{a.name.value}: {print_ast(a.value)}" for a in sorted(d.arguments or (), key=lambda a: a.name.value)
    )
    return f"@{d.name.value}({args})" if args else f"@{d.name.value}"


def structure(sdl: str) -> dict[str, Any]:
    """Type name -> comparable description."""
    out: dict[str, Any] = {}
    for d in parse(sdl).definitions:
        if isinstance(d, (ObjectTypeDefinitionNode, ObjectTypeExtensionNode)):
            entry = out.setdefault(d.name.value, {"kind": "type", "directives": frozenset(), "fields": {}})
            entry["directives"] |= _directives(d)
            for f in d.fields or ():
                entry["fields"][f.name.value] = {
                    "type": print_ast(f.type),
                    "args": {a.name.value: print_ast(a.type) for a in f.arguments or ()},
                    "directives": _directives(f),
                }
        elif isinstance(d, InputObjectTypeDefinitionNode):
            out[d.name.value] = {
                "kind": "input",
                "directives": _directives(d),
                "fields": {f.name.value: print_ast(f.type) for f in d.fields or ()},
            }
        elif isinstance(d, EnumTypeDefinitionNode):
            out[d.name.value] = {
                "kind": "enum",
                "directives": _directives(d),
                "values": frozenset(v.name.value for v in d.values or ()),
            }
        elif getattr(d, "name", None) is not None and d.name.value in AWS_SCALARS:
            continue  # AWS scalars are implied by AppSync
        elif d.kind in ("directive_definition",):
            continue  # @aws_* directives are implied by AppSync
        elif d.kind == "schema_definition":
            out["schema"] = {
                "kind": "schema",
                "operations": {o.operation.value: o.type.name.value for o in d.operation_types},
            }
        else:
            out[(getattr(d, "name", None) and d.name.value) or d.kind] = {"kind": d.kind, "sdl": print_ast(d)}
    return out


def differences(expected: str, actual: str) -> list[str]:
    """What differs between the transformed schema (expected) and the emulator's (actual), one line each."""
    a, b = structure(expected), structure(actual)
    out = []
    for name in sorted(set(a) | set(b)):
        if name not in b:
            out.append(f"{name}: missing from the emulator's schema")
        elif name not in a:
            out.append(f"{name}: only in the emulator's schema")
        else:
            out += [f"{name}{path}: {x!r} vs {y!r}" for path, x, y in _diff(a[name], b[name])]
    return out


def _diff(x: Any, y: Any, path: str = "") -> list[tuple[str, Any, Any]]:
    if isinstance(x, dict) and isinstance(y, dict):
        return [
            d
            for k in sorted(set(x) | set(y))
            for d in _diff(x.get(k, "<absent>"), y.get(k, "<absent>"), f"{path}.{k}")
        ]
    if isinstance(x, frozenset) and isinstance(y, frozenset) and x != y:
        return [(path, sorted(x - y), sorted(y - x))]
    return [] if x == y else [(path, x, y)]
