import time

from allauth.mfa import app_settings
from allauth.mfa.adapter import get_adapter as get_mfa_adapter
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value, yield_hotp_counters_from_time
from django.core.management.base import BaseCommand, CommandError

from leaders.demo import CAST, demo_email
from leaders.models import User


class Command(BaseCommand):
    help = "Print the TOTP code a demo account (sam, carol, cathy) can sign in with right now."

    def add_arguments(self, parser):
        parser.add_argument("account", help="a demo account: sam, carol, cathy, or its full email")

    def handle(self, *args, account, **options):
        email = account.lower() if "@" in account else demo_email(account.lower())
        # Only the accounts `make run` created and printed: a real person's code is theirs alone.
        if email not in {demo_email(local) for local, *_ in CAST}:
            raise CommandError(f"{account} is not a demo account (sam, carol, cathy).")
        user = User.objects.filter(email=email).first()
        if user is None:
            raise CommandError(f"{email} is not in this database: run make run (make_demo_data) first.")
        totp = Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).first()
        if totp is None:
            raise CommandError(f"{email} has no TOTP second factor: a password alone signs them in.")
        secret = get_mfa_adapter().decrypt(totp.data["secret"])
        # A code printed in the last seconds of its period would expire before anyone typed it.
        left = app_settings.TOTP_PERIOD - time.time() % app_settings.TOTP_PERIOD
        if left < 5:
            time.sleep(left + 0.05)
        # The middle counter of allauth's tolerance window is the current period's.
        counters = list(yield_hotp_counters_from_time())
        self.stdout.write(format_hotp_value(hotp_value(secret, counters[len(counters) // 2])))
