"""django-allauth adapters: nobody signs themself up, by password or single sign-on;
sign-in limits per account and address; the account emails in the product's words."""

from __future__ import annotations

from typing import Any

from allauth.account.adapter import DefaultAccountAdapter
from allauth.core import context
from allauth.core.exceptions import ImmediateHttpResponse
from allauth.mfa.adapter import DefaultMFAAdapter
from allauth.socialaccount.adapter import DefaultSocialAccountAdapter
from allauth.socialaccount.models import SocialLogin
from allauth.socialaccount.providers.base.constants import AuthError, AuthProcess
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse

from contactpolicy.audit_actions import PASSWORD_RESET_ASKED, SIGN_IN_LIMITED
from contactpolicy.clients import client_ip
from contactpolicy.services import audit_event_record, audit_event_record_once, this_hour
from contactpolicy.signals import email_digest
from contactpolicy.tasks import enqueue, send_email, site_link
from directory.models import Person
from identity import audit_actions, mfa, rules
from identity.invitations.services import invitations_accepted_on_sign_in
from identity.mfa import SSO_MFA_SESSION_KEY
from identity.oidc import configured_oidc_providers
from identity.saml import identity_provider_of, saml_apps

SSO_PENDING_SESSION_KEY = "sso_accepted"


class AccountAdapter(DefaultAccountAdapter):
    """allauth, the product's way: accounts are created by an administrator, sign-in
    limits are per account *and* address, and the emails are the product's own."""

    error_messages = {
        **DefaultAccountAdapter.error_messages,
        "too_many_login_attempts": (
            "There have been too many wrong passwords for this email address from here. "
            "Wait a few minutes and try again, or choose a new password through the "
            "\u201cForgotten your password?\u201d link."
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
            # trail, about the account tried, once an hour for each account and address
            # (every try while locked out is refused again; the lock-out is one row).
            email = credentials.get("email", "").strip().lower()
            digest = email_digest(email)
            audit_event_record_once(
                once_key=f"{SIGN_IN_LIMITED}:{digest}:{client_ip(request)}:{this_hour()}",
                actor=None,
                action=SIGN_IN_LIMITED,
                target=Person.objects.filter(email__iexact=email).first() if email else None,
                data={"email_digest": digest},
                request=request,
            )
            raise

    def respond_user_inactive(self, request: HttpRequest, user) -> HttpResponse:
        # allauth's "account inactive" page is not served (identity/accounts_urls.py).
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
        enqueue(send_email, to=[email], subject=self.format_email_subject(subject), body=body)
        if template_prefix == "account/email/password_reset_key":
            # Asked for by whoever typed the address: on the account's trail (#21).
            audit_event_record(
                actor=None,
                action=PASSWORD_RESET_ASKED,
                target=person,
                request=self.request,
            )

    def get_reset_password_from_key_url(self, key: str) -> str:
        # The site's own address (SITE_URL), as in every other email.
        uidb36, _, token = key.partition("-")
        return site_link(
            reverse("account_reset_password_from_key", kwargs={"uidb36": uidb36, "key": token})
        )

    def post_login(self, request: HttpRequest, user, **kwargs):
        """After any sign-in: an SSO sign-in is audited with its provider and
        organisation, and ``request.session["sso_mfa"]`` is set to ``True`` when the
        identity provider said it used multi-factor authentication and the organisation
        trusts it (the contract the MFA enforcement reads); otherwise it is absent."""
        request.session.pop(SSO_MFA_SESSION_KEY, None)
        # Kept in the session, not on the request: a login stage (allauth.mfa's second
        # factor) may finish the sign-in in a later request.
        # (And on the request, for a sign-in over one already open: allauth signs the
        # other person out first, which empties the session.)
        accepted = request.session.pop(SSO_PENDING_SESSION_KEY, None) or getattr(
            request, "_sso_accepted", None
        )
        if accepted is not None and accepted["person"] == user.pk:
            if accepted["mfa"]:
                request.session[SSO_MFA_SESSION_KEY] = True
            audit_event_record(
                actor=user,
                action=audit_actions.SSO_SIGNED_IN,
                target=user,
                organisation_pk=accepted["organisation_pk"],
                data={
                    "provider": accepted["provider"],
                    "organisation": accepted["organisation"],
                    "provider_said_mfa": accepted["provider_said_mfa"],
                    "mfa_trusted": accepted["mfa"],
                },
                request=request,
            )
        # A first sign-in, by single sign-on or a password chosen another way, accepts
        # the person's invitations (going live, #20).
        invitations_accepted_on_sign_in(
            person=user,
            how="single sign-on" if accepted is not None else "signed in with a password",
            request=request,
        )
        return super().post_login(request, user, **kwargs)

    def is_reauthentication_required(self, *, app: str, **kwargs) -> bool:
        """Signing in counts as confirming it is you for the 15 minutes after it, as a
        re-authentication does (R37): the head who has just signed in is not asked
        again at once, before the first export or to set up her authenticator."""
        if not super().is_reauthentication_required(app=app, **kwargs):
            return False
        request = self.request or context.request
        return not (request is not None and mfa.signed_in_recently(request))


def refuse(
    request: HttpRequest,
    refusal: rules.SignInRefused,
    *,
    provider_name: str,
    status: int = 403,
) -> ImmediateHttpResponse:
    """Audit a refused single sign-on and answer with the product's own page."""
    data = {"provider": provider_name, "reason": refusal.reason, **refusal.data}
    audit_event_record(
        actor=None,
        action=audit_actions.SSO_REFUSED,
        target=refusal.person,
        organisation_pk=refusal.organisation.pk if refusal.organisation else None,
        data=data,
        request=request,
    )
    response = render(
        request,
        "identity/sign_in_refused.html",
        {"message": refusal.message, "provider_name": provider_name},
        status=status,
    )
    return ImmediateHttpResponse(response)


class SocialAccountAdapter(DefaultSocialAccountAdapter):
    """Single sign-on signs in people who are already in the directory, and only
    through an identity provider of one of their organisations (identity)."""

    def is_open_for_signup(self, request: HttpRequest, sociallogin: SocialLogin) -> bool:
        return False

    def list_apps(self, request, provider=None, client_id=None):
        apps = [
            app
            for app in super().list_apps(request, provider=provider, client_id=client_id)
            if app.provider != "saml"  # only the directory's own
        ]
        if provider in (None, "saml") or (provider or "").startswith("saml-"):
            apps += [
                app
                for app in saml_apps(client_id=client_id)
                if provider in (None, "saml", app.provider_id)
            ]
        return apps

    def pre_social_login(self, request: HttpRequest, sociallogin: SocialLogin) -> None:
        provider = sociallogin.account.get_provider()
        identity = self._identity(request, sociallogin, provider)
        try:
            if sociallogin.state.get("process", AuthProcess.LOGIN) != AuthProcess.LOGIN:
                raise rules.SignInRefused(
                    "not_a_sign_in",
                    "How you sign in is set by your school's administrator; it cannot be "
                    "changed here.",
                )
            decision = rules.sso_sign_in_decide(identity)
            if sociallogin.is_existing and sociallogin.user.pk != decision.person.pk:
                raise rules.SignInRefused(
                    "linked_to_someone_else",
                    f"This {identity.provider_name} account is already used by someone else "
                    "in the staff contact register. Ask your school's administrator.",
                    person=decision.person,
                )
        except rules.SignInRefused as refusal:
            raise refuse(request, refusal, provider_name=identity.provider_name) from None
        if not sociallogin.is_existing:
            sociallogin.connect(request, decision.person)
        request._sso_accepted = request.session[SSO_PENDING_SESSION_KEY] = {
            "person": decision.person.pk,
            "organisation_pk": decision.organisation.pk,
            "organisation": str(decision.organisation),
            "provider": identity.provider_name,
            "provider_said_mfa": identity.used_mfa,
            "mfa": decision.mfa,
        }

    def _identity(self, request, sociallogin: SocialLogin, provider) -> rules.Identity:
        app = provider.app
        if app.provider == "saml":
            idp = identity_provider_of(app)
            contexts = getattr(sociallogin, "saml_authn_contexts", [])
            return rules.Identity(
                provider=rules.SAML,
                email=sociallogin.user.email if sociallogin.user else "",
                saml_idp=idp,
                used_mfa=rules.authn_contexts_say_mfa(contexts),
            )
        kind = app.provider_id
        name = configured_oidc_providers().get(kind, kind)
        claims = sociallogin.account.extra_data.get("id_token") or {}
        expected_nonce = sociallogin.state.get("nonce")
        if not expected_nonce or claims.get("nonce") != expected_nonce:
            refusal = rules.SignInRefused(
                "nonce_mismatch", rules.COULD_NOT_CHECK.format(provider=name)
            )
            raise refuse(request, refusal, provider_name=name)
        if kind == rules.MICROSOFT:
            # Entra does not check the `email` claim: it is whatever the account's mail
            # attribute says, which someone else may have set ("nOAuth"). The sign-in
            # name (UPN), in a domain the tenant has verified, is taken instead, and
            # `email` only where Entra says the domain's owner verified it (xms_edov).
            verified = claims.get("xms_edov") in (True, 1, "1", "true", "True")
            email = claims.get("preferred_username") or (claims.get("email") if verified else "")
        else:
            email = claims.get("email")
        return rules.Identity(
            provider=kind if kind in (rules.MICROSOFT, rules.GOOGLE) else rules.MICROSOFT,
            email=email or "",
            tenant_id=str(claims.get("tid", "")) if kind == rules.MICROSOFT else "",
            hosted_domain=str(claims.get("hd", "")) if kind == rules.GOOGLE else "",
            email_verified=claims.get("email_verified", True) is not False
            if kind == rules.GOOGLE
            else True,
            used_mfa=rules.amr_says_mfa(claims.get("amr")),
        )

    def on_authentication_error(
        self, request, provider, error=None, exception=None, extra_context=None
    ) -> None:
        """Whatever allauth or python3-saml refused (a token from another tenant or
        audience, expired, unsigned or signed with another key, a state used before, a
        SAML response unsigned, for another audience or recipient, out of date or
        replayed) is audited and answered in the product's words."""
        name = provider.name if provider is not None else "The identity provider"
        if error == AuthError.CANCELLED:
            message = "You did not finish signing in. Start again from the sign-in page."
        else:
            message = rules.COULD_NOT_CHECK.format(provider=name)
        detail = ""
        if exception is not None:
            cause = exception.__cause__
            detail = f"{type(exception).__name__}: {exception}" + (
                f" ({type(cause).__name__}: {cause})" if cause else ""
            )
            detail = detail[:300]
        elif extra_context and extra_context.get("saml_last_error_reason"):
            detail = str(extra_context["saml_last_error_reason"])[:300]
        refusal = rules.SignInRefused(
            "cancelled" if error == AuthError.CANCELLED else "provider_answer_refused",
            message,
            data={"error": str(error or ""), "detail": detail},
        )
        raise refuse(request, refusal, provider_name=name)


class MFAAdapter(DefaultMFAAdapter):
    """allauth's second factor in the product's words, and never removed from someone
    whose role needs it unless they keep another."""

    error_messages = {
        **DefaultMFAAdapter.error_messages,
        "cannot_delete_authenticator": (
            "You cannot remove your only second factor: your role needs one. Add another "
            "(an authenticator app or a security key) first."
        ),
        "cannot_generate_recovery_codes": (
            "Set up an authenticator app or a security key before making recovery codes."
        ),
        "incorrect_code": (
            "That code is not right, or it has been used already. Enter the code your "
            "authenticator app shows now, or one of your recovery codes you have not used."
        ),
        "unverified_email": (
            "A second factor cannot be set up until your email address is confirmed."
        ),
    }

    def can_delete_authenticator(self, authenticator) -> bool:
        from allauth.mfa.models import Authenticator

        user = authenticator.user
        if not mfa.mfa_required(user):
            return True
        others = Authenticator.objects.filter(user_id=user.pk, type__in=mfa.FACTOR_TYPES).exclude(
            pk=authenticator.pk
        )
        return others.exists()

    def generate_authenticator_name(self, user, type) -> str:
        from allauth.mfa.models import Authenticator

        count = Authenticator.objects.filter(user_id=user.pk, type=type).count()
        return "Security key" if count == 0 else f"Security key {count + 1}"
