from django.apps import AppConfig


class DeclarationsConfig(AppConfig):
    name = "declarations"

    def ready(self) -> None:
        from declarations.panels import declare_panel
        from directory.home import register_panel

        register_panel(declare_panel)
