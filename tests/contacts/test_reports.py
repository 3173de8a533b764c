"""Reported moves and deaths: coordinators and staff confirm or dismiss them (DESIGN.md section 5)."""

import threading
import uuid
from datetime import timedelta

import pytest
from django.contrib.admin.models import LogEntry
from django.contrib.auth.models import Permission
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from contacts.models import Channel, ContactAttempt, Phone, Suppression
from contacts.services import (
    UNDO_WINDOW,
    Person,
    contact_record,
    suppression_confirm,
    suppression_dismiss,
    suppression_reopen,
    suppression_undo,
)
from leaders.models import User
from tests.cast import (
    KANSAS_CITY,
    MARYVILLE,
    make_client,
    make_cycle,
    make_household,
    make_turf,
    make_user,
    make_voter,
)
from turf.models import Entry

Result = ContactAttempt.Result


def report(leader, voter, result=Result.MOVED, *, note="") -> Suppression:
    """Have a leader knock on the voter's door and say they moved (or died)."""
    contact_record(
        leader=leader, client_uuid=uuid.uuid4(), channel=Channel.DOOR, result=result,
        device_time=timezone.now() - timedelta(minutes=5), household=voter.household,
        people=[Person(voter.pk)], note=note,
    )  # fmt: skip
    return Suppression.objects.filter(voter=voter, reason=result).latest("pk")


def confirm(user, suppression, page=None):
    data = {"page": page} if page else {}
    return make_client(user).post(reverse("contacts:report_confirm", args=[suppression.pk]), data)


def dismiss(user, suppression):
    return make_client(user).post(reverse("contacts:report_dismiss", args=[suppression.pk]))


def undo(user, suppression):
    return make_client(user).post(reverse("contacts:report_undo", args=[suppression.pk]), follow=True)


def pending(suppression) -> bool:
    suppression.refresh_from_db()
    return (suppression.confirmed_at, suppression.confirmed_by, suppression.dismissed_at) == (
        None,
        None,
        None,
    )


def listed(voter) -> bool:
    return Entry.objects.listed().filter(voter=voter).exists()


@pytest.fixture
def pat(db):
    """A Nodaway voter on alice's door list."""
    return make_voter(make_household(MARYVILLE), first="Pat", last="Mover")


@pytest.fixture
def listed_pat(pat, alice):
    make_turf(alice, cycle=make_cycle(), doors=[pat])
    return pat


@pytest.fixture
def kim(db):
    """A Jackson County voter, outside carol's counties."""
    return make_voter(make_household(KANSAS_CITY, county="Jackson", city="Kansas City"), first="Kim")


def test_a_coordinator_sees_only_the_reports_in_their_counties(alice, bob, carol, sam, pat, kim):
    report(alice, pat)
    report(bob, kim, Result.DECEASED)
    carols = make_client(carol).get(reverse("contacts:reports"))
    assert carols.status_code == 200
    assert "Pat Mover" in carols.text and "Kim" not in carols.text
    assert [r.voter for r in carols.context["page"]] == [pat]
    sams = make_client(sam).get(reverse("contacts:reports"))
    assert [r.voter for r in sams.context["page"]] == [pat, kim]


def test_it_shows_who_reported_what_when_and_what_the_voter_file_says(alice, carol, pat):
    pat.is_registered = False
    pat.unregistered_at = timezone.now()
    pat.save()
    report(alice, pat, Result.DECEASED, note="Obituary in the Forum")
    page = make_client(carol).get(reverse("contacts:reports")).text
    assert "Deceased" in page and "Alice" in page and "Obituary in the Forum" in page
    assert "No longer registered" in page
    assert "Nodaway County" in page and "precinct Maryville 1" in page
    assert pat.household.address_line in page
    assert "1 leader" in page


def test_it_lists_the_oldest_first_a_page_at_a_time(alice, carol):
    voters = [make_voter(make_household(MARYVILLE), first=f"Voter{n:02d}") for n in range(27)]
    for voter in voters:
        report(alice, voter)
    client = make_client(carol)
    first = client.get(reverse("contacts:reports")).context["page"]
    second = client.get(reverse("contacts:reports"), {"page": 2}).context["page"]
    assert [r.voter for r in first] == voters[:25] and [r.voter for r in second] == voters[25:]


