"""The local Rekognition endpoint through boto3's unchanged rekognition client."""

from __future__ import annotations

import io
import json
import struct
import time
import urllib.error
import urllib.request
import zlib

import pytest
from PIL import Image

CAT_THRESHOLD = 30.0  # the local default (/catscan/local/min-confidence)


def cat_confidence(response: dict) -> float:
    return next((label["Confidence"] for label in response["Labels"] if label["Name"] == "Cat"), 0.0)


def png_bytes(width: int, height: int, mode: str = "RGB") -> bytes:
    buf = io.BytesIO()
    Image.new(mode, (width, height), "gray" if mode != "1" else 1).save(buf, "PNG")
    return buf.getvalue()


def png_bomb(width: int, height: int) -> bytes:
    """A valid 1-bit PNG of width x height (all black) whose IDAT stays tiny: a decompression bomb."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    row = b"\x00" * (1 + (width + 7) // 8)  # filter byte + packed bits
    compressor = zlib.compressobj(9)
    block = row * 256
    parts = [compressor.compress(block) for _ in range(height // 256)]
    parts.append(compressor.compress(row * (height % 256)))
    parts.append(compressor.flush())
    ihdr = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", b"".join(parts)) + chunk(b"IEND", b"")


def raw_call(
    url: str, body: bytes, target: str = "RekognitionService.DetectLabels"
) -> tuple[int, dict, dict]:
    request = urllib.request.Request(
        url + "/",
        data=body,
        method="POST",
        headers={"X-Amz-Target": target, "Content-Type": "application/x-amz-json-1.1"},
    )
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status, dict(response.headers), json.loads(response.read())
    except urllib.error.HTTPError as exc:
        return exc.code, dict(exc.headers), json.loads(exc.read())


# -- photos ---------------------------------------------------------------------------------


def test_chelsea_bytes_is_a_cat(rekognition, photo) -> None:
    response = rekognition.detect_labels(Image={"Bytes": photo("chelsea.png")}, MinConfidence=1)
    print(
        "chelsea",
        cat_confidence(response),
        [(label["Name"], round(label["Confidence"], 1)) for label in response["Labels"]],
    )
    assert cat_confidence(response) >= CAT_THRESHOLD
    assert [label["Name"] for label in response["Labels"]][:4] == ["Animal", "Mammal", "Pet", "Cat"]
    assert response["LabelModelVersion"] == "efficientnet-lite0-imagenet-1.0"
    assert response["ResponseMetadata"]["RequestId"]


def test_chelsea_s3_object_is_a_cat(rekognition, s3, bucket, photo) -> None:
    key = "uploads/us-east-1:abc/scan-1/chelsea.png"
    s3.put_object(Bucket=bucket, Key=key, Body=photo("chelsea.png"))
    response = rekognition.detect_labels(
        Image={"S3Object": {"Bucket": bucket, "Name": key}}, MinConfidence=CAT_THRESHOLD
    )
    assert cat_confidence(response) >= CAT_THRESHOLD


@pytest.mark.parametrize("name", ["my cat (1).png", "Katze überm Sofa+ä.png", "a%20b?c=d#e.png"])
def test_s3_keys_with_spaces_and_unicode_are_read(rekognition, s3, bucket, photo, name: str) -> None:
    """The S3 read quotes the key as boto3 does (a key is any UTF-8 a user's file name brings)."""
    key = f"uploads/us-east-1:abc/scan-2/{name}"
    s3.put_object(Bucket=bucket, Key=key, Body=photo("chelsea.png"))
    response = rekognition.detect_labels(Image={"S3Object": {"Bucket": bucket, "Name": key}})
    assert cat_confidence(response) >= CAT_THRESHOLD


@pytest.mark.parametrize("name", ["astronaut.png", "coffee.png", "rocket.jpg"])
def test_non_cats(rekognition, name: str, photo) -> None:
    response = rekognition.detect_labels(Image={"Bytes": photo(name)}, MinConfidence=0, MaxLabels=5)
    print(
        name,
        cat_confidence(response),
        [(label["Name"], round(label["Confidence"], 1)) for label in response["Labels"]],
    )
    assert len(response["Labels"]) == 5
    assert cat_confidence(response) < CAT_THRESHOLD
    default = rekognition.detect_labels(Image={"Bytes": photo(name)})  # MinConfidence 55
    assert "Cat" not in {label["Name"] for label in default["Labels"]}


def test_a_photo_without_a_cat_shows_what_the_model_recognised(rekognition, photo) -> None:
    response = rekognition.detect_labels(Image={"Bytes": photo("rocket.jpg")}, MinConfidence=CAT_THRESHOLD)
    labels = {label["Name"]: label["Confidence"] for label in response["Labels"]}
    assert (
        labels == {"Rocket": pytest.approx(labels["Rocket"])} and labels["Rocket"] >= 50
    )  # missile + projectile + shuttle
    response = rekognition.detect_labels(Image={"Bytes": photo("rocket.jpg")}, MinConfidence=10, MaxLabels=3)
    assert [label["Name"] for label in response["Labels"]] == ["Rocket", "Missile", "Projectile"]


def test_coffee_is_espresso(rekognition, photo) -> None:
    response = rekognition.detect_labels(Image={"Bytes": photo("coffee.png")}, MaxLabels=1)
    assert [label["Name"] for label in response["Labels"]] == ["Espresso"]


def test_s3_object_with_version(rekognition, s3, bucket, photo) -> None:
    s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})
    first = s3.put_object(Bucket=bucket, Key="img.png", Body=photo("chelsea.png"))["VersionId"]
    s3.put_object(Bucket=bucket, Key="img.png", Body=photo("coffee.png"))
    old = rekognition.detect_labels(
        Image={"S3Object": {"Bucket": bucket, "Name": "img.png", "Version": first}}
    )
    new = rekognition.detect_labels(Image={"S3Object": {"Bucket": bucket, "Name": "img.png"}})
    assert cat_confidence(old) >= CAT_THRESHOLD
    assert cat_confidence(new) < CAT_THRESHOLD


