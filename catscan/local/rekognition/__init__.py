"""Local Rekognition: DetectLabels answered by EfficientNet-Lite0 (ImageNet) on onnxruntime.

Modules: ``convert`` (packaged torch weights -> ONNX, no torch), ``model`` (``Detector``),
``labels`` (probabilities -> DetectLabels response, pure), ``images`` (Rekognition's image rules),
``server`` (aiohttp app speaking AWS JSON 1.1).
"""
