"""Fixtures for turf tests; the neighborhoods themselves are built by tests/cast.py."""

import pytest

from tests.cast import make_cycle


@pytest.fixture
def cycle(db):
    return make_cycle()
