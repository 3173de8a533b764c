from django.apps import AppConfig


class TurfConfig(AppConfig):
    name = "turf"

    def ready(self) -> None:
        from contacts.models import register_scopes
        from contacts.signals import data_imported, register_list_impact
        from turf.models import household_scope, list_touches, voter_scope
        from turf.tasks import refresh_pool_after_import

        register_scopes(voters=voter_scope, households=household_scope)
        data_imported.connect(refresh_pool_after_import, dispatch_uid="turf.refresh_pool_after_import")
        # Before an import unregisters voters, staff see whose lists lose whom.
        register_list_impact("turf", list_touches)
