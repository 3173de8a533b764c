"""Staff's race, candidacy and approval pages: every change audited (who, when, old -> new), bad input
writes nothing, and a candidate sees only their own candidacy."""

import pytest
from django.http import Http404
from django.urls import reverse

from candidates.eligibility import eligibility
from candidates.models import Approval, Candidacy, Change, Race
from tests.candidates.races import make_candidacy, make_race
from tests.cast import PASSWORD, make_client, make_user

RACE_FORM = {
    "office": "state_house", "title": "", "district_type": "legislative", "district_code": " 20 LE 003 ",
    "election_year": "2028", "primary_date": "2028-08-01", "general_date": "2028-11-07",
}  # fmt: skip


def test_staff_create_a_race_and_the_creation_is_logged(sam):
    response = make_client(sam).post(reverse("candidates:races") + "new/", RACE_FORM)
    race = Race.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("candidates:race", args=[race.pk])
    assert race.district_code == "20 LE 003"
    change = Change.objects.get()
    assert (change.actor, change.action, change.subject, change.race) == (sam, "created", "race", race)
    assert change.fields["district code"] == ["", "20 LE 003"]
    assert change.fields["primary date"] == ["", "2028-08-01"]


def test_a_bad_race_is_refused_with_a_clear_error_and_nothing_written(sam):
    bad = RACE_FORM | {"primary_date": "2028-12-01", "district_code": ""}
    response = make_client(sam).post(reverse("candidates:race_new"), bad)
    assert response.status_code == 400
    assert "The primary comes before the general election." in response.text
    assert "Enter the code as the voter file writes it" in response.text
    assert not Race.objects.exists() and not Change.objects.exists()


def test_an_edit_logs_each_changed_field_old_to_new_and_nothing_for_an_unchanged_save(sam):
    race = make_race(sam)
    client = make_client(sam)
    edit = RACE_FORM | {"district_code": "20 LE 001", "general_date": "2028-11-08"}
    client.post(reverse("candidates:race_edit", args=[race.pk]), edit)
    change = Change.objects.filter(action="changed").get()
    assert change.fields == {"general date": ["2028-11-07", "2028-11-08"]}
    client.post(reverse("candidates:race_edit", args=[race.pk]), edit)
    assert Change.objects.filter(action="changed").count() == 1
    page = client.get(reverse("candidates:race", args=[race.pk]))
    assert "2028-11-07 → 2028-11-08" in page.text


def test_staff_record_a_candidacy_and_its_primary_result_audited(sam, cathy):
    race = make_race(sam)
    client = make_client(sam)
    response = client.post(
        reverse("candidates:candidacy_new", args=[race.pk]),
        {"name": "Cathy Candidate", "candidate": cathy.pk, "is_democrat": "on", "status": "filed"},
    )
    assert response.status_code == 302
    candidacy = Candidacy.objects.get()
    # The primary of 2028 has not happened: its result cannot be recorded yet.
    early = client.post(
        reverse("candidates:candidacy_edit", args=[candidacy.pk]),
        {"name": "Cathy Candidate", "candidate": cathy.pk, "is_democrat": "on", "status": "won_primary"},
    )
    assert early.status_code == 400 and "has not happened yet" in early.text
    candidacy.refresh_from_db()
    assert candidacy.status == "filed"
    client.post(
        reverse("candidates:candidacy_edit", args=[candidacy.pk]),
        {"name": "Cathy Candidate", "candidate": cathy.pk, "is_democrat": "on", "is_incumbent": "on", "status": "filed"},
    )  # fmt: skip
    change = Change.objects.filter(subject="candidacy", action="changed").get()
    assert change.fields == {"is incumbent": ["no", "yes"]} and change.actor == sam


