"""Fixtures over the synthesized CloudFormation of the Gen 2 backend (cdk.out/, from `make synth`)."""
from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterator

import pytest

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
                if res["Type"] != "AWS::CloudFormation::Stack" or res.get("Metadata", {}).get("aws:asset:path") != template:
                    continue
                passed = res["Properties"]["Parameters"][value["Ref"]]
                if not (isinstance(passed, dict) and "Fn::GetAtt" in passed):
                    return parent, passed
                source_id, output = passed["Fn::GetAtt"]
                source = tpl["Resources"][source_id]["Metadata"]["aws:asset:path"]
                return self.resolve(source, self.by_name[source]["Outputs"][output.removeprefix("Outputs.")]["Value"])
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


@pytest.fixture(scope="session")
def templates() -> Templates:
    if not CDK_OUT.is_dir() or not list(CDK_OUT.glob("*.template.json")):
        pytest.fail(f"no templates under {CDK_OUT}: run `make synth` (scripts/synth.sh) first")
    return Templates(CDK_OUT)


@pytest.fixture(scope="session")
def scanner(templates: Templates) -> Resource:
    """The scanner Lambda (the only function whose handler is scan_image.handler.lambda_handler)."""
    found = [
        r
        for r in templates.of_type("AWS::Lambda::Function")
        if r.properties.get("Handler") == "scan_image.handler.lambda_handler"
    ]
    assert len(found) == 1, f"expected one scanner function, found {[r.logical_id for r in found]}"
    return found[0]


@pytest.fixture(scope="session")
def scanner_role_id(scanner: Resource) -> str:
    role = scanner.properties["Role"]
    assert "Fn::GetAtt" in role, f"scanner role should be a role of this stack, got {role}"
    return role["Fn::GetAtt"][0]


@pytest.fixture(scope="session")
def scanner_statements(templates: Templates, scanner: Resource, scanner_role_id: str) -> list[dict[str, Any]]:
    """Every IAM statement attached to the scanner's role (inline policies of its template)."""
    statements: list[dict[str, Any]] = []
    role = templates.get(scanner.template, scanner_role_id)
    for pol in role.properties.get("Policies", []):
        statements.extend(_as_list(pol["PolicyDocument"]["Statement"]))
    for pol in templates.resources("AWS::IAM::Policy"):
        if pol.template == scanner.template and {"Ref": scanner_role_id} in pol.properties.get("Roles", []):
            statements.extend(_as_list(pol.properties["PolicyDocument"]["Statement"]))
    assert statements, "scanner role has no policy statements"
    return statements


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]
