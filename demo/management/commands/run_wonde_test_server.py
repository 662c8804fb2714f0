"""The local Wonde test server, serving the demo's new school (R38, #20): `make run`
starts it beside runserver, on WONDE_API_URL (http://127.0.0.1:8002/v1.0 outside
production). Never in production."""

from __future__ import annotations

import contextlib
import datetime
from urllib.parse import urlsplit

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError


class Command(BaseCommand):
    help = (
        "Serve the local Wonde test server on WONDE_API_URL (default "
        "http://127.0.0.1:8002/v1.0) with the demo's new school, Meadow View Primary: the "
        "same people as the spreadsheets seed_demo writes. Development only."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--fixture",
            help="Serve this folder of Wonde JSON instead (school.json, students.json, ..., "
            "as in tests/fixtures/wonde).",
        )
        parser.add_argument("--token", help="The access token it accepts.")
        parser.add_argument("--page", type=int, default=200, help="Records a page (Wonde: 200).")

    def handle(self, *args, **options) -> None:
        server = self.server(**options)
        self.stdout.write(f"Local Wonde test server on {server.url}/ (Ctrl+C stops it)")
        self.stdout.write(
            f"  {server.data['school']['name']}: Wonde school ID {server.school_id}, "
            f"access token {server.token}"
        )
        with contextlib.suppress(KeyboardInterrupt):
            server.serve_forever()

    def server(self, *, fixture=None, token=None, page=200, **options):
        if settings.PRODUCTION:
            raise CommandError(
                "run_wonde_test_server serves made-up pupils as if it were Wonde; it never "
                "runs in production."
            )
        from demo.wonde_server import (
            DEMO_SCHOOL_ID,
            DEMO_TOKEN,
            WondeTestServer,
            load_fixture,
            wonde_data_from_rows,
        )

        address = urlsplit(settings.WONDE_API_URL)
        if address.hostname not in {"127.0.0.1", "localhost"}:
            raise CommandError(
                f"WONDE_API_URL is {settings.WONDE_API_URL}: point it at "
                "http://127.0.0.1:8002/v1.0 to use the local Wonde test server."
            )
        if fixture:
            data = load_fixture(fixture)
        else:
            from demo.new_school import NEW_SCHOOL, NEW_SCHOOL_URN, demo_new_school_tables

            today = datetime.date.today()  # noqa: DTZ011 (as seed_demo writes the files)
            data = wonde_data_from_rows(
                demo_new_school_tables(today),
                school_id=DEMO_SCHOOL_ID,
                school_name=NEW_SCHOOL,
                urn=NEW_SCHOOL_URN,
            )
        return WondeTestServer(
            data,
            token=token or DEMO_TOKEN,
            host=address.hostname,
            port=address.port if address.port is not None else 80,
            largest_page=page,
        )
