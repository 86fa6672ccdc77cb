"""What the synthesized Gen 2 backend must contain (cdk.out/ from scripts/synth.sh).

These pin the contract between amplify/ and the rest of catscan: the scanner's runtime, trigger,
environment and least-privilege grants, the API's auth modes, and the Admin-only `debug` field as
the Amplify transformer actually generated it.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from tests.support.templates import Resource, Templates, as_list, flatten, pipeline_vtl

# Actions that have no resource-level permissions, so `Resource: "*"` is the only valid form.
# Anything else on "*" fails test_no_wildcard_resources_except_documented_actions.
WILDCARD_RESOURCE_ACTIONS = frozenset({"rekognition:DetectLabels"})

RUNTIME = json.loads(
    (Path(__file__).resolve().parents[2] / "functions" / "scan_image" / "runtime.json").read_text()
)

SCANNER_ENV = {
    "SCAN_QUEUE_URL",
    "MAX_RECEIVE_COUNT",
    "SERVICE_TIMEOUT_SECONDS",
    "RETRY_BACKOFF_BASE_SECONDS",
    "RETRY_BACKOFF_MAX_SECONDS",
    "APPSYNC_URL",
    "USER_POOL_ID",  # the uploader's e-mail (AdminGetUser)
    "IDEMPOTENCY_TABLE",
    "PARAM_TARGET_LABEL",
    "PARAM_MIN_CONFIDENCE",
    "PARAM_CACHE_SECONDS",
    "POWERTOOLS_SERVICE_NAME",
    "POWERTOOLS_METRICS_NAMESPACE",
}


def _actions(statement: dict[str, Any]) -> list[str]:
    return as_list(statement.get("Action", []))


def _resources(statement: dict[str, Any]) -> list[Any]:
    return as_list(statement.get("Resource", []))


def _statements_with(statements: list[dict[str, Any]], action: str) -> list[dict[str, Any]]:
    return [s for s in statements if action in _actions(s)]


# --- the scanner function ------------------------------------------------------------------------


def test_scanner_is_python312_with_expected_handler(scanner: Resource) -> None:
    p = scanner.properties
    assert p["Runtime"] == "python3.12"
    assert p["Handler"] == "scan_image.handler.lambda_handler"
    assert p.get("Architectures", ["x86_64"]) == ["x86_64"]  # the bundle holds x86_64 wheels
    # One source for the limits: the local runner enforces the same timeout.
    assert p["MemorySize"] == RUNTIME["functionMemoryMB"]
    assert p["Timeout"] == RUNTIME["functionTimeoutSeconds"]
    assert str(p["Code"]["S3Key"]).endswith(".zip"), "code should be the bundled asset"


def test_scanner_and_sweeper_are_amplify_defined_functions(templates: Templates, scanner: Resource) -> None:
    """defineFunction: Amplify tags each function and lists both in its outputs (definedFunctions), which
    `ampx sandbox --stream-function-logs` and the Amplify console use."""
    sweeper = next(
        f
        for f in templates.of_type("AWS::Lambda::Function")
        if f.properties.get("Handler") == "scan_image.sweeper.lambda_handler"
    )
    for fn, name in ((scanner, "scanImage"), (sweeper, "sweepScans")):
        assert {"Key": "amplify:friendly-name", "Value": name} in fn.properties["Tags"], fn.properties["Tags"]
    root = next(t for name, t in templates.by_name.items() if not name.endswith(".nested.template.json"))
    defined = json.dumps(root["Outputs"]["definedFunctions"])
    assert "storagescanImage" in defined and "storagesweepScans" in defined


def test_scanner_lives_in_the_storage_stack(templates: Templates, scanner: Resource) -> None:
    buckets = [b for b in templates.of_type("AWS::S3::Bucket") if b.template == scanner.template]
    assert buckets, "the function must share the storage stack (a separate stack cycles, E3004)"


def test_scanner_environment_matches_the_contract(templates: Templates, scanner: Resource) -> None:
    env = scanner.properties["Environment"]["Variables"]
    # Amplify adds its reserved variable for the secrets of a defined function (we have none).
    assert set(env) == SCANNER_ENV | {"AMPLIFY_SSM_ENV_CONFIG"}
    assert env["AMPLIFY_SSM_ENV_CONFIG"] == "{}"
    assert env["POWERTOOLS_SERVICE_NAME"] == "catscan-scanner"
    assert env["POWERTOOLS_METRICS_NAMESPACE"] == "catscan"
    assert int(env["PARAM_CACHE_SECONDS"]) > 0
    assert "GraphQLUrl" in flatten(env["APPSYNC_URL"])
    table = templates.get(scanner.template, env["IDEMPOTENCY_TABLE"]["Ref"])
    assert table.type == "AWS::DynamoDB::Table"
    for var in ("PARAM_TARGET_LABEL", "PARAM_MIN_CONFIDENCE"):
        assert templates.get(scanner.template, env[var]["Ref"]).type == "AWS::SSM::Parameter"


def _scan_queue_id(templates: Templates, scanner: Resource) -> str:
    env = scanner.properties["Environment"]["Variables"]
    return env["SCAN_QUEUE_URL"]["Ref"]


def test_s3_object_created_on_uploads_prefix_goes_to_the_scan_queue(
    templates: Templates, scanner: Resource
) -> None:
    queue_id = _scan_queue_id(templates, scanner)
    configs = [
        cfg
        for n in templates.of_type("Custom::S3BucketNotifications")
        for cfg in n.properties["NotificationConfiguration"].get("QueueConfigurations", [])
        if cfg["QueueArn"] == {"Fn::GetAtt": [queue_id, "Arn"]}
    ]
    assert len(configs) == 1
    cfg = configs[0]
    assert cfg["Events"] == ["s3:ObjectCreated:*"]
    assert cfg["Filter"]["Key"]["FilterRules"] == [{"Name": "prefix", "Value": "uploads/"}]
    assert not [
        c
        for n in templates.of_type("Custom::S3BucketNotifications")
        for c in n.properties["NotificationConfiguration"].get("LambdaFunctionConfigurations", [])
    ]


def test_the_queue_invokes_the_scanner_with_a_maximum_concurrency(
    templates: Templates, scanner: Resource
) -> None:
    """Maximum concurrency on the event source (not reserved concurrency, which cannot be set on new
    accounts whose concurrency limit is 10): a burst waits in the queue, not at Rekognition's quota."""
    queue_id = _scan_queue_id(templates, scanner)
    mappings = [
        m
        for m in templates.of_type("AWS::Lambda::EventSourceMapping")
        if m.properties["FunctionName"] == {"Ref": scanner.logical_id}
    ]
    assert len(mappings) == 1
    m = mappings[0].properties
    assert m["EventSourceArn"] == {"Fn::GetAtt": [queue_id, "Arn"]}
    assert m["ScalingConfig"]["MaximumConcurrency"] == RUNTIME["eventSourceMaxConcurrency"] >= 2
    assert m["BatchSize"] == RUNTIME["eventSourceBatchSize"]
    assert m["FunctionResponseTypes"] == ["ReportBatchItemFailures"]
    assert "ReservedConcurrentExecutions" not in scanner.properties
    queue = templates.get(scanner.template, queue_id).properties
    assert queue["VisibilityTimeout"] == 6 * RUNTIME["functionTimeoutSeconds"]  # AWS's advice for SQS sources


