from django.contrib.auth.decorators import login_not_required
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from directory.access import Access
from directory.home import panels_for


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
