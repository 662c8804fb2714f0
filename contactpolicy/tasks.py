"""Background work through Django's tasks framework (run at once in development,
by the database-backed worker, ``manage.py db_worker``, in production)."""

from django.conf import settings
from django.core.mail import send_mail
from django.tasks import task


@task
def send_email(*, to: list[str], subject: str, body: str) -> int:
    """One plain-text email. Callers never put a child's details in the subject."""
    return send_mail(subject=subject, message=body, from_email=None, recipient_list=to)


def site_link(path: str) -> str:
    """The full address of a page of the app, for an email."""
    return f"{settings.SITE_URL.rstrip('/')}{path}"


def email_person(person, subject: str, body: str) -> None:
    """Queue one email to a person, if they are active and have an address."""
    if person is not None and person.email and person.is_active:
        send_email.enqueue(to=[person.email], subject=subject, body=body)