def test_approval_is_an_explicit_dated_logged_step_after_the_password_again(sam, cathy):
    client = make_client(sam)
    assert client.get(reverse("candidates:accounts")).status_code == 200
    asked = client.post(reverse("candidates:account_approve", args=[cathy.pk]))
    assert asked["Location"].startswith(reverse("account_reauthenticate"))
    assert not Approval.objects.exists()
    client.post(reverse("account_reauthenticate"), {"password": PASSWORD})
    client.post(reverse("candidates:account_approve", args=[cathy.pk]))
    approval = Approval.objects.get(candidate=cathy)
    assert approval.approved_by == sam and approval.approved_at is not None and approval.is_in_force
    client.post(reverse("candidates:account_approve", args=[cathy.pk]))  # twice: nothing new
    client.post(reverse("candidates:account_revoke", args=[cathy.pk]))
    approval.refresh_from_db()
    assert not approval.is_in_force and approval.revoked_by == sam
    assert list(Change.objects.order_by("at", "pk").values_list("action", flat=True)) == [
        "approved",
        "revoked",
    ]
    log = client.get(reverse("candidates:changes"))
    assert "Approved" in log.text and "Revoked" in log.text


def test_only_candidate_accounts_can_be_approved(sam, alice):
    client = make_client(sam)
    client.post(reverse("account_reauthenticate"), {"password": PASSWORD})
    response = client.post(reverse("candidates:account_approve", args=[alice.pk]))
    assert response.status_code == 404
    assert not Approval.objects.exists()


def test_the_candidate_sees_each_candidacy_with_its_reason(sam, cathy):
    race = make_race(sam)
    make_candidacy(sam, race, candidate=cathy)
    make_candidacy(sam, race, name="Other Democrat")
    page = make_client(cathy).get(reverse("candidates:mine"))
    assert page.status_code == 200
    assert "State staff have not approved your account yet" in page.text
    Approval.objects.create(candidate=cathy, approved_at=race.created_at, approved_by=sam)
    page = make_client(cathy).get(reverse("candidates:mine"))
    assert (
        "The primary on Aug 1, 2028 is contested by another Democrat; exports open if you win it."
        in page.text
    )


def test_a_candidate_never_sees_another_candidates_candidacy(sam, cathy):
    other = make_user("chris@example.org", role="candidate")
    race = make_race(sam)
    theirs = make_candidacy(sam, race, name="Chris Other", candidate=other)
    mine = make_candidacy(sam, race, candidate=cathy)
    client = make_client(cathy)
    assert client.get(reverse("candidates:candidacy", args=[mine.pk])).status_code == 200
    assert client.get(reverse("candidates:candidacy", args=[theirs.pk])).status_code == 404
    assert "Chris Other" not in client.get(reverse("candidates:mine")).text
    assert client.get(reverse("candidates:race", args=[race.pk])).status_code == 404


def test_the_demo_has_an_incumbent_a_contested_and_an_uncontested_race_and_cathys_candidacy(db):
    from io import StringIO

    from django.core.management import call_command

    from leaders.demo import demo_email

    call_command("make_demo_data", "--force", "--no-voters", stdout=StringIO())
    call_command("make_demo_data", "--force", "--no-voters", stdout=StringIO())  # twice: nothing doubled
    assert Race.objects.count() == 3
    cathy = Candidacy.objects.get(candidate__email=demo_email("cathy"))
    page = make_client(cathy.candidate).get(reverse("candidates:mine"))
    assert "No other Democrat contests the primary on Aug 1, 2028" in page.text
    reasons = {
        candidacy.name: eligibility(candidacy, today=candidacy.race.primary_date).eligible
        for candidacy in Candidacy.objects.select_related("race")
    }
    assert Candidacy.objects.filter(is_incumbent=True).count() == 1
    assert Candidacy.objects.filter(race__district_code="20 CN 1", is_democrat=True).count() == 2
    assert reasons[cathy.name] is True


def test_export_audit_rows_are_staffs_to_read_and_each_persons_own_otherwise(sam, cathy):
    from contacts.models import Export, get_export_for

    other = make_user("chris@example.org", role="candidate")
    mine = Export.objects.create(user=cathy, kind="mail", file_name="mail.csv")
    theirs = Export.objects.create(user=other, kind="mail", file_name="mail.csv")
    assert list(Export.objects.visible_to(cathy)) == [mine]
    assert set(Export.objects.visible_to(sam)) == {mine, theirs}
    assert get_export_for(cathy, mine.pk) == mine
    with pytest.raises(Http404):
        get_export_for(cathy, theirs.pk)
