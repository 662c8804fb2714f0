"""Who may sign in how (R36, #18).

Single sign-on never makes an account: the identity provider's answer is accepted only
for an existing, active Person whose address it names, and only when that person belongs
to the organisation the provider speaks for (a tenant, a Google Workspace domain or a
SAML identity provider recorded on the person's school, or on its trust or federation).
A password is refused for the people of an organisation that requires single sign-on.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from directory.models import Membership, Organisation, Person, SamlIdentityProvider, SignInMethod

MICROSOFT = "microsoft"
GOOGLE = "google"
SAML = "saml"
PROVIDER_NAMES = {MICROSOFT: "Microsoft", GOOGLE: "Google", SAML: "SAML"}

# RFC 8176 authentication method references that mean a second factor was used.
MFA_AMR = frozenset({"mfa", "otp", "hwk", "sc", "ngcmfa"})
# SAML AuthnContextClassRef values naming multi-factor authentication.
MFA_AUTHN_CONTEXTS = frozenset(
    {
        "https://refeds.org/profile/mfa",
        "http://schemas.microsoft.com/claims/multipleauthn",
        "urn:oasis:names:tc:SAML:2.0:ac:classes:MobileTwoFactorContract",
        "urn:oasis:names:tc:SAML:2.0:ac:classes:MobileTwoFactorUnregistered",
        "urn:oasis:names:tc:SAML:2.0:ac:classes:TimeSyncToken",
    }
)

COULD_NOT_CHECK = (
    "{provider}'s answer could not be checked, so you have not been signed in. Try again "
    "from the sign-in page; if it happens again, tell your school's administrator."
)


class SignInRefused(Exception):
    """A single sign-on the product refuses: ``reason`` is the code the audit trail
    keeps, ``message`` what the person reads."""

    def __init__(
        self,
        reason: str,
        message: str,
        *,
        person: Person | None = None,
        organisation: Organisation | None = None,
        data: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(message)
        self.reason = reason
        self.message = message
        self.person = person
        self.organisation = organisation
        self.data = data or {}


@dataclass(frozen=True)
class Identity:
    """What an identity provider said, once its signature and freshness were checked."""

    provider: str  # MICROSOFT, GOOGLE or SAML
    email: str
    tenant_id: str = ""
    hosted_domain: str = ""
    saml_idp: SamlIdentityProvider | None = None
    email_verified: bool = True
    used_mfa: bool = False
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def provider_name(self) -> str:
        if self.saml_idp is not None:
            return self.saml_idp.name
        return PROVIDER_NAMES[self.provider]


@dataclass(frozen=True)
class Accepted:
    person: Person
    organisation: Organisation
    mfa: bool  # the provider used a second factor and the organisation trusts it


def organisations_of(person: Person) -> list[Organisation]:
    """The organisations a person currently belongs to, each school's trust or
    federation after it (its tenant and domain count for its schools)."""
    organisations: dict[int, Organisation] = {}
    memberships = Membership.objects.current().filter(person=person)
    for membership in memberships.select_related("organisation__parent"):
        organisation = membership.organisation
        organisations.setdefault(organisation.pk, organisation)
        if organisation.parent is not None:
            organisations.setdefault(organisation.parent.pk, organisation.parent)
    return list(organisations.values())


def amr_says_mfa(amr: Iterable[str] | None) -> bool:
    return bool(MFA_AMR.intersection(str(value).lower() for value in amr or ()))


def authn_contexts_say_mfa(class_refs: Iterable[str] | None) -> bool:
    for ref in class_refs or ():
        lowered = str(ref).lower()
        if ref in MFA_AUTHN_CONTEXTS or "multifactor" in lowered or lowered.endswith("/mfa"):
            return True
    return False


def sso_sign_in_decide(identity: Identity) -> Accepted:
    """The person an identity provider's answer signs in, or ``SignInRefused``.

    Refused: no email, an address no Person holds, an inactive person, an unverified
    Google address, and a provider (tenant, domain or SAML service) that none of the
    person's organisations has recorded. Nothing is written here."""
    name = identity.provider_name
    email = (identity.email or "").strip().lower()
    if not email:
        raise SignInRefused(
            "no_email",
            f"{name} did not tell us your email address, so you have not been signed in. "
            "Ask your school's administrator to check how single sign-on is set up.",
        )
    if not identity.email_verified:
        raise SignInRefused(
            "email_unverified",
            f"{name} has not confirmed that {email} is yours, so you have not been signed "
            "in. Use your school account.",
        )
    person = Person.objects.filter(email__iexact=email).first()
    if person is None:
        raise SignInRefused(
            "unknown_address",
            f"There is no account in the staff contact register for {email}. Accounts are "
            "set up by your school's administrator: ask them to add you. Signing in with "
            f"{name} does not create one.",
            data={"email_domain": email.rpartition("@")[2]},
        )
    if not person.is_active:
        raise SignInRefused(
            "inactive",
            f"The account for {email} is not active, so you cannot sign in. Ask your "
            "school's administrator.",
            person=person,
        )
    organisation = _matching_organisation(identity, organisations_of(person))
    if organisation is None:
        raise SignInRefused(
            f"wrong_{identity.provider}",
            f"You signed in with a {name} account of an organisation that {email} does not "
            "sign in through. Sign in with the account your own school gave you.",
            person=person,
            data=_provider_data(identity),
        )
    return Accepted(
        person=person,
        organisation=organisation,
        mfa=identity.used_mfa and organisation.trust_idp_mfa,
    )