def test_it_leaves_out_reports_already_decided_and_other_suppressions(alice, carol, sam, pat):
    suppression_confirm(suppression=report(alice, pat), by=sam)
    other = make_voter(make_household(MARYVILLE))
    suppression_dismiss(suppression=report(alice, other, Result.DECEASED), by=sam)
    report(alice, make_voter(make_household(MARYVILLE)), Result.HOSTILE)
    response = make_client(carol).get(reverse("contacts:reports"))
    assert list(response.context["page"]) == []
    assert "Nothing waits for you" in response.text


def test_confirming_takes_the_voter_off_every_list(alice, carol, listed_pat):
    suppression = report(alice, listed_pat)
    assert listed(listed_pat)
    response = confirm(carol, suppression)
    assert response.status_code == 302 and response["Location"] == reverse("contacts:reports")
    suppression.refresh_from_db()
    assert suppression.confirmed_by == carol and suppression.confirmed_at is not None
    assert not listed(listed_pat)


def test_dismissing_keeps_the_voter_on_the_lists(alice, carol, listed_pat):
    suppression = report(alice, listed_pat)
    response = dismiss(carol, suppression)
    assert response.status_code == 302
    suppression.refresh_from_db()
    assert (suppression.dismissed_by, suppression.confirmed_at) == (carol, None)
    assert suppression.dismissed_at is not None
    assert listed(listed_pat)
    assert not Suppression.objects.in_force().filter(voter=listed_pat).exists()


def test_a_new_report_after_a_dismissal_waits_again(alice, bob, carol, listed_pat):
    dismissed = report(alice, listed_pat)
    dismiss(carol, dismissed)
    fresh = report(alice, listed_pat)
    assert fresh.pk != dismissed.pk and fresh.confirmed_at is None
    assert listed(listed_pat)
    response = make_client(carol).get(reverse("contacts:reports"))
    (shown,) = response.context["page"]
    assert (shown, shown.reporters, shown.dismissed_before) == (fresh, 1, 1)
    assert "1 earlier report dismissed" in response.text

    report(bob, listed_pat)
    fresh.refresh_from_db()
    assert fresh.confirmed_by == bob
    assert not listed(listed_pat)
    dismissed.refresh_from_db()
    assert dismissed.confirmed_at is None  # a dismissed report stays dismissed


def test_a_second_confirm_changes_nothing(alice, carol, sam, pat):
    suppression = report(alice, pat)
    confirm(carol, suppression)
    suppression.refresh_from_db()
    first = (suppression.confirmed_by, suppression.confirmed_at)
    for user in (carol, sam):
        response = confirm(user, suppression)
        assert response.status_code == 302
    suppression.refresh_from_db()
    assert (suppression.confirmed_by, suppression.confirmed_at) == first
    assert Suppression.objects.filter(voter=pat).count() == 1


def test_a_decided_report_stays_decided(alice, carol, sam, pat, kim):
    confirmed = report(alice, pat)
    confirm(carol, confirmed)
    dismiss(carol, confirmed)
    confirmed.refresh_from_db()
    assert confirmed.confirmed_by == carol and confirmed.dismissed_at is None

    dismissed = report(alice, kim)
    client = make_client(sam)
    response = client.post(reverse("contacts:report_dismiss", args=[dismissed.pk]), follow=True)
    assert "Kim Neighbor: moved dismissed by Sam; they stay on the lists." in response.text
    response = client.post(reverse("contacts:report_confirm", args=[dismissed.pk]), follow=True)
    assert "Nothing changed. Kim Neighbor: moved dismissed by Sam" in response.text
    dismissed.refresh_from_db()
    assert dismissed.dismissed_by == sam and dismissed.confirmed_at is None


