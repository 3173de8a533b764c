"""The admin for the voter file: read-only views of what the importer wrote (the next file decides),
import-export for phones and scores. Lists stay usable at 4.3 million voters: no full counts, no
filters that scan them.
"""

from django.contrib import admin, messages
from import_export.admin import ImportExportModelAdmin

from contacts import services
from contacts.exports import audit_built_file
from contacts.models import Election, Export, Household, ImportRun, Phone, Score, Suppression, Voter
from contacts.resources import PhoneResource, ScoreResource
from lib.admin import ReadOnlyAdmin, password_again
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


@admin.register(Suppression)
class SuppressionAdmin(ReadOnlyAdmin):
    """Who is kept off the lists and why. Staff reopen a decision on a reported move or death here,
    however old; coordinators take back their own from the reports page, for a few minutes. Hostile,
    do-not-contact and phone suppressions are lifted, with the reason, on the suppressions page."""

    # The number of a wrong or disconnected phone stays off the list page (SECURITY.md).
    list_display = ["voter", "reason", "created_by", "created_at", "decided"]
    list_filter = ["reason"]
    list_select_related = ["voter", "created_by", "confirmed_by", "dismissed_by"]
    search_fields = ["=voter__id"]
    search_help_text = "Search by Voter ID."
    exclude = ["phone"]
    actions = ["reopen"]

    @admin.display(description="Decision")
    def decided(self, suppression: Suppression) -> str:
        return suppression.decision or (
            "waiting" if suppression.reason in Suppression.NEEDS_CONFIRMATION else "in force"
        )

    @admin.action(description="Reopen the selected moves and deaths: they wait for a decision again",
                  permissions=["reopen"])  # fmt: skip
    def reopen(self, request, queryset):
        for suppression in queryset.select_related("voter", "confirmed_by", "dismissed_by"):
            before = suppression.decision
            suppression, refused = services.suppression_reopen(suppression=suppression, by=request.user)
            if refused:
                self.message_user(
                    request, f"{suppression.voter.full_name}: not reopened. {refused}", messages.WARNING
                )
            else:
                self.log_change(request, suppression, f"Reopened a report {before}.")
                self.message_user(
                    request, f"{suppression.voter.full_name}: reopened; it waits for a decision."
                )

    def has_reopen_permission(self, request) -> bool:
        return request.user.is_state_staff


class SafeExportAdmin(ImportExportModelAdmin):
    """Export like every other way out: the password again, each cell neutralized, an audit row."""

    export_kind: str

    @password_again
    def export_action(self, request):
        return super().export_action(request)

    def get_data_for_export(self, request, queryset, **kwargs):
        return neutralize_dataset(super().get_data_for_export(request, queryset, **kwargs))

    def get_export_data(self, file_format, request, queryset, **kwargs):
        data = super().get_export_data(file_format, request, queryset, **kwargs)
        audit_built_file(
            request,
            kind=self.export_kind,
            file_name=self.get_export_filename(request, queryset, file_format),
            filters={"format": file_format.get_title()},
            rows=queryset.count(),
            data=data if isinstance(data, bytes) else data.encode(kwargs.get("encoding") or "utf-8"),
        )
        return data


@admin.register(Phone)
class PhoneAdmin(SafeExportAdmin):
    resource_classes = [PhoneResource]
    export_kind = Export.Kind.PHONES
    # Numbers stay off list pages (SECURITY.md): they show on a phone's own page only.
    list_display = ["voter", "kind", "source", "created_at"]
    list_select_related = ["voter"]
    raw_id_fields = ["voter"]
    search_fields = ["=voter__id"]
    show_full_result_count = False


@admin.register(Score)
class ScoreAdmin(SafeExportAdmin):
    resource_classes = [ScoreResource]
    export_kind = Export.Kind.SCORES
    list_display = ["voter", "value", "source", "updated_at"]
    list_select_related = ["voter"]
    raw_id_fields = ["voter"]
    search_fields = ["=voter__id"]
    show_full_result_count = False
