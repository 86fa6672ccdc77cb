"""Benchmark of the local detector: ``python -m catscan.bench_detector [n]``.

``measure(n)`` returns the median milliseconds of one EfficientNet-Lite0 inference (onnxruntime,
batch 1, 224x224) on scikit-image's ``chelsea.png``, plus preprocessing time and the cold load.
"""

from __future__ import annotations

import json
import statistics
import sys
import time
from pathlib import Path
from typing import Any


def _chelsea() -> Path:
    import skimage

    return Path(skimage.__file__).parent / "data" / "chelsea.png"


def measure(n: int = 50, warmup: int = 5) -> dict[str, Any]:
    from catscan.local.rekognition.labels import cat_confidence
    from catscan.local.rekognition.model import Detector

    started = time.perf_counter()
    detector = Detector()
    load_s = time.perf_counter() - started

    data = _chelsea().read_bytes()
    image = detector.load(data)
    batch = detector.preprocess(image)[None]
    for _ in range(warmup):
        detector.predict_batch(batch)

    infer_ms = []
    for _ in range(n):
        t = time.perf_counter()
        probs = detector.predict_batch(batch)[0]
        infer_ms.append((time.perf_counter() - t) * 1000)

    end_to_end_ms = []
    for _ in range(max(5, n // 5)):
        t = time.perf_counter()
        detector.predict_bytes(data)
        end_to_end_ms.append((time.perf_counter() - t) * 1000)

    return {
        "model": detector.model_version,
        "threads": detector.threads,
        "n": n,
        "median_ms": round(statistics.median(infer_ms), 2),
        "p90_ms": round(sorted(infer_ms)[max(0, int(0.9 * n) - 1)], 2),
        "min_ms": round(min(infer_ms), 2),
        "decode_preprocess_infer_median_ms": round(statistics.median(end_to_end_ms), 2),
        "cold_load_s": round(load_s, 3),
        "chelsea_cat_confidence": round(cat_confidence(probs), 2),
    }


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    n = int(args[0]) if args else 50
    result = measure(n)
    print(json.dumps(result, indent=2))
    print(
        f"detector: {result['median_ms']} ms/image median (inference, {result['threads']} threads), "
        f"{result['decode_preprocess_infer_median_ms']} ms with PNG decode + preprocessing, "
        f"cold load {result['cold_load_s']} s",
        file=sys.stderr,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
