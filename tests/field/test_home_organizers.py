"""Coordinators and staff start from a home page that shows their leaders and what needs them today."""

from django.urls import reverse
from django.utils import timezone

from contacts.models import Suppression, Voter
from leaders.models import User
from tests.cast import (
    COLUMBIA,
    MARYVILLE,
    a_call,
    make_client,
    make_leader,
    make_suppression,
    make_user,
)
from tests.field.test_sync import post


def move_to_jackson(leader):
    Voter.objects.filter(pk=leader.voter_id).update(county="Jackson")


def test_a_coordinators_home_lists_the_leaders_in_their_counties(carol, dave, alice, bob, lists):
    move_to_jackson(bob)
    home = make_client(carol).get(reverse("home"))

    assert home.status_code == 200
    assert "appear here as they sign up" not in home.text
    assert [leader.pk for leader in home.context["leaders"]] == [alice.pk]  # bob's home is not in Nodaway
    assert alice.email in home.text or alice.get_full_name() in home.text
    assert bob.email not in home.text
    assert [leader.pk for leader in make_client(dave).get(reverse("home")).context["leaders"]] == []


def test_it_shows_claims_waiting_for_approval_in_the_coordinators_counties(carol, db):
    claimer = make_leader("newcomer@example.org", MARYVILLE)
    User.objects.filter(pk=claimer.pk).update(first_name="Nora")
    elsewhere = make_leader("faraway@example.org", COLUMBIA, county="Boone")
    approved = make_leader("settled@example.org", MARYVILLE)
    User.objects.filter(pk=approved.pk).update(home_verified_at=timezone.now())

    home = make_client(carol).get(reverse("home"))

    assert [user.pk for user in home.context["claims"]] == [claimer.pk]
    assert "Nora" in home.text and "faraway@" not in home.text
    assert f'href="{reverse("turf:index")}"' in home.text
    assert elsewhere.pk not in [user.pk for user in home.context["claims"]]


def test_it_names_the_leaders_with_no_contact_this_cycle(carol, alice, bob, lists):
    move_to_jackson(bob)
    client = make_client(carol)
    assert [turf.leader_id for turf in client.get(reverse("home")).context["silent"]] == [alice.pk]

    post(make_client(alice), [a_call(lists.calls[0])])

    assert list(client.get(reverse("home")).context["silent"]) == []


def test_it_counts_reports_of_moves_and_deaths_waiting_for_the_coordinator(carol, alice, lists):
    make_suppression(lists.calls[0], Suppression.Reason.MOVED)
    make_suppression(lists.calls[1], Suppression.Reason.HOSTILE)  # in force at once: nothing to review

    home = make_client(carol).get(reverse("home"))

    assert home.context["pending_reports"] == 1
    assert f'href="{reverse("contacts:reports")}"' in home.text


def test_staff_see_every_leader_and_reach_the_admin_without_being_superusers(sam, alice, bob, lists):
    assert not sam.is_superuser
    client = make_client(sam)
    home = client.get(reverse("home"))
    assert {leader.pk for leader in home.context["leaders"]} == {alice.pk, bob.pk}

    admin = client.get(reverse("admin:index"))

    assert admin.status_code == 200
    assert "permission to view or edit anything" not in admin.text
    assert reverse("admin:leaders_user_changelist") in admin.text
    assert client.get(reverse("admin:leaders_user_changelist")).status_code == 200
    assert client.get(reverse("admin:leaders_user_change", args=[alice.pk])).status_code == 200


def test_only_the_staff_role_gets_admin_permissions(carol, alice, cathy):
    for user in (carol, alice, cathy):
        assert not user.has_perm("leaders.view_user")
    inactive = make_user("gone@example.org", role=User.Role.STAFF)
    inactive.is_active = False
    assert not inactive.has_perm("leaders.view_user")
