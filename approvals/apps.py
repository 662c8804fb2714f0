from django.apps import AppConfig


class ApprovalsConfig(AppConfig):
    name = "approvals"

    def ready(self) -> None:
        from approvals import handlers  # noqa: F401  (connects to the declarations signals)
        from approvals.panels import decisions_panel, decisions_section, nobody_to_decide_todo
        from approvals.services import scheduled_job
        from contactpolicy.scheduled import register_job
        from declarations.hooks import register_detail_section
        from directory.home import register_panel, register_todo

        register_panel(decisions_panel)
        register_todo(nobody_to_decide_todo)
        register_detail_section(decisions_section)
        register_job(scheduled_job)