def test_failed_events_go_to_a_dead_letter_queue_with_an_alarm(
    templates: Templates, scanner: Resource
) -> None:
    queue = templates.get(scanner.template, _scan_queue_id(templates, scanner)).properties
    policy = queue["RedrivePolicy"]
    assert policy["maxReceiveCount"] == RUNTIME["maxReceiveCount"]
    dlq_id = policy["deadLetterTargetArn"]["Fn::GetAtt"][0]
    assert templates.get(scanner.template, dlq_id).type == "AWS::SQS::Queue"
    assert not [
        c
        for c in templates.of_type("AWS::Lambda::EventInvokeConfig")
        if c.properties["FunctionName"] == {"Ref": scanner.logical_id}
    ]  # no async invocations

    # The alarm lives in the monitoring stack: its dimension is the queue name passed across stacks.
    alarms = [
        a
        for a in templates.of_type("AWS::CloudWatch::Alarm")
        if _alarm_dimension(templates, a, "QueueName")
        == (scanner.template, {"Fn::GetAtt": [dlq_id, "QueueName"]})
    ]
    assert len(alarms) == 1
    alarm = alarms[0].properties
    assert alarm["Namespace"] == "AWS/SQS"
    assert alarm["MetricName"] == "ApproximateNumberOfMessagesVisible"
    assert alarm["ComparisonOperator"] == "GreaterThanOrEqualToThreshold"
    assert alarm["Threshold"] == 1


