from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from leaders.demo import create_demo_accounts
from leaders.models import User


class Command(BaseCommand):
    help = "Create the demo accounts (and, once the importer lands, a synthetic voter file)."

    def add_arguments(self, parser):
        parser.add_argument("--if-empty", action="store_true", help="Do nothing when users exist.")
        parser.add_argument(
            "--force", action="store_true", help="Allow demo data with DEBUG off (never in production)."
        )

    def handle(self, *args, if_empty: bool, force: bool, **options):
        if not settings.DEBUG and not force:
            raise CommandError("Demo data has known passwords: run it with DJANGO_DEBUG=true or --force.")
        if if_empty and User.objects.exists():
            self.stdout.write("Database already has users; demo data left as it is.")
            return
        users = create_demo_accounts()
        self.stdout.write(self.style.SUCCESS(f"Created {len(users)} demo accounts."))