# -- errors ---------------------------------------------------------------------------------


def test_text_is_invalid_image_format(rekognition) -> None:
    with pytest.raises(rekognition.exceptions.InvalidImageFormatException) as info:
        rekognition.detect_labels(Image={"Bytes": b"this is not an image, just text" * 10})
    error = info.value.response
    assert error["ResponseMetadata"]["HTTPStatusCode"] == 400
    assert error["Error"]["Message"]


def test_gif_is_invalid_image_format(rekognition) -> None:
    buf = io.BytesIO()
    Image.new("RGB", (100, 100)).save(buf, "GIF")
    with pytest.raises(rekognition.exceptions.InvalidImageFormatException):
        rekognition.detect_labels(Image={"Bytes": buf.getvalue()})


def test_corrupt_png_is_invalid_image_format(rekognition) -> None:
    data = bytearray(png_bytes(200, 200))
    data[60:80] = b"\xff" * 20
    with pytest.raises(rekognition.exceptions.InvalidImageFormatException):
        rekognition.detect_labels(Image={"Bytes": bytes(data)})


def test_truncated_jpeg_is_invalid_image_format(rekognition, photo) -> None:
    data = photo("rocket.jpg")
    with pytest.raises(rekognition.exceptions.InvalidImageFormatException):
        rekognition.detect_labels(Image={"Bytes": data[: len(data) // 2]})


@pytest.mark.parametrize("size", [(60, 60), (79, 500), (500, 79)])
def test_small_image_is_invalid_parameter(rekognition, size) -> None:
    with pytest.raises(rekognition.exceptions.InvalidParameterException) as info:
        rekognition.detect_labels(Image={"Bytes": png_bytes(*size)})
    assert "80" in info.value.response["Error"]["Message"]


def test_80_px_is_enough(rekognition) -> None:
    response = rekognition.detect_labels(Image={"Bytes": png_bytes(80, 80)}, MinConfidence=0, MaxLabels=1)
    assert len(response["Labels"]) == 1


def test_long_side_over_10000_is_invalid_parameter(rekognition) -> None:
    with pytest.raises(rekognition.exceptions.InvalidParameterException):
        rekognition.detect_labels(Image={"Bytes": png_bytes(10001, 80, mode="1")})


def test_decompression_bomb_refused_without_decoding(rekognition) -> None:
    bomb = png_bomb(30000, 30000)  # 900 megapixels, 110 MB of 1-bit pixels
    assert len(bomb) < 200_000
    started = time.perf_counter()
    with pytest.raises(rekognition.exceptions.InvalidParameterException) as info:
        rekognition.detect_labels(Image={"Bytes": bomb})
    assert time.perf_counter() - started < 2.0
    assert "10000" in info.value.response["Error"]["Message"]


def test_bomb_header_only(rekognition) -> None:
    """Only a PNG header + IHDR claiming 30000x30000: refused on the header, not as a bad file."""
    bomb = png_bomb(30000, 30000)
    with pytest.raises(rekognition.exceptions.InvalidParameterException):
        rekognition.detect_labels(Image={"Bytes": bomb[:33]})


def test_more_than_5_mb_of_bytes_is_too_large(rekognition) -> None:
    data = b"\x89PNG\r\n\x1a\n" + b"\x00" * (5 * 1024 * 1024)
    with pytest.raises(rekognition.exceptions.ImageTooLargeException):
        rekognition.detect_labels(Image={"Bytes": data})


def test_huge_request_body_is_too_large(rekognition_url: str) -> None:
    body = json.dumps({"Image": {"Bytes": "A" * (17 * 1024 * 1024)}}).encode()
    status, _, error = raw_call(rekognition_url, body)
    assert status == 400 and error["__type"] == "ImageTooLargeException"


def test_s3_object_over_15_mb_is_too_large(rekognition, s3, bucket) -> None:
    s3.put_object(Bucket=bucket, Key="big.png", Body=b"\x89PNG\r\n\x1a\n" + b"\x00" * (15 * 1024 * 1024))
    with pytest.raises(rekognition.exceptions.ImageTooLargeException):
        rekognition.detect_labels(Image={"S3Object": {"Bucket": bucket, "Name": "big.png"}})


def test_s3_object_between_5_and_15_mb_is_accepted(rekognition, s3, bucket, photo) -> None:
    # a valid PNG padded with an ancillary chunk to 6 MB: allowed from S3, not as Bytes
    data = photo("chelsea.png")
    pad = b"\x00" * (6 * 1024 * 1024)
    chunk = struct.pack(">I", len(pad)) + b"zzZz" + pad + struct.pack(">I", zlib.crc32(b"zzZz" + pad))
    data = data[:33] + chunk + data[33:]
    s3.put_object(Bucket=bucket, Key="padded.png", Body=data)
    response = rekognition.detect_labels(Image={"S3Object": {"Bucket": bucket, "Name": "padded.png"}})
    assert cat_confidence(response) >= CAT_THRESHOLD
    with pytest.raises(rekognition.exceptions.ImageTooLargeException):
        rekognition.detect_labels(Image={"Bytes": data})


def test_missing_s3_key_is_invalid_s3_object(rekognition, bucket) -> None:
    with pytest.raises(rekognition.exceptions.InvalidS3ObjectException):
        rekognition.detect_labels(Image={"S3Object": {"Bucket": bucket, "Name": "nope.png"}})


def test_missing_bucket_is_invalid_s3_object(rekognition) -> None:
    with pytest.raises(rekognition.exceptions.InvalidS3ObjectException):
        rekognition.detect_labels(Image={"S3Object": {"Bucket": "no-such-bucket-catscan", "Name": "x.png"}})


def test_s3_object_that_is_text_is_invalid_image_format(rekognition, s3, bucket) -> None:
    s3.put_object(Bucket=bucket, Key="notes.png", Body=b"hello")
    with pytest.raises(rekognition.exceptions.InvalidImageFormatException):
        rekognition.detect_labels(Image={"S3Object": {"Bucket": bucket, "Name": "notes.png"}})


def test_unknown_operation(rekognition_url: str, rekognition, photo) -> None:
    status, headers, error = raw_call(rekognition_url, b"{}", target="RekognitionService.DetectFaces")
    assert status == 400
    assert error["__type"] == "UnknownOperationException"
    assert headers["x-amzn-ErrorType"] == "UnknownOperationException"
    assert headers["x-amzn-RequestId"]
    with pytest.raises(rekognition.exceptions.ClientError) as info:
        rekognition.detect_faces(Image={"Bytes": photo("chelsea.png")})
    assert info.value.response["Error"]["Code"] == "UnknownOperationException"


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"Image": {}},
        {"Image": {"Bytes": "iVBO", "S3Object": {"Bucket": "b", "Name": "k"}}},
        {"Image": {"Bytes": "iVBO"}, "MaxLabels": -1},
        {"Image": {"Bytes": "iVBO"}, "MinConfidence": 101},
        {"Image": {"Bytes": "iVBO"}, "Features": ["FACES"]},
    ],
)
def test_bad_parameters(rekognition_url: str, body: dict) -> None:
    status, headers, error = raw_call(rekognition_url, json.dumps(body).encode())
    assert status == 400
    assert error["__type"] == "InvalidParameterException"
    assert headers["Content-Type"].startswith("application/x-amz-json-1.1")


