import logging

from django.core.management.base import BaseCommand
from django.utils import timezone

from contactpolicy.scheduled import jobs

logger = logging.getLogger(__name__)


class Command(BaseCommand):
    help = (
        "Do the scheduled work of every app: routing, reminders, escalation, expiring "
        "arrangements and reviews. Safe to run as often as you like: running it twice "
        "sends nothing twice."
    )

    def handle(self, *args, **options) -> None:
        today = timezone.localdate()
        for job in jobs():
            # One app's failure does not stop the others' work.
            try:
                self.stdout.write(job(today))
            except Exception:
                logger.exception("Scheduled job %s failed", job.__qualname__)
                self.stderr.write(f"{job.__module__}: failed, see the log.")
