from django.core.management.base import BaseCommand

from leaders.demo import DEMO_PASSWORD, demo_accounts


class Command(BaseCommand):
    help = "Print the demo accounts' logins and, for privileged ones, their TOTP otpauth:// URIs."

    def handle(self, *args, **options):
        accounts = demo_accounts()
        if not accounts:
            self.stdout.write("No demo accounts in this database.")
            return
        self.stdout.write(f"\nDemo logins (password for all: {DEMO_PASSWORD})")
        for user, totp_uri in accounts:
            self.stdout.write(f"  {user.get_role_display():20} {user.email}")
            if totp_uri:
                self.stdout.write(f"  {'':20} TOTP: {totp_uri}")
