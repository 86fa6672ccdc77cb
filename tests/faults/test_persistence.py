"""Stop and start the local cloud: users, images and scans are still there; --fresh starts empty."""

from __future__ import annotations

import pytest

from catscan.client.api import ScanApi
from catscan.client.outputs import load_outputs
from catscan.client.session import AuthError, UserSession
from catscan.local.cloud import LocalCloud, Ports
from catscan.local.seed import add_user, client
from tests.support.images import photo
from tests.support.scanning import run, scan_file

EMAIL, PASSWORD = "keeper@catscan.local", "Keeper-pass-1"


def list_scans(session):
    async def go():
        async with ScanApi(session) as api:
            return await api.list_scans()

    return run(go())


def test_state_survives_a_restart_and_fresh_forgets_it(tmp_path):
    cloud = LocalCloud(
        ports=Ports.free(), state_dir=tmp_path, outputs_path=tmp_path / "amplify_outputs.json", with_ui=False
    )
    cloud.start(timeout=90)
    try:
        add_user(cloud.moto_url, cloud.seeded.user_pool_id, EMAIL, PASSWORD)
        client("ssm", cloud.moto_url).put_parameter(
            Name=cloud.seeded.param_min_confidence, Value="35", Type="String", Overwrite=True
        )
        user = UserSession.sign_in(load_outputs(cloud.outputs_path), EMAIL, PASSWORD)
        final, _, _ = run(scan_file(user, photo("chelsea.png")))
        identity_before, _ = user.identity()
    finally:
        cloud.stop()

    cloud.ports = Ports.free()  # other ports on purpose: the state does not depend on them
    cloud.start(timeout=90)
    try:
        outputs = load_outputs(cloud.outputs_path)
        user = UserSession.sign_in(outputs, EMAIL, PASSWORD)  # the user and the password are kept
        kept = [s for s in list_scans(user) if s["id"] == final["id"]]
        assert kept and kept[0]["status"] == "DONE" and kept[0]["isCat"] is True
        identity_after, _ = user.identity()
        assert identity_after == identity_before  # so the user still reaches their own images
        image = user.s3().get_object(Bucket=outputs.bucket, Key=kept[0]["imageKey"])["Body"].read()
        assert image == photo("chelsea.png").read_bytes()
        assert (
            client("ssm", cloud.moto_url).get_parameter(Name=cloud.seeded.param_min_confidence)["Parameter"][
                "Value"
            ]
            == "35"
        )  # an operator's change
        again, _, _ = run(scan_file(user, photo("coffee.png")))  # and the pipeline works after the restart
        assert again["status"] == "DONE"
    finally:
        cloud.stop()

    cloud.wipe_state()  # what `catscan dev --fresh` does
    cloud.start(timeout=90)
    try:
        with pytest.raises(AuthError):
            UserSession.sign_in(load_outputs(cloud.outputs_path), EMAIL, PASSWORD)
    finally:
        cloud.stop()
