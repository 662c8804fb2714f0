from django.apps import AppConfig


class RegistersConfig(AppConfig):
    name = "registers"

    def ready(self) -> None:
        from contactpolicy.scheduled import register_job
        from directory.home import register_panel
        from registers import handlers  # noqa: F401  (writes outcomes onto the files)
        from registers.panels import registers_panel
        from registers.services import scheduled_job

        register_job(scheduled_job)
        register_panel(registers_panel)
