"""ImageNet probabilities -> a Rekognition ``DetectLabels`` response (pure: no I/O, no model).

Every ImageNet class is a label (readable name, Confidence = 100 * P). As in Rekognition, the ancestors
of a label are labels too: the groups below (``Cat``, ``Dog``, ``Pet``, ``Mammal``, ``Animal``, ...)
each have Confidence = 100 * sum P(member classes), the probability that the image shows one of them.

``Cat`` = 100 * sum P(domestic cat classes 281..285: tabby, tiger cat, Persian, Siamese, Egyptian cat).
The wild cats of ImageNet (cougar 286, lynx 287, leopard 288, snow leopard 289, jaguar 290, lion 291,
tiger 292, cheetah 293) are labels of their own under Wildlife and never add to ``Cat``.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

LABEL_MODEL_VERSION = "efficientnet-lite0-imagenet-1.0"
CAT_LABEL = "Cat"
DOMESTIC_CAT_CLASSES: tuple[int, ...] = (281, 282, 283, 284, 285)
WILD_CAT_CLASSES: tuple[int, ...] = (286, 287, 288, 289, 290, 291, 292, 293)
DOG_CLASSES = range(151, 269)
ANIMAL_CLASSES = range(398)  # ImageNet-1k: indices 0..397 are animals
MAMMAL_CLASSES = (
    *range(101, 107),
    *range(147, 300),
    *range(330, 389),
)  # tusker..wombat, whales, dogs..meerkat, hare..panda
BIRD_CLASSES = (*range(7, 25), *range(80, 101), *range(127, 147))
FISH_CLASSES = (*range(7), *range(389, 398))
ROCKET_CLASSES = (657, 744, 812)  # missile; projectile, missile; space shuttle


@dataclass(frozen=True)
class Group:
    """A label made of ImageNet classes: its confidence is the sum of theirs."""

    name: str
    members: frozenset[int]
    parents: tuple[str, ...]


# Most specific first: the order of Parents (nearest first, as Rekognition lists them) and of labels
# with equal confidence.
GROUPS: tuple[Group, ...] = (
    Group(CAT_LABEL, frozenset(DOMESTIC_CAT_CLASSES), ("Pet", "Mammal", "Animal")),
    Group("Dog", frozenset(DOG_CLASSES), ("Pet", "Mammal", "Animal")),
    Group("Wildlife", frozenset(WILD_CAT_CLASSES), ("Mammal", "Animal")),
    Group("Pet", frozenset((*DOMESTIC_CAT_CLASSES, *DOG_CLASSES)), ("Animal",)),
    Group("Bird", frozenset(BIRD_CLASSES), ("Animal",)),
    Group("Fish", frozenset(FISH_CLASSES), ("Animal",)),
    Group("Mammal", frozenset(MAMMAL_CLASSES), ("Animal",)),
    Group("Animal", frozenset(ANIMAL_CLASSES), ()),
    Group("Rocket", frozenset(ROCKET_CLASSES), ()),
)
_GROUP_ORDER = {group.name: rank for rank, group in enumerate(GROUPS)}

# Rekognition's defaults: MinConfidence 55; MaxLabels unbounded. We cap the default to the
# top DEFAULT_MAX_LABELS so that MinConfidence=0 does not return 1001 labels.
DEFAULT_MIN_CONFIDENCE = 55.0
DEFAULT_MAX_LABELS = 50
NUM_IMAGENET_CLASSES = 1000

ANIMALS_CATEGORY = "Animals and Pets"

# ImageNet first synonyms that collide (crane, cardigan, maillot): name them apart.
_NAME_OVERRIDES: Mapping[int, str] = {
    134: "Crane (Bird)",
    517: "Crane (Machine)",
    264: "Cardigan Welsh Corgi",
    474: "Cardigan",
    638: "Maillot",
    639: "Tank Suit",
}


def display_name(raw: str, index: int | None = None) -> str:
    """'tabby, tabby cat' -> 'Tabby'; 'CD player' -> 'CD Player' (first synonym, words capitalised)."""
    if index is not None and index in _NAME_OVERRIDES:
        return _NAME_OVERRIDES[index]
    first = raw.split(",")[0].strip()
    return " ".join(word[:1].upper() + word[1:] for word in first.split())


def display_names(raw_names: Sequence[str]) -> list[str]:
    names = [display_name(raw, i) for i, raw in enumerate(raw_names)]
    if len(set(names)) != len(names):  # keep names unique whatever the name list
        seen: dict[str, int] = {}
        for i, name in enumerate(names):
            if name in seen:
                names[i] = f"{name} ({i})"
            seen.setdefault(name, i)
    return names


def _parents_of(index: int) -> list[str]:
    """The groups a class belongs to (Rekognition: every ancestor), most specific first."""
    return [group.name for group in GROUPS if index in group.members]


def _categories_of(index: int) -> list[str]:
    return [ANIMALS_CATEGORY] if index in ANIMAL_CLASSES else []


def _label(
    name: str,
    confidence: float,
    parents: list[str],
    categories: list[str],
    instances: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    return {
        "Name": name,
        "Confidence": confidence,
        "Instances": instances or [],
        "Parents": [{"Name": p} for p in parents],
        "Aliases": [],
        "Categories": [{"Name": c} for c in categories],
    }


def _confidence(p: float) -> float:
    value = float(p) * 100.0
    if not math.isfinite(value):
        return 0.0
    return round(min(max(value, 0.0), 100.0), 6)


def validate_params(max_labels: Any, min_confidence: Any) -> tuple[int | None, float]:
    """Checks MaxLabels / MinConfidence as Rekognition does; raises ValueError with a message."""
    if max_labels is not None:
        if isinstance(max_labels, bool) or not isinstance(max_labels, int):
            raise ValueError("MaxLabels must be an integer")
        if max_labels < 0:
            raise ValueError("MaxLabels must be greater than or equal to 0")
    if min_confidence is None:
        min_confidence = DEFAULT_MIN_CONFIDENCE
    if isinstance(min_confidence, bool) or not isinstance(min_confidence, (int, float)):
        raise ValueError("MinConfidence must be a number")
    if not math.isfinite(min_confidence) or not 0 <= min_confidence <= 100:
        raise ValueError("MinConfidence must be between 0 and 100")
    return max_labels, float(min_confidence)


def detect_labels_response(
    probs: Sequence[float],
    class_names: Sequence[str],
    *,
    max_labels: int | None = None,
    min_confidence: float | None = None,
    model_version: str = LABEL_MODEL_VERSION,
    cat_boxes: Sequence[Any] = (),
) -> dict[str, Any]:
    """Builds ``{"Labels": [...], "LabelModelVersion": ...}`` from per-class probabilities.

    ``class_names`` are display names (see :func:`display_names`), one per probability. ``cat_boxes``
    (``left, top, width, height`` ratios and a ``score`` 0..1 relative to the strongest) become the
    ``Instances`` of ``Cat``, each with Confidence = Cat's confidence x score, kept above MinConfidence.
    """
    if len(probs) != len(class_names):
        raise ValueError(f"{len(probs)} probabilities for {len(class_names)} class names")
    max_labels, min_conf = validate_params(max_labels, min_confidence)
    limit = DEFAULT_MAX_LABELS if max_labels is None else max_labels

    values = [float(p) for p in probs]
    # Only classes that can reach MinConfidence are rounded (1000 of them a call otherwise): below
    # min_conf - 1e-6 no rounding to 6 decimals reaches it; NaN and infinities go through _confidence.
    floor = min_conf - 1e-6 if min_conf > 0 else -math.inf
    # (confidence, name, class index or None for a group, tie rank)
    candidates: list[tuple[float, str, int | None, int]] = [
        (_confidence(p), class_names[i], i, len(GROUPS))
        for i, p in enumerate(values)
        if not p * 100.0 < floor
    ]
    if len(values) == NUM_IMAGENET_CLASSES:
        candidates += [
            (_confidence(sum(values[i] for i in group.members)), group.name, None, _GROUP_ORDER[group.name])
            for group in GROUPS
        ]

    kept = [c for c in candidates if c[0] >= min_conf]
    # by confidence; on ties the more specific group first, then classes by name
    kept.sort(key=lambda c: (-c[0], c[3], c[1]))
    groups = {group.name: group for group in GROUPS}
    labels = []
    for confidence, name, index, _ in kept[:limit]:
        if index is None:
            group = groups[name]
            instances = _instances(cat_boxes, confidence, min_conf) if name == CAT_LABEL else []
            categories = [ANIMALS_CATEGORY] if group.members <= set(ANIMAL_CLASSES) else []
            labels.append(_label(name, confidence, list(group.parents), categories, instances))
        else:
            labels.append(_label(name, confidence, _parents_of(index), _categories_of(index)))
    return {"Labels": labels, "LabelModelVersion": model_version}


def _instances(cat_boxes: Sequence[Any], cat_conf: float, min_conf: float) -> list[dict[str, Any]]:
    out = []
    for box in cat_boxes:
        confidence = round(cat_conf * float(box.score), 6)
        if confidence < min_conf:
            continue
        out.append(
            {
                "BoundingBox": {
                    "Width": float(box.width),
                    "Height": float(box.height),
                    "Left": float(box.left),
                    "Top": float(box.top),
                },
                "Confidence": confidence,
            }
        )
    return out


def cat_confidence(probs: Sequence[float]) -> float:
    """100 * sum P(domestic cat classes): the Confidence of the synthetic ``Cat`` label."""
    return _confidence(sum(float(probs[i]) for i in DOMESTIC_CAT_CLASSES))
