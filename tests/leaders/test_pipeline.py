"""The leader pipeline: every stage move, dated, forward only, from the app where the thing happens."""

import re
import threading
import uuid
from datetime import timedelta

import pytest
from django.core import mail
from django.db import connection
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from contacts.services import contact_record
from leaders.models import Invitation, LeaderProfile, StageChange, User
from leaders.pipeline import (
    PipelineError,
    add_prospect,
    gathering_held,
    leader_signed_up,
    profile_for,
    record_stage,
)
from leaders.services import invite_prospect
from tests.cast import (
    MARYVILLE,
    make_leader,
    make_lists,
    make_neighborhood,
    make_user,
    offset,
)
from turf.services import TurfError, turf_approve_leader, turf_quit

Stage = LeaderProfile.Stage
SITE = "http://testserver/"
PASSWORD = "a long volunteer passphrase 2028"


def stages(profile) -> list[tuple[str, str]]:
    return list(profile.stage_changes.order_by("at", "pk").values_list("from_stage", "to_stage"))


def emailed_link() -> str:
    return re.search(r"https?://\S+/join/\S+/", mail.outbox[-1].body).group(0)


def sign_up_through(link: str, email: str) -> User:
    client = Client()
    client.get(link)
    data = {"first_name": "Nina", "last_name": "Park", "email": email,
            "password1": PASSWORD, "password2": PASSWORD}  # fmt: skip
    assert client.post(reverse("account_signup"), data).status_code == 302
    return User.objects.get(email=email)


# --- prospects ---------------------------------------------------------------------------------------


def test_a_prospect_starts_with_a_dated_row_and_the_same_email_is_the_same_person(alice, bob):
    nina = add_prospect(first_name="Nina", last_name="Park", email="Nina@Example.org", county="Nodaway",
                        recruiter=alice, origin=LeaderProfile.Origin.GATHERING)  # fmt: skip
    assert (nina.stage, nina.email, nina.recruiter) == (Stage.PROSPECT, "nina@example.org", alice)
    assert stages(nina) == [("", Stage.PROSPECT)]
    again = add_prospect(first_name="Nina", email="nina@example.org", recruiter=bob)
    assert again.pk == nina.pk and again.recruiter == alice


def test_a_prospect_who_has_an_account_already_is_their_account_profile(alice):
    assert add_prospect(first_name="Alice", email="ALICE@example.org").user == alice


@pytest.mark.parametrize(
    "name, email",
    [("Nina\r\nBcc: x@example.org", "nina@example.org"), ("<b>Nina</b>", ""), ("  ", ""),
     ("Nina", "nina@example"), ("Nina", "nina@example.org\nBcc: x@example.org")],
)  # fmt: skip
def test_bad_input_gets_a_clear_error_and_writes_nothing(db, name, email):
    with pytest.raises(PipelineError):
        add_prospect(first_name=name, email=email)
    assert not LeaderProfile.objects.exists() and not StageChange.objects.exists()


def test_a_staff_email_is_no_prospect(sam):
    with pytest.raises(PipelineError):
        add_prospect(first_name="Sam", email="sam@example.org")
    assert not LeaderProfile.objects.exists()


# --- the ladder ----------------------------------------------------------------------------------------


def test_a_stage_only_moves_forward_and_recording_it_again_changes_nothing(alice):
    assert record_stage(alice, Stage.FIRST_CONTACT, reason="first synced attempt")
    assert not record_stage(alice, Stage.FIRST_CONTACT)
    assert not record_stage(alice, Stage.APPROVED)
    assert record_stage(alice, Stage.RECRUITED)
    profile = LeaderProfile.objects.get(user=alice)
    assert profile.stage == Stage.RECRUITED
    assert stages(profile) == [("", Stage.SIGNED_UP), (Stage.SIGNED_UP, Stage.FIRST_CONTACT),
                               (Stage.FIRST_CONTACT, Stage.RECRUITED)]  # fmt: skip
    assert profile.stage_changes.get(to_stage=Stage.FIRST_CONTACT).reason == "first synced attempt"