def _sweeper(templates: Templates) -> Resource:
    found = [
        r
        for r in templates.of_type("AWS::Lambda::Function")
        if r.properties.get("Handler") == "scan_image.sweeper.lambda_handler"
    ]
    assert len(found) == 1
    return found[0]


def test_the_sweeper_runs_on_a_schedule_with_the_shared_limits(
    templates: Templates, scanner: Resource
) -> None:
    sweeper = _sweeper(templates)
    p = sweeper.properties
    assert p["Runtime"] == "python3.12" and p["Code"] == scanner.properties["Code"]  # one code asset
    env = p["Environment"]["Variables"]
    assert env["UPLOAD_GRACE_SECONDS"] == str(RUNTIME["uploadGraceSeconds"])
    assert env["STUCK_AFTER_SECONDS"] == str(RUNTIME["stuckAfterSeconds"])
    assert env["MAX_REDRIVES"] == str(RUNTIME["maxRedrives"])
    assert env["SCAN_QUEUE_URL"] == scanner.properties["Environment"]["Variables"]["SCAN_QUEUE_URL"]
    rules = [
        r
        for r in templates.of_type("AWS::Events::Rule")
        if any(
            t["Arn"] == {"Fn::GetAtt": [sweeper.logical_id, "Arn"]} for t in r.properties.get("Targets", [])
        )
    ]
    assert len(rules) == 1
    minutes = RUNTIME["sweeperPeriodSeconds"] // 60
    assert rules[0].properties["ScheduleExpression"] == f"rate({minutes} minute{'s' if minutes > 1 else ''})"
    # Every retry path of the scanner ends well before the sweeper calls a scan stuck.
    # Worst case: every delivery runs to the timeout and, killed, comes back only after the queue's
    # visibility timeout (a failure the scanner reports comes back sooner, after its backoff).
    deliveries = RUNTIME["maxReceiveCount"] * (
        RUNTIME["functionTimeoutSeconds"] + 6 * RUNTIME["functionTimeoutSeconds"]
    )
    redrives = (RUNTIME["maxRedrives"] + 1) * (deliveries + RUNTIME["sweeperPeriodSeconds"])
    assert redrives < RUNTIME["stuckAfterSeconds"]


def test_one_delivery_fits_the_function_timeout() -> None:
    """Batch size 1 (messages of a batch would share, and starve, one invocation's budget); the budget
    holds the getScan, one S3 and one Rekognition attempt, and the reserve for the last write."""
    attempt = 2 + RUNTIME["serviceTimeoutSeconds"]  # connect + read
    reserve = min(6, RUNTIME["functionTimeoutSeconds"] / 4)
    assert RUNTIME["eventSourceBatchSize"] == 1
    assert 5 + 2 * attempt + reserve <= RUNTIME["functionTimeoutSeconds"]


def test_the_sweeper_may_only_query_by_status_and_update(templates: Templates) -> None:
    sweeper = _sweeper(templates)
    role_id = sweeper.properties["Role"]["Fn::GetAtt"][0]
    statements = [
        st
        for pol in templates.resources("AWS::IAM::Policy")
        if pol.template == sweeper.template and {"Ref": role_id} in pol.properties.get("Roles", [])
        for st in as_list(pol.properties["PolicyDocument"]["Statement"])
    ]
    fields = {
        re.search(r"(types/\w+/fields/\w+)$", flatten(r)).group(1)
        for st in statements
        if "appsync:GraphQL" in _actions(st)
        for r in _resources(st)
    }
    assert fields == {"types/Query/fields/scansByStatus", "types/Mutation/fields/updateScan"}
    for st in statements:
        for action in _actions(st):
            assert action.startswith(("appsync:", "s3:GetObject", "sqs:", "logs:", "kms:")), action
        assert "*" not in _resources(st), st


