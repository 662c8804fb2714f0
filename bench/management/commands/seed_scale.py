import datetime
import time

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import IntegrityError
from django.template.defaultfilters import pluralize
from django.utils import timezone

from bench.scale import SCALE_PASSWORD, ScalePlan, seed_scale


def _positive(value: str) -> int:
    number = int(value)
    if number < 1:
        raise ValueError(value)
    return number


class Command(BaseCommand):
    help = (
        "Load a large multi-academy trust (staff, pupils, families, roles) and years of "
        "declarations, decisions, file entries and audit events, for load tests and the "
        "benchmark. Deterministic for a given --seed and --until."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        defaults = ScalePlan()
        parser.add_argument("--schools", type=_positive, default=defaults.schools)
        parser.add_argument("--years", type=_positive, default=defaults.years)
        parser.add_argument(
            "--declarations",
            type=_positive,
            help="In all (default: 2,250 a school a year, a million for 90 schools over 5).",
        )
        parser.add_argument("--staff-per-school", type=_positive, default=defaults.staff_per_school)
        parser.add_argument(
            "--pupils-per-school", type=_positive, default=defaults.pupils_per_school
        )
        parser.add_argument("--seed", type=int, default=defaults.seed)
        parser.add_argument(
            "--until",
            type=datetime.date.fromisoformat,
            help="The last day of the history, YYYY-MM-DD (default: yesterday).",
        )
        parser.add_argument("--name", default=defaults.name, help="The trust's name.")
        parser.add_argument("--no-progress", action="store_true", help="No progress bar.")

    def handle(self, *args, **options) -> None:
        if settings.PRODUCTION:
            raise CommandError(
                "seed_scale loads people with a published password; it never runs in production."
            )
        if options["staff_per_school"] < 20:
            raise CommandError("--staff-per-school must be at least 20 (a head, a DSL, managers).")
        try:
            import faker  # noqa: F401 (the names)
            from tqdm import tqdm
        except ImportError as error:  # tqdm and faker come with the development dependencies
            raise CommandError(f"seed_scale needs the development dependencies: {error}") from error

        plan = ScalePlan(
            schools=options["schools"],
            years=options["years"],
            declarations=options["declarations"],
            staff_per_school=options["staff_per_school"],
            pupils_per_school=options["pupils_per_school"],
            seed=options["seed"],
            name=options["name"],
        )
        if options["until"]:
            if options["until"] > timezone.localdate():
                raise CommandError("--until cannot be after today: the history is in the past.")
            plan.until = options["until"]
        started = time.monotonic()
        with tqdm(
            total=plan.total_declarations,
            unit=" declarations",
            unit_scale=True,
            disable=options["no_progress"],
            file=self.stderr,
        ) as bar:
            try:
                logins = seed_scale(plan, progress=bar.update)
            except FileExistsError as error:
                raise CommandError(
                    f"{error} is already loaded; use another --name or a fresh database."
                ) from error
            except IntegrityError as error:
                raise CommandError(
                    f"The database refused the data ({error}); what was written before the "
                    "failure stays: load into a fresh database."
                ) from error
        minutes, seconds = divmod(int(time.monotonic() - started), 60)
        self.stdout.write(
            self.style.SUCCESS(
                f"Loaded {plan.name}: {plan.schools} setting{pluralize(plan.schools)}, "
                f"{plan.total_declarations:,} declaration{pluralize(plan.total_declarations)} "
                f"over {plan.years} year{pluralize(plan.years)}, in {minutes} min {seconds} s."
            )
        )
        self.stdout.write(f"Logins (every one uses the password: {SCALE_PASSWORD})")
        width = max(len(label) for label, _ in logins)
        for label, email in logins:
            self.stdout.write(f"  {label.ljust(width)}  {email}")
