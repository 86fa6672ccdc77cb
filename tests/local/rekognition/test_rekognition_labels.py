"""labels.py: probabilities -> DetectLabels response (pure)."""

from __future__ import annotations

import pytest

from catscan.local.rekognition.labels import (
    CAT_LABEL,
    DEFAULT_MAX_LABELS,
    DOMESTIC_CAT_CLASSES,
    LABEL_MODEL_VERSION,
    WILD_CAT_CLASSES,
    cat_confidence,
    detect_labels_response,
    display_name,
    display_names,
)
from catscan.local.rekognition.model import imagenet_class_names, label_names

NAMES = list(label_names())


def vector(**by_index: float) -> list[float]:
    probs = [0.0] * 1000
    rest = 1.0 - sum(by_index.values())
    for key, value in by_index.items():
        probs[int(key.lstrip("c"))] = value
    probs[999] += rest  # toilet tissue takes the remainder
    return probs


def labels_by_name(response: dict) -> dict[str, dict]:
    return {label["Name"]: label for label in response["Labels"]}


def test_imagenet_names_are_readable_and_unique() -> None:
    assert len(NAMES) == 1000 and len(set(NAMES)) == 1000
    assert NAMES[281] == "Tabby"
    assert NAMES[282] == "Tiger Cat"
    assert NAMES[283] == "Persian Cat"
    assert NAMES[284] == "Siamese Cat"
    assert NAMES[285] == "Egyptian Cat"
    assert NAMES[291] == "Lion" and NAMES[292] == "Tiger" and NAMES[286] == "Cougar"
    assert CAT_LABEL not in NAMES


def test_domestic_and_wild_cat_classes_match_imagenet() -> None:
    raw = imagenet_class_names()
    assert all("cat" in raw[i].lower() or "tabby" in raw[i] for i in DOMESTIC_CAT_CLASSES)
    assert [raw[i].split(",")[0] for i in WILD_CAT_CLASSES] == [
        "cougar",
        "lynx",
        "leopard",
        "snow leopard",
        "jaguar",
        "lion",
        "tiger",
        "cheetah",
    ]


def test_display_name() -> None:
    assert display_name("tabby, tabby cat") == "Tabby"
    assert display_name("CD player") == "CD Player"
    assert display_name("jack-o'-lantern") == "Jack-o'-lantern"
    assert display_names(["a", "a"]) == ["A", "A (1)"]


def test_cat_is_the_sum_of_domestic_cat_classes() -> None:
    response = detect_labels_response(vector(c281=0.3, c282=0.2, c285=0.1), NAMES, min_confidence=5)
    labels = labels_by_name(response)
    assert labels[CAT_LABEL]["Confidence"] == pytest.approx(60.0)
    assert [p["Name"] for p in labels[CAT_LABEL]["Parents"]] == ["Pet", "Mammal", "Animal"]
    assert labels[CAT_LABEL]["Categories"] == [{"Name": "Animals and Pets"}]
    assert labels["Tabby"]["Confidence"] == pytest.approx(30.0)
    assert {"Name": CAT_LABEL} in labels["Tabby"]["Parents"]
    # sorted by confidence; the ancestors (sums over more classes) tie here, the most specific first
    assert [label["Name"] for label in response["Labels"]][:5] == [
        CAT_LABEL,
        "Pet",
        "Mammal",
        "Animal",
        "Toilet Tissue",
    ]
    assert response["LabelModelVersion"] == LABEL_MODEL_VERSION


@pytest.mark.parametrize("index", WILD_CAT_CLASSES)
def test_big_cats_never_count_as_cat(index: int) -> None:
    probs = vector(**{f"c{index}": 0.97, "c281": 0.01})
    response = detect_labels_response(probs, NAMES, min_confidence=0, max_labels=10)
    labels = labels_by_name(response)
    big = labels[NAMES[index]]
    assert big["Confidence"] == pytest.approx(97.0)
    assert [p["Name"] for p in big["Parents"]] == ["Wildlife", "Mammal", "Animal"]
    assert labels["Wildlife"]["Confidence"] == pytest.approx(97.0)
    assert labels[CAT_LABEL]["Confidence"] == pytest.approx(1.0)
    assert cat_confidence(probs) == pytest.approx(1.0)


def test_min_confidence_default_is_55() -> None:
    response = detect_labels_response(vector(c281=0.3, c282=0.2), NAMES)
    assert [label["Name"] for label in response["Labels"]] == []  # Cat 50 < 55, toilet tissue 50
    response = detect_labels_response(vector(c281=0.3, c282=0.26), NAMES)
    assert [label["Name"] for label in response["Labels"]] == [CAT_LABEL, "Pet", "Mammal", "Animal"]


