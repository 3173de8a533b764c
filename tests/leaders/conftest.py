"""Device tests reach a leader's devices from her turf (lists built in tests/events/conftest.py)."""

import pytest

from tests.events.conftest import make_lists


@pytest.fixture
def lists(alice, bob):
    return make_lists(alice, bob)
