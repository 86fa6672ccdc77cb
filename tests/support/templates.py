"""The CloudFormation templates of one synth (cdk.out/, from `make synth`) with small query helpers:
read by tests/infra and by the resolver parity tests (tests/parity)."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

CDK_OUT = Path(__file__).resolve().parents[2] / "cdk.out"


@dataclass(frozen=True)
class Resource:
    template: str  # template file name
    logical_id: str
    type: str
    properties: dict[str, Any]
    raw: dict[str, Any]


class Templates:
    """Every template of one synth, with small query helpers."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.by_name: dict[str, dict[str, Any]] = {
            p.name: json.loads(p.read_text()) for p in sorted(root.glob("*.template.json"))
        }

    def resources(self, type_: str | None = None) -> Iterator[Resource]:
        for name, tpl in self.by_name.items():
            for lid, res in tpl.get("Resources", {}).items():
                if type_ is None or res["Type"] == type_:
                    yield Resource(name, lid, res["Type"], res.get("Properties", {}), res)

    def of_type(self, type_: str) -> list[Resource]:
        return list(self.resources(type_))

    def get(self, template: str, logical_id: str) -> Resource:
        res = self.by_name[template]["Resources"][logical_id]
        return Resource(template, logical_id, res["Type"], res.get("Properties", {}), res)

    def resolve(self, template: str, value: Any) -> tuple[str, Any]:
        """Follows a nested stack's parameter to what it carries: `{"Ref": param}` in `template`
        becomes (the other template, the value of the output the parent passes), e.g.
        `{"Fn::GetAtt": ["Queue", "QueueName"]}` in the storage stack. Anything else is returned as is."""
        params = self.by_name[template].get("Parameters", {})
        if not (isinstance(value, dict) and value.get("Ref") in params):
            return template, value
        for parent, tpl in self.by_name.items():
            for res in tpl.get("Resources", {}).values():
                if (
                    res["Type"] != "AWS::CloudFormation::Stack"
                    or res.get("Metadata", {}).get("aws:asset:path") != template
                ):
                    continue
                passed = res["Properties"]["Parameters"][value["Ref"]]
                if not (isinstance(passed, dict) and "Fn::GetAtt" in passed):
                    return parent, passed
                source_id, output = passed["Fn::GetAtt"]
                source = tpl["Resources"][source_id]["Metadata"]["aws:asset:path"]
                return self.resolve(
                    source, self.by_name[source]["Outputs"][output.removeprefix("Outputs.")]["Value"]
                )
        raise AssertionError(f"no parent stack passes {value} to {template}")

    def asset_dir(self, code: dict[str, Any]) -> Path:
        """The staged directory of a Lambda's code asset (`Code.S3Key` is `<hash>.zip`)."""
        m = re.fullmatch(r"([0-9a-f]{64})\.zip", str(code.get("S3Key", "")))
        assert m, f"no asset key in {code}"
        path = self.root / f"asset.{m.group(1)}"
        assert path.is_dir(), f"asset {path} missing from cdk.out"
        return path

    def asset_text(self, s3_location: Any) -> str:
        """Text of an asset referenced as `s3://cdk-…-assets-…/<hash>.<ext>` (e.g. a VTL template)."""
        text = json.dumps(s3_location)
        m = re.search(r"/([0-9a-f]{64}\.[a-z]+)", text)
        assert m, f"no asset hash in {text}"
        path = self.root / f"asset.{m.group(1)}"
        assert path.is_file(), f"asset {path} missing from cdk.out"
        return path.read_text()


def as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def flatten(value: Any) -> str:
    """A CloudFormation value (Fn::Join, Ref, …) as one comparable string."""
    if isinstance(value, str):
        return value
    if isinstance(value, dict) and "Fn::Join" in value:
        sep, parts = value["Fn::Join"]
        return sep.join(flatten(p) for p in parts)
    if isinstance(value, dict) and "Ref" in value:
        return "${" + value["Ref"] + "}"
    if isinstance(value, dict) and "Fn::GetAtt" in value:
        return "${" + ".".join(value["Fn::GetAtt"]) + "}"
    return json.dumps(value, sort_keys=True)


def pipeline_vtl(templates: Templates, type_name: str, field: str) -> list[tuple[str, str]]:
    """(request, response) VTL of each pipeline function of a resolver, from the cdk.out assets."""
    resolvers = [
        r
        for r in templates.of_type("AWS::AppSync::Resolver")
        if r.properties["TypeName"] == type_name and r.properties["FieldName"] == field
    ]
    assert len(resolvers) == 1, f"{type_name}.{field}"
    out = []
    for fn_ref in resolvers[0].properties["PipelineConfig"]["Functions"]:
        fn = templates.get(resolvers[0].template, fn_ref["Fn::GetAtt"][0]).properties
        out.append(
            (_mapping_template(templates, fn, "Request"), _mapping_template(templates, fn, "Response"))
        )
    return out


def _mapping_template(templates: Templates, fn: dict[str, Any], kind: str) -> str:
    if f"{kind}MappingTemplateS3Location" in fn:
        return templates.asset_text(fn[f"{kind}MappingTemplateS3Location"])
    return flatten(fn.get(f"{kind}MappingTemplate", ""))
