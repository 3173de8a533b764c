from datetime import date

from django.core.management.base import BaseCommand, CommandError

from turf.models import Cycle
from turf.services import cycle_start


class Command(BaseCommand):
    help = "Start a new cycle: it becomes the active one and every active leader keeps their neighbors."

    def add_arguments(self, parser):
        parser.add_argument("name", help='For example "2028 General".')
        parser.add_argument("election_date", type=date.fromisoformat, help="YYYY-MM-DD")

    def handle(self, *args, name: str, election_date: date, **options):
        if Cycle.objects.filter(name=name).exists():
            raise CommandError(f"A cycle named {name!r} exists already.")
        cycle = cycle_start(name=name, election_date=election_date)
        self.stdout.write(
            self.style.SUCCESS(f"{cycle} is the active cycle; {cycle.turfs.count()} leaders carried over.")
        )
