"""Fixtures over the scanner in the synthesized CloudFormation of the Gen 2 backend; the `templates`
fixture itself is shared from tests/conftest.py."""

from __future__ import annotations

from typing import Any

import pytest

from tests.support.templates import Resource, Templates, as_list


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
        statements.extend(as_list(pol["PolicyDocument"]["Statement"]))
    for pol in templates.resources("AWS::IAM::Policy"):
        if pol.template == scanner.template and {"Ref": scanner_role_id} in pol.properties.get("Roles", []):
            statements.extend(as_list(pol.properties["PolicyDocument"]["Statement"]))
    assert statements, "scanner role has no policy statements"
    return statements