def _matching_organisation(
    identity: Identity, organisations: list[Organisation]
) -> Organisation | None:
    for organisation in organisations:
        if identity.provider == MICROSOFT:
            if identity.tenant_id and organisation.entra_tenant_id == identity.tenant_id.lower():
                return organisation
        elif identity.provider == GOOGLE:
            domain = identity.hosted_domain.lower()
            if domain and organisation.google_workspace_domain == domain:
                return organisation
        elif identity.saml_idp is not None and (
            organisation.pk == identity.saml_idp.organisation_id
        ):
            return organisation
    return None


def _provider_data(identity: Identity) -> dict[str, str]:
    if identity.provider == MICROSOFT:
        return {"tenant_id": identity.tenant_id}
    if identity.provider == GOOGLE:
        return {"hosted_domain": identity.hosted_domain}
    return {"saml_identity_provider": identity.saml_idp.slug if identity.saml_idp else ""}


def organisation_provider_names(
    organisation: Organisation, *, saml_names: dict[int, str] | None = None
) -> list[str]:
    """How an organisation's people sign in with single sign-on, as the buttons say it:
    its own providers, or its trust's or federation's. ``saml_names`` (organisation id
    to the name of its enabled SAML service, from :func:`saml_names_of`) saves a query
    per organisation to a caller that asks for many."""
    from identity.oidc import configured_oidc_providers

    configured = configured_oidc_providers()
    names = []
    chain = [organisation] + ([organisation.parent] if organisation.parent_id else [])
    if MICROSOFT in configured and any(org.entra_tenant_id for org in chain):
        names.append(configured[MICROSOFT])
    if GOOGLE in configured and any(org.google_workspace_domain for org in chain):
        names.append(configured[GOOGLE])
    if saml_names is None:
        saml_names = saml_names_of(org.pk for org in chain)
    names += [saml_names[org.pk] for org in chain if org.pk in saml_names]
    return names


def saml_names_of(organisation_ids: Iterable[int]) -> dict[int, str]:
    """The name on the button of each of these organisations' enabled SAML services."""
    return dict(
        SamlIdentityProvider.objects.filter(
            organisation_id__in=list(organisation_ids), enabled=True
        ).values_list("organisation_id", "name")
    )


@dataclass(frozen=True)
class SingleSignOnOnly:
    """A person who signs in only with single sign-on: where (the organisation whose
    rule it is, a school before its trust) and the names on its buttons (none when it
    is not set up yet)."""

    organisation: Organisation | None
    provider_names: list[str]

    @property
    def is_set_up(self) -> bool:
        return bool(self.provider_names)

    def buttons(self) -> str:
        """'Sign in with Microsoft' or 'Sign in with Google', as the sign-in page says."""
        return " or ".join(f"'Sign in with {name}'" for name in self.provider_names)


def single_sign_on_only(
    person: Person,
    *,
    organisations: list[Organisation] | None = None,
    provider_names: Callable[[Organisation], list[str]] = organisation_provider_names,
) -> SingleSignOnOnly | None:
    """Whether ``person`` must sign in with single sign-on, and where; ``None`` when a
    password is allowed. ``organisations`` (the person's, as :func:`organisations_of`
    gives them) and ``provider_names`` may be passed by a caller that asks for many."""
    if person.sign_in_method == SignInMethod.PASSWORD_ALLOWED:
        return None
    if organisations is None:
        organisations = organisations_of(person)
    if person.sign_in_method == SignInMethod.SINGLE_SIGN_ON:
        requiring = [org for org in organisations if org.is_setting] or organisations
    else:
        required_ids = {org.pk for org in organisations if org.sso_required}
        requiring = [
            org
            for org in organisations
            if org.pk in required_ids or (org.parent_id and org.parent_id in required_ids)
        ]
        requiring = [org for org in requiring if org.is_setting] or requiring
    if not requiring and person.sign_in_method != SignInMethod.SINGLE_SIGN_ON:
        return None
    organisation = requiring[0] if requiring else None
    return SingleSignOnOnly(
        organisation=organisation,
        provider_names=provider_names(organisation) if organisation else [],
    )


def password_refusal(person: Person) -> str | None:
    """Why this person may not sign in with a password, in words that say how to sign in
    instead; ``None`` when a password is allowed."""
    only = single_sign_on_only(person)
    if only is None:
        return None
    where = str(only.organisation) if only.organisation else "Your school"
    if not only.is_set_up:
        return (
            f"{where} signs in with single sign-on, which is not set up yet. Ask your "
            "school's administrator how to sign in."
        )
    return (
        f"{where} signs in with {' or '.join(only.provider_names)}: use the "
        f"{only.buttons()} button. Your password is not used here."
    )
