"""The approvals app listens to the declarations app (which may not import it)."""

import logging

from django.dispatch import receiver

from approvals.services import declaration_route, requests_cancel
from declarations.services import declaration_submitted, declaration_withdrawn

logger = logging.getLogger(__name__)


@receiver(declaration_submitted, dispatch_uid="approvals_route_submitted")
def route_submitted(sender, declaration, **kwargs) -> None:
    # The declaration is already saved: if routing fails now, run_scheduled_jobs routes
    # it later (its safety net), and the declarant is not shown an error for it.
    try:
        declaration_route(declaration=declaration)
    except Exception:
        logger.exception(
            "Routing declaration %s failed; the scheduled jobs will retry", declaration.pk
        )


@receiver(declaration_withdrawn, dispatch_uid="approvals_cancel_withdrawn")
def cancel_withdrawn(sender, declaration, **kwargs) -> None:
    requests_cancel(declaration=declaration)