def test_a_coordinator_undoes_a_confirmation_made_by_mistake(alice, carol, listed_pat):
    suppression = report(alice, listed_pat)
    confirm(carol, suppression)
    assert not listed(listed_pat)
    page = make_client(carol).get(reverse("contacts:reports"))
    assert list(page.context["undoable"]) == [suppression]
    assert f'id="decided-{suppression.pk}">Pat Mover: moved confirmed</span>' in " ".join(page.text.split())

    response = undo(carol, suppression)
    assert "Pat Mover: decision undone. The report (moved) waits for a decision again." in response.text
    assert pending(suppression)
    assert listed(listed_pat)
    assert list(response.context["page"]) == [suppression]
    assert list(response.context["undoable"]) == []


def test_a_dismissal_undone_waits_again_and_can_be_confirmed(alice, sam, listed_pat):
    suppression = report(alice, listed_pat, Result.DECEASED)
    dismiss(sam, suppression)
    undo(sam, suppression)
    assert pending(suppression)
    confirm(sam, suppression)
    suppression.refresh_from_db()
    assert suppression.confirmed_by == sam and suppression.dismissed_at is None
    assert not listed(listed_pat)


def test_only_who_decided_may_undo_and_only_within_the_window(alice, carol, sam, pat):
    suppression = report(alice, pat)
    confirm(sam, suppression)
    response = undo(carol, suppression)
    assert (
        "Pat Mover: nothing changed. Only who decided may undo it, and only within 15 minutes."
        in response.text
    )
    assert list(response.context["undoable"]) == []
    suppression.refresh_from_db()
    assert suppression.confirmed_by == sam

    late = timezone.now() - UNDO_WINDOW - timedelta(seconds=1)
    Suppression.objects.filter(pk=suppression.pk).update(confirmed_at=late)
    response = undo(sam, suppression)
    assert "Only who decided may undo it" in response.text
    suppression.refresh_from_db()
    assert (suppression.confirmed_by, suppression.confirmed_at) == (sam, late)


def test_an_undo_leaves_a_report_waiting_and_a_newer_report_alone(alice, bob, carol, pat):
    waiting = report(alice, pat)
    _, refused = suppression_undo(suppression=waiting, by=carol)
    assert refused == "It waits for a decision already." and pending(waiting)

    suppression_dismiss(suppression=waiting, by=carol)
    newer = report(bob, pat)  # reported again after the dismissal: that report is the one to decide
    _, refused = suppression_undo(suppression=waiting, by=carol)
    assert refused == "A newer report of the same waits for a decision."
    waiting.refresh_from_db()
    assert waiting.dismissed_by == carol and pending(newer)


def test_a_report_made_while_confirmed_survives_the_undo_of_that_confirmation(alice, bob, carol, pat):
    first = report(alice, pat)
    confirm(carol, first)
    second = report(bob, pat)  # bob knocks too, after carol confirmed alice's report
    assert second != first and (second.created_by, second.confirmed_by) == (bob, bob)
    report(bob, pat)  # bob again, and alice and carol again, add nothing: each report counts once
    report(alice, pat)
    report(carol, pat)
    assert Suppression.objects.filter(voter=pat).count() == 2
    shown = Suppression.objects.with_report_counts().get(pk=first.pk)
    assert shown.reporters == 2

    # Without carol's decision, bob's report would have confirmed alice's: undoing it changes nothing.
    _, refused = suppression_undo(suppression=first, by=carol)
    assert refused == "Someone else has reported the same since, which confirms it."
    first.refresh_from_db()
    assert first.confirmed_by == carol
    assert Suppression.objects.in_force().filter(voter=pat).count() == 2


def test_a_coordinator_cannot_undo_their_own_report_of_what_was_confirmed_already(alice, bob, carol, pat):
    first = report(alice, pat)
    report(bob, pat)  # the second reporter confirms it
    own = report(carol, pat)  # carol knocks later: her report is kept, confirmed, in her decisions
    assert own != first and (own.created_by, own.confirmed_by) == (carol, carol)
    _, refused = suppression_undo(suppression=own, by=carol)
    assert refused == "An earlier report of the same is confirmed, and stands."
    own.refresh_from_db()
    assert own.confirmed_by == carol
    assert not Suppression.objects.pending().filter(voter=pat).exists()


