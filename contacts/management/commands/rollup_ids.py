from django.core.management.base import BaseCommand

from contacts.rollup import rollup_ids


class Command(BaseCommand):
    help = "Bring the shared ID database up to date: the voters touched since the last run, or all (--full)."

    def add_arguments(self, parser):
        parser.add_argument("--full", action="store_true", help="Recompute every voter's row.")

    def handle(self, *args, full: bool, **options):
        done = rollup_ids(full=full)
        if done is None:
            self.stdout.write("Another rollup is running; this one did nothing.")
            return
        kind = "Full" if done.full else "Incremental"
        self.stdout.write(
            f"{kind} rollup: {done.voters_touched:,} voters rolled up, {done.rows_changed:,} rows changed."
        )