def test_inactive_is_a_side_exit_and_any_move_up_brings_them_back_where_they_were(alice, sam):
    record_stage(alice, Stage.GATHERING_HELD)
    assert record_stage(alice, Stage.INACTIVE, by=sam, reason="no answer since May")
    assert record_stage(alice, Stage.FIRST_CONTACT, reason="first synced attempt")
    assert LeaderProfile.objects.get(user=alice).stage == Stage.GATHERING_HELD


def test_quitting_needs_a_reason_and_only_a_person_brings_someone_back(alice, sam):
    record_stage(alice, Stage.TURF_DELIVERED)
    with pytest.raises(PipelineError):
        record_stage(alice, Stage.QUIT, by=sam)
    assert record_stage(alice, Stage.QUIT, by=sam, reason="moved to Kansas")
    assert not record_stage(alice, Stage.FIRST_CONTACT)
    assert LeaderProfile.objects.get(user=alice).stage == Stage.QUIT
    assert record_stage(alice, Stage.TURF_DELIVERED, by=sam, reason="came back")
    assert LeaderProfile.objects.get(user=alice).stage == Stage.TURF_DELIVERED


def test_a_prospect_without_an_account_cannot_be_signed_up_or_approved(db):
    nina = add_prospect(first_name="Nina")
    for stage in (Stage.SIGNED_UP, Stage.APPROVED):
        with pytest.raises(PipelineError):
            record_stage(nina, stage)
    assert stages(nina) == [("", Stage.PROSPECT)]


