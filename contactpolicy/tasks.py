"""Background work through Django's tasks framework (run at once in development,
by the database-backed worker, ``manage.py db_worker``, in production)."""

from django.core.mail import send_mail
from django.tasks import task


@task
def send_email(*, to: list[str], subject: str, body: str) -> int:
    """One plain-text email. Callers never put a child's details in the subject."""
    return send_mail(subject=subject, message=body, from_email=None, recipient_list=to)