def test_undo_is_for_coordinators_and_staff_in_the_county(alice, bob, carol, dave, pat):
    suppression = report(alice, pat)
    confirm(carol, suppression)
    for user in (alice, bob, dave):
        assert (
            make_client(user).post(reverse("contacts:report_undo", args=[suppression.pk])).status_code == 404
        )
    assert make_client(carol).get(reverse("contacts:report_undo", args=[suppression.pk])).status_code == 405
    with pytest.raises(PermissionDenied):
        suppression_undo(suppression=suppression, by=alice)
    suppression.refresh_from_db()
    assert suppression.confirmed_by == carol


def test_a_leader_reaches_neither_the_page_nor_the_buttons(alice, bob, cathy, pat):
    suppression = report(alice, pat)
    for user in (alice, bob, cathy):
        assert make_client(user).get(reverse("contacts:reports")).status_code == 404
        assert confirm(user, suppression).status_code == 404
        assert dismiss(user, suppression).status_code == 404
    suppression.refresh_from_db()
    assert (suppression.confirmed_at, suppression.dismissed_at) == (None, None)


def test_a_coordinator_cannot_decide_on_another_countys_report(alice, dave, pat):
    suppression = report(alice, pat)  # Nodaway; dave coordinates Boone
    assert confirm(dave, suppression).status_code == 404
    assert dismiss(dave, suppression).status_code == 404
    suppression.refresh_from_db()
    assert (suppression.confirmed_at, suppression.dismissed_at) == (None, None)


def test_a_suppression_that_needs_no_confirmation_is_not_a_report(alice, sam, pat):
    hostile = report(alice, pat, Result.HOSTILE)
    assert confirm(sam, hostile).status_code == 404


def test_the_buttons_answer_only_posts(alice, carol, pat):
    suppression = report(alice, pat)
    response = make_client(carol).get(reverse("contacts:report_confirm", args=[suppression.pk]))
    assert response.status_code == 405


def test_it_returns_to_the_page_the_coordinator_was_on(alice, carol, pat):
    response = confirm(carol, report(alice, pat), page=3)
    assert response["Location"] == reverse("contacts:reports") + "?page=3"


def test_the_menu_counts_the_reports_waiting_in_the_users_counties(alice, bob, carol, dave, pat, kim):
    report(alice, pat)
    report(bob, kim)

    def counts(user):
        items = make_client(user).get(reverse("home")).context["nav_items"]
        return {item["label"]: item["count"] for item in items if item["label"] == "Moves and deaths"}

    assert counts(carol) == {"Moves and deaths": 1}
    assert counts(dave) == {"Moves and deaths": 0}
    assert counts(alice) == {}


