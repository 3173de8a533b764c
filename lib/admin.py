"""Admin building blocks shared by the apps."""

from allauth.account.decorators import reauthentication_required
from django.contrib import admin
from django.utils.decorators import method_decorator

# For a ModelAdmin view that writes or sends out people's data: the password again first (allauth's
# re-authentication, as for every export), while its GET only shows the form.
password_again = method_decorator(reauthentication_required(allow_get=True))


class ReadOnlyAdmin(admin.ModelAdmin):
    """Rows another process owns (an importer, a cutter): staff look, they do not edit here.

    Lists skip the full count, which on a table of millions is a scan per page view.
    """

    show_full_result_count = False

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
