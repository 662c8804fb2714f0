from django.apps import AppConfig


class RegistersConfig(AppConfig):
    name = "registers"

    def ready(self) -> None:
        from registers import handlers  # noqa: F401  (writes outcomes onto the files)
