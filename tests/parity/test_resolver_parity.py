"""The emulator decides every cell of the auth matrix as the generated resolvers do (issue 14).

Every operation with a resolver in cdk.out (get, list and index queries, create with each input field,
update with each field set and nulled, delete, each subscription with and without owner / filter
arguments) x every kind of caller (owner, other user, Admin, scanner IAM, identity-pool IAM), on the same
stipulated items: allowed or denied (with AppSync's message), the fields returned, nulled or refused,
the owner filter of lists and subscriptions, and what is stored.
"""

from __future__ import annotations

import copy
import json

from .parity import (
    CALLERS,
    Case,
    Emulator,
    compare,
    describe_api,
    generate_cases,
    model_names,
    run_generated,
    stipulated_table,
)


def report(differences: list[dict]) -> str:
    lines = [f"{len(differences)} case(s) differ (generated resolvers vs emulator):"]
    for d in differences[:25]:
        lines.append(f"- {d['case']} args={json.dumps(d['args'])}")
        lines += [
            f"    {path}: {json.dumps(a)} vs {json.dumps(b)}"
            for path, a, b in diff(d["generated"], d["emulator"])
        ]
    return "\n".join(lines)


def diff(a, b, path="") -> list[tuple[str, object, object]]:
    if isinstance(a, dict) and isinstance(b, dict):
        return [
            d
            for k in dict.fromkeys([*a, *b])
            for d in diff(a.get(k, "<absent>"), b.get(k, "<absent>"), f"{path}.{k}")
        ]
    if isinstance(a, list) and isinstance(b, list) and len(a) == len(b):
        return [d for n, (x, y) in enumerate(zip(a, b, strict=True)) for d in diff(x, y, f"{path}[{n}]")]
    return [] if a == b else [(path or ".", a, b)]


def test_every_operation_and_caller_decides_like_the_generated_resolvers(
    runner, resolvers, transformed_sdl, schema_sdl
):
    models = model_names(transformed_sdl)
    assert models, "no @model type in the transformed schema"
    total = 0
    for model in models:
        api = describe_api(transformed_sdl, set(resolvers), model)
        kinds = set(api.operations.values())
        assert {"get", "list", "create", "update", "delete", "subscription"} <= kinds, api.operations
        cases = generate_cases(api)
        # every operation x every kind of caller is a case
        assert {(c.operation, c.caller.name) for c in cases} == {
            (o, c.name) for o in api.operations for c in CALLERS
        }
        differences, skipped = compare(
            runner, Emulator(schema_sdl, api), api, cases, stipulated_table(api.model)
        )
        assert not skipped, "the harness could not execute:\n" + "\n".join(skipped)
        assert not differences, report(differences)
        total += len(cases)
    print(f"\nparity: {total} cases, {len(models)} model(s), no difference")


def test_generated_resolvers_reproduce_the_documented_auth_matrix(runner, resolvers, transformed_sdl):
    """Anchor: the harness itself yields the matrix tests/security/test_auth_matrix.py documents for AppSync,
    so the parity above cannot pass with both sides wrong in the same way."""
    from tests.security.expected_matrix import EXPECTED, GRAPHQL_COLUMNS

    api = describe_api(transformed_sdl, set(resolvers), "Scan")
    table = stipulated_table(api.model)
    target = "scan-owned"
    names = {"owner": "owner", "other user": "other user", "Admin": "Admin", "scanner (IAM)": "scanner IAM"}
    by_name = {c.name: c for c in CALLERS}
    for row, caller_name in names.items():
        caller = by_name[caller_name]

        def run(operation, kind, args):
            return run_generated(runner, api, Case(operation, kind, caller, args), copy.deepcopy(table))

        def allowed(outcome):
            return "allowed" if "error" not in outcome and outcome.get("value") else "denied"

        observed = {}
        for column in GRAPHQL_COLUMNS:
            key = next(k for k in api.operations if k.split(".", 1)[1] == column)
            kind = api.operations[key]
            if kind == "get":
                observed[column] = allowed(run(key, kind, {"id": target}))
            elif kind == "list":  # index queries ask for the target's key values
                field = api.schema.query_type.fields[column]
                args = {a: table[target][a] for a, arg in field.args.items() if str(arg.type).endswith("!")}
                outcome = run(key, kind, args)
                observed[column] = (
                    "denied"
                    if "error" in outcome
                    else ("sees it" if any(i and i["id"] == target for i in outcome["items"]) else "hidden")
                )
            elif kind == "create":
                observed[column] = allowed(
                    run(
                        key,
                        kind,
                        {
                            "input": {
                                "id": "scan-new",
                                "imageKey": "uploads/x/scan-new/cat.jpg",
                                "fileName": "cat.jpg",
                            }
                        },
                    )
                )
            elif kind == "update":
                observed[column] = allowed(run(key, kind, {"input": {"id": target, "reason": "set"}}))
            elif kind == "delete":
                observed[column] = allowed(run(key, kind, {"input": {"id": target}}))
            else:
                outcome = run(key, kind, {})
                observed[column] = (
                    "denied"
                    if "error" in outcome
                    else ("receives" if outcome["delivers"][target] else "no event")
                )
        assert [observed[c] for c in GRAPHQL_COLUMNS] == EXPECTED[row], (row, observed)
