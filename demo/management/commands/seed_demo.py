from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from contactpolicy.services import audit_event_record
from demo.audit_actions import DEMO_LOADED


class Command(BaseCommand):
    help = (
        "Load the demo federation, pre-school, people and pupils, then print one login "
        "per role. Safe to run again: once the demo is loaded it changes nothing."
    )

    def handle(self, *args, **options) -> None:
        if settings.PRODUCTION:
            raise CommandError(
                "seed_demo loads people with a published password; it never runs in production."
            )
        try:
            from demo import history, new_school, policy
            from demo import people as demo
        except ImportError as error:  # faker comes with the development dependencies
            raise CommandError(f"seed_demo needs the development dependencies: {error}") from error

        plan = demo.demo_plan(timezone.localdate())
        if demo.demo_is_loaded():
            self.stdout.write("The demo organisation is already loaded; nothing changed.")
        else:
            demo.demo_load(plan)
            audit_event_record(actor=None, action=DEMO_LOADED, data={"seed": demo.SEED})
            self.stdout.write(
                self.style.SUCCESS(
                    f"Loaded the demo: {len(plan.people)} people, {len(plan.pupils)} pupils, "
                    f"{len(plan.family)} family members."
                )
            )
        # In this order: the calendar the history's due dates count on, the new school
        # still to import, the policies, then fifteen months of history made by the
        # services. Each is idempotent and says what it did, or nothing.
        loaders = (
            demo.demo_calendar_load,
            new_school.demo_new_school_load,
            new_school.demo_wonde_note,
            policy.demo_load,
            history.demo_load,
        )
        for loader in loaders:
            line = loader(plan)
            if line:
                self.stdout.write(self.style.SUCCESS(line))
        self.stdout.write("")
        self.stdout.write(f"Demo logins (every one uses the password: {demo.DEMO_PASSWORD})")
        width = max(len(label) for label, _ in plan.logins)
        email_width = max(len(plan.people[key].email) for _, key in plan.logins)
        enrolled = demo.enrolled_emails()
        for label, key in plan.logins:
            person = plan.people[key]
            mark = "*" if person.email in enrolled else " "
            how = demo.demo_sign_in_note(person.email)
            self.stdout.write(
                f"  {label.ljust(width)} {mark} {person.email.ljust(email_width)}  {how}"
            )
        self.stdout.write("")
        self.stdout.write(
            "Two-step sign-in (development only): the logins marked * also ask for a code from "
            f"an authenticator app with the secret {demo.DEMO_TOTP_SECRET}; add it to an app, "
            "or print the current code with `manage.py demo_code EMAIL`. The head of "
            "Brookfield has no authenticator yet: signing in, she is asked to set one up."
        )
        self.stdout.write(
            "Brookfield Primary School also signs in with single sign-on through the local "
            "test identity provider that `make run` starts: press 'Sign in with Microsoft' "
            f"and type {plan.people['bro_head'].email} (the head), or 'Sign in with Google' "
            f"and type {plan.people['bro_teacher1'].email} (a teacher)."
        )
