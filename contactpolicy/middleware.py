from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.utils.cache import add_never_cache_headers

from contactpolicy.refusals import Refused
from contactpolicy.services import access_refusal_record


class NoStoreForSignedInMiddleware:
    """Pages shown to a signed-in person are about people: never keep them in a cache."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            add_never_cache_headers(response)
        return response


class RefusalAuditMiddleware:
    """A record someone may not open goes on the audit trail as a refusal (#21, R34):
    the view raised :class:`~contactpolicy.refusals.Refused` (a 404 to them); it is
    recorded here, after the view and outside any transaction of its, and the 404 page
    is answered as for any other."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> None:
        if isinstance(exception, Refused):
            access_refusal_record(
                actor=getattr(request, "user", None),
                record=exception.record,
                page=exception.page,
                asked_for=exception.asked_for,
                organisation_pk=exception.organisation_pk,
                request=request,
            )
