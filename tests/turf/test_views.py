import json
import re
import threading

import pytest
from django.core.cache import cache
from django.db import connection
from django.urls import reverse

from contacts.models import ContactAttempt
from leaders.models import LeaderProfile, User
from tests.cast import (
    MARYVILLE,
    make_client,
    make_home,
    make_household,
    make_leader,
    make_neighborhood,
    make_party_id,
    make_user,
    make_voter,
)
from turf.models import Change, Entry, Turf
from turf.services import turf_cut_for_leader


@pytest.fixture
def small_lists(settings):
    settings.TURF_CALL_LIST_SIZE = 6
    settings.TURF_DOOR_LIST_SIZE = 10


@pytest.fixture
def alices_turf(alice, cycle, small_lists):
    make_neighborhood(MARYVILLE, households=30)
    return turf_cut_for_leader(leader=make_home(alice, MARYVILLE))


def phone_numbers(turf) -> list[str]:
    return [phone.number for entry in turf.entries.calls() for phone in entry.voter.phones.all()]


def test_it_shows_a_leader_their_lists_with_the_reason_for_each_label_and_no_phone_numbers(
    alices_turf, alice
):
    response = make_client(alice).get(reverse("turf:detail", args=[alices_turf.pk]))
    assert response.status_code == 200
    assert "My neighbors" in response.text
    assert "Model score 80 of 100" in response.text
    assert "Likely Democrat" in response.text
    for number in phone_numbers(alices_turf):
        # The last four digits alone also match voter and household ids in links: look for the
        # number as a page would print it, whole or as its local part ("555-0123").
        assert number not in response.text and f"{number[3:6]}-{number[6:]}" not in response.text


def test_it_sends_a_leader_from_my_turf_to_their_lists(alices_turf, alice):
    response = make_client(alice).get(reverse("turf:mine"))
    assert response.url == reverse("turf:detail", args=[alices_turf.pk])


def test_it_gives_the_map_its_points_but_no_phone_numbers(alices_turf, alice):
    response = make_client(alice).get(reverse("turf:detail", args=[alices_turf.pk]))
    data = json.loads(
        re.search(r'id="turf-map-data" type="application/json">(.*?)</script>', response.text).group(1)
    )
    doors = set(alices_turf.entries.values_list("list", "household_id"))
    assert len(data["points"]) == len(doors)
    assert data["home"]["lat"] == pytest.approx(MARYVILLE[0])
    assert not any(number in json.dumps(data) for number in phone_numbers(alices_turf))


def test_it_hides_another_leaders_turf_and_doors_as_if_missing(alices_turf):
    bob = make_user("bob@example.org")
    client = make_client(bob)
    household = alices_turf.entries.first().household
    for url in (
        reverse("turf:detail", args=[alices_turf.pk]),
        reverse("field:call_sheet", args=[alices_turf.pk]),
        reverse("turf:household", args=[household.pk]),
    ):
        assert client.get(url).status_code == 404


def test_it_lets_a_leader_read_but_not_change_their_own_lists(alices_turf, alice):
    voter = alices_turf.entries.first().voter_id
    response = make_client(alice).post(
        reverse("turf:remove_voters", args=[alices_turf.pk]), {"voters": [voter]}
    )
    assert response.status_code == 403
    assert alices_turf.entries.filter(voter_id=voter).exists()


def test_a_coordinator_of_another_county_gets_404(alices_turf):
    dave = make_user("dave@example.org", role="coordinator", counties=["Boone"])
    response = make_client(dave).post(reverse("turf:recut", args=[alices_turf.pk]))
    assert response.status_code == 404


