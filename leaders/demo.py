"""Demo accounts for `make run`: a fixed cast with MFA already enrolled for privileged roles.

Only accounts created here get a printed TOTP secret; real accounts enrol their own.
"""

from datetime import timedelta

from allauth.account.models import EmailAddress
from allauth.mfa.adapter import get_adapter as get_mfa_adapter
from allauth.mfa.models import Authenticator
from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.db import transaction
from django.utils import timezone

from leaders.models import LeaderProfile, StageChange, User
from leaders.pipeline import profile_for

DEMO_PASSWORD = "neighbors-2026"  # noqa: S105 (printed by make run; demo data only)
DEMO_DOMAIN = "example.org"

CAST = [
    # (email local part, first, last, role, counties)
    ("sam", "Sam", "Staffer", User.Role.STAFF, []),
    ("carol", "Carol", "Coordinator", User.Role.COORDINATOR, ["Nodaway"]),
    ("alice", "Alice", "Leader", User.Role.LEADER, []),
    ("bob", "Bob", "Leader", User.Role.LEADER, []),
    ("cathy", "Cathy", "Candidate", User.Role.CANDIDATE, []),
]


def demo_email(local: str) -> str:
    return f"{local}@{DEMO_DOMAIN}"


def _enrol(user: User) -> None:
    user.set_password(DEMO_PASSWORD)
    user.save()
    EmailAddress.objects.update_or_create(
        user=user, email=user.email, defaults={"verified": True, "primary": True}
    )


def create_demo_leader(local: str, first: str, last: str) -> User:
    """Create a demo leader account (a recruit), who signs in with the demo password."""
    user = User.objects.create_user(
        demo_email(local), first_name=first, last_name=last, role=User.Role.LEADER
    )
    _enrol(user)
    return user


def backdate_history(*, since, days: int) -> None:
    """Spread the pipeline moves the demo made after `since` over the past `days`, in their order.

    Made in one run, every move would be dated the same second: charts over time would show nothing.
    """
    changes = list(StageChange.objects.filter(at__gte=since).order_by("at", "pk"))
    if not changes:
        return
    now = timezone.now()
    step = timedelta(days=days) / len(changes)
    for n, change in enumerate(changes):
        change.at = now - timedelta(days=days) + step * n
    StageChange.objects.bulk_update(changes, ["at"])
    for profile in LeaderProfile.objects.filter(pk__in={change.profile_id for change in changes}):
        dates = [change.at for change in changes if change.profile_id == profile.pk]
        if dates:
            profile.created_at, profile.stage_changed_at = dates[0], dates[-1]
            profile.save(update_fields=["created_at", "stage_changed_at"])


@transaction.atomic
def create_demo_accounts() -> list[User]:
    """Create (or refresh) the demo cast; privileged ones get TOTP and recovery codes."""
    users = []
    for local, first, last, role, counties in CAST:
        user, _ = User.objects.update_or_create(
            email=demo_email(local),
            defaults={"first_name": first, "last_name": last, "role": role, "counties": counties},
        )
        _enrol(user)
        if user.is_leader:
            profile_for(user, origin=LeaderProfile.Origin.STAFF_INVITE)
        if user.is_privileged and not user.has_totp():
            TOTP.activate(user, generate_totp_secret())
            RecoveryCodes.activate(user)
        users.append(user)
    return users


def demo_accounts() -> list[tuple[User, str | None]]:
    """Return each demo account with its otpauth:// URI (None for leaders)."""
    adapter = get_mfa_adapter()
    result = []
    for local, *_ in CAST:
        user = User.objects.filter(email=demo_email(local)).first()
        if user is None:
            continue
        totp = Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).first()
        uri = adapter.build_totp_url(user, adapter.decrypt(totp.data["secret"])) if totp else None
        result.append((user, uri))
    return result