def test_bad_json_and_bad_base64(rekognition_url: str) -> None:
    status, _, error = raw_call(rekognition_url, b"{not json")
    assert (status, error["__type"]) == (400, "SerializationException")
    status, _, error = raw_call(rekognition_url, json.dumps({"Image": {"Bytes": "!!not base64!!"}}).encode())
    assert (status, error["__type"]) == (400, "SerializationException")


def test_response_headers(rekognition_url: str, photo) -> None:
    import base64

    body = json.dumps({"Image": {"Bytes": base64.b64encode(photo("coffee.png")).decode()}}).encode()
    status, headers, response = raw_call(rekognition_url, body)
    assert status == 200
    assert headers["Content-Type"].startswith("application/x-amz-json-1.1")
    assert len(headers["x-amzn-RequestId"]) == 36
    assert response["Labels"][0]["Name"] == "Espresso"


def test_health(rekognition_url: str) -> None:
    with urllib.request.urlopen(rekognition_url + "/health", timeout=10) as response:
        assert json.loads(response.read())["status"] == "ok"


def test_event_loop_stays_responsive(rekognition_url: str, rekognition, photo) -> None:
    """Inference runs in a thread pool: /health answers while detections are in flight."""
    import concurrent.futures

    data = photo("chelsea.png")
    with concurrent.futures.ThreadPoolExecutor(4) as pool:
        futures = [pool.submit(rekognition.detect_labels, Image={"Bytes": data}) for _ in range(8)]
        started = time.perf_counter()
        with urllib.request.urlopen(rekognition_url + "/health", timeout=10) as response:
            assert response.status == 200
        health_s = time.perf_counter() - started
        results = [f.result() for f in futures]
    assert all(cat_confidence(r) >= CAT_THRESHOLD for r in results)
    assert health_s < 1.0
