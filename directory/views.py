from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from contactpolicy.reauthentication import sensitive_step
from directory.access import Access
from directory.exceptions import RoleRequestError
from directory.home import panels_for
from directory.services import role_request_decide, role_requests_for


@require_GET
def home(request: HttpRequest) -> HttpResponse:
    """What this person's roles let them do, built from each app's panels."""
    access = Access.for_user(request.user)
    return render(request, "directory/home.html", {"panels": panels_for(request, access)})


@login_not_required
@never_cache
@require_GET
def health(request: HttpRequest) -> JsonResponse:
    """For the load balancer: the app answers and the database is reachable."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok"})


@sensitive_step
@require_http_methods(["GET", "POST"])
def role_requests(request: HttpRequest) -> HttpResponse:
    """Roles administrators asked to give themselves, for a head or the Executive
    Headteacher to confirm or refuse (R37). Nobody sees or answers their own."""
    waiting = role_requests_for(request.user)
    if request.method == "POST":
        chosen = request.POST.get("request", "")
        role_request = waiting.filter(pk=chosen).first() if chosen.isdigit() else None
        answer = request.POST.get("answer")
        if role_request is None or answer not in {"confirm", "refuse"}:
            messages.error(
                request, "That request is not waiting for you: it may have been answered."
            )
            return redirect("directory:role_requests")
        try:
            role_request_decide(
                actor=request.user,
                role_request=role_request,
                confirm=answer == "confirm",
                request=request,
            )
        except RoleRequestError as error:
            messages.error(request, str(error))
        else:
            verdict = "confirmed" if answer == "confirm" else "refused"
            messages.success(
                request,
                f"You {verdict} the role {role_request.get_role_display()} at "
                f"{role_request.organisation} for {role_request.person.get_full_name()}; "
                f"they have been told.",
            )
        return redirect("directory:role_requests")
    return render(request, "directory/role_requests.html", {"waiting": waiting})
