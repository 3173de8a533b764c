from django.core.management.base import BaseCommand

from contacts.rollup import CHUNK_VOTERS, rollup_ids


class Command(BaseCommand):
    help = "Bring the shared ID database up to date: the voters touched since the last run, or all (--full)."

    def add_arguments(self, parser):
        parser.add_argument("--full", action="store_true", help="Recompute every voter's row.")
        parser.add_argument(
            "--chunk-voters",
            type=int,
            default=CHUNK_VOTERS,
            help=f"Voters per chunk, each its own transaction (default {CHUNK_VOTERS:,}).",
        )

    def handle(self, *args, full: bool, chunk_voters: int, **options):
        done = rollup_ids(full=full, chunk_voters=chunk_voters)
        if done is None:
            self.stdout.write("Another rollup is running; this one did nothing.")
            return
        kind = "Full" if done.full else "Incremental"
        self.stdout.write(
            f"{kind} rollup: {done.voters_touched:,} voters rolled up, {done.rows_changed:,} rows changed."
        )
