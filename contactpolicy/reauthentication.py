"""A sensitive step (R37): before it, the person confirms it is them, by password or
second factor, unless they have in the last 15 minutes. allauth does the confirming;
this keeps what was typed, and says so when files chosen cannot be kept. In the base
layer, so that every app's pages and the administration screens guard their steps the
same way."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from allauth.account.decorators import reauthentication_required
from allauth.account.internal.flows import reauthentication
from allauth.core.exceptions import ReauthenticationRequired
from django.contrib import messages
from django.http import HttpRequest, HttpResponse

# Put into a form's answers when they are kept while the person confirms it is them:
# the files chosen cannot be kept, and are asked for again.
FILES_DROPPED_FIELD = "_files_to_choose_again"


def sensitive_step(view_func: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Before the view, the person confirms it is them (password or second factor)
    unless they have in the last 15 minutes: allauth's ``reauthentication_required``.

    A GET comes back to the same address once confirmed. A POST is kept by allauth
    and sent again once confirmed, so nothing typed is lost; files chosen in it cannot
    be kept, so then the form is shown again with its answers, unsaved, asking for the
    files again.
    """
    guarded = reauthentication_required(view_func)

    @wraps(view_func)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if request.method == "POST":
            if request.FILES and reauthentication.is_reauthentication_required(request, app=""):
                answers = request.POST.copy()
                answers[FILES_DROPPED_FIELD] = ",".join(request.FILES)
                request.POST = answers  # what allauth keeps while the person confirms
                raise ReauthenticationRequired
            if request.POST.get(FILES_DROPPED_FIELD) and not request.FILES:
                messages.warning(
                    request,
                    "You confirmed it is you. Your answers are kept, but files cannot be: "
                    "choose the file again, then send the form.",
                )
                answers = request.POST.copy()
                del answers[FILES_DROPPED_FIELD]
                request.POST = answers
                request.method = "GET"  # show the form with its answers; save nothing
        return guarded(request, *args, **kwargs)

    return wrapper
