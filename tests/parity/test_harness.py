"""What harness.cjs adds to the simulator's VTL engine behaves as AppSync documents it."""

from __future__ import annotations

IAM = {"mode": "AWS_IAM", "iam": {"userArn": "arn:aws:sts::111111111111:assumed-role/r/s"}}
SET_FILTER = (
    "$extensions.setSubscriptionFilter($util.transform.toSubscriptionFilter($ctx.args.filter))"
    "$util.toJson(null)"
)


def _filter_groups(vtl_engine, flt):
    answer = vtl_engine.render(
        SET_FILTER, {"arguments": {"filter": flt}, "stash": {}}, IAM, "Subscription", "onX"
    )
    assert not answer["hadException"], answer["errors"]
    return [
        [(f["fieldName"], f["operator"], f["value"]) for f in g["filters"]]
        for g in answer["subscriptionFilter"]["filterGroup"]
    ]


def test_to_subscription_filter_makes_or_of_ands(vtl_engine):
    assert _filter_groups(vtl_engine, {"owner": {"eq": "a"}}) == [[("owner", "eq", "a")]]
    assert _filter_groups(vtl_engine, {"or": [{"owner": {"eq": "a"}}, {"owner": {"eq": "b"}}]}) == [
        [("owner", "eq", "a")],
        [("owner", "eq", "b")],
    ]
    # the generated auth filter combined with a client filter: {and: [{or: [auth]}, client]}
    combined = {
        "and": [{"or": [{"owner": {"eq": "a"}}, {"owner": {"eq": "b"}}]}, {"status": {"in": ["DONE"]}}]
    }
    assert _filter_groups(vtl_engine, combined) == [
        [("owner", "eq", "a"), ("status", "in", ["DONE"])],
        [("owner", "eq", "b"), ("status", "in", ["DONE"])],
    ]


def test_map_remove_removes_the_entry(vtl_engine):
    template = '$util.qr($ctx.args.input.remove("status"))$util.toJson($ctx.args.input.keySet())'
    answer = vtl_engine.render(
        template,
        {"arguments": {"input": {"id": "x", "status": None}}, "stash": {}},
        IAM,
        "Mutation",
        "createX",
    )
    assert answer["result"] == ["id"] and answer["args"] == {"input": {"id": "x"}}
