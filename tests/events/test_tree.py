"""The recruitment tree: generations and downlines on a known dataset, one query, scoped, exported safely."""

import csv
import hashlib
import io
from datetime import date, datetime, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from contacts.models import Export
from events.tree import TreeFilter, recruitment_tree
from leaders.models import LeaderProfile, User
from tests.cast import PASSWORD, make_client, make_cycle, make_home, make_user

Stage = LeaderProfile.Stage


def recruit(email: str, *, by: User | None, county: str = "Nodaway", first: str = "") -> User:
    """A leader with a home in `county`, recruited by `by`."""
    user = make_home(make_user(email, first_name=first), None, county=county)
    LeaderProfile.objects.create(user=user, recruiter=by, stage=Stage.SIGNED_UP, county=county)
    return user


@pytest.fixture
def family(db, sam):
    """alice → (bea → dan → eve the prospect, cal); fay was recruited by staff; gus lives in Boone under cal."""
    alice = recruit("alice@example.org", by=None)
    bea = recruit("bea@example.org", by=alice)
    cal = recruit("cal@example.org", by=alice)
    dan = recruit("dan@example.org", by=bea)
    LeaderProfile.objects.create(first_name="Eve", last_name="Prospect", email="eve@example.org", recruiter=dan,
                                 county="Nodaway")  # fmt: skip
    fay = recruit("fay@example.org", by=sam)
    gus = recruit("gus@example.org", by=cal, county="Boone")
    return {"alice": alice, "bea": bea, "cal": cal, "dan": dan, "fay": fay, "gus": gus}


def table(rows) -> list[tuple[str, int, int]]:
    return [(row.name, row.generation, row.downline) for row in rows]


def test_staff_see_every_tree_by_generation_with_each_downline(family, sam):
    rows, total, _ = recruitment_tree(sam)
    assert total == 7
    assert table(rows) == [
        ("Alice", 1, 5),
        ("Bea", 2, 2),
        ("Dan", 3, 1),
        ("Eve Prospect", 4, 0),
        ("Cal", 2, 1),
        ("Gus", 3, 0),
        ("Fay", 1, 0),
    ]
    assert rows[1].recruiter == "Alice" and rows[6].recruiter == "Sam"


def test_a_leader_sees_their_own_downline_and_nobody_else(family):
    rows, total, _ = recruitment_tree(family["bea"])
    assert (table(rows), total) == ([("Dan", 1, 1), ("Eve Prospect", 2, 0)], 2)
    assert recruitment_tree(family["fay"]).total == 0


def test_a_coordinator_sees_their_counties_people_with_their_whole_downline(family, carol, dave):
    names = [row.name for row in recruitment_tree(carol)[0]]
    assert "Gus" not in names and len(names) == 6
    assert [(row.name, row.downline) for row in recruitment_tree(carol)[0] if row.name == "Cal"] == [
        ("Cal", 1)
    ]
    assert table(recruitment_tree(dave)[0]) == [("Gus", 3, 0)]


def test_filters_choose_the_rows_by_county_and_by_the_cycle_they_were_recruited_in(family, sam):
    assert [row.name for row in recruitment_tree(sam, TreeFilter(county="Boone"))[0]] == ["Gus"]
    LeaderProfile.objects.filter(user=family["fay"]).update(
        created_at=datetime(2026, 6, 1, tzinfo=timezone.UTC)
    )
    cycle_2026 = make_cycle("2026 Midterm", active=False)
    cycle_2026.election_date = date(2026, 11, 3)
    cycle_2026.save()
    names = [row.name for row in recruitment_tree(sam, TreeFilter(cycle=cycle_2026))[0]]
    assert names == ["Fay"]


def test_one_query_walks_the_whole_tree_however_deep(db, sam, django_assert_num_queries):
    previous = None
    for n in range(12):
        previous = recruit(f"l{n}@example.org", by=previous)
    with django_assert_num_queries(1):
        rows, total, _ = recruitment_tree(sam)
    assert total == 12 and rows[0].downline == 11 and rows[-1].generation == 12


def test_the_page_costs_the_same_queries_for_a_shallow_and_a_deep_tree(db, sam):
    client = make_client(sam)

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(reverse("events:tree")).status_code == 200
        return len(captured)

    previous = None
    for n in range(2):
        previous = recruit(f"a{n}@example.org", by=previous)
    queries()  # the first request also loads what the session caches
    shallow = queries()
    for n in range(10):
        previous = recruit(f"b{n}@example.org", by=previous)
    assert queries() == shallow


def test_the_page_shows_the_tree_and_a_leader_their_recruits(family, sam):
    page = make_client(sam).get(reverse("events:tree")).text
    assert "Eve Prospect" in page and "Fay" in page
    mine = make_client(family["dan"]).get(reverse("events:tree")).text
    assert "Eve Prospect" in mine and "Alice" not in mine and "Download CSV" not in mine


def test_the_csv_is_formula_safe_and_each_download_is_audited(family, sam):
    User.objects.filter(pk=family["fay"].pk).update(first_name='=HYPERLINK("http://x")', last_name="")
    client = make_client(sam)
    client.post(reverse("account_reauthenticate"), {"password": PASSWORD})
    response = client.get(reverse("events:tree_export"), {"county": "Nodaway"}, REMOTE_ADDR="203.0.113.9")
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    content = b"".join(response.streaming_content)
    rows = list(csv.reader(io.StringIO(content.decode())))
    assert rows[0] == ["Generation", "Name", "County", "Recruited by", "Stage", "Joined", "Downline"]
    assert rows[-1][:5] == ["1", '\'=HYPERLINK("http://x")', "Nodaway", "Sam", "Signed up"]
    assert len(rows) == 1 + 6
    audit = Export.objects.get()
    assert (audit.user, audit.kind, audit.rows, audit.ip) == (sam, "tree", 6, "203.0.113.9")
    assert audit.filters == {"county": "Nodaway", "cycle": ""}
    assert audit.sha256 == hashlib.sha256(content).hexdigest()