@pytest.mark.django_db(transaction=True)
def test_two_coordinators_deciding_at_once_leave_one_decision():
    leader = make_user("racer@example.org")
    first = make_user("first@example.org", role=User.Role.COORDINATOR, counties=["Nodaway"])
    second = make_user("second@example.org", role=User.Role.COORDINATOR, counties=["Nodaway"])
    suppressions = [report(leader, make_voter(make_household(MARYVILLE))) for _ in range(10)]
    errors = []

    def decide(service, by):
        try:
            for suppression in suppressions:
                service(suppression=suppression, by=by)
        except Exception as error:  # noqa: BLE001 - the assertion below reports it
            errors.append(error)
        finally:
            connection.close()

    threads = [
        threading.Thread(target=decide, args=(suppression_confirm, first)),
        threading.Thread(target=decide, args=(suppression_dismiss, second)),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert errors == []
    for suppression in suppressions:
        suppression.refresh_from_db()
        decided = (suppression.confirmed_by_id, suppression.dismissed_by_id)
        assert decided in ((first.pk, None), (None, second.pk))


def test_the_page_costs_the_same_queries_for_three_reports_or_twenty(alice, carol):
    client = make_client(carol)

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(reverse("contacts:reports")).status_code == 200
        return len(captured)

    queries()  # the session's first request does its own one-off work
    for _ in range(3):
        report(alice, make_voter(make_household(MARYVILLE)))
    few = queries()
    for _ in range(17):
        report(alice, make_voter(make_household(MARYVILLE)))
    assert queries() == few


# --- Staff reopen any decision in the admin, and the admin logs it ----------------------------------


@pytest.fixture
def sam_may_view_suppressions(sam):
    """Let staff look at suppressions in the admin (Django's view permission)."""
    sam.user_permissions.add(Permission.objects.get(codename="view_suppression"))


def admin_reopen(user, *suppressions):
    url = reverse("admin:contacts_suppression_changelist")
    data = {"action": "reopen", "_selected_action": [s.pk for s in suppressions]}
    return make_client(user).post(url, data, follow=True)


@pytest.mark.usefixtures("sam_may_view_suppressions")
def test_staff_reopen_an_old_decision_in_the_admin_and_it_is_logged(alice, carol, sam, listed_pat):
    suppression = report(alice, listed_pat)
    confirm(carol, suppression)
    Suppression.objects.filter(pk=suppression.pk).update(confirmed_at=timezone.now() - timedelta(days=40))

    response = admin_reopen(sam, suppression)

    assert "Pat Mover: reopened; it waits for a decision." in response.text
    assert pending(suppression) and listed(listed_pat)
    entry = LogEntry.objects.get(object_id=str(suppression.pk))
    assert entry.user == sam and entry.get_change_message().startswith(
        "Reopened a report confirmed by Carol on "
    )


@pytest.mark.usefixtures("sam_may_view_suppressions")
def test_the_admin_leaves_a_report_that_waits_or_was_reported_again_as_it_is(alice, bob, sam, pat):
    waiting = report(alice, pat)
    dismissed = report(alice, make_voter(make_household(MARYVILLE), first="Lee", last="Gone"))
    suppression_dismiss(suppression=dismissed, by=sam)
    report(bob, dismissed.voter)  # reported again since

    response = admin_reopen(sam, waiting, dismissed)

    assert "Pat Mover: not reopened. It waits for a decision already." in response.text
    assert "Lee Gone: not reopened. A newer report of the same waits for a decision." in response.text
    dismissed.refresh_from_db()
    assert dismissed.dismissed_by == sam and not LogEntry.objects.exists()
    with pytest.raises(PermissionDenied):
        suppression_reopen(
            suppression=dismissed, by=make_user("cora@example.org", role="coordinator", counties=["Nodaway"])
        )


@pytest.mark.usefixtures("sam_may_view_suppressions")
def test_the_admin_lists_suppressions_without_phone_numbers(alice, sam, pat):
    phone = Phone.objects.create(voter=pat, number="6605550199", kind=Phone.Kind.CELL)
    wrong = Suppression.objects.create(
        voter=pat, phone=phone, reason=Suppression.Reason.WRONG_NUMBER, created_by=alice
    )
    client = make_client(sam)
    listing = client.get(reverse("admin:contacts_suppression_changelist")).text
    detail = client.get(reverse("admin:contacts_suppression_change", args=[wrong.pk])).text
    assert "Pat Mover" in listing and "Wrong number" in listing
    assert "0199" not in listing and "0199" not in detail


# --- hostile, do not contact, wrong and dead numbers: in force at once, reviewed and lifted --------


def knock_hostile(leader, home):
    contact_record(
        leader=leader, client_uuid=uuid.uuid4(), channel=Channel.DOOR, result=Result.HOSTILE,
        device_time=timezone.now() - timedelta(minutes=5), household=home,
    )  # fmt: skip


def lift(user, suppression, why="Her daughter called: it was a misunderstanding."):
    return make_client(user).post(reverse("contacts:suppression_lift", args=[suppression.pk]), {"why": why})


@pytest.fixture
def household_of_two(alice):
    """Pat and Lee at one Nodaway door, both on alice's door list."""
    home = make_household(MARYVILLE)
    pat, lee = make_voter(home, first="Pat", last="Door"), make_voter(home, first="Lee", last="Door")
    make_turf(alice, cycle=make_cycle(), doors=[pat, lee])
    return home, pat, lee


def test_a_coordinator_reviews_and_lifts_a_hostile_and_the_household_is_back_on_lists(
    alice, carol, household_of_two
):
    home, pat, lee = household_of_two
    knock_hostile(alice, home)
    assert not listed(pat) and not listed(lee)  # at once, for the next leader's safety
    page = make_client(carol).get(reverse("contacts:suppressions"))
    assert page.status_code == 200
    assert "Pat Door" in page.text and "Hostile" in page.text
    hostile = Suppression.objects.filter(voter=pat).get()
    response = lift(carol, hostile)
    assert response.status_code == 302
    assert listed(pat) and listed(lee)
    assert not Suppression.objects.in_force().exists()
    for suppression in Suppression.objects.all():
        assert suppression.dismissed_by == carol and suppression.dismissed_at is not None
        assert suppression.decision_note == "Her daughter called: it was a misunderstanding."
    knock = make_client(alice).get(reverse("field:knock", args=[home.pk]))
    assert "someone here was hostile" not in knock.text
    audit = make_client(carol).get(reverse("contacts:suppressions"))
    assert "misunderstanding" in audit.text and "lifted by" in audit.text


def test_lifting_needs_a_reason_and_a_second_lift_changes_nothing(alice, carol, sam, household_of_two):
    home, pat, _ = household_of_two
    knock_hostile(alice, home)
    hostile = Suppression.objects.filter(voter=pat).get()
    lift(carol, hostile, why="  ")
    assert Suppression.objects.in_force().count() == 2
    lift(carol, hostile)
    lift(sam, hostile, why="Again")
    hostile.refresh_from_db()
    assert hostile.dismissed_by == carol and hostile.decision_note.startswith("Her daughter")


def test_a_do_not_contact_and_a_wrong_number_are_lifted_the_same_way(alice, carol, sam, pat):
    phone = Phone.objects.create(voter=pat, number="6605550100")
    contact_record(
        leader=alice, client_uuid=uuid.uuid4(), channel=Channel.PHONE, result=Result.WRONG_NUMBER,
        device_time=timezone.now(), voter=pat, phone=phone,
    )  # fmt: skip
    contact_record(
        leader=alice, client_uuid=uuid.uuid4(), channel=Channel.DOOR, result=Result.TALKED,
        device_time=timezone.now(), household=pat.household, people=[Person(pat.pk, do_not_contact=True)],
    )  # fmt: skip
    page = make_client(carol).get(reverse("contacts:suppressions"))
    assert "Wrong number" in page.text and "Do not contact" in page.text
    assert "6605550100" not in page.text  # numbers stay off list pages
    for suppression in Suppression.objects.all():
        assert lift(sam, suppression).status_code == 302
    assert not Suppression.objects.in_force().exists()


def test_a_leader_cannot_reach_the_review_page_or_lift(alice, bob, cathy, household_of_two):
    home, pat, _ = household_of_two
    knock_hostile(alice, home)
    hostile = Suppression.objects.filter(voter=pat).get()
    for user in (alice, bob, cathy):
        assert make_client(user).get(reverse("contacts:suppressions")).status_code == 404
        assert lift(user, hostile).status_code == 404
    assert Suppression.objects.in_force().count() == 2


def test_another_countys_coordinator_gets_404_and_sees_nothing(alice, dave, household_of_two):
    home, pat, _ = household_of_two
    knock_hostile(alice, home)
    hostile = Suppression.objects.filter(voter=pat).get()
    assert lift(dave, hostile).status_code == 404
    assert "Pat Door" not in make_client(dave).get(reverse("contacts:suppressions")).text
    assert Suppression.objects.in_force().count() == 2


def test_a_reported_move_is_not_lifted_here(alice, carol, pat):
    moved = report(alice, pat)
    assert lift(carol, moved).status_code == 404
