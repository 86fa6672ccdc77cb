"""Benchmark of the local detector: ``python -m benchmarks.bench_detector [n]``.

``measure(n)`` returns the median milliseconds of one EfficientNet-Lite0 inference (onnxruntime,
batch 1, 224x224) on scikit-image's ``chelsea.png``, the same with the cat's boxes (class activation
map), preprocessing time and the cold load. ``peak_memory()`` scans a 10000x10000 PNG (the largest
legal upload) in a fresh process and returns how much memory that took above the loaded detector.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any


def _chelsea() -> Path:
    import skimage

    return Path(skimage.__file__).parent / "data" / "chelsea.png"


def measure(n: int = 50, warmup: int = 5, memory: bool = True) -> dict[str, Any]:
    """``median_ms``: one prepared 224x224 image through the detector with its boxes (inference with the
    feature map, activation map, regions), the figure held to the 10 ms goal; ``inference_only_median_ms``
    without them; ``preprocess_median_ms`` the crop and resize before; ``memory``: also ``big_png``
    (:func:`peak_memory`)."""
    from catscan.local.rekognition.labels import cat_confidence
    from catscan.local.rekognition.model import Detector

    started = time.perf_counter()
    detector = Detector()
    load_s = time.perf_counter() - started

    data = _chelsea().read_bytes()
    image = detector.load(data)
    pixels = detector.preprocess(image)
    for _ in range(warmup):
        detector.predict_batch(pixels[None])
        detector.analyse_prepared(pixels, image.size)

    # interleaved, so that all three see the same load on a shared machine
    infer_ms, with_boxes_ms, preprocess_ms = [], [], []
    for _ in range(n):
        t = time.perf_counter()
        probs = detector.predict_batch(pixels[None])[0]
        infer_ms.append((time.perf_counter() - t) * 1000)
        t = time.perf_counter()
        analysis = detector.analyse_prepared(pixels, image.size)  # inference with the feature map, map, boxes
        with_boxes_ms.append((time.perf_counter() - t) * 1000)
        t = time.perf_counter()
        detector.preprocess(image)
        preprocess_ms.append((time.perf_counter() - t) * 1000)

    end_to_end_ms = []
    for _ in range(max(5, n // 5)):
        t = time.perf_counter()
        detector.analyse_bytes(data)
        end_to_end_ms.append((time.perf_counter() - t) * 1000)

    result = {
        "model": detector.model_version,
        "threads": detector.threads,
        "n": n,
        "median_ms": round(statistics.median(with_boxes_ms), 2),
        "p90_ms": round(sorted(with_boxes_ms)[max(0, int(0.9 * n) - 1)], 2),
        "min_ms": round(min(with_boxes_ms), 2),
        "inference_only_median_ms": round(statistics.median(infer_ms), 2),
        "preprocess_median_ms": round(statistics.median(preprocess_ms), 2),
        "chelsea_boxes": len(analysis.cat_boxes),
        "decode_preprocess_infer_median_ms": round(statistics.median(end_to_end_ms), 2),
        "cold_load_s": round(load_s, 3),
        "chelsea_cat_confidence": round(cat_confidence(probs), 2),
    }
    if memory:
        result["big_png"] = peak_memory()
    return result


BIG_SIDE = 10_000


def _proc_mb(key: str) -> float:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(key + ":"):
                return int(line.split()[1]) / 1024
    raise RuntimeError(f"no {key} in /proc/self/status")


def _scan_for_memory(path: str) -> dict[str, Any]:
    """In a fresh process: load the detector, warm it, reset the peak, scan ``path``; Linux only."""
    from catscan.local.rekognition.model import Detector

    detector = Detector()
    detector.analyse_bytes(_chelsea().read_bytes())
    data = Path(path).read_bytes()
    before = _proc_mb("VmRSS")
    with open("/proc/self/clear_refs", "w") as f:
        f.write("5")  # resets VmHWM (the peak resident set) to the current size
    started = time.perf_counter()
    analysis = detector.analyse_bytes(data)
    seconds = time.perf_counter() - started
    peak = _proc_mb("VmHWM")
    return {
        "file_mb": round(len(data) / 1e6, 2),
        "rss_before_mb": round(before),
        "peak_rss_mb": round(peak),
        "scan_peak_mb": round(peak - before),
        "scan_s": round(seconds, 2),
        "cat_confidence": round(float(analysis.probs[281:286].sum()) * 100, 1),
        "boxes": len(analysis.cat_boxes),
    }


def peak_memory() -> dict[str, Any]:
    """Memory a 10000x10000 PNG scan takes above the loaded detector (VmHWM of a fresh process)."""
    from PIL import Image

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "big.png"
        # made in a child too, so that building it (Pillow holds 400 MB) does not count
        subprocess.run(
            [
                sys.executable,
                "-c",
                (
                    "import sys; from PIL import Image; "
                    f"Image.open(sys.argv[1]).convert('RGB').resize(({BIG_SIDE}, {BIG_SIDE}), Image.Resampling.NEAREST)"
                    ".save(sys.argv[2], 'PNG')"
                ),
                str(_chelsea()),
                str(path),
            ],
            check=True,
        )
        assert Image.open(path).size == (BIG_SIDE, BIG_SIDE)
        out = subprocess.run(
            [sys.executable, "-m", "benchmarks.bench_detector", "--memory-child", str(path)],
            check=True,
            capture_output=True,
            text=True,
            env=dict(os.environ),
        )
    result = json.loads(out.stdout)
    result["image"] = f"{BIG_SIDE}x{BIG_SIDE} PNG"
    return result


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if args[:1] == ["--memory-child"]:
        print(json.dumps(_scan_for_memory(args[1])))
        return 0
    n = int(args[0]) if args else 50
    result = measure(n)
    print(json.dumps(result, indent=2))
    print(
        f"detector: {result['median_ms']} ms/image median with the cat's boxes ({result['threads']} threads; "
        f"inference alone {result['inference_only_median_ms']} ms), "
        f"{result['decode_preprocess_infer_median_ms']} ms with PNG decode too, "
        f"cold load {result['cold_load_s']} s; a {result['big_png']['image']} scan peaks at "
        f"{result['big_png']['scan_peak_mb']} MB above the loaded detector",
        file=sys.stderr,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
