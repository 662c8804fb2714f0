from django.apps import AppConfig


class OnboardingConfig(AppConfig):
    """Putting an organisation's people in and keeping them current (R36, R38): imports
    from a spreadsheet or the MIS, the nightly MIS sync, the invitations of going live
    and the new school year. It sits on the directory, whose records it writes."""

    default = True
    name = "onboarding"
    verbose_name = "Onboarding: imports, the MIS sync, invitations and the new school year"

    def ready(self) -> None:
        from contactpolicy.scheduled import register_job
        from directory import home
        from directory.adapters import register_on_sign_in
        from onboarding import checks  # noqa: F401  (registered)
        from onboarding.home import onboarding_todos
        from onboarding.imports.mis import mis_sync_nightly
        from onboarding.invitations.services import invitations_accepted_on_sign_in

        home.register_todo(onboarding_todos)
        # A first sign-in accepts the person's invitations (going live, #20).
        register_on_sign_in(invitations_accepted_on_sign_in)
        # Every school connected to its MIS through Wonde, synced each night (#20).
        register_job(mis_sync_nightly)
