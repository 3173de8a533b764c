"""The migration that gives existing accounts their profiles: recruiter, origin, stage, one dated row."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

BEFORE = [("leaders", "0002_leader_pipeline")]
AFTER = [("leaders", "0004_remove_user_invited_by")]


def migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


@pytest.mark.django_db(transaction=True)
def test_existing_leaders_get_a_profile_with_their_recruiter_and_the_stage_they_reached():
    old = migrate(BEFORE)
    User = old.get_model("leaders", "User")
    Invitation = old.get_model("leaders", "Invitation")
    Voter = old.get_model("contacts", "Voter")
    sam = User.objects.create(email="sam@example.org", role="staff")
    alice = User.objects.create(email="alice@example.org", role="leader")
    voter = Voter.objects.create(id=81_000_001, first_name="Nina", last_name="Park", county="Nodaway")
    nina = User.objects.create(email="nina@example.org", role="leader", invited_by=sam, voter=voter,
                               home_verified_at=timezone.now())  # fmt: skip
    Invitation.objects.create(first_name="Nina", last_name="Park", email="nina@example.org", county="Nodaway",
                              invited_by=sam, token_hash="x" * 64, expires_at=timezone.now(),
                              accepted_at=timezone.now(), account=nina)  # fmt: skip
    try:
        new = migrate(AFTER)
        LeaderProfile = new.get_model("leaders", "LeaderProfile")
        profiles = {p.user.email: p for p in LeaderProfile.objects.select_related("user", "recruiter")}
        assert set(profiles) == {"alice@example.org", "nina@example.org"}  # staff have none
        assert (profiles["nina@example.org"].recruiter.email, profiles["nina@example.org"].origin) == (
            "sam@example.org", "staff_invite",
        )  # fmt: skip
        assert (profiles["nina@example.org"].stage, profiles["nina@example.org"].county) == (
            "approved",
            "Nodaway",
        )
        assert (profiles["alice@example.org"].stage, profiles["alice@example.org"].origin) == (
            "signed_up", "self_signup",
        )  # fmt: skip
        assert new.get_model("leaders", "StageChange").objects.count() == 2
        assert alice.pk and not any(
            f.name == "invited_by" for f in new.get_model("leaders", "User")._meta.fields
        )
    finally:
        migrate(AFTER)