def test_a_leader_cannot_export_and_nothing_is_audited(family):
    assert make_client(family["alice"]).get(reverse("events:tree_export")).status_code == 404
    assert not Export.objects.exists()


def test_the_cycle_window_runs_from_the_previous_election(db):
    from events.tree import cycle_window

    first = make_cycle("2026 Midterm", active=False)
    first.election_date = date(2026, 11, 3)
    first.save()
    second = make_cycle("2028 General")
    assert cycle_window(second) == (date(2026, 11, 3), date(2028, 11, 7))
    assert cycle_window(first) == (None, date(2026, 11, 3))


def test_the_gatherings_that_recruit_count_attended_asked_yes_signed_up_and_active(alice, bob, lists, sam):
    import uuid

    from contacts.services import contact_record
    from events.models import Attendee
    from events.tree import recruiting_gatherings
    from leaders.pipeline import add_prospect, profile_for
    from tests.cast import make_gathering
    from turf.models import Entry

    held = make_gathering(alice, days=-1, held_at=timezone.now() - timedelta(days=1))
    make_gathering(alice, days=-2)  # nobody came: not listed

    def came(name, ask, prospect=None):
        Attendee.objects.create(gathering=held, origin="walk_in", name=name, phone="6605550100",
                                checked_in_at=held.starts_at, checked_in_by=alice, ask=ask, prospect=prospect,
                                asked_at=None if ask == "not_asked" else held.starts_at)  # fmt: skip

    came("Ann", "not_asked")
    came("Ben", "no")
    came("Cy", "yes", prospect=add_prospect(first_name="Cy", recruiter=alice, origin="gathering"))
    came("Bob", "yes", prospect=profile_for(bob))

    def counts():
        [row] = recruiting_gatherings(sam, TreeFilter())
        return (row.attended, row.asked, row.said_yes, row.signed_up, row.active)

    assert counts() == (4, 3, 2, 1, 0)
    voter = Entry.objects.filter(turf__leader=bob).calls().first().voter
    contact_record(leader=bob, client_uuid=uuid.uuid4(), channel="phone", result="talked",
                   device_time=timezone.now(), voter=voter)  # fmt: skip
    assert counts() == (4, 3, 2, 1, 1)
    page = make_client(sam).get(reverse("events:tree")).content.decode()
    assert "Gatherings that recruit" in page
    # A leader sees only their own gatherings: bob hosted none.
    assert recruiting_gatherings(bob, TreeFilter()) == []


# --- what staff read on a big tree: generation counts, the largest downlines, a name, one downline ---


def test_each_generation_is_counted_in_the_same_query(family, sam, django_assert_num_queries):
    with django_assert_num_queries(1):
        tree = recruitment_tree(sam, limit=2)
    assert tree.generations == [(1, 2), (2, 2), (3, 2), (4, 1)]
    assert recruitment_tree(sam, TreeFilter(county="Boone")).generations == [(3, 1)]


def test_the_largest_downlines_come_first_when_asked(family, sam):
    rows = recruitment_tree(sam, TreeFilter(order=TreeFilter.LARGEST_DOWNLINES), limit=4).rows
    assert table(rows) == [("Alice", 1, 5), ("Bea", 2, 2), ("Dan", 3, 1), ("Cal", 2, 1)]  # ties: tree order


def test_a_name_finds_people_anywhere_in_the_tree_with_their_generation(family, sam, carol):
    assert table(recruitment_tree(sam, TreeFilter(name="prosp"))[0]) == [("Eve Prospect", 4, 0)]
    assert table(recruitment_tree(sam, TreeFilter(name="GUS"))[0]) == [("Gus", 3, 0)]
    assert recruitment_tree(carol, TreeFilter(name="gus")).total == 0  # Boone is not carol's
    assert recruitment_tree(sam, TreeFilter(name="%")).total == 0  # typed, not a pattern


def test_one_persons_downline_opens_on_demand(family, sam, carol):
    bea = LeaderProfile.objects.get(user=family["bea"])
    cal = LeaderProfile.objects.get(user=family["cal"])
    assert table(recruitment_tree(sam, TreeFilter(under=bea.pk))[0]) == [
        ("Bea", 2, 2), ("Dan", 3, 1), ("Eve Prospect", 4, 0),
    ]  # fmt: skip
    assert table(recruitment_tree(carol, TreeFilter(under=cal.pk))[0]) == [("Cal", 2, 1)]  # gus: Boone
    assert table(recruitment_tree(family["alice"], TreeFilter(under=bea.pk))[0]) == [
        ("Bea", 1, 2), ("Dan", 2, 1), ("Eve Prospect", 3, 0),
    ]  # fmt: skip
    assert recruitment_tree(family["cal"], TreeFilter(under=bea.pk)).total == 0  # not in cal's tree


def test_the_page_searches_sorts_and_opens_a_downline(family, sam):
    bea = LeaderProfile.objects.get(user=family["bea"])
    client = make_client(sam)
    page = client.get(reverse("events:tree"), {"name": "eve"}).text
    assert "Eve Prospect" in page and "Gus" not in page
    page = client.get(reverse("events:tree"), {"under": bea.pk}).text
    assert "Dan" in page and "Gus" not in page and "Downline of Bea" in page
    page = client.get(reverse("events:tree")).text
    assert f"under={bea.pk}" in page and "Generation 4" in page
    mine = make_client(family["alice"]).get(reverse("events:tree"), {"under": bea.pk}).text
    assert ">Dan<" in mine and ">Cal<" not in mine
