"""Model filter / condition / subscription-filter inputs.

- `matches(filter, item)`: evaluate a Model<T>FilterInput or ModelSubscription<T>FilterInput against an item,
  with DynamoDB's semantics (a comparison with a missing attribute is false, `ne` and `notContains` true).
- `condition_expression(condition)`: translate a Model<T>ConditionInput into a DynamoDB ConditionExpression,
  as AppSync's `$util.transform.toDynamoDBConditionExpression` does, so DynamoDB evaluates it atomically.
"""

from __future__ import annotations

from typing import Any

_MISSING = object()
_TYPE_NAMES = {
    "string": str,
    "number": (int, float),
    "bool": bool,
    "list": list,
    "map": dict,
}


def _cmp_ok(a: Any, b: Any) -> bool:
    if isinstance(a, bool) or isinstance(b, bool):
        return isinstance(a, bool) and isinstance(b, bool)
    if isinstance(a, (int, float)) and isinstance(b, (int, float)):
        return True
    return type(a) is type(b) and isinstance(a, str)


def _size(value: Any) -> int | None:
    if isinstance(value, (str, list, dict, bytes)):
        return len(value)
    return None


def _contains(value: Any, needle: Any) -> bool:
    if isinstance(value, str):
        return isinstance(needle, str) and needle in value
    if isinstance(value, (list, tuple, set)):
        return needle in value
    return False


def _attribute_type(value: Any) -> str:
    if value is _MISSING:
        return ""
    if value is None:
        return "_null"
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, (int, float)):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "list"
    if isinstance(value, dict):
        return "map"
    return "binary"


def _op(op: str, value: Any, arg: Any) -> bool:
    if op == "attributeExists":
        return (value is not _MISSING and value is not None) == bool(arg)
    if op == "attributeType":
        return _attribute_type(value) == arg
    if op == "ne":
        return value is _MISSING or value is None or value != arg
    if op == "notContains":
        return not (value is not _MISSING and _contains(value, arg))
    if op == "notIn":
        return value is _MISSING or value not in (arg or [])
    if value is _MISSING or value is None:
        return op == "eq" and arg is None
    if op == "eq":
        return value == arg
    if op == "in":
        return value in (arg or [])
    if op == "contains":
        return _contains(value, arg)
    if op == "containsAny":
        return any(_contains(value, a) for a in arg or [])
    if op == "beginsWith":
        return isinstance(value, str) and isinstance(arg, str) and value.startswith(arg)
    if op == "between":
        lo, hi = ([*list(arg), None, None])[:2]
        return _cmp_ok(value, lo) and _cmp_ok(value, hi) and lo <= value <= hi
    if op == "size":
        size = _size(value)
        return size is not None and field_matches(arg, size)
    if op in ("gt", "ge", "lt", "le"):
        if not _cmp_ok(value, arg):
            return False
        return {"gt": value > arg, "ge": value >= arg, "lt": value < arg, "le": value <= arg}[op]
    raise ValueError(f"unsupported filter operator {op!r}")


def field_matches(ops: dict[str, Any], value: Any) -> bool:
    return all(_op(op, value, arg) for op, arg in ops.items())


def matches(filter_: dict[str, Any] | None, item: dict[str, Any]) -> bool:
    if not filter_:
        return True
    for key, arg in filter_.items():
        if key == "and":
            if not all(matches(f, item) for f in arg or []):
                return False
        elif key == "or":
            if arg and not any(matches(f, item) for f in arg):
                return False
        elif key == "not":
            if arg is not None and matches(arg, item):
                return False
        elif arg is not None and not field_matches(arg, item.get(key, _MISSING)):
            return False
    return True


# ---------------------------------------------------------------------------------------------------------
# DynamoDB condition expressions


class ConditionBuilder:
    def __init__(self) -> None:
        self.names: dict[str, str] = {}
        self.values: dict[str, Any] = {}

    def name(self, attr: str) -> str:
        for placeholder, existing in self.names.items():
            if existing == attr:
                return placeholder
        placeholder = f"#n{len(self.names)}"
        self.names[placeholder] = attr
        return placeholder

    def value(self, v: Any) -> str:
        placeholder = f":v{len(self.values)}"
        self.values[placeholder] = v
        return placeholder

    @staticmethod
    def join(parts: list[tuple[str, bool]], op: str) -> tuple[str, bool]:
        """Combine (expression, is_compound) pairs, parenthesising compound operands only: DynamoDB rejects
        redundant parentheses such as `((a = b))`."""
        parts = [p for p in parts if p[0]]
        if not parts:
            return "", False
        if len(parts) == 1:
            return parts[0]
        return f" {op} ".join(f"({e})" if compound else e for e, compound in parts), True

    def field(self, attr: str, ops: dict[str, Any], path: str | None = None) -> tuple[str, bool]:
        n = path or self.name(attr)
        parts: list[tuple[str, bool]] = []
        for op, arg in ops.items():
            if arg is None and op not in ("eq", "ne"):
                continue
            if op in ("eq", "ne", "gt", "ge", "lt", "le"):
                sym = {"eq": "=", "ne": "<>", "gt": ">", "ge": ">=", "lt": "<", "le": "<="}[op]
                parts.append((f"{n} {sym} {self.value(arg)}", False))
            elif op == "between":
                lo, hi = list(arg)[:2]
                parts.append((f"{n} BETWEEN {self.value(lo)} AND {self.value(hi)}", False))
            elif op == "beginsWith":
                parts.append((f"begins_with({n}, {self.value(arg)})", False))
            elif op == "contains":
                parts.append((f"contains({n}, {self.value(arg)})", False))
            elif op == "notContains":
                parts.append((f"NOT contains({n}, {self.value(arg)})", False))
            elif op == "attributeExists":
                parts.append((f"attribute_exists({n})" if arg else f"attribute_not_exists({n})", False))
            elif op == "attributeType":
                parts.append((f"attribute_type({n}, {self.value(_DDB_TYPES.get(arg, arg))})", False))
            elif op == "size":
                parts.append(self.field(attr, arg, path=f"size({n})"))
            else:
                raise ValueError(f"unsupported condition operator {op!r}")
        return self.join(parts, "AND")

    def build_expr(self, condition: dict[str, Any]) -> tuple[str, bool]:
        parts: list[tuple[str, bool]] = []
        for key, arg in condition.items():
            if arg is None:
                continue
            if key == "and":
                parts.append(self.join([self.build_expr(c) for c in arg], "AND"))
            elif key == "or":
                parts.append(self.join([self.build_expr(c) for c in arg], "OR"))
            elif key == "not":
                expr, compound = self.build_expr(arg)
                if expr:
                    parts.append((f"NOT ({expr})" if compound else f"NOT {expr}", False))
            else:
                parts.append(self.field(key, arg))
        return self.join(parts, "AND")

    def build(self, condition: dict[str, Any]) -> str:
        return self.build_expr(condition)[0]

    def with_required(self, required: str, condition: dict[str, Any] | None) -> str:
        """`required AND (condition)`, e.g. attribute_exists(id) plus the client's condition."""
        return self.join([(required, False), self.build_expr(condition or {})], "AND")[0]


_DDB_TYPES = {
    "binary": "B",
    "binarySet": "BS",
    "bool": "BOOL",
    "list": "L",
    "map": "M",
    "number": "N",
    "numberSet": "NS",
    "string": "S",
    "stringSet": "SS",
    "_null": "NULL",
}
