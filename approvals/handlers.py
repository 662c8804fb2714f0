"""The approvals app listens to the declarations app (which may not import it)."""

from django.dispatch import receiver

from approvals.services import declaration_route, requests_cancel
from declarations.services import declaration_submitted, declaration_withdrawn


@receiver(declaration_submitted, dispatch_uid="approvals_route_submitted")
def route_submitted(sender, declaration, **kwargs) -> None:
    declaration_route(declaration=declaration)


@receiver(declaration_withdrawn, dispatch_uid="approvals_cancel_withdrawn")
def cancel_withdrawn(sender, declaration, **kwargs) -> None:
    requests_cancel(declaration=declaration)