def test_the_county_coordinator_takes_voters_off_and_the_change_is_recorded(alices_turf):
    carol = make_user("carol@example.org", role="coordinator", counties=["Nodaway"])
    voters = list(alices_turf.entries.values_list("voter_id", flat=True)[:2])
    response = make_client(carol).post(
        reverse("turf:remove_voters", args=[alices_turf.pk]), {"voters": voters}
    )
    assert response.status_code == 302
    assert not alices_turf.entries.filter(voter_id__in=voters).exists()
    change = Change.objects.get(action=Change.Action.REMOVE)
    assert change.actor == carol and sorted(change.removed) == sorted(voters)


def test_staff_add_a_voter_by_id_and_move_one_to_another_leader(alices_turf):
    sam = make_user("sam@example.org", role="staff")
    extra = make_voter(make_household(MARYVILLE))
    client = make_client(sam)
    client.post(
        reverse("turf:add_voters", args=[alices_turf.pk]), {"voter_ids": str(extra.pk), "list": "door"}
    )
    assert alices_turf.entries.filter(voter=extra, list=Entry.List.DOOR).exists()
    bob = turf_cut_for_leader(leader=make_leader("bob@example.org", MARYVILLE))
    client.post(reverse("turf:move_voters", args=[alices_turf.pk]), {"voters": [extra.pk], "target": bob.pk})
    assert bob.entries.filter(voter=extra).exists()


def test_staff_lock_a_list_and_a_recut_is_refused_until_unlocked(alices_turf):
    sam = make_user("sam@example.org", role="staff")
    client = make_client(sam)
    before = set(alices_turf.entries.values_list("voter_id", flat=True))
    client.post(reverse("turf:lock", args=[alices_turf.pk]), {"locked": "1"})
    response = client.post(reverse("turf:recut", args=[alices_turf.pk]), follow=True)
    assert "locked" in response.text
    assert set(alices_turf.entries.values_list("voter_id", flat=True)) == before


def test_staff_cut_turf_for_a_waiting_leader(cycle, small_lists):
    make_neighborhood(MARYVILLE, households=30)
    nina = make_leader("nina@example.org", MARYVILLE)
    sam = make_user("sam@example.org", role="staff")
    assert reverse("turf:start", args=[nina.pk]) in make_client(sam).get(reverse("turf:index")).text
    response = make_client(sam).post(reverse("turf:start", args=[nina.pk]), {"decision": "approve"})
    turf = Turf.objects.get(leader=nina)
    assert response.url == reverse("turf:detail", args=[turf.pk])
    assert turf.entries.calls().count() == 6


def test_the_call_sheet_prints_phone_numbers_and_a_code_per_door_but_the_walk_sheet_has_none(
    alices_turf, alice
):
    client = make_client(alice)
    calls = client.get(reverse("field:call_sheet", args=[alices_turf.pk])).text
    doors = client.get(reverse("field:walk_sheet", args=[alices_turf.pk])).text
    number = phone_numbers(alices_turf)[0]
    assert f"{number[:3]}-{number[3:6]}-{number[6:]}" in calls
    assert "Wrong number" in calls and "Not home" in doors
    assert not any(n[-4:] in doors for n in phone_numbers(alices_turf))
    door_count = alices_turf.entries.doors().values("household").distinct().count()
    assert doors.count('<svg class="qr"') == door_count


def test_the_walk_sheet_walks_each_street_by_side_then_house_number(alices_turf, alice):
    text = make_client(alice).get(reverse("field:walk_sheet", args=[alices_turf.pk])).text
    streets = re.findall(r'<h2 class="street">(.*?)</h2>', text)
    assert len(streets) == len(set(streets))


def test_the_household_page_shows_its_voters_their_likely_party_and_attempts(alices_turf, alice):
    entry = alices_turf.entries.doors().select_related("household").first()
    make_party_id(entry.voter, 2, days_ago=3)
    ContactAttempt.objects.create(
        leader=alice, household=entry.household, channel="door", result="not_home", device_time=entry.added_at
    )
    response = make_client(alice).get(reverse("turf:household", args=[entry.household.pk]))
    assert response.status_code == 200
    assert "Said 2 Lean Dem (door)" in response.text
    assert "Not home" in response.text


