import logging

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from contactpolicy.scheduled import failures, jobs

logger = logging.getLogger(__name__)


class Command(BaseCommand):
    help = (
        "Do the scheduled work of every app: routing, reminders, escalation, expiring "
        "arrangements and reviews. Safe to run as often as you like: running it twice "
        "sends nothing twice. Exits with 1 when any of it failed (the rest is still done)."
    )

    def handle(self, *args, **options) -> None:
        today = timezone.localdate()
        failed: list[str] = []
        for job in jobs():
            # One app's failure does not stop the others' work.
            steps_failed = failures()
            try:
                self.stdout.write(job(today))
            except Exception:
                logger.exception("Scheduled job %s failed", job.__qualname__)
                self.stderr.write(f"{job.__module__}: failed, see the log.")
                failed.append(job.__module__)
            else:
                if failures() > steps_failed:
                    failed.append(job.__module__)
        if failed:
            # cron and the scheduler's loop see it; the next run tries again.
            raise CommandError(f"Some of the scheduled work failed ({', '.join(failed)}).")
