from django.apps import AppConfig


class MisConfig(AppConfig):
    """A school's MIS through an aggregator (Wonde, R38, #20): the connection and its
    encrypted token, the test, "Sync now" and the nightly sync, which hand what they read
    to onboarding's import, so that a sync is previewed, corrected and written as a
    spreadsheet is."""

    default = True
    name = "mis"
    verbose_name = "The school's MIS"

    def ready(self) -> None:
        from contactpolicy.scheduled import register_job
        from mis import checks  # noqa: F401  (registered)
        from mis.services import mis_sync_nightly

        # Every school connected to its MIS through Wonde, synced each night (#20).
        register_job(mis_sync_nightly)
