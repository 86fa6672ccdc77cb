"""Run the AppSync resolvers the Amplify transformer generated (cdk.out/) the way AppSync runs them.

Each resolver is read from the synthesized templates as wired there (resolver-level before/after templates,
pipeline functions in order, each with its data source); templates are rendered by the AppSync simulator's
VTL engine in a long-lived Node process (harness.cjs); the stash and arguments flow from one template to the
next, and data sources are stubbed: NONE returns the request's `payload`, the DynamoDB table is a dict of
items the test stipulates (GetItem / Query / Scan / PutItem / UpdateItem / DeleteItem on it).

Written by hand because no library runs an AppSync pipeline outside AppSync; what it cannot execute is
listed in catscan/local/appsync/README.md ("Parity with the generated resolvers").
"""

from __future__ import annotations

import copy
import json
import re
import subprocess
import threading
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from boto3.dynamodb.types import TypeDeserializer

from tests.support.templates import Templates

HARNESS = Path(__file__).with_name("harness.cjs")
NONE_DATA_SOURCE = "NONE"


class NotExecutable(Exception):
    """Something the harness cannot run (reported as such, never silently passed)."""


# ---------------------------------------------------------------------------------------------------------
# the Node VTL engine


class VtlEngine:
    """One `node harness.cjs` process; `render` sends one JSON line and reads one back."""

    def __init__(self) -> None:
        self._proc = subprocess.Popen(
            ["node", str(HARNESS)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            cwd=HARNESS.parent,
        )
        self._lock = threading.Lock()

    def render(
        self, template: str, ctx: dict[str, Any], caller: dict[str, Any], parent: str, field_name: str
    ) -> dict:
        request = {
            "template": template,
            "ctx": ctx,
            "caller": caller,
            "info": {"parentType": parent, "fieldName": field_name},
        }
        with self._lock:
            assert self._proc.stdin and self._proc.stdout
            self._proc.stdin.write(json.dumps(request) + "\n")
            self._proc.stdin.flush()
            line = self._proc.stdout.readline()
        if not line:
            raise RuntimeError(f"harness.cjs exited (code {self._proc.poll()})")
        answer = json.loads(line)
        if "harnessError" in answer:
            raise NotExecutable(f"{parent}.{field_name}: {answer['harnessError']}")
        return answer

    def close(self) -> None:
        if self._proc.stdin:
            self._proc.stdin.close()
        self._proc.wait(timeout=10)


# ---------------------------------------------------------------------------------------------------------
# resolvers as wired in the templates


@dataclass(frozen=True)
class Function:
    name: str
    data_source: str  # NONE or the DynamoDB data source's name
    request: str
    response: str


@dataclass(frozen=True)
class Resolver:
    type_name: str
    field_name: str
    before: str
    after: str
    functions: tuple[Function, ...]


def _template_text(templates: Templates, props: dict[str, Any], kind: str) -> str:
    """Inline (Fn::Join; references, deploy-time values irrelevant to decisions, as ${...}) or an S3 asset."""
    if f"{kind}MappingTemplateS3Location" in props:
        return templates.asset_text(props[f"{kind}MappingTemplateS3Location"])
    if "Code" in props or "CodeS3Location" in props:
        raise NotExecutable(f"{props.get('Name')}: an APPSYNC_JS function (the harness runs VTL only)")
    return _flatten(props.get(f"{kind}MappingTemplate", ""))


def _flatten(value: Any) -> str:
    """Fn::Join as text; a reference (Ref, GetAtt: API id, table name, role ARNs) as a placeholder."""
    if isinstance(value, dict) and "Fn::Join" in value:
        return value["Fn::Join"][0].join(_flatten(p) for p in value["Fn::Join"][1])
    return value if isinstance(value, str) else "deploy-time-value"  # no $: the text is VTL


def _data_source_name(props: dict[str, Any], resources: dict[str, Any]) -> str:
    ds = props.get("DataSourceName")
    if isinstance(ds, dict) and "Ref" in ds and "NONEDS" in ds["Ref"]:
        return NONE_DATA_SOURCE
    if isinstance(ds, dict) and "Fn::GetAtt" in ds:
        target = resources[ds["Fn::GetAtt"][0]]["Properties"]
        if target.get("Type") == NONE_DATA_SOURCE:
            return NONE_DATA_SOURCE
        if target.get("Type") != "AMAZON_DYNAMODB":
            raise NotExecutable(f"data source type {target.get('Type')}")
        return target.get("Name", ds["Fn::GetAtt"][0])
    if isinstance(ds, str):
        return ds
    raise NotExecutable(f"data source {ds!r}")


def load_resolvers(templates: Templates) -> dict[str, Resolver]:
    """`Type.field` -> Resolver, for every AppSync resolver of the synth."""
    out: dict[str, Resolver] = {}
    for _name, tpl in templates.by_name.items():
        resources = tpl.get("Resources", {})
        for res in resources.values():
            if res["Type"] != "AWS::AppSync::Resolver":
                continue
            props = res["Properties"]
            key = f"{props['TypeName']}.{props['FieldName']}"
            if props.get("Kind") != "PIPELINE":
                raise NotExecutable(f"{key}: a UNIT resolver (Amplify generates pipelines only)")
            functions = []
            for ref in props["PipelineConfig"]["Functions"]:
                fn = resources[ref["Fn::GetAtt"][0]]["Properties"]
                functions.append(
                    Function(
                        fn["Name"],
                        _data_source_name(fn, resources),
                        _template_text(templates, fn, "Request"),
                        _template_text(templates, fn, "Response"),
                    )
                )
            out[key] = Resolver(
                props["TypeName"],
                props["FieldName"],
                _template_text(templates, props, "Request"),
                _template_text(templates, props, "Response"),
                tuple(functions),
            )
    return out


def transformed_schema_text(templates: Templates) -> str:
    schemas = templates.of_type("AWS::AppSync::GraphQLSchema")
    assert len(schemas) == 1, f"expected one AppSync schema, found {len(schemas)}"
    props = schemas[0].properties
    return (
        props["Definition"] if "Definition" in props else templates.asset_text(props["DefinitionS3Location"])
    )


# ---------------------------------------------------------------------------------------------------------
# the stubbed DynamoDB table

_deserializer = TypeDeserializer()


def plain(value: Any) -> Any:
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, (list, set)):
        return [plain(v) for v in value]
    return value


