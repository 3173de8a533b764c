from contacts.management.import_command import ImportCommand
from contacts.models import ImportRun


class Command(ImportCommand):
    help = (
        "Import partisanship scores (0 Republican to 100 Democratic) from a CSV with a header row: "
        "voter id, score, and optionally source. Rejected rows and warnings go to "
        "<file>.rejects.csv."
    )
    kind = ImportRun.Kind.SCORES
    what = "score file"
