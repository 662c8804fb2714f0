from django.apps import AppConfig


class ContactPolicyConfig(AppConfig):
    name = "contactpolicy"
    verbose_name = "Policy and audit trail"

    def ready(self) -> None:
        from contactpolicy import signals  # noqa: F401  (connects the sign-in audit receivers)
