from django.apps import AppConfig


class OversightConfig(AppConfig):
    """Reads over everything: the governors' summaries, the DSL's audit history and the
    patterns. Nothing below imports it."""

    name = "oversight"

    def ready(self) -> None:
        from directory.home import register_panel
        from oversight.panels import safeguarding_panel, summaries_panel

        register_panel(safeguarding_panel)
        register_panel(summaries_panel)
