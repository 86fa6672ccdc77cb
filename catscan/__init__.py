"""catscan: does this image contain a cat?"""

__version__ = "0.1.0"
