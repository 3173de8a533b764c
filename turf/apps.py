from django.apps import AppConfig


class TurfConfig(AppConfig):
    name = "turf"

    def ready(self) -> None:
        from contacts.models import register_voter_scope
        from contacts.signals import data_imported
        from turf.models import voter_scope
        from turf.tasks import refresh_pool_after_import

        register_voter_scope(voter_scope)
        data_imported.connect(refresh_pool_after_import, dispatch_uid="turf.refresh_pool_after_import")
