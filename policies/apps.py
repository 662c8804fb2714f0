from django.apps import AppConfig


class PoliciesConfig(AppConfig):
    name = "policies"
    verbose_name = "Policy, acknowledgements and training"

    def ready(self) -> None:
        from contactpolicy.scheduled import register_job
        from directory.home import register_panel, register_todo
        from policies.panels import compliance_todos, policy_panel
        from policies.services import scheduled_job

        register_job(scheduled_job)
        register_panel(policy_panel)
        register_todo(compliance_todos)
