from django.conf import settings
from django.core.management.base import BaseCommand

from contacts.import_runs import import_files_delete_expired


class Command(BaseCommand):
    help = (
        "Delete the uploaded files and reports of imports finished more than IMPORT_RETENTION_DAYS ago; "
        "the imports stay listed with their counts. Beat runs this daily."
    )

    def handle(self, *args, **options):
        deleted = import_files_delete_expired()
        days = settings.IMPORT_RETENTION_DAYS
        self.stdout.write(f"Deleted the files of {deleted} import(s) finished more than {days} days ago.")