def carl_smith():
    """A stranger to every test's leader: 104 Juniper St, Maryville 64468, born 1960."""
    return make_voter(make_household(MARYVILLE, number=104, street="Juniper"), first="Carl", last="Smith")


CARL = {"first_name": "carl", "last_name": "SMITH", "house_number": "104", "street": "N Juniper St.",
        "zip_code": "64468", "birth_year": "1960"}  # fmt: skip


def test_find_me_answers_found_and_records_only_an_unverified_claim(db):
    me = carl_smith()
    make_voter(me.household, first="Bert", last="Smith")
    carl = make_user("carl@example.org")
    client = make_client(carl)
    response = client.post(reverse("turf:find_me"), CARL, follow=True)
    assert "Found" in response.text
    assert "Bert" not in response.text
    carl.refresh_from_db()
    assert carl.voter == me and not carl.home_is_verified
    assert Change.objects.filter(leader=carl, action=Change.Action.HOME, actor=carl).exists()
    # A claim shows the leader no voter: no lists, and the waiting page does not repeat the record.
    assert client.get(reverse("field:doors")).status_code == 200
    assert client.get(reverse("turf:household", args=[me.household.pk])).status_code == 404
    assert "Juniper" not in client.get(reverse("turf:mine"), follow=True).text


def test_find_me_never_tells_a_stranger_anyone_s_name_address_or_birth_year(db):
    carl_smith()
    alice = make_user("alice@example.org")
    client = make_client(alice)
    browse = client.get(
        reverse("turf:find_me"), {"first_name": "Carl", "last_name": "Smith", "zip_code": "64468"}
    )
    assert "Juniper" not in browse.text and "1960" not in browse.text and "Carl" not in browse.text
    for wrong in (
        {"birth_year": "1961"},
        {"house_number": "106"},
        {"street": "Elm"},
        {"first_name": "Carla"},
    ):
        response = client.post(reverse("turf:find_me"), CARL | wrong)
        assert "Not found" in response.text
        assert "104 Juniper" not in response.text and "Maryville" not in response.text
    alice.refresh_from_db()
    assert alice.voter is None


def test_find_me_takes_one_street_not_a_list_of_guesses(db):
    carl_smith()
    client = make_client(make_user("guesser@example.org"))
    guesses = CARL | {"street": "Main Oak Pine Maple Elm Juniper Cedar Walnut Park"}
    assert "Not found" in client.post(reverse("turf:find_me"), guesses).text
    # The street as people write it, with a direction and a type the voter file keeps apart, is found.
    assert (
        "Found"
        in client.post(reverse("turf:find_me"), CARL | {"street": "north juniper street"}, follow=True).text
    )


def test_find_me_says_not_found_for_a_record_another_account_holds(db):
    me = carl_smith()
    User.objects.filter(pk=make_user("carl@example.org").pk).update(voter=me)
    squatter = make_user("squatter@example.org")
    response = make_client(squatter).post(reverse("turf:find_me"), CARL)
    assert "Not found" in response.text
    squatter.refresh_from_db()
    assert squatter.voter is None


def test_find_me_limits_tries_per_account_per_address_and_in_total(db, settings):
    carl_smith()
    settings.FIND_ME_DAILY_LIMIT, settings.FIND_ME_IP_DAILY_LIMIT, settings.FIND_ME_HOURLY_TOTAL = 2, 3, 5
    wrong = CARL | {"birth_year": "1959"}
    first, second = make_client(make_user("one@example.org")), make_client(make_user("two@example.org"))
    assert [first.post(reverse("turf:find_me"), wrong).status_code for _ in range(3)] == [200, 200, 429]
    # A second account from the same address carries on only to the address's allowance.
    assert [second.post(reverse("turf:find_me"), wrong).status_code for _ in range(2)] == [429, 429]
    # Fresh accounts from other addresses: the total stops them all.
    codes = [
        make_client(make_user(f"far{n}@example.org"))
        .post(reverse("turf:find_me"), CARL, REMOTE_ADDR=f"10.0.0.{n}")
        .status_code
        for n in range(3)
    ]
    assert codes == [429, 429, 429]
    assert not User.objects.filter(voter__isnull=False).exists()


