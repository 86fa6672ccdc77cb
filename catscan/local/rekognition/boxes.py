"""Cat boxes from the classifier itself: class activation maps (pure numpy/scipy: no model, no I/O).

EfficientNet-Lite0 ends in global average pooling and one fully connected layer, so the score of class
c is the average over the 7x7 grid of ``fc.w[c] . f(x, y)``: that map (the class activation map, Zhou
et al. 2016, "Learning Deep Features for Discriminative Localization") shows where class c was seen.
For ``Cat`` the maps of the domestic cat classes are mixed by their probabilities, upsampled to the
model's input, thresholded at a fraction of their peak, and each connected region becomes a box.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy import ndimage

# Zhou et al. keep the regions above 20 % of the map's peak. Our map is 7x7 and a cat photo warms most
# of it, so regions are cut at 40 % of the map's range (min..max): on cats pasted into the shipped
# photos this gave the best overlap with where the cat really is (tests/local/rekognition/test_rekognition_boxes.py).
THRESHOLD = 0.4
# A second region is a second cat only if its own peak is this close to the strongest one (lower and
# one cat's two eyes become two cats).
SECOND_PEAK = 0.8
# Below this Cat confidence the map localises noise: no boxes (Rekognition has none for unsure labels).
MIN_CAT_CONFIDENCE = 20.0
MAX_INSTANCES = 5
_UPSAMPLE = 8  # 7x7 -> 56x56: finer than that only costs time (the map itself is 7x7)


@dataclass(frozen=True)
class Box:
    """Ratios of the whole image, as Rekognition's ``BoundingBox``; ``score`` is the region's peak / map peak."""

    left: float
    top: float
    width: float
    height: float
    score: float


def activation_map(
    feature_map: np.ndarray, class_weights: np.ndarray, class_probs: Sequence[float]
) -> np.ndarray:
    """[C, h, w] features, [K, C] classifier rows, K probabilities -> the probability-weighted map [h, w]."""
    probs = np.asarray(class_probs, dtype=np.float64)
    mix = probs / probs.sum() if probs.sum() > 0 else np.full_like(probs, 1.0 / len(probs))
    # mix the classifier rows first: one [C] vector against the map, not K maps
    weights = mix.astype(np.float32) @ class_weights.astype(np.float32)
    channels, height, width = feature_map.shape
    return (weights @ feature_map.reshape(channels, height * width)).reshape(height, width).astype(np.float64)


def regions(cam: np.ndarray, threshold: float = THRESHOLD, second_peak: float = SECOND_PEAK) -> list[Box]:
    """Boxes (ratios of the map) of the regions above ``threshold`` x the map's range, strongest first."""
    fine = ndimage.zoom(cam, _UPSAMPLE, order=1, mode="nearest", grid_mode=True)
    low, high = float(fine.min()), float(fine.max())
    if not np.isfinite(high) or high - low <= 1e-9:
        return []
    norm = (fine - low) / (high - low)
    labelled, count = ndimage.label(norm >= threshold)
    if not count:
        return []
    size_y, size_x = norm.shape
    found = []
    for index, box in enumerate(ndimage.find_objects(labelled)):
        if box is None:
            continue
        peak = float(norm[box][labelled[box] == index + 1].max())
        if peak < second_peak:
            continue
        ys, xs = box
        found.append(
            Box(
                xs.start / size_x,
                ys.start / size_y,
                (xs.stop - xs.start) / size_x,
                (ys.stop - ys.start) / size_y,
                peak,
            )
        )
    found.sort(key=lambda b: -b.score)
    return found[:MAX_INSTANCES]


def to_image(box: Box, crop: tuple[float, float, float, float], image_size: tuple[int, int]) -> Box:
    """A box of the model's square centre crop (left, top, right, bottom in pixels) -> ratios of the image.

    The model sees only that crop, so a box never reaches beyond it (a deviation from Rekognition,
    whose boxes may reach the image's edges).
    """
    width, height = image_size
    c_left, c_top, c_right, c_bottom = crop
    c_w, c_h = c_right - c_left, c_bottom - c_top
    return Box(
        (c_left + box.left * c_w) / width,
        (c_top + box.top * c_h) / height,
        box.width * c_w / width,
        box.height * c_h / height,
        box.score,
    )