def from_dynamodb(value: Any) -> Any:
    """DynamoDB JSON ({"S": ...}) -> plain; a value the template left plain stays as it is."""
    if (
        isinstance(value, dict)
        and len(value) == 1
        and next(iter(value)) in ("S", "N", "BOOL", "NULL", "M", "L", "SS", "NS")
    ):
        return plain(_deserializer.deserialize(value))
    return value


def model_filter_matches(flt: dict[str, Any] | None, item: dict[str, Any]) -> bool:
    """A model filter (`{"or": [{"owner": {"eq": ...}}]}`), the input of `toDynamoDBFilterExpression`,
    evaluated as DynamoDB evaluates the expression it becomes."""
    if not flt:
        return True
    for key, cond in flt.items():
        if key == "and":
            ok = all(model_filter_matches(c, item) for c in cond)
        elif key == "or":
            ok = any(model_filter_matches(c, item) for c in cond)
        elif key == "not":
            ok = not model_filter_matches(cond, item)
        else:
            ok = all(_condition(op, operand, key in item, item.get(key)) for op, operand in cond.items())
        if not ok:
            return False
    return True


def _condition(op: str, operand: Any, present: bool, value: Any) -> bool:
    if op == "attributeExists":
        return present == bool(operand)
    if not present:
        return op == "ne"
    if op == "eq":
        return value == operand
    if op == "ne":
        return value != operand
    if op in ("le", "lt", "ge", "gt"):
        try:
            return {
                "le": value <= operand,
                "lt": value < operand,
                "ge": value >= operand,
                "gt": value > operand,
            }[op]
        except TypeError:
            return False
    if op == "between":
        return operand[0] <= value <= operand[1]
    if op == "beginsWith":
        return isinstance(value, str) and value.startswith(operand)
    if op in ("contains", "notContains"):
        found = operand in value if isinstance(value, (str, list)) else False
        return found if op == "contains" else not found
    if op == "in":
        return value in operand
    raise NotExecutable(f"filter operator {op}")


