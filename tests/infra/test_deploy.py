"""What a deploy gets from the synth alone (scripts/synth.sh runs it exactly as `ampx` does, with no
bundle built beforehand): the scanner's code asset equal to the hashed lock, alarms that notify,
the dashboard, and cdk-nag's acknowledgments each with a reason."""

from __future__ import annotations

import json
import re
from pathlib import Path

from tests.support.templates import Resource, Templates

REPO = Path(__file__).resolve().parents[2]
LAMBDA_LOCK = REPO / "functions" / "scan_image" / "requirements.lock"


def _locked() -> dict[str, str]:
    """name -> version of every package pinned in the Lambda's lock (each with its hashes)."""
    text = LAMBDA_LOCK.read_text()
    pins = dict(re.findall(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==(\S+) \\$", text, flags=re.M))
    assert pins, "no pins in the Lambda lock"
    # Each pin is followed by its hashes (pip installs it with --require-hashes).
    for name in pins:
        assert re.search(rf"^{re.escape(name)}==\S+ \\\n\s+--hash=sha256:[0-9a-f]{{64}}", text, re.M), name
    return {_norm(n): v for n, v in pins.items()}


def _norm(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _bundled(asset: Path) -> dict[str, str]:
    out = {}
    for meta in asset.glob("*.dist-info/METADATA"):
        fields = dict(re.findall(r"^(Name|Version): (.+)$", meta.read_text(errors="replace"), flags=re.M))
        out[_norm(fields["Name"])] = fields["Version"]
    return out


def test_scanner_asset_holds_handler_sources_and_exactly_the_locked_packages(
    templates: Templates, scanner: Resource
) -> None:
    asset = templates.asset_dir(scanner.properties["Code"])
    sources = list((REPO / "functions" / "scan_image").glob("*.py"))
    assert (
        sources and (asset / "scan_image" / "__init__.py").is_file()
    )  # the package, as the handler names it
    for source in sources:
        assert (asset / "scan_image" / source.name).read_bytes() == source.read_bytes(), source.name
    module = scanner.properties["Handler"].rsplit(".", 1)[0]
    assert (asset / f"{module.replace('.', '/')}.py").is_file(), module
    assert _bundled(asset) == _locked()


def test_scanner_asset_wheels_are_for_the_lambda_runtime(templates: Templates, scanner: Resource) -> None:
    asset = templates.asset_dir(scanner.properties["Code"])
    wheels = list(asset.glob("*.dist-info/WHEEL"))
    assert wheels
    for wheel in wheels:
        # A wheel lists one Tag line per tag it supports (py2 and py3, several manylinux names).
        tags = [t.split("-") for t in re.findall(r"^Tag: (\S+)$", wheel.read_text(), flags=re.M)]
        assert any(
            (platform == "any" or re.fullmatch(r"manylinux(2014|_2_(1[7-9]|2[0-8]))_x86_64", platform))
            and (py in ("py3", "cp312") or (abi == "abi3" and py.startswith("cp3")))
            for py, abi, platform in tags
        ), (wheel.parent.name, tags)
    # Binary extensions are CPython 3.12 x86_64 Linux builds (or the stable ABI).
    for ext in asset.rglob("*.so"):
        assert re.search(r"\.(cpython-312-x86_64-linux-gnu|abi3)\.so$", ext.name), ext


def test_scanner_asset_has_precompiled_bytecode_for_312(templates: Templates, scanner: Resource) -> None:
    asset = templates.asset_dir(scanner.properties["Code"])
    pyc = asset / "scan_image" / "__pycache__" / "handler.cpython-312.pyc"
    assert pyc.is_file(), (
        "bundle without bytecode: no CPython 3.12 found at synth (see scripts/bundle_lambda.sh)"
    )
    flags = int.from_bytes(pyc.read_bytes()[4:8], "little")
    assert flags == 0b01, "hash-based, unchecked .pyc (the asset zip has fixed file dates)"


# --- monitoring ----------------------------------------------------------------------------------


def _topics(templates: Templates) -> list[Resource]:
    return templates.of_type("AWS::SNS::Topic")


def test_every_alarm_notifies_the_alarm_topic(templates: Templates) -> None:
    topics = _topics(templates)
    assert len(topics) == 1
    topic = topics[0]
    alarms = templates.of_type("AWS::CloudWatch::Alarm")
    assert len(alarms) >= 3
    for alarm in alarms:
        assert alarm.template == topic.template
        assert alarm.properties["AlarmActions"] == [{"Ref": topic.logical_id}], alarm.logical_id
        assert alarm.properties["OKActions"] == [{"Ref": topic.logical_id}], alarm.logical_id
        assert alarm.properties["TreatMissingData"] == "notBreaching"


def test_alarms_watch_failures_errors_and_throttles(templates: Templates, scanner: Resource) -> None:
    watched = {
        (a.properties["Namespace"], a.properties["MetricName"]): a
        for a in templates.of_type("AWS::CloudWatch::Alarm")
    }
    assert ("AWS/SQS", "ApproximateNumberOfMessagesVisible") in watched
    errors = watched[("AWS/Lambda", "Errors")]
    fn = next(d for d in errors.properties["Dimensions"] if d["Name"] == "FunctionName")
    assert templates.resolve(errors.template, fn["Value"]) == (scanner.template, {"Ref": scanner.logical_id})
    throttles = watched[("AWS/Rekognition", "ThrottledCount")]
    assert throttles.properties["Dimensions"] == [{"Name": "Operation", "Value": "DetectLabels"}]
    # The sweeper's metric, by the namespace and service name the sweeper is deployed with.
    sweeper = next(
        f
        for f in templates.of_type("AWS::Lambda::Function")
        if f.properties.get("Handler") == "scan_image.sweeper.lambda_handler"
    )
    env = sweeper.properties["Environment"]["Variables"]
    swept = watched[(env["POWERTOOLS_METRICS_NAMESPACE"], "SweeperFailedScans")]
    assert swept.properties["Dimensions"] == [{"Name": "service", "Value": env["POWERTOOLS_SERVICE_NAME"]}]
    assert swept.properties["Statistic"] == "Sum" and swept.properties["Threshold"] == 1


def test_no_email_subscription_unless_configured(templates: Templates) -> None:
    # scripts/synth.sh runs without CATSCAN_ALARM_EMAIL: the topic exists, nobody is subscribed.
    assert not templates.of_type("AWS::SNS::Subscription")


def test_dashboard_shows_status_latency_and_rekognition_calls(templates: Templates) -> None:
    dashboards = templates.of_type("AWS::CloudWatch::Dashboard")
    assert len(dashboards) == 1
    sep, parts = dashboards[0].properties["DashboardBody"]["Fn::Join"]
    # References (alarm ARNs, function names) become a placeholder; the rest is the dashboard JSON.
    body = json.loads(sep.join(p if isinstance(p, str) else "REF" for p in parts))
    graphs = {
        w["properties"]["title"]: w["properties"]["metrics"]
        for w in body["widgets"]
        if "metrics" in w["properties"]
    }

    def series(title: str) -> list[tuple[str, str, str]]:
        """(namespace, metric, stat) of each line; CloudWatch's `"."` repeats the line above."""
        out, previous = [], []
        for line in graphs[title]:
            names = [
                previous[i] if v == "." and i < len(previous) else v
                for i, v in enumerate(x for x in line if not isinstance(x, dict))
            ]
            previous = names
            opts = next((x for x in line if isinstance(x, dict)), {})
            out.append((names[0], names[1], opts.get("stat", "")))
        return out

    # Every scanner metric with the dimension the scanner's Powertools writes.
    scanner_env = next(
        f
        for f in templates.of_type("AWS::Lambda::Function")
        if f.properties.get("Handler") == "scan_image.handler.lambda_handler"
    ).properties["Environment"]["Variables"]
    for line in (line for lines in graphs.values() for line in lines):
        names = [x for x in line if not isinstance(x, dict)]
        if names[0] == scanner_env["POWERTOOLS_METRICS_NAMESPACE"]:
            assert names[2:4] == ["service", scanner_env["POWERTOOLS_SERVICE_NAME"]], line
    status = series("Scans by status")
    assert {(ns, m) for ns, m, _ in status} >= {
        ("catscan", f"Scan{s}") for s in ("Done", "Rejected", "Failed")
    }
    latency = series("Upload to verdict (ms)")
    assert {(m, stat) for _, m, stat in latency} == {
        ("UploadToVerdictLatency", "p50"),
        ("UploadToVerdictLatency", "p95"),
    }
    calls = series("Rekognition DetectLabels calls")
    assert ("catscan", "DetectLatency", "SampleCount") in calls
    assert ("AWS/Rekognition", "SuccessfulRequestCount", "Sum") in calls


# --- cdk-nag -------------------------------------------------------------------------------------


def test_every_cdk_nag_acknowledgment_in_the_templates_has_a_reason(templates: Templates) -> None:
    acknowledged = [
        rule
        for res in templates.resources()
        for rule in res.raw.get("Metadata", {}).get("cdk_nag", {}).get("rules_to_suppress", [])
    ]
    assert acknowledged, "writeSuppressionsToCloudFormation should put the acknowledgments into Metadata"
    for rule in acknowledged:
        assert rule["id"].startswith("AwsSolutions-"), rule
        assert len(rule["reason"].split()) >= 5, rule


# --- Amplify Hosting -----------------------------------------------------------------------------


def test_amplify_yml_deploys_the_branch_backend_then_builds_the_frontend() -> None:
    import yaml

    spec = yaml.safe_load((REPO / "amplify.yml").read_text())
    backend = spec["backend"]["phases"]["build"]["commands"]
    assert any(c.startswith("npm ci") for c in backend)
    assert backend[-1] == "npx ampx pipeline-deploy --branch $AWS_BRANCH --app-id $AWS_APP_ID"
    assert not any("bundle_lambda" in c for c in backend), "the synth bundles the scanner itself"
    frontend = spec["frontend"]
    assert "npm run build" in frontend["phases"]["build"]["commands"]
    assert frontend["artifacts"]["baseDirectory"] == "frontend/dist"
    assert "outDir" not in (REPO / "frontend" / "vite.config.ts").read_text()  # Vite's default: dist
    assert "frontend/node_modules/**/*" in frontend["cache"]["paths"]
