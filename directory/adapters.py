from __future__ import annotations

from typing import Any

from allauth.account.adapter import DefaultAccountAdapter
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.loader import render_to_string
from django.urls import reverse

from contactpolicy.audit_actions import SIGN_IN_LIMITED
from contactpolicy.services import audit_event_record
from contactpolicy.tasks import send_email, site_link
from directory.models import Person


class AccountAdapter(DefaultAccountAdapter):
    """allauth, the product's way: accounts are created by an administrator, sign-in
    limits are per account *and* address, and the emails are the product's own."""

    error_messages = {
        **DefaultAccountAdapter.error_messages,
        "too_many_login_attempts": (
            "There have been too many wrong passwords for this email address from here. "
            "Wait a few minutes and try again, or choose a new password with "
            "\u201cForgotten your password?\u201d."
        ),
    }

    def is_open_for_signup(self, request: HttpRequest) -> bool:
        return False

    def _get_login_attempts_cache_key(self, request: HttpRequest, **credentials: Any) -> str:
        # allauth counts wrong passwords per account: anybody could then keep a named
        # head out by typing her address wrongly five times every quarter of an hour.
        # Counted per account and address, a stranger's failures lock only the stranger.
        # (A successful password reset clears the count of the address it was made from.)
        account = super()._get_login_attempts_cache_key(request, **credentials)
        return f"{account}:{self.get_client_ip(request)}"

    def pre_authenticate(self, request: HttpRequest, **credentials: Any) -> None:
        try:
            super().pre_authenticate(request, **credentials)
        except ValidationError:
            # Refused by the limits before the password was even tried: on the audit
            # trail, about the account tried.
            email = credentials.get("email", "")
            audit_event_record(
                actor=None,
                action=SIGN_IN_LIMITED,
                target=Person.objects.filter(email__iexact=email).first() if email else None,
                request=request,
            )
            raise

    def respond_user_inactive(self, request: HttpRequest, user) -> HttpResponse:
        # allauth's "account inactive" page is not served (directory/accounts_urls.py).
        messages.error(
            request,
            "This account cannot sign in. If you think it should, ask your school's administrator.",
        )
        return redirect("account_login")

    def send_mail(self, template_prefix: str, email: str, context: dict) -> None:
        """allauth's emails in the product's words, queued like every other email. They
        name the person and their organisation, never the host the request came to."""
        person = Person.objects.filter(email__iexact=email).first()
        if person is None:
            # Only the people the product knows are written to: no "unknown account"
            # email inviting a sign-up that does not exist.
            return
        membership = (
            person.memberships.current().select_related("organisation").order_by("pk").first()
        )
        context = {
            **context,
            "email": email,
            "person_name": person.get_full_name(),
            "organisation_name": membership.organisation.name if membership else "",
            "site_url": site_link("/"),
        }
        subject = " ".join(
            render_to_string(f"{template_prefix}_subject.txt", context).split()
        ).strip()
        body = render_to_string(f"{template_prefix}_message.txt", context)
        send_email.enqueue(to=[email], subject=self.format_email_subject(subject), body=body)

    def get_reset_password_from_key_url(self, key: str) -> str:
        # The site's own address (SITE_URL), as in every other email.
        uidb36, _, token = key.partition("-")
        return site_link(
            reverse("account_reset_password_from_key", kwargs={"uidb36": uidb36, "key": token})
        )