_KEY_CONDITION = re.compile(
    r"\s*(?:begins_with\(\s*(?P<bw_name>#?\w+)\s*,\s*(?P<bw_value>:\w+)\s*\)"
    r"|(?P<bt_name>#?\w+)\s+BETWEEN\s+(?P<lo>:\w+)\s+AND\s+(?P<hi>:\w+)"
    r"|(?P<name>#?\w+)\s*(?P<op><=|>=|=|<|>)\s*(?P<value>:\w+))\s*(?:AND\s+|$)"
)


def key_condition_matches(
    expression: str, names: dict[str, str], values: dict[str, Any], item: dict[str, Any]
) -> bool:
    """A DynamoDB KeyConditionExpression (`#pk = :pk AND begins_with(#sk, :sk)`, BETWEEN, comparisons) on an
    item; `values` in DynamoDB JSON. Items without a key attribute are not in the index, so never match."""
    pos, text = 0, expression.strip()
    while pos < len(text):
        m = _KEY_CONDITION.match(text, pos)
        if not m or m.end() == pos:
            raise NotExecutable(f"key condition {text[pos:]!r}")
        pos = m.end()
        name = names.get(
            m.group("bw_name") or m.group("bt_name") or m.group("name"),
            m.group("bw_name") or m.group("bt_name") or m.group("name"),
        )
        if name not in item:
            return False
        value = item[name]
        if m.group("bw_name"):
            ok = isinstance(value, str) and value.startswith(from_dynamodb(values[m.group("bw_value")]))
        elif m.group("bt_name"):
            ok = from_dynamodb(values[m.group("lo")]) <= value <= from_dynamodb(values[m.group("hi")])
        else:
            operand = from_dynamodb(values[m.group("value")])
            ok = {
                "=": value == operand,
                "<": value < operand,
                "<=": value <= operand,
                ">": value > operand,
                ">=": value >= operand,
            }[m.group("op")]
        if not ok:
            return False
    return True


def _key_condition_matches(query: dict[str, Any], item: dict[str, Any]) -> bool:
    return key_condition_matches(
        query["expression"], query.get("expressionNames") or {}, query.get("expressionValues") or {}, item
    )


def _apply_update(item: dict[str, Any], update: dict[str, Any]) -> dict[str, Any]:
    names = update.get("expressionNames") or {}
    values = update.get("expressionValues") or {}
    out = dict(item)
    for clause in re.findall(
        r"(SET|REMOVE|ADD|DELETE)\s+(.*?)(?=\s+(?:SET|REMOVE|ADD|DELETE)\s|$)", update["expression"].strip()
    ):
        verb, body = clause
        for part in (p.strip() for p in body.split(",") if p.strip()):
            if verb == "SET":
                lhs, rhs = (s.strip() for s in part.split("=", 1))
                out[names.get(lhs, lhs)] = from_dynamodb(values[rhs])
            elif verb == "REMOVE":
                out.pop(names.get(part, part), None)
            else:
                raise NotExecutable(f"update {verb}")
    return out


