from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from candidates.demo import create_demo_races


class Command(BaseCommand):
    help = (
        "Create demo races (an incumbent's, a contested primary, an uncontested one for the demo "
        "candidate) once; make_demo_data runs it."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--staff", required=True, help="Email of the staff account the changes are logged under."
        )
        parser.add_argument("--candidate", required=True, help="Email of the demo candidate's account.")

    def handle(self, *args, staff: str, candidate: str, **options):
        accounts = get_user_model().objects
        try:
            actor = accounts.get(email=staff, role="staff")
            person = accounts.get(email=candidate, role="candidate")
        except get_user_model().DoesNotExist as error:
            raise CommandError(f"No such account: {error}") from error
        races = create_demo_races(staff=actor, candidate=person)
        if races:
            self.stdout.write(self.style.SUCCESS(f"Created {len(races)} demo races."))
        else:
            self.stdout.write("Races exist already; demo races left as they are.")
