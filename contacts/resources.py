"""django-import-export resources for the small tables staff edit in the admin: phones and scores.

The voter file never goes through here: import-export manages 400 to 1,500 rows a second, the
PSR importer (contacts/voterfile/) a hundred times more. Every export is formula-neutralized.
"""

from import_export import resources

from contacts.models import Phone, Score
from contacts.vendor import normalize_phone
from lib.spreadsheet import neutralize_dataset


class SafeExportResource(resources.ModelResource):
    """A resource whose exports, in every format, carry no cell a spreadsheet would run."""

    def export(self, *args, **kwargs):
        return neutralize_dataset(super().export(*args, **kwargs))


class PhoneResource(SafeExportResource):
    class Meta:
        model = Phone
        fields = ("voter", "number", "kind", "source")
        import_id_fields = ("voter", "number")
        skip_unchanged = True
        clean_model_instances = True

    def before_import_row(self, row, **kwargs):
        number = normalize_phone(str(row.get("number") or ""))
        if number is None:
            raise ValueError(f"{row.get('number')!r} is not a ten-digit US phone number.")
        row["number"] = number
        row["kind"] = (row.get("kind") or Phone.Kind.UNKNOWN).strip().lower()


class ScoreResource(SafeExportResource):
    class Meta:
        model = Score
        fields = ("voter", "value", "source")
        import_id_fields = ("voter",)
        skip_unchanged = True
        clean_model_instances = True
