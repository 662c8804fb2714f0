"""The school calendar's pages: the term dates (R39) and the new school year (R38)."""

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from directory.selectors import chosen_organisation, organisations_run_by
from schoolcalendar import school_year
from schoolcalendar.exceptions import CalendarError, SchoolYearError
from schoolcalendar.forms import NewSchoolYearForm, TermDatesForm
from schoolcalendar.periods import EARLIEST_YEAR, half_terms_for, school_year_of, term_dates_for
from schoolcalendar.services import term_dates_set


@require_http_methods(["GET", "POST"])
def new_school_year(request: HttpRequest) -> HttpResponse:
    """The administrator starts a setting's new school year (R38): the form, a preview of
    what moves where (a GET, which writes nothing), then the confirmation (a POST)."""
    settings = school_year.school_year_settings_for(user=request.user)
    data = request.POST if request.method == "POST" else request.GET
    setting = chosen_organisation(settings, data.get("organisation"))
    if setting is None:
        raise Http404
    today = timezone.localdate()
    counts = school_year.year_group_counts(setting)
    form = NewSchoolYearForm(
        data if "starts_on" in data else None,
        initial={
            "starts_on": school_year.suggested_first_day(setting, today),
            "leaving_year_group": school_year.top_year_group(counts),
        },
    )
    plan = None
    if form.is_bound and form.is_valid():
        choice = {
            "setting": setting,
            "starts_on": form.cleaned_data["starts_on"],
            "leaving_year_group": form.cleaned_data["leaving_year_group"],
            "destination": form.cleaned_data["destination"],
            "empty_classes": form.cleaned_data["empty_classes"],
        }
        try:
            if request.method == "POST":
                rollover = school_year.new_school_year_start(
                    actor=request.user, request=request, **choice
                )
            else:
                plan = school_year.new_school_year_plan(counts=counts, today=today, **choice)
        except SchoolYearError as error:
            form.add_error(None, str(error))
        else:
            if request.method == "POST":
                counts = rollover.counts
                messages.success(
                    request,
                    f"The school year {rollover.year} to {rollover.year + 1} has started at "
                    f"{setting}: {counts['moved_total']} pupils moved up a year group and "
                    f"{counts['left_total']} became former pupils, with the leaving date "
                    f"{rollover.left_on:%-d %B %Y}.",
                )
                return redirect(
                    f"{reverse('schoolcalendar:new_school_year')}?organisation={setting.pk}"
                )
    return render(
        request,
        "schoolcalendar/new_school_year.html",
        {
            "settings": settings,
            "setting": setting,
            "form": form,
            "plan": plan,
            "counts": [
                (school_year.label(year_group), counts[year_group])
                for year_group in school_year.YEAR_GROUP_ORDER
                if counts.get(year_group)
            ],
            "without_year_group": counts.get("", 0),
            "rollovers": school_year.rollovers_of(setting),
        },
    )


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
                f"{reverse('schoolcalendar:term_dates')}?organisation={organisation.pk}&year={year}"
            )
    return render(
        request,
        "schoolcalendar/term_dates.html",
        {
            "organisations": organisations,
            "organisation": organisation,
            "year": year,
            "years": list(range(current + 1, current - 3, -1)),
            "form": form,
        },
    )
