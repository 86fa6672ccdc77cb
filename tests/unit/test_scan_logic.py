import pytest

from scan_image import scan_logic
from scan_image.scan_logic import DetectionConfig

CONFIG = DetectionConfig(target_label="Cat", min_confidence=30.0)


def label(name, confidence, instances=(), aliases=()):
    return {
        "Name": name,
        "Confidence": confidence,
        "Instances": list(instances),
        "Aliases": [{"Name": a} for a in aliases],
        "Parents": [],
    }


def test_parse_upload_key_decodes_event_encoding():
    key = scan_logic.parse_upload_key("uploads/us-east-1%3Aabc/scan-1/my+cat+%C3%A9t%C3%A9.jpg")
    assert key == scan_logic.UploadKey("us-east-1:abc", "scan-1", "my cat été.jpg")


def test_parse_upload_key_keeps_slashes_in_file_name():
    assert scan_logic.parse_upload_key("uploads/id/scan/a/b.png").file_name == "a/b.png"


@pytest.mark.parametrize(
    "key", ["other/id/scan/x.jpg", "uploads/id/x.jpg", "uploads//scan/x.jpg", "uploads/id/scan/"]
)
def test_parse_upload_key_refuses_keys_outside_the_layout(key):
    with pytest.raises(scan_logic.InvalidUploadKey):
        scan_logic.parse_upload_key(key)


def test_size_rules():
    assert "empty" in scan_logic.size_rejection(0)
    assert scan_logic.size_rejection(15 * 1024 * 1024) is None
    reason = scan_logic.size_rejection(16 * 1024 * 1024)
    assert "16.0 MB" in reason and "15 MB" in reason


@pytest.mark.parametrize(
    "size,ok",
    [((80, 80), True), ((79, 200), False), ((10000, 10000), True), ((10001, 10), False), ((60, 60), False)],
)
def test_dimension_rules(size, ok):
    assert (scan_logic.dimension_rejection(*size) is None) is ok


def test_decide_cat_at_threshold_with_boxes():
    box = {"BoundingBox": {"Left": 0.1, "Top": 0.2, "Width": 0.3, "Height": 0.4}, "Confidence": 91.234}
    verdict = scan_logic.decide([label("Animal", 99), label("Cat", 30.0, [box])], CONFIG)
    assert verdict.is_cat and verdict.confidence == 30.0
    assert verdict.cat_boxes == [scan_logic.CatBox(0.1, 0.2, 0.3, 0.4, 91.23)]


def test_decide_below_threshold_is_no_cat_and_keeps_the_score():
    verdict = scan_logic.decide(
        [label("Cat", 29.99, [{"BoundingBox": {"Left": 0, "Top": 0, "Width": 1, "Height": 1}}])], CONFIG
    )
    assert not verdict.is_cat and verdict.confidence == 29.99 and verdict.cat_boxes == []


def test_decide_without_target_label():
    assert scan_logic.decide([label("Dog", 99)], CONFIG) == scan_logic.Verdict(False, 0.0)


def test_decide_matches_aliases_and_label_from_config():
    config = DetectionConfig(target_label="kitten", min_confidence=50)
    assert scan_logic.decide([label("Cat", 80, aliases=["Kitten"])], config).is_cat


def test_detector_min_confidence_shows_near_misses_but_never_exceeds_threshold():
    assert scan_logic.detection_min_confidence(DetectionConfig("Cat", 80)) == 50
    assert scan_logic.detection_min_confidence(DetectionConfig("Cat", 30)) == 30
