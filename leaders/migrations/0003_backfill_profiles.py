"""Give every existing leader account a profile, its recruiter from User.invited_by, and one dated row."""

from django.db import migrations
from django.utils import timezone

BACKFILLED = "Profile made for an existing account"


def stage_of(user, with_turf: set[int], with_contacts: set[int]) -> str:
    if user.pk in with_contacts and user.pk in with_turf:
        return "first_contact"
    if user.pk in with_turf:
        return "turf_delivered"
    if user.voter_id is not None and user.home_verified_at is not None:
        return "approved"
    return "signed_up"


def origin_of(user, invitation) -> str:
    if invitation is None:
        return "self_signup"
    return "recruiter_link" if invitation.invited_by.role == "leader" else "staff_invite"


def backfill(apps, schema_editor):
    User = apps.get_model("leaders", "User")
    Invitation = apps.get_model("leaders", "Invitation")
    LeaderProfile = apps.get_model("leaders", "LeaderProfile")
    StageChange = apps.get_model("leaders", "StageChange")
    Turf = apps.get_model("turf", "Turf")
    ContactAttempt = apps.get_model("contacts", "ContactAttempt")
    with_turf = set(Turf.objects.filter(status="active").values_list("leader_id", flat=True))
    with_contacts = set(ContactAttempt.objects.values_list("leader_id", flat=True).distinct())
    invitations = {
        invitation.account_id: invitation
        for invitation in Invitation.objects.filter(account__isnull=False).select_related("invited_by")
    }
    now = timezone.now()
    for user in User.objects.filter(role="leader").select_related("voter").iterator():
        if LeaderProfile.objects.filter(user=user).exists():
            continue
        invitation = invitations.get(user.pk)
        stage = stage_of(user, with_turf, with_contacts)
        profile = LeaderProfile.objects.create(
            user=user,
            county=user.voter.county if user.voter_id else (invitation.county if invitation else ""),
            recruiter_id=user.invited_by_id,
            origin=origin_of(user, invitation),
            stage=stage,
            stage_changed_at=now,
            created_at=user.date_joined,
        )
        StageChange.objects.create(profile=profile, from_stage="", to_stage=stage, at=now, reason=BACKFILLED)


class Migration(migrations.Migration):
    dependencies = [
        ("leaders", "0002_leader_pipeline"),
        ("turf", "0001_initial"),
        ("contacts", "0002_initial"),
    ]

    operations = [migrations.RunPython(backfill, migrations.RunPython.noop)]
