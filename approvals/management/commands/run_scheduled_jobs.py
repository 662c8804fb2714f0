from django.core.management.base import BaseCommand

from approvals.services import scheduled_work


class Command(BaseCommand):
    help = (
        "Do the scheduled work: route anything left unrouted, flag planned contact whose "
        "date passed undecided, escalate overdue requests and send reminders. Safe to run "
        "as often as you like: running it twice sends nothing twice."
    )

    def handle(self, *args, **options) -> None:
        counts = scheduled_work()
        summary = "Routed {routed}, flagged {flagged}, escalated {escalated}, reminded {reminded}."
        if counts["failed"]:
            summary += " {failed} failed: see the log."
        self.stdout.write(summary.format(**counts))
