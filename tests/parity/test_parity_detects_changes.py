"""The parity checks fail when either side changes alone (issue 14: "fails when either side changes alone").

Emulator side: the emulator built from a scratch copy of schema.graphql with one directive changed, held
to the unchanged resolvers and transformed schema of cdk.out. Generated side: the unchanged emulator held
to a copy of the generated resolvers / transformed schema with one change, as a transformer upgrade or a
schema change that only reached the synth would make.
"""

from __future__ import annotations

import dataclasses
import re

import pytest

from catscan.local.appsync.schema_model import build_api_model

from .parity import Emulator, compare, describe_api, generate_cases, model_names, stipulated_table
from .schema_parity import differences
from .vtl import PipelineRunner


def _model_block(schema_sdl: str, model: str) -> re.Match:
    m = re.search(rf"type\s+{model}\b[^{{]*@model\b", schema_sdl)
    assert m, f"type {model} @model not found in schema.graphql"
    return m


def _with_model_operation(schema_sdl: str, model: str) -> tuple[str, str]:
    """The first model-level @auth rule also grants an operation it lacked (one directive changed)."""
    m = _model_block(schema_sdl, model)
    ops = re.compile(r"operations:\s*\[([^\]]*)\]").search(schema_sdl, m.end())
    assert ops, f"no `operations` in the @auth rules of {model}"
    present = {o.strip() for o in ops.group(1).split(",")}
    extra = next(o for o in ("update", "delete", "create", "read") if o not in present)
    changed = schema_sdl[: ops.start(1)] + f"{ops.group(1)}, {extra}" + schema_sdl[ops.end(1) :]
    return changed, extra


def _without_subscriptions(schema_sdl: str, model: str) -> str:
    """`@model` becomes `@model(subscriptions: null)` (one directive changed)."""
    m = _model_block(schema_sdl, model)
    assert schema_sdl[m.end()] != "(", "@model already has arguments"
    return schema_sdl[: m.end()] + "(subscriptions: null)" + schema_sdl[m.end() :]


def _cases(transformed_sdl, resolvers, model):
    api = describe_api(transformed_sdl, set(resolvers), model)
    return api, generate_cases(api)


def _new_differences(runner, emulator, api, cases, baseline) -> list[dict]:
    """Differences the change adds to those of the unchanged sides (none when test_resolver_parity passes)."""
    found, skipped = compare(runner, emulator, api, cases, stipulated_table(api.model))
    assert not skipped
    before = {d["case"] for d in baseline}
    return [d for d in found if d["case"] not in before]


@pytest.fixture(scope="module")
def baseline(runner, resolvers, transformed_sdl, schema_sdl):
    api, cases = _cases(transformed_sdl, resolvers, model_names(transformed_sdl)[0])
    return compare(runner, Emulator(schema_sdl, api), api, cases, stipulated_table(api.model))[0]


def test_resolver_parity_fails_when_the_emulator_schema_changes_alone(
    runner, resolvers, transformed_sdl, schema_sdl, baseline
):
    model = model_names(transformed_sdl)[0]
    api, cases = _cases(transformed_sdl, resolvers, model)
    scratch, extra = _with_model_operation(schema_sdl, model)
    found = _new_differences(runner, Emulator(scratch, api), api, cases, baseline)
    changed = {d["case"].split("[")[0] for d in found}
    assert changed, f"granting {extra} in a scratch schema.graphql went unnoticed"
    if extra != "read":
        assert any(c.startswith(f"Mutation.{extra}") for c in changed), sorted(changed)


def test_resolver_parity_fails_when_the_generated_resolvers_change_alone(
    vtl_engine, resolvers, transformed_sdl, schema_sdl, baseline
):
    # the generated side loses Gen 2's IAM access in its auth functions (as if IAM were no longer granted)
    def without_iam(template: str) -> str:
        return template.replace(
            '$util.authType() == "IAM Authorization"', '$util.authType() == "IAM (changed)"'
        )

    changed_resolvers = {
        key: dataclasses.replace(
            r,
            functions=tuple(
                dataclasses.replace(f, request=without_iam(f.request), response=without_iam(f.response))
                for f in r.functions
            ),
        )
        for key, r in resolvers.items()
    }
    model = model_names(transformed_sdl)[0]
    api, cases = _cases(transformed_sdl, resolvers, model)
    found = _new_differences(
        PipelineRunner(vtl_engine, changed_resolvers), Emulator(schema_sdl, api), api, cases, baseline
    )
    callers = {d["case"].split("[")[1].split("]")[0] for d in found}
    assert callers == {"scanner IAM"}, callers


def test_schema_parity_fails_when_either_side_changes_alone(transformed_sdl, schema_sdl):
    model = model_names(transformed_sdl)[0]
    scratch = build_api_model(_without_subscriptions(schema_sdl, model)).sdl
    before = set(differences(transformed_sdl, build_api_model(schema_sdl).sdl))
    found = set(differences(transformed_sdl, scratch)) - before
    assert any(line.startswith("Subscription") for line in found), found
    # the transformed schema alone changes: one root field loses its @aws_iam
    transformed_changed = transformed_sdl.replace("@aws_iam", "", 1)
    assert transformed_changed != transformed_sdl
    assert set(differences(transformed_changed, build_api_model(schema_sdl).sdl)) - before