def _alarm_dimension(templates: Templates, alarm: Resource, name: str) -> tuple[str, Any] | None:
    """(template, value) of an alarm's dimension, followed across nested stacks."""
    for dim in alarm.properties.get("Dimensions", []):
        if dim["Name"] == name:
            return templates.resolve(alarm.template, dim["Value"])
    return None


def test_scanner_logs_have_retention(templates: Templates, scanner: Resource) -> None:
    group_id = scanner.properties["LoggingConfig"]["LogGroup"]["Ref"]
    group = templates.get(scanner.template, group_id)
    assert group.type == "AWS::Logs::LogGroup"
    assert 1 <= group.properties["RetentionInDays"] <= 400


def test_ssm_parameters_hold_the_defaults(templates: Templates, scanner: Resource) -> None:
    params = {
        p.properties["Name"]: p.properties["Value"]
        for p in templates.of_type("AWS::SSM::Parameter")
        if str(p.properties.get("Name", "")).startswith("/catscan/")
    }
    by_leaf = {name.rsplit("/", 1)[1]: (name, value) for name, value in params.items()}
    assert by_leaf["target-label"][1] == "Cat"
    assert by_leaf["min-confidence"][1] == "80"
    for name, _ in by_leaf.values():
        assert re.fullmatch(r"/catscan/[A-Za-z0-9_.-]+/[a-z-]+", name), name
    assert by_leaf["target-label"][0].rsplit("/", 1)[0] == by_leaf["min-confidence"][0].rsplit("/", 1)[0]


def test_idempotency_table_shape(templates: Templates, scanner: Resource) -> None:
    env = scanner.properties["Environment"]["Variables"]
    table = templates.get(scanner.template, env["IDEMPOTENCY_TABLE"]["Ref"]).properties
    assert table["KeySchema"] == [{"AttributeName": "id", "KeyType": "HASH"}]
    assert table["AttributeDefinitions"] == [{"AttributeName": "id", "AttributeType": "S"}]
    assert table["TimeToLiveSpecification"] == {"AttributeName": "expiration", "Enabled": True}
    assert table["BillingMode"] == "PAY_PER_REQUEST"


# --- least privilege -----------------------------------------------------------------------------


def test_scanner_role_has_no_managed_policies(
    templates: Templates, scanner: Resource, scanner_role_id: str
) -> None:
    role = templates.get(scanner.template, scanner_role_id)
    # AWSLambdaBasicExecutionRole would grant logs:* actions on "*"; logs go to one log group instead.
    assert not role.properties.get("ManagedPolicyArns")


def test_no_wildcard_resources_except_documented_actions(scanner_statements: list[dict[str, Any]]) -> None:
    for st in scanner_statements:
        assert st["Effect"] == "Allow"
        for action in _actions(st):
            assert "*" not in action, f"wildcard action {action}"
        if "*" in _resources(st):
            assert set(_actions(st)) <= WILDCARD_RESOURCE_ACTIONS, st
    assert _statements_with(scanner_statements, "rekognition:DetectLabels")


def test_scanner_reads_only_uploads_and_writes_only_thumbnails(
    scanner_statements: list[dict[str, Any]],
) -> None:
    s3_statements = [s for s in scanner_statements if any(a.startswith("s3:") for a in _actions(s))]
    assert s3_statements
    for st in s3_statements:
        if set(_actions(st)) == {"s3:PutObject"}:
            assert all(flatten(res).endswith("/thumbnails/*") for res in _resources(st)), st
            continue
        assert set(_actions(st)) <= {"s3:GetObject", "s3:GetObjectVersion"}, st
        for res in _resources(st):
            assert flatten(res).endswith("/uploads/*"), res


