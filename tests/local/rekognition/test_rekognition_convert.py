"""convert.py: the torch-free .pth reader and the hand-written ONNX graph.

The ONNX model is checked against an independent numpy forward pass written from the layer
list of ``efficientnet_lite_pytorch`` (unfolded batch norms, TF 'SAME' padding with np.pad).
"""

from __future__ import annotations

import numpy as np
import pytest

from catscan.local.rekognition import convert


@pytest.fixture(scope="module")
def state() -> dict[str, np.ndarray]:
    return convert.load_legacy_state_dict(convert.default_weights_path())


def test_state_dict_contents(state) -> None:
    assert state["_conv_stem.weight"].shape == (32, 3, 3, 3)
    assert state["_conv_stem.weight"].dtype == np.float32
    assert state["_fc.weight"].shape == (1000, 1280)
    assert state["_conv_head.weight"].shape == (1280, 320, 1, 1)
    assert state["_bn0.num_batches_tracked"].dtype == np.int64
    blocks = {int(k.split(".")[1]) for k in state if k.startswith("_blocks.")}
    assert blocks == set(range(16))
    assert not any("_se_" in k for k in state)  # Lite: no squeeze-excite
    assert all(np.isfinite(v).all() for v in state.values())


def test_refuses_unknown_globals(tmp_path) -> None:
    import os
    import pickle

    class Evil:
        def __reduce__(self):
            return (os.system, ("echo pwned",))

    path = tmp_path / "evil.pth"
    with open(path, "wb") as f:
        for obj in (convert.LEGACY_MAGIC, convert.LEGACY_PROTOCOL, {"little_endian": True}):
            pickle.dump(obj, f, protocol=2)
        pickle.dump(Evil(), f, protocol=2)
    with pytest.raises(pickle.UnpicklingError, match="refusing"):
        convert.load_legacy_state_dict(path)


# -- numpy reference ---------------------------------------------------------------------------


def _pad_same(x: np.ndarray, k: int, s: int) -> tuple[np.ndarray, int, int]:
    _, h, w = x.shape
    oh, ow = -(-h // s), -(-w // s)
    ph, pw = max((oh - 1) * s + k - h, 0), max((ow - 1) * s + k - w, 0)
    return np.pad(x, ((0, 0), (ph // 2, ph - ph // 2), (pw // 2, pw - pw // 2))), oh, ow


def _conv(x: np.ndarray, w: np.ndarray, s: int, depthwise: bool = False) -> np.ndarray:
    k = w.shape[-1]
    xp, oh, ow = _pad_same(x, k, s)
    out = np.zeros((w.shape[0], oh, ow))
    for i in range(k):
        for j in range(k):
            patch = xp[:, i : i + s * (oh - 1) + 1 : s, j : j + s * (ow - 1) + 1 : s]
            if depthwise:
                out += w[:, 0, i, j][:, None, None] * patch
            else:
                out += np.einsum("oc,chw->ohw", w[:, :, i, j], patch)
    return out


def _bn(x: np.ndarray, state, p: str) -> np.ndarray:
    g, b = state[f"{p}.weight"], state[f"{p}.bias"]
    m, v = state[f"{p}.running_mean"], state[f"{p}.running_var"]
    return (x - m[:, None, None]) / np.sqrt(v[:, None, None] + 1e-3) * g[:, None, None] + b[:, None, None]


def _relu6(x: np.ndarray) -> np.ndarray:
    return np.clip(x, 0, 6)


def reference_logits(state, image_hwc: np.ndarray) -> np.ndarray:
    st = {k: v.astype(np.float64) for k, v in state.items()}
    x = ((image_hwc.astype(np.float64) - 127.0) / 128.0).transpose(2, 0, 1)
    x = _relu6(_bn(_conv(x, st["_conv_stem.weight"], 2), st, "_bn0"))
    idx = 0
    for repeats, _k, stride, expand, c_in, c_out in convert.BLOCKS:
        for r in range(repeats):
            p = f"_blocks.{idx}"
            inputs, s = x, (stride if r == 0 else 1)
            if expand != 1:
                x = _relu6(_bn(_conv(x, st[f"{p}._expand_conv.weight"], 1), st, f"{p}._bn0"))
            x = _relu6(_bn(_conv(x, st[f"{p}._depthwise_conv.weight"], s, depthwise=True), st, f"{p}._bn1"))
            x = _bn(_conv(x, st[f"{p}._project_conv.weight"], 1), st, f"{p}._bn2")
            if s == 1 and (c_in if r == 0 else c_out) == c_out:
                x = x + inputs
            idx += 1
    x = _relu6(_bn(_conv(x, st["_conv_head.weight"], 1), st, "_bn1"))
    return st["_fc.weight"] @ x.mean(axis=(1, 2)) + st["_fc.bias"]


def test_onnx_matches_numpy_reference(state, detector, photo) -> None:
    rng = np.random.default_rng(0)
    noise = rng.uniform(0, 255, size=(224, 224, 3)).astype(np.float32)
    chelsea = detector.preprocess(detector.load(photo("chelsea.png")))
    for image in (noise, chelsea):
        (logits,) = detector._session.run(["logits"], {detector.input_name: image[None]})
        expected = reference_logits(state, image)
        np.testing.assert_allclose(logits[0], expected, rtol=1e-3, atol=2e-3)
    assert int(np.argmax(expected)) in range(281, 286)


def test_convert_is_idempotent_and_detector_builds_on_first_use(tmp_path, monkeypatch, photo) -> None:
    from catscan.local.rekognition.model import Detector

    target = tmp_path / "models" / "lite0.onnx"
    monkeypatch.setenv("CATSCAN_MODEL_PATH", str(target))
    assert convert.default_model_path() == target
    detector = Detector()  # missing: built on first use
    assert target.is_file() and detector.model_path == target
    assert convert.convert()[1] is False  # up to date: nothing to do
    mtime = target.stat().st_mtime_ns
    assert convert.main([]) == 0
    assert target.stat().st_mtime_ns == mtime
    probs = detector.predict_bytes(photo("chelsea.png"))
    assert probs[281:286].sum() > 0.5


def test_feature_map_output_is_what_the_classifier_pools(state, detector, photo) -> None:
    """logits = fc.w . mean(feature_map) + fc.b: so fc.w[c] . feature_map is class c's activation map."""
    chelsea = detector.preprocess(detector.load(photo("chelsea.png")))
    logits, feature_map = detector._session.run(
        ["logits", "feature_map"], {detector.input_name: chelsea[None]}
    )
    assert feature_map.shape == (1, 1280, 7, 7)
    pooled = feature_map[0].mean(axis=(1, 2))
    np.testing.assert_allclose(
        logits[0], state["_fc.weight"] @ pooled + state["_fc.bias"], rtol=1e-3, atol=2e-3
    )
