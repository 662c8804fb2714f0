from django.apps import AppConfig
from django.utils.module_loading import autodiscover_modules


class ContactPolicyConfig(AppConfig):
    name = "contactpolicy"
    verbose_name = "Policy and audit trail"

    def ready(self) -> None:
        from contactpolicy import signals  # noqa: F401  (connects the sign-in audit receivers)
        from contactpolicy.scheduled import register_job
        from contactpolicy.uploads.sweep import uploads_sweep

        # Every app's audit actions, so that the registry is whole before the first
        # event is written or the DSL's filter is drawn (contactpolicy/audit.py).
        autodiscover_modules("audit_actions")
        # ... and how each app's records and data keys read in the audit history.
        autodiscover_modules("audit_details")
        register_job(uploads_sweep)
