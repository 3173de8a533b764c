import pytest
from django.core.cache import cache


@pytest.fixture(autouse=True)
def _no_counts_from_another_test(db):
    """The dashboard keeps counts in the cache for minutes: each test starts without them."""
    cache.clear()
