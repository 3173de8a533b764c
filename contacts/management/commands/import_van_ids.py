from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from contacts.importing import ImportRefused
from contacts.van_ids import import_van_ids


class Command(BaseCommand):
    help = (
        "Load VAN IDs from VAN's export of a list (tab-separated or CSV, with VANID and StateFileID "
        "columns). All or nothing: a bad line refuses the file, naming its line."
    )

    def add_arguments(self, parser):
        parser.add_argument("path", type=Path, help="The crosswalk file exported from VAN.")
        parser.add_argument(
            "--confirm-changes",
            action="store_true",
            help="Replace VAN IDs already stored even when the file changes many of them.",
        )
        parser.add_argument(
            "--dry-run", action="store_true", help="Check the file and count, change nothing."
        )

    def handle(self, *args, path: Path, confirm_changes: bool, dry_run: bool, **options):
        if not path.is_file():
            raise CommandError(f"No such file: {path}")
        try:
            result = import_van_ids(path, confirm_changes=confirm_changes, dry_run=dry_run)
        except ImportRefused as refused:
            raise CommandError(str(refused)) from None
        self.stdout.write(
            f"{result.read:,} rows read: {result.set:,} set, {result.changed:,} changed, "
            f"{result.unchanged:,} unchanged" + (" (dry run: nothing was written)" if dry_run else "") + "."
        )
