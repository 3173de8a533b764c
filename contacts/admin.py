"""The admin for the voter file: read-only views of what the importer wrote (the next file decides),
import-export for phones and scores. Lists stay usable at 4.3 million voters: no full counts, no
filters that scan them.
"""

from django.contrib import admin
from import_export.admin import ImportExportModelAdmin

from contacts.models import Election, Household, ImportRun, Phone, Score, Voter
from contacts.resources import PhoneResource, ScoreResource
from lib.admin import ReadOnlyAdmin
from lib.spreadsheet import neutralize_dataset


@admin.register(Voter)
class VoterAdmin(ReadOnlyAdmin):
    list_display = ["id", "full_name", "county", "precinct", "status", "is_registered"]
    search_fields = ["=id"]
    search_help_text = "Search by Voter ID."
    raw_id_fields = ["household"]
    exclude = ["row_hash"]


@admin.register(Household)
class HouseholdAdmin(ReadOnlyAdmin):
    list_display = ["id", "address_line", "county", "precinct", "geocode_match"]
    search_fields = ["=id"]
    search_help_text = "Search by household id."


@admin.register(Election)
class ElectionAdmin(ReadOnlyAdmin):
    list_display = ["date", "name"]
    search_fields = ["name"]


@admin.register(ImportRun)
class ImportRunAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "kind", "file_name", "status", "rows_read", "rejected", "started_by"]
    list_filter = ["kind", "status"]


class SafeExportAdmin(ImportExportModelAdmin):
    """Neutralize what any export of this admin writes, even from a resource that does not."""

    def get_data_for_export(self, request, queryset, **kwargs):
        return neutralize_dataset(super().get_data_for_export(request, queryset, **kwargs))


@admin.register(Phone)
class PhoneAdmin(SafeExportAdmin):
    resource_classes = [PhoneResource]
    # Numbers stay off list pages (SECURITY.md): they show on a phone's own page only.
    list_display = ["voter", "kind", "source", "created_at"]
    list_select_related = ["voter"]
    raw_id_fields = ["voter"]
    search_fields = ["=voter__id"]
    show_full_result_count = False


@admin.register(Score)
class ScoreAdmin(SafeExportAdmin):
    resource_classes = [ScoreResource]
    list_display = ["voter", "value", "source", "updated_at"]
    list_select_related = ["voter"]
    raw_id_fields = ["voter"]
    search_fields = ["=voter__id"]
    show_full_result_count = False
