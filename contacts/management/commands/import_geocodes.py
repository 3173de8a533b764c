from contacts.management.import_command import ImportCommand
from contacts.models import ImportRun


class Command(ImportCommand):
    help = (
        "Store the US Census batch geocoder's results on households. The Unique ID is a household "
        "id (H123, as export_geocode_input writes it) or the Voter ID of someone living at the "
        "address. Rejected rows and warnings go to <file>.rejects.csv."
    )
    kind = ImportRun.Kind.GEOCODES
    what = "Census geocoder results file"
