from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from demo.people import DemoError
from directory.models import Person


class Command(BaseCommand):
    help = (
        "Development only: print the current 6-digit code of a demo login's authenticator "
        "app (the demo's development-only secret), for signing in as that person."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("email", help="the demo login's email address")

    def handle(self, *args, **options) -> None:
        if settings.PRODUCTION:
            raise CommandError("demo_code is for the demo only; it never runs in production.")
        from demo import people as demo

        person = Person.objects.filter(email__iexact=options["email"].strip()).first()
        if person is None:
            raise CommandError(f"Nobody signs in as {options['email']}.")
        try:
            code = demo.demo_code(person)
        except DemoError as error:
            raise CommandError(str(error)) from error
        self.stdout.write(code)
