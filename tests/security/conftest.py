"""The auth matrix runs against the shared local cloud (tests/conftest_cloud.py)."""
from tests.conftest_cloud import cloud  # noqa: F401 - the shared local cloud fixture
