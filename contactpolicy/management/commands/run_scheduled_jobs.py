from django.core.management.base import BaseCommand
from django.utils import timezone

from contactpolicy.scheduled import jobs


class Command(BaseCommand):
    help = (
        "Do the scheduled work of every app: routing, reminders, escalation, expiring "
        "arrangements and reviews. Safe to run as often as you like: running it twice "
        "sends nothing twice."
    )

    def handle(self, *args, **options) -> None:
        today = timezone.localdate()
        for job in jobs():
            self.stdout.write(job(today))