def data_source_result(request: Any, table: dict[str, dict[str, Any]], filter_input: dict | None) -> Any:
    """The DynamoDB data source, on the stipulated table (mutated by writes)."""
    op = request.get("operation")
    if op == "GetItem":
        item = table.get(from_dynamodb(request["key"]["id"]))
        return copy.deepcopy(item)
    if op in ("Query", "Scan"):
        if op == "Query":
            candidates = [i for i in table.values() if _key_condition_matches(request["query"], i)]
        else:
            candidates = list(table.values())
        flt = filter_input if "filter" in request else None
        items = [copy.deepcopy(i) for i in candidates if model_filter_matches(flt, i)]
        return {"items": items, "nextToken": None, "scannedCount": len(candidates)}
    if op == "PutItem":
        item = {k: from_dynamodb(v) for k, v in request["attributeValues"].items()}
        table[item["id"]] = item
        return copy.deepcopy(item)
    if op == "UpdateItem":
        key = from_dynamodb(request["key"]["id"])
        if key not in table:
            raise NotExecutable("UpdateItem of a missing item (cases stipulate existing items)")
        table[key] = _apply_update(table[key], request["update"])
        return copy.deepcopy(table[key])
    if op == "DeleteItem":
        return copy.deepcopy(table.pop(from_dynamodb(request["key"]["id"]), None))
    raise NotExecutable(f"DynamoDB operation {op}")


# ---------------------------------------------------------------------------------------------------------
# running a pipeline


@dataclass
class Outcome:
    """What one resolver run decided."""

    result: Any = None
    error: dict[str, str] | None = None  # {"message", "errorType"}, AppSync's wording
    stash: dict[str, Any] = field(default_factory=dict)
    args: dict[str, Any] = field(default_factory=dict)
    subscription_filter: dict[str, Any] | None = None


class PipelineRunner:
    def __init__(self, engine: VtlEngine, resolvers: dict[str, Resolver]) -> None:
        self.engine = engine
        self.resolvers = resolvers

    def run(
        self,
        key: str,
        args: dict[str, Any],
        caller: dict[str, Any],
        table: dict[str, dict[str, Any]],
        source: Any = None,
    ) -> Outcome:
        resolver = self.resolvers[key]
        parent, field_name = resolver.type_name, resolver.field_name
        out = Outcome(args=copy.deepcopy(args))

        def step(template: str, **ctx: Any) -> dict[str, Any] | None:
            answer = self.engine.render(
                template,
                {"arguments": out.args, "source": source, "stash": out.stash, **ctx},
                caller,
                parent,
                field_name,
            )
            out.stash, out.args = answer["stash"], answer["args"]
            if answer.get("subscriptionFilter") is not None:
                out.subscription_filter = answer["subscriptionFilter"]
            if answer["hadException"]:
                out.error = _appsync_error(answer["errors"], parent, field_name)
                return None
            return answer

        before = step(resolver.before)
        if before is None:
            return out
        prev = before["result"]
        for fn in resolver.functions:
            request = step(fn.request, prevResult=prev)
            if request is None:
                return out
            if request["isReturn"]:
                prev = request["result"]
                continue
            if fn.data_source == NONE_DATA_SOURCE:
                result = request["result"].get("payload") if isinstance(request["result"], dict) else None
            else:
                result = data_source_result(request["result"], table, request.get("dynamoFilter"))
            response = step(fn.response, prevResult=prev, result=result)
            if response is None:
                return out
            prev = response["result"]
        after = step(resolver.after, prevResult=prev)
        if after is not None:
            out.result = after["result"]
        return out


def _appsync_error(errors: list[dict[str, Any]], parent: str, field_name: str) -> dict[str, str]:
    if not errors:
        raise NotExecutable(f"{parent}.{field_name}: a template failed without an error")
    first = errors[-1]
    if first.get("errorType") == "Unauthorized" and first["message"].startswith(
        "Unauthorized on $util.unauthorized()"
    ):
        # the simulator's wording for $util.unauthorized(); AppSync says:
        return {
            "errorType": "Unauthorized",
            "message": f"Not Authorized to access {field_name} on type {parent}",
        }
    # the simulator appends where the template failed: "<message> on $util.error(...) at L/N 53:4"
    message = re.sub(r" on \$util\.\w+\(.*\) at L/N \d+:\d+$", "", first["message"], flags=re.S)
    return {"errorType": first.get("errorType") or "", "message": message}
