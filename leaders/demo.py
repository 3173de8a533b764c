"""Demo accounts for `make run`: a fixed cast with MFA already enrolled for privileged roles.

Only accounts created here get a printed TOTP secret; real accounts enrol their own.
"""

from allauth.account.models import EmailAddress
from allauth.mfa.adapter import get_adapter as get_mfa_adapter
from allauth.mfa.models import Authenticator
from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.db import transaction

from leaders.models import User

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


@transaction.atomic
def create_demo_accounts() -> list[User]:
    """Create (or refresh) the demo cast; privileged ones get TOTP and recovery codes."""
    users = []
    for local, first, last, role, counties in CAST:
        user, _ = User.objects.update_or_create(
            email=demo_email(local),
            defaults={"first_name": first, "last_name": last, "role": role, "counties": counties},
        )
        user.set_password(DEMO_PASSWORD)
        user.save()
        EmailAddress.objects.update_or_create(
            user=user, email=user.email, defaults={"verified": True, "primary": True}
        )
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
