"""Cat boxes from the model's class activation map, through boto3 against the local Rekognition."""

from __future__ import annotations

import io

import numpy as np
import pytest
from PIL import Image

from catscan.local.rekognition import boxes
from tests.support.images import photo

# Hand-checked on chelsea.png (451x300): the cat fills x 0..390 and the whole height; its face (both
# eyes and the nose) lies in x 135..345, y 85..270.
CHELSEA_CAT = (0, 0, 390, 300)
CHELSEA_FACE = (135, 85, 345, 270)


def pixels(box: dict, size: tuple[int, int]) -> tuple[float, float, float, float]:
    b = box["BoundingBox"]
    w, h = size
    return b["Left"] * w, b["Top"] * h, (b["Left"] + b["Width"]) * w, (b["Top"] + b["Height"]) * h


def area(r) -> float:
    return max(0.0, r[2] - r[0]) * max(0.0, r[3] - r[1])


def intersection(a, b) -> float:
    return area((max(a[0], b[0]), max(a[1], b[1]), min(a[2], b[2]), min(a[3], b[3])))


def iou(a, b) -> float:
    i = intersection(a, b)
    return i / (area(a) + area(b) - i)


def cat_label(response: dict) -> dict:
    return next(label for label in response["Labels"] if label["Name"] == "Cat")


def png(image: Image.Image) -> bytes:
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


def cat_on_the_launch_pad() -> tuple[bytes, tuple[int, int, int, int]]:
    """chelsea pasted at a known place into the rocket photo: (PNG, where the cat is in pixels)."""
    canvas = Image.open(photo("rocket.jpg")).convert("RGB").resize((900, 600))
    cat = Image.open(photo("chelsea.png")).convert("RGB")
    cat = cat.resize((360, round(360 * cat.height / cat.width)))
    canvas.paste(cat, (200, 80))
    return png(canvas), (200, 80, 200 + cat.width, 80 + cat.height)


def test_chelsea_box_covers_the_cat(rekognition) -> None:
    response = rekognition.detect_labels(Image={"Bytes": photo("chelsea.png").read_bytes()}, MinConfidence=30)
    cat = cat_label(response)
    (instance,) = cat["Instances"]
    assert set(instance["BoundingBox"]) == {"Width", "Height", "Left", "Top"}
    assert instance["Confidence"] == pytest.approx(cat["Confidence"])  # the strongest region: the label's own
    box = pixels(instance, (451, 300))
    assert intersection(box, CHELSEA_FACE) / area(CHELSEA_FACE) >= 0.8  # the face is inside the box
    assert intersection(box, CHELSEA_CAT) / area(box) >= 0.95  # and the box is on the cat
    print("chelsea box", [round(v) for v in box])


def test_a_cat_in_a_larger_scene_is_found_where_it_is(rekognition) -> None:
    data, truth = cat_on_the_launch_pad()
    response = rekognition.detect_labels(Image={"Bytes": data}, MinConfidence=30)
    instances = cat_label(response)["Instances"]
    assert len(instances) == 1
    box = pixels(instances[0], (900, 600))
    print("launch pad box", [round(v) for v in box], "truth", truth, "IoU", round(iou(box, truth), 2))
    assert iou(box, truth) >= 0.5
    assert intersection(box, truth) / area(truth) >= 0.8


@pytest.mark.parametrize("name", ["astronaut.png", "coffee.png", "rocket.jpg"])
def test_no_cat_no_box(rekognition, name: str) -> None:
    response = rekognition.detect_labels(
        Image={"Bytes": photo(name).read_bytes()}, MinConfidence=0, MaxLabels=1001
    )
    assert cat_label(response)["Instances"] == []  # Cat is listed (MinConfidence 0) but nowhere
    assert all(label["Instances"] == [] for label in response["Labels"])


def test_instances_below_min_confidence_are_left_out(rekognition) -> None:
    response = rekognition.detect_labels(Image={"Bytes": photo("chelsea.png").read_bytes()}, MinConfidence=99)
    assert [label["Name"] for label in response["Labels"]] == []


# -- the pure parts ---------------------------------------------------------------------------


def test_regions_of_a_map_with_two_separate_peaks() -> None:
    cam = np.zeros((7, 7))
    cam[1, 1] = 1.0
    cam[5, 5] = 0.9
    found = boxes.regions(cam)
    assert len(found) == 2
    assert found[0].score == 1.0 and found[1].score == pytest.approx(0.9)
    assert found[0].left < 0.3 and found[1].left > 0.6


def test_a_flat_map_has_no_region() -> None:
    assert boxes.regions(np.full((7, 7), 3.0)) == []


def test_crop_boxes_map_onto_the_image() -> None:
    # a 400x200 image: the model's crop is the centre square of 175 px (0.875 x 200)
    crop = (112.5, 12.5, 287.5, 187.5)
    box = boxes.to_image(boxes.Box(0.0, 0.0, 1.0, 1.0, 1.0), crop, (400, 200))
    assert (box.left, box.top, box.width, box.height) == pytest.approx(
        (112.5 / 400, 12.5 / 200, 175 / 400, 175 / 200)
    )