def test_a_stage_recorded_twice_at_once_is_one_row(transactional_db):
    alice = make_user("alice@example.org")
    profile_for(alice)
    barrier = threading.Barrier(2)

    def record():
        try:
            barrier.wait()
            record_stage(alice, Stage.FIRST_CONTACT)
        finally:
            connection.close()

    threads = [threading.Thread(target=record) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert StageChange.objects.filter(to_stage=Stage.FIRST_CONTACT).count() == 1


# --- invitation and sign-up ------------------------------------------------------------------------------


def test_a_prospect_is_invited_signs_up_and_their_recruiter_has_recruited_a_leader(alice, sam):
    nina = add_prospect(first_name="Nina", last_name="Park", email="nina@example.org", county="Nodaway",
                        recruiter=alice, origin=LeaderProfile.Origin.GATHERING)  # fmt: skip
    invite_prospect(profile=nina, by=alice, site_url=SITE)
    assert mail.outbox[-1].to == ["nina@example.org"]
    account = sign_up_through(emailed_link(), "nina@example.org")
    nina.refresh_from_db()
    assert nina.user == account and nina.stage == Stage.SIGNED_UP
    assert stages(nina) == [
        ("", Stage.PROSPECT),
        (Stage.PROSPECT, Stage.INVITED),
        (Stage.INVITED, Stage.SIGNED_UP),
    ]
    assert LeaderProfile.objects.get(user=alice).stage == Stage.RECRUITED
    # Signing up needed no staff step: the invitation is used and the account is a leader.
    assert Invitation.objects.get(profile=nina).account == account and account.is_leader


def test_a_resend_kills_the_old_link_and_the_new_one_works(sam):
    nina = add_prospect(first_name="Nina", email="nina@example.org")
    invite_prospect(profile=nina, by=sam, site_url=SITE)
    old = emailed_link()
    invite_prospect(profile=nina, by=sam, site_url=SITE)
    new = emailed_link()
    assert old != new
    assert Client().get(old).status_code == 410
    assert sign_up_through(new, "nina@example.org").profile == nina


def test_the_link_expires_after_the_invitation_days(sam, settings):
    nina = add_prospect(first_name="Nina", email="nina@example.org")
    invitation = invite_prospect(profile=nina, by=sam, site_url=SITE)
    assert invitation.expires_at - invitation.created_at == pytest.approx(
        timedelta(days=14), abs=timedelta(seconds=5)
    )


def test_a_prospect_without_an_email_cannot_be_invited(sam):
    from leaders.services import InvitationError

    nina = add_prospect(first_name="Nina")
    with pytest.raises(InvitationError):
        invite_prospect(profile=nina, by=sam, site_url=SITE)
    assert not Invitation.objects.exists() and LeaderProfile.objects.get().stage == Stage.PROSPECT


def test_a_self_sign_up_gets_a_profile_with_no_recruiter(db, settings):
    settings.ACCOUNT_ALLOW_SIGNUPS = True
    account = sign_up_through(reverse("account_signup"), "nina@example.org")
    assert (account.profile.origin, account.profile.recruiter, account.profile.stage) == (
        "self_signup", None, Stage.SIGNED_UP,
    )  # fmt: skip


def test_signing_up_twice_keeps_one_profile(alice):
    leader_signed_up(user=alice)
    leader_signed_up(user=alice)
    assert LeaderProfile.objects.filter(user=alice).count() == 1


# --- approval, turf, contacts, gatherings ------------------------------------------------------------------


@pytest.fixture
def nina_at_home(db, settings):
    from tests.cast import make_cycle

    settings.TURF_CALL_LIST_SIZE, settings.TURF_DOOR_LIST_SIZE = 5, 10
    make_cycle()
    make_neighborhood(MARYVILLE, households=30)
    nina = make_leader("nina@example.org", offset(MARYVILLE, 20, 20))
    profile_for(nina)
    return nina


def test_approval_marks_them_approved_then_cuts_turf_and_the_stage_moves_on(nina_at_home, carol):
    turf = turf_approve_leader(leader=nina_at_home, actor=carol)
    assert turf.entries.exists()
    profile = LeaderProfile.objects.get(user=nina_at_home)
    assert stages(profile)[1:] == [(Stage.SIGNED_UP, Stage.APPROVED), (Stage.APPROVED, Stage.TURF_DELIVERED)]
    assert set(profile.stage_changes.exclude(from_stage="").values_list("by", flat=True)) == {carol.pk}


def test_approval_that_cannot_cut_writes_no_stage(db, sam):
    nina = make_user("nina@example.org")
    with pytest.raises(TurfError):
        turf_approve_leader(leader=nina, actor=sam)
    assert not StageChange.objects.filter(to_stage=Stage.APPROVED).exists()


def test_closing_a_leaders_turf_is_them_quitting(nina_at_home, sam):
    turf = turf_approve_leader(leader=nina_at_home, actor=sam)
    turf_quit(turf=turf, actor=sam)
    assert LeaderProfile.objects.get(user=nina_at_home).stage == Stage.QUIT


def test_the_first_recorded_attempt_is_the_first_contact_and_a_replay_adds_no_row(
    alice, bob, django_capture_on_commit_callbacks
):
    lists = make_lists(alice, bob)
    record_stage(alice, Stage.TURF_DELIVERED)
    call = dict(client_uuid=uuid.uuid4(), channel="phone", result="no_answer", device_time=timezone.now(),
                voter=lists.calls[0])  # fmt: skip
    for attempt in (call, call, call | {"client_uuid": uuid.uuid4()}):
        with django_capture_on_commit_callbacks(execute=True):
            contact_record(leader=alice, **attempt)
    profile = LeaderProfile.objects.get(user=alice)
    assert profile.stage == Stage.FIRST_CONTACT
    assert profile.stage_changes.filter(to_stage=Stage.FIRST_CONTACT).get().reason == "first synced attempt"


def test_a_held_gathering_moves_its_host(alice):
    assert gathering_held(alice)
    assert not gathering_held(alice)
    assert LeaderProfile.objects.get(user=alice).stage == Stage.GATHERING_HELD
