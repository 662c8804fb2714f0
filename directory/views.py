from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.db import connection
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from directory.access import Access
from directory.exceptions import CalendarError
from directory.forms import TermDatesForm
from directory.home import panels_for
from directory.periods import EARLIEST_YEAR, school_year_of, term_dates_for
from directory.selectors import chosen_organisation, organisations_run_by
from directory.services import term_dates_set


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


@require_http_methods(["GET", "POST"])
def term_dates(request: HttpRequest) -> HttpResponse:
    """The head, Executive Headteacher or administrator sets the term dates the
    summaries use, one school year at a time."""
    organisations = organisations_run_by(user=request.user)
    data = request.POST if request.method == "POST" else request.GET
    organisation = chosen_organisation(organisations, data.get("organisation"))
    if organisation is None:
        raise Http404
    current = school_year_of(timezone.localdate())
    year = data.get("year", str(current))
    if not (year.isascii() and year.isdigit()) or not EARLIEST_YEAR <= int(year) <= current + 1:
        raise Http404
    year = int(year)
    form = TermDatesForm(
        request.POST or None, year=year, initial_dates=term_dates_for(organisation, [year])
    )
    if request.method == "POST" and form.is_valid():
        try:
            term_dates_set(
                actor=request.user,
                organisation=organisation,
                year=year,
                dates=form.dates(),
                request=request,
            )
        except CalendarError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, f"The term dates for {year} to {year + 1} were saved.")
            return redirect(
                f"{reverse('directory:term_dates')}?organisation={organisation.pk}&year={year}"
            )
    return render(
        request,
        "directory/term_dates.html",
        {
            "organisations": organisations,
            "organisation": organisation,
            "year": year,
            "years": list(range(current + 1, current - 3, -1)),
            "form": form,
        },
    )
