from allauth.account import views as account
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
from directory.exceptions import CalendarError, RoleRequestError
from directory.forms import TermDatesForm
from directory.home import panels_for
from directory.identity.mfa import sensitive_step
from directory.periods import EARLIEST_YEAR, half_terms_for, school_year_of, term_dates_for
from directory.selectors import chosen_organisation, organisations_run_by
from directory.services import role_request_decide, role_requests_for, term_dates_set
from directory.sessions import mark_used, seconds_left


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


def password_change(request: HttpRequest) -> HttpResponse:
    """allauth's change-password page, for a person who has a password. Someone who
    signs in only through their school's single sign-on has none here, and is not
    offered one: a password added by whoever holds their session would be a second way
    into the account."""
    if not request.user.has_usable_password():
        messages.info(
            request,
            "You sign in through your school's single sign-on, so there is no password "
            "to change here. Your school's IT support manages it.",
        )
        return redirect("home")
    return account.password_change(request)


@login_not_required
@never_cache
@require_http_methods(["GET", "POST"])
def session_status(request: HttpRequest) -> JsonResponse:
    """How many seconds of the person's session are left before the idle sign-out
    (GET, which does not count as use), or "stay signed in" (POST). 0 when signed out."""
    if request.method == "POST" and request.user.is_authenticated:
        mark_used(request)
    return JsonResponse({"seconds_left": seconds_left(request)})


@require_http_methods(["GET", "POST"])
def term_dates(request: HttpRequest) -> HttpResponse:
    """The head, Executive Headteacher or administrator sets the term dates, with their
    half-terms, that the summaries and the due dates use, one school year at a time."""
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
        request.POST or None,
        year=year,
        initial_dates=term_dates_for(organisation, [year]),
        initial_half_terms=half_terms_for(organisation, year),
    )
    if request.method == "POST" and form.is_valid():
        try:
            term_dates_set(
                actor=request.user,
                organisation=organisation,
                year=year,
                dates=form.dates(),
                half_terms=form.half_terms(),
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
