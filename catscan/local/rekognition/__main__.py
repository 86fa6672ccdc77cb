"""``python -m catscan.local.rekognition``: run the local Rekognition server (see .server)."""

from .server import main

main()
