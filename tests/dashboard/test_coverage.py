"""Coverage of every county: the numbers on a known program, the rural classification, scope, query counts."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from contacts.voterfile.layout import ELECTION_AUTHORITIES
from dashboard.coverage import county_rows, default_is_rural
from dashboard.models import CountyClass
from dashboard.shapes import county_shapes
from tests.cast import make_client
from tests.dashboard.world import make_program

pytestmark = pytest.mark.django_db


@pytest.fixture
def program(alice, bob):
    return make_program(alice, bob)


def rows_by_county(cycle, counties=ELECTION_AUTHORITIES):
    return {row.county: row for row in county_rows(cycle, counties)}


def test_it_counts_each_countys_leaders_doors_contacts_and_ids(program):
    rows = rows_by_county(program.cycle)
    assert len(rows) == 116
    nodaway, boone = rows["Nodaway"], rows["Boone"]
    assert (nodaway.registered, nodaway.households, nodaway.households_in_turf) == (6, 5, 3)
    assert (nodaway.leaders, nodaway.active) == (1, 1)
    assert (nodaway.contacts_7d, nodaway.ids) == (2, 1)
    assert (boone.registered, boone.households, boone.households_in_turf) == (2, 2, 1)
    assert (boone.leaders, boone.active) == (1, 0)
    # Bob's call and ID were before the cycle began and ten days ago.
    assert (boone.contacts_7d, boone.ids) == (0, 0)
    assert nodaway.turf_share == 3 / 5
    # The next statewide milestone (1,000 by June 1, 2028) shared by registered voters: 6 and 2 of 8.
    assert (nodaway.goal, boone.goal) == (750, 250)
    assert nodaway.goal_share == 1 / 750
    assert rows["Worth"].households == 0 and rows["Worth"].turf_share is None


def test_a_county_with_its_own_goal_is_measured_against_it(program, sam):
    client = make_client(sam)
    client.post(reverse("dashboard:goals"), {"due": "2028-06-01", "active_leaders": "4", "county": "Nodaway"})
    assert rows_by_county(program.cycle)["Nodaway"].goal == 4


def test_counties_are_rural_below_the_density_threshold(program, settings):
    nodaway, boone = county_shapes()["Nodaway"], county_shapes()["Boone"]
    # Real sizes from the vendored Census shapes: Nodaway about 877 square miles, Boone 691.
    assert 860 < nodaway.square_miles < 890 and 680 < boone.square_miles < 705
    settings.RURAL_VOTERS_PER_SQ_MILE = 0.005  # Nodaway has 6 voters (0.0068 a square mile), Boone 2
    rows = rows_by_county(program.cycle)
    assert not rows["Nodaway"].is_rural and rows["Boone"].is_rural
    assert "fewer than" in rows["Boone"].class_note
    settings.RURAL_VOTERS_PER_SQ_MILE = 50
    assert default_is_rural(16_000, nodaway.square_miles)
    assert not default_is_rural(130_000, boone.square_miles)
    # Nothing imported yet for Worth: not measured, so not marked rural.
    assert not rows["Worth"].is_rural and "No registered voters" in rows["Worth"].class_note


def test_kansas_city_has_no_shape_and_is_urban_unless_staff_say_otherwise(program):
    assert len(county_shapes()) == 115 and "Kansas City" not in county_shapes()
    assert {*county_shapes(), "Kansas City"} == set(ELECTION_AUTHORITIES)
    kansas_city = rows_by_county(program.cycle)["Kansas City"]
    assert not kansas_city.is_rural and kansas_city.square_miles is None


def test_staff_override_a_countys_class_and_can_hand_it_back(program, sam, carol):
    client = make_client(sam)
    url = reverse("dashboard:county_classes")
    response = client.post(
        url, {"county": "Nodaway", "classed": "urban", "note": "Maryville is a college town"}
    )
    assert response.status_code == 302
    nodaway = rows_by_county(program.cycle)["Nodaway"]
    assert not nodaway.is_rural and "college town" in nodaway.class_note
    assert CountyClass.objects.get(county="Nodaway").set_by == sam
    # The county's coordinator sees the class but may not change it.
    assert make_client(carol).post(url, {"county": "Nodaway", "classed": "rural"}).status_code == 403
    client.post(url, {"county": "Nodaway", "classed": "default"})
    assert rows_by_county(program.cycle)["Nodaway"].is_rural  # 6 voters on 877 square miles
    assert not CountyClass.objects.exists()


def test_a_bad_class_changes_nothing(program, sam):
    url = reverse("dashboard:county_classes")
    for bad in ({"county": "Nodaway", "classed": "suburban"}, {"county": "Atlantis", "classed": "rural"}):
        assert make_client(sam).post(url, bad).status_code == 302
    assert not CountyClass.objects.exists()


def test_the_number_of_queries_does_not_grow_with_the_counties(program, django_assert_num_queries):
    from dashboard.services import summarize_counties

    with CaptureQueriesContext(connection) as two:
        county_rows(program.cycle, ["Nodaway", "Boone"])
    with django_assert_num_queries(len(two.captured_queries)):
        county_rows(program.cycle, ELECTION_AUTHORITIES)
    # Counted off the request: then the page reads the count in one query.
    summarize_counties(cycle=program.cycle)
    with CaptureQueriesContext(connection) as stored:
        county_rows(program.cycle, ELECTION_AUTHORITIES)
    assert len(stored.captured_queries) < len(two.captured_queries) <= 40


def test_staff_see_every_county_sorted_as_asked(program, sam):
    client = make_client(sam)
    page = client.get(reverse("dashboard:coverage"))
    assert page.status_code == 200
    assert page.content.decode().count("data-county=") == 116
    html = client.get(reverse("dashboard:coverage"), {"sort": "-active"}).content.decode()
    assert html.index('data-county="Nodaway"') < html.index('data-county="Adair"')
    html = client.get(reverse("dashboard:coverage"), {"sort": "-contacts"}).content.decode()
    assert html.index('data-county="Nodaway"') < html.index('data-county="Boone"')
    html = client.get(reverse("dashboard:coverage"), {"sort": "county"}).content.decode()
    assert (
        html.index('data-county="Adair"')
        < html.index('data-county="Boone"')
        < html.index('data-county="Nodaway"')
    )
    # An unknown column sorts by county rather than failing.
    assert client.get(reverse("dashboard:coverage"), {"sort": "password"}).status_code == 200


def test_the_map_draws_every_county_with_a_legend(program, sam):
    html = make_client(sam).get(reverse("dashboard:coverage"), {"map": "turf_share"}).content.decode()
    assert html.count("<path ") == 115
    assert "Households inside a leader" in html and "data-legend" in html
    assert "Nodaway: 60%" in html


def test_a_coordinator_sees_only_their_counties(program, carol):
    client = make_client(carol)
    html = client.get(reverse("dashboard:coverage")).content.decode()
    assert html.count("data-county=") == 1 and 'data-county="Nodaway"' in html
    # Every shape is drawn (they are public), only Nodaway carries a number.
    assert "Boone: no data" in html
    assert "Nodaway: 0% (rural)" in html  # 1 active leader of a goal of 750
    assert client.get(reverse("dashboard:county", args=["boone"])).status_code == 404
    assert client.get(reverse("dashboard:county", args=["nodaway"])).status_code == 200
    assert client.get(reverse("dashboard:county", args=["atlantis"])).status_code == 404


def test_a_coordinators_page_costs_the_queries_of_a_staff_page(program, carol, sam):
    counts = {}
    for user in (carol, sam):
        client = make_client(user)
        client.get(reverse("dashboard:coverage"))  # warm the shapes and the session
        with CaptureQueriesContext(connection) as queries:
            assert client.get(reverse("dashboard:coverage")).status_code == 200
        counts[user.email] = len(queries.captured_queries)
    assert counts["carol@example.org"] == counts["sam@example.org"]


def test_the_counties_are_counted_after_a_voter_import_and_the_pages_read_the_count(
    program, sam, monkeypatch
):
    from contacts.models import ImportRun
    from contacts.signals import data_imported
    from dashboard import tasks
    from dashboard.models import CountySummary
    from dashboard.services import summarize_counties

    queued = []
    monkeypatch.setattr(tasks.summarize_counties_task, "delay", lambda: queued.append("count"))
    data_imported.send(sender=ImportRun, kind=ImportRun.Kind.PHONES)
    data_imported.send(sender=ImportRun, kind=ImportRun.Kind.VOTERS)
    assert queued == ["count"]  # phones change nobody's registration
    live = rows_by_county(program.cycle)
    summarize_counties(cycle=program.cycle)
    assert rows_by_county(program.cycle) == live
    # The pages read the stored count, not a scan of every voter and attempt.
    CountySummary.objects.filter(county="Nodaway").update(registered=6000, contacts_7d=70)
    nodaway = rows_by_county(program.cycle, ["Nodaway"])["Nodaway"]
    assert (nodaway.registered, nodaway.contacts_7d) == (6000, 70)
