"""The field app's tests walk alice's and bob's lists (built in tests/events/conftest.py)."""

import pytest

from tests.events.conftest import make_lists


@pytest.fixture
def lists(alice, bob):
    return make_lists(alice, bob)
