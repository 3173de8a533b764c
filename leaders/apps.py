from django.apps import AppConfig


class LeadersConfig(AppConfig):
    name = "leaders"
    verbose_name = "Leaders and roles"

    def ready(self) -> None:
        from contacts.signals import attempts_recorded
        from leaders.pipeline import first_contact_on_attempts

        attempts_recorded.connect(first_contact_on_attempts, dispatch_uid="leaders.first_contact")
