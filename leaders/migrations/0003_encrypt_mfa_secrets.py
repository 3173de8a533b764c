"""Encrypt the TOTP secrets and recovery-code seeds stored in clear before MFA_ENCRYPTION_KEY existed."""

from cryptography.fernet import Fernet, MultiFernet
from django.conf import settings
from django.db import migrations

# Fernet tokens start with "gAAAAA"; a clear base32 secret, hex seed or recovery code never does.
FERNET_PREFIX = "gAAAAA"


def encrypt_clear_secrets(apps, schema_editor):
    Authenticator = apps.get_model("mfa", "Authenticator")
    keys = [settings.MFA_ENCRYPTION_KEY, *settings.MFA_ENCRYPTION_KEY_FALLBACKS]
    cipher = MultiFernet([Fernet(key) for key in keys])

    def encrypted(value: str) -> str:
        return value if value.startswith(FERNET_PREFIX) else cipher.encrypt(value.encode()).decode()

    for authenticator in Authenticator.objects.filter(type__in=["totp", "recovery_codes"]):
        data = authenticator.data
        for field in ("secret", "seed"):
            if field in data:
                data[field] = encrypted(data[field])
        if "migrated_codes" in data:
            data["migrated_codes"] = [encrypted(code) for code in data["migrated_codes"]]
        authenticator.save(update_fields=["data"])


class Migration(migrations.Migration):
    dependencies = [
        ("leaders", "0002_invitations_and_verified_homes"),
        ("mfa", "0003_authenticator_type_uniq"),
    ]

    operations = [migrations.RunPython(encrypt_clear_secrets, migrations.RunPython.noop)]
