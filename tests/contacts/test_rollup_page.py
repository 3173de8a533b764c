"""The staff page that shows how current the shared ID database is."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from contacts.rollup import rollup_ids
from contacts.shared import RollupRun
from tests.cast import make_client, make_household, make_voter

pytestmark = pytest.mark.django_db(databases=["default", "shared"])


def test_it_tells_staff_the_rollup_has_not_run_yet(sam):
    page = make_client(sam).get(reverse("contacts:rollup")).content.decode()
    assert "has not finished a run yet" in page and "No runs yet." in page


def test_it_shows_the_last_runs_with_the_rows_they_changed(sam):
    make_voter(make_household(None))
    make_voter(make_household(None))
    rollup_ids()
    page = make_client(sam).get(reverse("contacts:rollup")).content.decode()
    assert "Up to date as of" in page and "more than the" not in page
    assert '<td data-label="Kind">Full</td>' in page and '<td data-label="Voters rolled up">2</td>' in page


def test_it_says_when_the_rollup_is_behind(sam, settings):
    settings.ROLLUP_MAX_LAG_MINUTES = 30
    rollup_ids()
    RollupRun.objects.update(watermark=timezone.now() - timedelta(hours=2))
    page = make_client(sam).get(reverse("contacts:rollup")).content.decode()
    assert "2\xa0hours" in page and "more than the 30 minutes allowed" in page


def test_leaders_coordinators_and_candidates_find_nothing_there(alice, carol, cathy):
    for user in (alice, carol, cathy):
        assert make_client(user).get(reverse("contacts:rollup")).status_code == 404