def test_scanner_reads_only_user_emails_of_its_pool(
    scanner: Resource, scanner_statements: list[dict[str, Any]]
) -> None:
    idp = [s for s in scanner_statements if any(a.startswith("cognito-idp:") for a in _actions(s))]
    assert len(idp) == 1 and _actions(idp[0]) == ["cognito-idp:AdminGetUser"]
    # one resource: the auth stack's user pool ARN (a nested-stack output reference)
    assert len(_resources(idp[0])) == 1 and flatten(_resources(idp[0])[0]).endswith("UserPool73775197Arn}")


def test_scanner_may_call_only_getScan_and_updateScan(scanner_statements: list[dict[str, Any]]) -> None:
    appsync = [s for s in scanner_statements if any(a.startswith("appsync:") for a in _actions(s))]
    fields = set()
    for st in appsync:
        assert _actions(st) == ["appsync:GraphQL"]
        for res in _resources(st):
            m = re.search(r":apis/\$\{[^}]+\}/(types/\w+/fields/\w+)$", flatten(res))
            assert m, res
            fields.add(m.group(1))
    assert fields == {"types/Query/fields/getScan", "types/Mutation/fields/updateScan"}


def test_scanner_reads_only_its_two_parameters(
    templates: Templates, scanner: Resource, scanner_statements: list[dict[str, Any]]
) -> None:
    env = scanner.properties["Environment"]["Variables"]
    expected = {env["PARAM_TARGET_LABEL"]["Ref"], env["PARAM_MIN_CONFIDENCE"]["Ref"]}
    ssm = [s for s in scanner_statements if any(a.startswith("ssm:") for a in _actions(s))]
    assert ssm
    refs = set()
    for st in ssm:
        assert set(_actions(st)) <= {"ssm:GetParameter", "ssm:GetParameters"}
        for res in _resources(st):
            refs.update(re.findall(r"\$\{(\w+)\}", flatten(res).split(":parameter", 1)[1]))
    assert refs == expected


def test_scanner_uses_only_the_idempotency_table(
    scanner: Resource, scanner_statements: list[dict[str, Any]]
) -> None:
    table_id = scanner.properties["Environment"]["Variables"]["IDEMPOTENCY_TABLE"]["Ref"]
    ddb = [s for s in scanner_statements if any(a.startswith("dynamodb:") for a in _actions(s))]
    assert ddb
    for st in ddb:
        assert set(_actions(st)) <= {
            "dynamodb:GetItem",
            "dynamodb:PutItem",
            "dynamodb:UpdateItem",
            "dynamodb:DeleteItem",
        }, st
        for res in _resources(st):
            assert res == {"Fn::GetAtt": [table_id, "Arn"]} or res == {"Ref": "AWS::NoValue"}, res


def test_every_scanner_statement_is_accounted_for(scanner_statements: list[dict[str, Any]]) -> None:
    allowed_prefixes = (
        "rekognition:",
        "s3:",
        "appsync:",
        "ssm:",
        "dynamodb:",
        "sqs:",
        "logs:",
        "cognito-idp:",
    )
    for st in scanner_statements:
        for action in _actions(st):
            assert action.startswith(allowed_prefixes), f"unexpected action {action}"
        if any(a.startswith(("sqs:", "logs:")) for a in _actions(st)):
            # the failure queue and the log group, by reference
            assert all("Fn::GetAtt" in r for r in _resources(st)), st


# --- API and auth --------------------------------------------------------------------------------


def test_appsync_user_pool_default_and_iam_additional(templates: Templates) -> None:
    apis = templates.of_type("AWS::AppSync::GraphQLApi")
    assert len(apis) == 1
    api = apis[0].properties
    assert api["AuthenticationType"] == "AMAZON_COGNITO_USER_POOLS"
    extra = [p["AuthenticationType"] for p in api.get("AdditionalAuthenticationProviders", [])]
    assert extra == ["AWS_IAM"]
    assert not templates.of_type("AWS::AppSync::ApiKey")


