from contacts.importing import ImportCommand
from contacts.models import ImportRun


class Command(ImportCommand):
    help = (
        "Import a Missouri PSR voter file: add new voters, update changed ones, move those whose address "
        "changed, mark those it leaves out as no longer registered. Rejected rows and warnings go to "
        "<file>.rejects.csv next to it."
    )
    kind = ImportRun.Kind.VOTERS
    what = "PSR voter file"
