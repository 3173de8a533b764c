from django.apps import AppConfig


class ConfigConfig(AppConfig):
    """The project itself, as an app only so that its system checks are registered."""

    name = "config"
    verbose_name = "Neighborhood Leader"

    def ready(self) -> None:
        from config import checks  # noqa: F401 (registers the database version check)