def test_cognito_email_login_and_admin_group(templates: Templates) -> None:
    groups = [g.properties["GroupName"] for g in templates.of_type("AWS::Cognito::UserPoolGroup")]
    assert groups == ["Admin"]
    pools = templates.of_type("AWS::Cognito::UserPool")
    assert len(pools) == 1
    assert pools[0].properties["UsernameAttributes"] == ["email"]
    # The local cloud's seed and gate model this (catscan/local/usernames.py): Demo@x signs in as demo@x.
    assert pools[0].properties["UsernameConfiguration"] == {"CaseSensitive": False}


def test_amplify_generated_operations(templates: Templates) -> None:
    fields = {
        (r.properties["TypeName"], r.properties["FieldName"])
        for r in templates.of_type("AWS::AppSync::Resolver")
    }
    for op in ("getScan", "listScans"):
        assert ("Query", op) in fields
    for op in ("createScan", "updateScan", "deleteScan"):
        assert ("Mutation", op) in fields
    for op in ("onCreateScan", "onUpdateScan", "onDeleteScan"):
        assert ("Subscription", op) in fields


def test_debug_field_is_admin_only(templates: Templates) -> None:
    vtl = pipeline_vtl(templates, "Scan", "debug")
    request = "\n".join(req for req, _ in vtl)
    response = "\n".join(res for _, res in vtl)
    # User pool callers need the Admin group claim; anything else is unauthorized.
    assert '{"claim":"cognito:groups","entity":"Admin"}' in request
    assert "$util.unauthorized()" in request
    assert "allow: owner" not in request and '"claim":"sub"' not in request  # owners are not let in
    # IAM: only non-identity-pool principals (the scanner's role), never signed-in identity-pool users.
    assert "$util.isNull($ctx.identity.cognitoIdentityPoolId)" in request
    # Field-level auth: null in every mutation response (hence in every subscription payload).
    assert '#if( $operation == "Mutation" )' in response and "$util.toJson(null)" in response


VERDICT_FIELDS = ("status", "isCat", "confidence", "catBoxes", "reason", "debug")


def test_owners_create_scans_without_any_verdict_field(templates: Templates) -> None:
    vtl = pipeline_vtl(templates, "Mutation", "createScan")
    auth = "\n".join(req for req, _ in vtl if "Authorization Steps" in req)
    assert auth, "no authorization step in createScan"
    allowed = json.loads(re.search(r"#set\( \$ownerAllowedFields0 = (\[[^\]]*\]) \)", auth).group(1))
    # Not even the timestamps: a forged updatedAt would hide a scan from the sweeper's index query.
    assert set(allowed) == {"id", "owner", "imageKey", "fileName", "contentType", "sizeBytes"}
    assert not set(allowed) & set(VERDICT_FIELDS)
    assert "#set( $isAuthorizedOnAllFields0 = false )" in auth  # so the field list is enforced
    assert '$util.error("Unauthorized on ${deniedFields}", "Unauthorized")' in auth
    # No Admin (or other static group) create rule that would admit every field.
    assert "staticGroupRoles" not in auth


def test_status_default_is_stored_after_auth_not_put_into_the_input(templates: Templates) -> None:
    """The generated @default snippet puts `status` into the input before auth, which would refuse every
    owner's create (amplify-category-api#1988); amplify/data/defaults-after-auth.ts replaces it."""
    requests = [req for req, _ in pipeline_vtl(templates, "Mutation", "createScan")]
    auth_index = next(i for i, r in enumerate(requests) if "Authorization Steps" in r)
    before_auth = "\n".join(requests[:auth_index])
    assert '$ctx.args.input.put("status"' not in before_auth and "$context.args.input.put" not in before_auth
    assert '$util.qr($ctx.stash.defaultValues.put("status", "PENDING"))' in before_auth
    data = next(r for r in requests if "Create Request template" in r)
    # The data step merges the stored defaults under the input.
    assert "$mergedValues = $util.defaultIfNull($ctx.stash.defaultValues, {})" in data
    assert "$mergedValues.putAll($util.defaultIfNull($args.input, {}))" in data


