from django.apps import AppConfig


class DashboardConfig(AppConfig):
    name = "dashboard"

    def ready(self) -> None:
        from contacts.signals import data_imported
        from dashboard.tasks import summarize_after_import

        data_imported.connect(summarize_after_import, dispatch_uid="dashboard.summarize_after_import")
