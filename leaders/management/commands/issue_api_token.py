"""Issue a bearer token for the contacts sync API (a device, a script, the bench); print it once."""

from django.core.management.base import BaseCommand, CommandError

from leaders.models import ApiToken, User


class Command(BaseCommand):
    help = "Issue an API token for POST /api/v1/contacts/sync. The token is shown once and stored only as a hash."

    def add_arguments(self, parser):
        parser.add_argument(
            "email", help="Whose token: it records contacts as this person, within their scope."
        )
        parser.add_argument("--name", default="API client", help="Which device or script holds it.")

    def handle(self, *args, email, name, **options):
        user = User.objects.filter(email__iexact=email, is_active=True).first()
        if user is None:
            raise CommandError(f"No active account with the email {email}.")
        if user.is_privileged and not user.has_totp():
            raise CommandError(f"{email} must set up two-factor authentication before holding an API token.")
        _, raw = ApiToken.issue(user=user, name=name)
        self.stdout.write(raw)
