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
        from directory.demo_hooks import register_demo_loader
        from onboarding import checks  # noqa: F401  (registered)
        from onboarding.home import onboarding_todos
        from onboarding.imports.mis import mis_sync_nightly
        from onboarding.invitations.services import invitations_accepted_on_sign_in

        home.register_todo(onboarding_todos)
        # A first sign-in accepts the person's invitations (going live, #20).
        register_on_sign_in(invitations_accepted_on_sign_in)
        # Every school connected to its MIS through Wonde, synced each night (#20).
        register_job(mis_sync_nightly)
        register_demo_loader(demo_new_school_load)
        register_demo_loader(demo_wonde_note)


def demo_new_school_load(plan) -> str:
    from onboarding.demo_import import demo_new_school_load

    return demo_new_school_load(plan)


def demo_wonde_note(plan) -> str:
    """How to sync the new school from the local Wonde test server that `make run` starts."""
    from onboarding.demo_import import NEW_SCHOOL
    from onboarding.imports.wonde_local import DEMO_SCHOOL_ID, DEMO_TOKEN

    return (
        f"{NEW_SCHOOL} is also in the local Wonde test server (make run starts it; "
        f"manage.py run_wonde_test_server): connect it with the Wonde school ID "
        f"{DEMO_SCHOOL_ID} and the access token {DEMO_TOKEN}."
    )
