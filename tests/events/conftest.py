"""Fixtures for the field app's tests: Alice's and Bob's lists, built by tests/cast.py."""

import pytest

from tests.cast import make_lists


@pytest.fixture
def lists(alice, bob):
    return make_lists(alice, bob)
