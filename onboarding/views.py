"""Onboarding's own page: the new school year (R38). The imports, the MIS and going
live have theirs in their packages."""

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from directory.selectors import chosen_organisation
from onboarding import school_year
from onboarding.exceptions import SchoolYearError
from onboarding.forms import NewSchoolYearForm


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
                    f"{reverse('onboarding:new_school_year')}?organisation={setting.pk}"
                )
    return render(
        request,
        "onboarding/new_school_year.html",
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
