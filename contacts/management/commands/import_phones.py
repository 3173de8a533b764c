from contacts.management.import_command import ImportCommand
from contacts.models import ImportRun


class Command(ImportCommand):
    help = (
        "Import voters' phone numbers from a CSV with a header row: voter id, number, type "
        "(cell/landline), source. Rejected rows and warnings go to <file>.rejects.csv."
    )
    kind = ImportRun.Kind.PHONES
    what = "phone file"