def test_find_me_counts_the_client_behind_a_trusted_proxy(db, settings):
    carl_smith()
    settings.ALLAUTH_TRUSTED_PROXY_COUNT = 1
    settings.FIND_ME_IP_DAILY_LIMIT = 1
    wrong = CARL | {"birth_year": "1959"}
    for n in range(3):  # three volunteers' phones through one proxy
        client = make_client(make_user(f"p{n}@example.org"))
        response = client.post(reverse("turf:find_me"), wrong, HTTP_X_FORWARDED_FOR=f"203.0.113.{n}")
        assert response.status_code == 200
    again = make_client(make_user("p9@example.org"))
    assert again.post(reverse("turf:find_me"), wrong, HTTP_X_FORWARDED_FOR="203.0.113.0").status_code == 429


@pytest.mark.django_db(transaction=True)
def test_find_me_tries_sent_all_at_once_still_stop_at_the_account_s_allowance(settings):
    # The database cache's incr is a read then a write: a burst of tries read the same count.
    carl_smith()
    settings.FIND_ME_DAILY_LIMIT, settings.FIND_ME_IP_DAILY_LIMIT, settings.FIND_ME_HOURLY_TOTAL = 3, 100, 100
    racer = make_user("racer@example.org")
    wrong = CARL | {"birth_year": "1959"}
    clients = [make_client(racer) for _ in range(12)]
    start, codes = threading.Barrier(len(clients)), []

    def try_once(client):
        try:
            start.wait(10)
            codes.append(client.post(reverse("turf:find_me"), wrong).status_code)
        finally:
            connection.close()

    threads = [threading.Thread(target=try_once, args=(client,)) for client in clients]
    try:
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(60)
        assert len(codes) == len(clients)
        assert codes.count(200) <= 3, codes
    finally:
        cache.clear()  # the cache table is not flushed between transactional tests


def test_find_me_counts_an_ipv6_network_as_one_address(db, settings):
    # Anyone with an IPv6 connection holds a /64: one address each try would be no limit at all.
    carl_smith()
    settings.FIND_ME_IP_DAILY_LIMIT = 2
    wrong = CARL | {"birth_year": "1959"}
    codes = [
        make_client(make_user(f"v6-{n}@example.org"))
        .post(reverse("turf:find_me"), wrong, REMOTE_ADDR=f"2001:db8:1:2::{n + 1:x}")
        .status_code
        for n in range(4)
    ]
    assert codes == [200, 200, 429, 429]


def claimed_by_nina(sam):
    me = carl_smith()
    nina = make_user("nina@example.org", first_name="Nina")
    User.objects.filter(pk=nina.pk).update(last_name="Park", phone="6605550142")
    LeaderProfile.objects.create(user=nina, recruiter=sam, stage=LeaderProfile.Stage.SIGNED_UP)
    make_client(nina).post(reverse("turf:find_me"), CARL)
    nina.refresh_from_db()
    assert nina.voter == me
    return nina


def test_the_approval_screen_shows_the_account_next_to_the_claimed_record(cycle):
    sam = make_user("sam@example.org", role="staff", first_name="Sam")
    nina = claimed_by_nina(sam)
    carol = make_user("carol@example.org", role="coordinator", counties=["Nodaway"])
    page = make_client(carol).get(reverse("turf:index")).text
    for shown in (
        "Nina Park",
        "nina@example.org",
        "6605550142",
        "Sam",
        "Carl Smith",
        "1960",
        "104 Juniper",
        "unverified claim",
    ):
        assert shown in page, shown
    assert reverse("turf:start", args=[nina.pk]) in page
    dave = make_user("dave@example.org", role="coordinator", counties=["Boone"])
    assert "nina@example.org" not in make_client(dave).get(reverse("turf:index")).text