def test_max_labels_and_min_confidence() -> None:
    probs = vector(c281=0.4, c291=0.3, c1=0.2)
    names = [label["Name"] for label in detect_labels_response(probs, NAMES, min_confidence=0)["Labels"]]
    assert len(names) == DEFAULT_MAX_LABELS
    assert names[:9] == ["Animal", "Mammal", "Cat", "Pet", "Tabby", "Wildlife", "Lion", "Fish", "Goldfish"]
    names = [
        label["Name"]
        for label in detect_labels_response(probs, NAMES, min_confidence=0, max_labels=2)["Labels"]
    ]
    assert names == ["Animal", "Mammal"]
    names = [label["Name"] for label in detect_labels_response(probs, NAMES, min_confidence=25)["Labels"]]
    assert names == ["Animal", "Mammal", "Cat", "Pet", "Tabby", "Wildlife", "Lion"]
    assert detect_labels_response(probs, NAMES, max_labels=0, min_confidence=0)["Labels"] == []


def test_label_shape() -> None:
    response = detect_labels_response(vector(c1=0.9), NAMES, max_labels=3)
    assert [label["Name"] for label in response["Labels"]] == [
        "Fish",
        "Animal",
        "Goldfish",
    ]  # ties: the group first
    label = response["Labels"][2]
    assert set(label) == {"Name", "Confidence", "Instances", "Parents", "Aliases", "Categories"}
    assert label["Name"] == "Goldfish"
    assert label["Instances"] == [] and label["Aliases"] == []
    assert label["Parents"] == [{"Name": "Fish"}, {"Name": "Animal"}]
    assert isinstance(label["Confidence"], float) and 0 <= label["Confidence"] <= 100


@pytest.mark.parametrize(
    ("max_labels", "min_confidence"),
    [(-1, None), ("3", None), (True, None), (None, -0.1), (None, 100.5), (None, "50"), (None, float("nan"))],
)
def test_bad_parameters(max_labels, min_confidence) -> None:
    with pytest.raises(ValueError):
        detect_labels_response(vector(), NAMES, max_labels=max_labels, min_confidence=min_confidence)


def test_length_mismatch() -> None:
    with pytest.raises(ValueError):
        detect_labels_response([1.0], NAMES)


def test_every_ancestor_is_a_label_with_the_sum_of_its_classes() -> None:
    """Rekognition returns each ancestor of a label as a label of its own."""
    probs = vector(
        c207=0.2, c208=0.15, c282=0.1, c657=0.2, c744=0.15
    )  # golden retriever, Labrador, tiger cat, missile, projectile
    labels = labels_by_name(detect_labels_response(probs, NAMES, min_confidence=1))
    assert labels["Dog"]["Confidence"] == pytest.approx(35.0)
    assert labels["Pet"]["Confidence"] == pytest.approx(45.0)
    assert labels["Mammal"]["Confidence"] == pytest.approx(45.0)
    assert labels["Animal"]["Confidence"] == pytest.approx(45.0)
    assert labels["Rocket"]["Confidence"] == pytest.approx(35.0)
    assert [p["Name"] for p in labels["Golden Retriever"]["Parents"]] == ["Dog", "Pet", "Mammal", "Animal"]
    for label in labels.values():
        for parent in label["Parents"]:
            assert parent["Name"] in labels and labels[parent["Name"]]["Confidence"] >= label["Confidence"]


@pytest.mark.parametrize("min_confidence", [0, 0.5, 10, 40.000001, 55, 99.9999995, 100])
def test_a_min_confidence_keeps_exactly_the_labels_at_or_above_it(min_confidence) -> None:
    """Only classes that can reach MinConfidence are rounded: the labels kept are those of a call without
    a threshold, cut at the threshold (edges just below it, NaN and out-of-range values included)."""
    import random

    rng = random.Random(7)
    probs = [rng.random() / 500 for _ in range(1000)]
    edges = [
        min_confidence / 100 - 1e-9,
        min_confidence / 100 - 6e-9,
        min_confidence / 100 + 1e-9,
        float("nan"),
        float("inf"),
        -0.25,
        1.5,
        0.40000001,
    ]
    for i, p in enumerate(edges):
        probs[100 + 37 * i] = p
    limit = 2000
    everything = detect_labels_response(probs, NAMES, max_labels=limit, min_confidence=0)["Labels"]
    kept = detect_labels_response(probs, NAMES, max_labels=limit, min_confidence=min_confidence)["Labels"]
    assert kept == [label for label in everything if label["Confidence"] >= min_confidence]
    assert len(everything) > 1000  # not vacuous: every class and group at MinConfidence 0
