"""The project's URLs and the benchmark's floor: the least a Django view here costs."""

from django.contrib.auth.decorators import login_not_required
from django.http import HttpRequest, JsonResponse
from django.urls import path
from django.views.decorators.http import require_GET

from contactpolicy.urls import urlpatterns as project_urls
from directory.models import Organisation


@login_not_required
@require_GET
def floor(request: HttpRequest) -> JsonResponse:
    """One query by primary key, through every middleware, as JSON."""
    name = Organisation.objects.filter(pk=request.GET.get("pk", 1)).values_list("name", flat=True)
    return JsonResponse({"name": name.first()})


urlpatterns = [path("bench/floor/", floor, name="bench_floor"), *project_urls]