def test_approving_a_claim_cuts_turf_and_rejecting_it_unlinks_the_record(cycle, small_lists):
    make_neighborhood(MARYVILLE, households=30)
    sam = make_user("sam@example.org", role="staff")
    nina = claimed_by_nina(sam)
    staff = make_client(sam)
    assert (
        staff.post(reverse("turf:start", args=[nina.pk])).status_code == 302
    )  # no decision: nothing happens
    assert not Turf.objects.filter(leader=nina).exists()
    staff.post(reverse("turf:start", args=[nina.pk]), {"decision": "reject"})
    nina.refresh_from_db()
    assert nina.voter is None
    make_client(nina).post(reverse("turf:find_me"), CARL)
    response = staff.post(reverse("turf:start", args=[nina.pk]), {"decision": "approve"})
    turf = Turf.objects.get(leader=nina)
    assert response.url == reverse("turf:detail", args=[turf.pk])
    nina.refresh_from_db()
    assert nina.home_is_verified and nina.home_verified_by == sam
    assert turf.entries.calls().count() == 6
    assert make_client(nina).get(reverse("turf:mine")).url == reverse("turf:detail", args=[turf.pk])


def test_staff_link_a_leader_to_their_voter_record(db):
    sam = make_user("sam@example.org", role="staff")
    nina = make_user("nina@example.org")
    voter = make_voter(make_household(MARYVILLE))
    response = make_client(sam).post(reverse("turf:link_home", args=[nina.pk]), {"voter_id": voter.pk})
    assert response.status_code == 302
    nina.refresh_from_db()
    assert nina.voter == voter
    assert nina.home_is_verified and nina.home_verified_by == sam  # staff's link is the approval


def test_the_turf_table_flags_a_leader_left_with_doors_far_beyond_a_neighbors(cycle, settings):
    from tests.cast import offset

    leaders = [make_leader(f"n{i}@example.org", offset(MARYVILLE, 150 * i, 0)) for i in range(2)]
    far = make_leader("far@example.org", offset(MARYVILLE, 5000, 0))
    for leader, median in ((leaders[0], 1200.0), (leaders[1], 400.0), (far, 100.0)):
        Turf.objects.create(cycle=cycle, leader=leader, county="Nodaway", door_median_m=median,
                            latitude=leader.voter.household.latitude, longitude=leader.voter.household.longitude)  # fmt: skip
    sam = make_user("sam@example.org", role="staff")
    page = make_client(sam).get(reverse("turf:index"))
    assert page.text.count("farther than a neighbor") == 1 and "Doors 3.0× farther" in page.text
    rows = {turf.leader.email: turf for turf in page.context["page"]}
    # 1200 m against a neighbor's 400 m, 150 m away: three times; the leader 5 km off is nobody's neighbor.
    assert rows["n0@example.org"].door_median_ratio == pytest.approx(3.0)
    assert rows["n1@example.org"].door_median_ratio is None
    assert rows["far@example.org"].door_median_ratio is None
    settings.TURF_FAIRNESS_FACTOR = 3.5
    assert "farther than a neighbor" not in make_client(sam).get(reverse("turf:index")).text


def test_the_turf_table_counts_the_lists_as_the_leader_sees_them(alices_turf):
    sam = make_user("sam@example.org", role="staff")
    entries = Entry.objects.filter(turf=alices_turf)
    calls, doors = entries.calls().count(), entries.doors().count()
    assert (calls, doors) == (6, 10)
    gone = entries.calls().first().voter
    gone.is_registered = False  # left the voter file since the cut
    gone.save(update_fields=["is_registered"])
    doors_of_gone = entries.doors().filter(voter=gone).count()

    row = make_client(sam).get(reverse("turf:index")).context["page"][0]

    assert (row.calls, row.doors) == (calls - 1, doors - doors_of_gone)
