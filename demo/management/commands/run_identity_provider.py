"""The local OpenID Connect provider standing in for Microsoft and Google in development
(`make run` starts it beside runserver; R36, #18). Never in production."""

import contextlib
from urllib.parse import urlsplit

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from directory.models import Membership, Organisation, Person


class Command(BaseCommand):
    help = (
        "Serve the local test identity provider (Microsoft and Google stand-ins) on "
        "LOCAL_IDENTITY_PROVIDER_URL, default http://127.0.0.1:8001. Development only."
    )

    def handle(self, *args, **options) -> None:
        if settings.PRODUCTION:
            raise CommandError(
                "run_identity_provider signs anybody in without a password; it never runs "
                "in production."
            )
        from demo.identity_provider import LocalIdentityProvider

        address = urlsplit(settings.LOCAL_IDENTITY_PROVIDER_URL)
        clients = {
            app["client_id"]: app["secret"]
            for app in settings.SOCIALACCOUNT_PROVIDERS["openid_connect"]["APPS"]
        }
        provider = LocalIdentityProvider(
            host=address.hostname or "127.0.0.1",
            port=address.port or 8001,
            clients=clients,
            tenants=self.tenants(),
            accounts=list(
                Person.objects.filter(is_active=True)
                .filter(email__endswith="@brookfield.example")
                .order_by("email")
                .values_list("email", flat=True)
            ),
        )
        self.stdout.write(f"Local test identity provider on {provider.url}/ (Ctrl+C stops it)")
        with contextlib.suppress(KeyboardInterrupt):
            provider.serve_forever()

    def tenants(self) -> dict[str, str]:
        """Each email domain of an organisation's people -> its tenant, so that the
        provider answers with the tenant of the school the address belongs to."""
        tenants: dict[str, str] = {}
        for organisation in Organisation.objects.exclude(entra_tenant_id=""):
            emails = (
                Membership.objects.current()
                .filter(organisation__in=[organisation, *organisation.children.all()])
                .values_list("person__email", flat=True)
            )
            for email in emails:
                tenants.setdefault(email.rpartition("@")[2], organisation.entra_tenant_id)
        return tenants