def test_verdict_fields_reach_subscribers(templates: Templates) -> None:
    """Only `debug` has a field resolver (nulled in mutation responses); the verdict fields keep the
    model's read roles, so AppSync delivers them in subscription payloads."""
    field_resolvers = {
        r.properties["FieldName"]
        for r in templates.of_type("AWS::AppSync::Resolver")
        if r.properties["TypeName"] == "Scan"
    }
    assert "debug" in field_resolvers
    assert not field_resolvers & {"status", "isCat", "confidence", "catBoxes", "reason"}


def test_only_iam_principals_pass_the_updateScan_auth_step(templates: Templates) -> None:
    """No rule grants `update`, so amplify/data/updates-need-an-update-rule.ts replaces the generated step
    (which admits a deleting owner with the id alone) by one that admits IAM principals granted the API only."""
    vtl = pipeline_vtl(templates, "Mutation", "updateScan")
    auth = [res for _, res in vtl if "Authorization Steps" in res]
    assert len(auth) == 1, "one authorization step in updateScan"
    assert "updates-need-an-update-rule.ts" in auth[0]
    assert "ownerAllowedFields" not in auth[0] and "claims" not in auth[0]
    iam = (
        '#if( $util.authType() == "IAM Authorization" && $util.isNull($ctx.identity.cognitoIdentityPoolId) '
        "&& $util.isNull($ctx.identity.cognitoIdentityId) )"
    )
    assert iam in auth[0]
    assert auth[0].index(iam) < auth[0].index("#else") < auth[0].index("$util.unauthorized()")
    # The generated step it replaces is gone from the template (no S3 location left beside the inline one).
    fns = [
        r.properties
        for r in templates.of_type("AWS::AppSync::FunctionConfiguration")
        if r.properties.get("Name") == "MutationupdateScanauth0Function"
    ]
    assert len(fns) == 1 and "ResponseMappingTemplateS3Location" not in fns[0]


# --- storage access of identity-pool users -------------------------------------------------------

OWN_UPLOADS = "${catscanUploadsBucket.Arn}/uploads/${cognito-identity.amazonaws.com:sub}/*"
OWN_THUMBNAILS = "${catscanUploadsBucket.Arn}/thumbnails/${cognito-identity.amazonaws.com:sub}/*"
OWN_PREFIXES = [
    "uploads/${cognito-identity.amazonaws.com:sub}/*",
    "uploads/${cognito-identity.amazonaws.com:sub}/",
    "thumbnails/${cognito-identity.amazonaws.com:sub}/*",
    "thumbnails/${cognito-identity.amazonaws.com:sub}/",
]


def _role_behind(templates: Templates, parameter: str) -> Resource | None:
    """The IAM role a nested stack's parameter carries: the parent passes `Fn::GetAtt [authStack,
    Outputs.X]`, and output X of the auth stack is `Ref` of the role."""
    for stack in templates.of_type("AWS::CloudFormation::Stack"):
        value = stack.properties.get("Parameters", {}).get(parameter)
        if not isinstance(value, dict) or "Fn::GetAtt" not in value:
            continue
        output = value["Fn::GetAtt"][1].removeprefix("Outputs.")
        for name, tpl in templates.by_name.items():
            role_ref = tpl.get("Outputs", {}).get(output, {}).get("Value", {})
            if "Ref" in role_ref:
                return templates.get(name, role_ref["Ref"])
    return None


def _storage_statements(templates: Templates, role_logical_id: str) -> list[dict[str, Any]]:
    """Statements of the policies the storage stack attaches to a role of the auth stack."""
    statements = []
    for policy in templates.of_type("AWS::IAM::Policy"):
        for ref in policy.properties.get("Roles", []):
            role = _role_behind(templates, ref["Ref"]) if isinstance(ref, dict) and "Ref" in ref else None
            if role is not None and role.logical_id == role_logical_id:
                statements += policy.properties["PolicyDocument"]["Statement"]
    assert statements, f"no policy attached to {role_logical_id}"
    return statements


def _bucket_name_free(value: Any) -> str:
    return re.sub(r"\$\{catscanUploadsBucket\w*\.Arn\}", "${catscanUploadsBucket.Arn}", flatten(value))


