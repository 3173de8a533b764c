"""Encrypt second-factor secrets again under the current MFA_ENCRYPTION_KEY (after a key rotation)."""

from allauth.mfa.models import Authenticator
from django.core.management.base import BaseCommand
from django.db import transaction

from leaders.adapters import mfa_cipher

# Fernet tokens start with a version byte and a 64-bit timestamp: "gAAAAA" in url-safe base64.
# A clear TOTP secret (base32), seed (hex) or recovery code (digits) never does.
FERNET_PREFIX = "gAAAAA"


def reencrypted(value: str) -> str:
    """Return a stored secret encrypted under the current key, whether it was clear or under any listed key."""
    cipher = mfa_cipher()
    if value.startswith(FERNET_PREFIX):
        return cipher.rotate(value.encode()).decode()
    return cipher.encrypt(value.encode()).decode()


class Command(BaseCommand):
    help = (
        "Re-encrypt every TOTP secret and recovery-code seed under MFA_ENCRYPTION_KEY. Run it after moving"
        " the old key to MFA_ENCRYPTION_KEY_FALLBACKS; then the old key may be dropped."
    )

    @transaction.atomic
    def handle(self, *args, **options):
        count = 0
        for authenticator in Authenticator.objects.select_for_update().filter(
            type__in=[Authenticator.Type.TOTP, Authenticator.Type.RECOVERY_CODES]
        ):
            data = authenticator.data
            for field in ("secret", "seed"):
                if field in data:
                    data[field] = reencrypted(data[field])
            if "migrated_codes" in data:
                data["migrated_codes"] = [reencrypted(code) for code in data["migrated_codes"]]
            authenticator.save(update_fields=["data"])
            count += 1
        self.stdout.write(f"Re-encrypted {count} authenticators.")
