from django.apps import AppConfig


class OnboardingConfig(AppConfig):
    """Putting an organisation's people in and keeping them current (R38): imports from
    a spreadsheet or from the MIS (the mis app hands its syncs here), previewed,
    corrected and written. It sits on the directory, whose records it writes."""

    default = True
    name = "onboarding"
    verbose_name = "Onboarding: imports of people, pupils and families"

    def ready(self) -> None:
        from directory import home
        from onboarding.home import onboarding_todos

        home.register_todo(onboarding_todos)