def _grants(statements: list[dict[str, Any]]) -> dict[str, list[Any]]:
    """action -> its resources (ListBucket: the s3:prefix patterns), bucket ARN normalised."""
    out: dict[str, list[Any]] = {}
    for st in statements:
        assert st["Effect"] == "Allow", st
        for action in _actions(st):
            if action == "s3:ListBucket":
                assert [_bucket_name_free(r) for r in _resources(st)] == ["${catscanUploadsBucket.Arn}"]
                out.setdefault(action, []).extend(st["Condition"]["StringLike"]["s3:prefix"])
            else:
                out.setdefault(action, []).extend(_bucket_name_free(r) for r in _resources(st))
    return out


def _admin_group_role(templates: Templates) -> Resource:
    groups = [
        g for g in templates.of_type("AWS::Cognito::UserPoolGroup") if g.properties["GroupName"] == "Admin"
    ]
    assert len(groups) == 1
    role_id = groups[0].properties["RoleArn"]["Fn::GetAtt"][0]
    return templates.get(groups[0].template, role_id)


def test_admins_get_the_admin_group_role_from_the_identity_pool(templates: Templates) -> None:
    """Token-based role mapping: an Admin's ID token carries the group's role (cognito:preferred_role), so
    the identity pool hands out the Admin group role instead of the authenticated role."""
    role = _admin_group_role(templates)
    trust = role.properties["AssumeRolePolicyDocument"]["Statement"][0]
    assert trust["Principal"] == {"Federated": "cognito-identity.amazonaws.com"}
    assert (
        trust["Condition"]["ForAnyValue:StringLike"]["cognito-identity.amazonaws.com:amr"] == "authenticated"
    )
    attachments = templates.of_type("AWS::Cognito::IdentityPoolRoleAttachment")
    assert len(attachments) == 1
    mappings = list(attachments[0].properties["RoleMappings"].values())
    assert [(m["Type"], m["AmbiguousRoleResolution"]) for m in mappings] == [("Token", "AuthenticatedRole")]


def test_admin_group_role_reads_every_upload_and_writes_only_its_own(templates: Templates) -> None:
    grants = _grants(_storage_statements(templates, _admin_group_role(templates).logical_id))
    assert grants == {
        "s3:GetObject": ["${catscanUploadsBucket.Arn}/uploads/*", "${catscanUploadsBucket.Arn}/thumbnails/*"],
        "s3:ListBucket": ["uploads/*", "uploads/", "thumbnails/*", "thumbnails/"],
        # Cognito gives an Admin this role instead of the authenticated one: own uploads stay writable.
        "s3:PutObject": [OWN_UPLOADS],
        "s3:DeleteObject": [OWN_UPLOADS, OWN_THUMBNAILS],
    }


def test_authenticated_role_reaches_only_its_own_uploads(templates: Templates) -> None:
    roles = [
        r
        for r in templates.of_type("AWS::IAM::Role")
        if "authenticatedUserRole" in r.logical_id and "unauthenticated" not in r.logical_id
    ]
    assert len(roles) == 1
    grants = _grants(_storage_statements(templates, roles[0].logical_id))
    # thumbnails: read and delete (with the scan), never written by a user (the scanner writes them)
    assert grants == {
        "s3:GetObject": [OWN_UPLOADS, OWN_THUMBNAILS],
        "s3:ListBucket": OWN_PREFIXES,
        "s3:PutObject": [OWN_UPLOADS],
        "s3:DeleteObject": [OWN_UPLOADS, OWN_THUMBNAILS],
    }


def test_the_local_user_pool_has_the_deployed_password_policy(templates: Templates) -> None:
    """The local cloud refuses the passwords the deployed pool refuses (catscan/local/seed.py)."""
    from catscan.local.seed import PASSWORD_POLICY

    pools = templates.of_type("AWS::Cognito::UserPool")
    assert len(pools) == 1
    deployed = pools[0].properties["Policies"]["PasswordPolicy"]
    assert {k: deployed[k] for k in PASSWORD_POLICY} == PASSWORD_POLICY
