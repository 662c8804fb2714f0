"""The pages of a school's connection to its MIS through Wonde (R38, #20): set the school
id and token, test the connection, sync now and watch the sync."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from contactpolicy.refusals import visible_or_404
from directory.models import Organisation
from directory.selectors import chosen_organisation
from mis.exceptions import MisConnectionError
from mis.forms import MisConnectionForm
from mis.models import MisSync
from mis.services import (
    mis_connection_check,
    mis_connection_of,
    mis_connection_set,
    mis_organisations_for,
    mis_sync_request,
    mis_syncs_for,
)

RECENT_SYNCS = 5


def _organisation(request: HttpRequest) -> Organisation:
    data = request.POST if request.method == "POST" else request.GET
    organisation = chosen_organisation(
        mis_organisations_for(user=request.user), data.get("organisation")
    )
    if organisation is None:
        raise Http404
    return organisation


def _page(organisation: Organisation) -> str:
    return f"{reverse('mis:connection')}?organisation={organisation.pk}"


@require_http_methods(["GET", "POST"])
def mis_connection(request: HttpRequest) -> HttpResponse:
    """The administrator sets the school's Wonde school id and access token."""
    organisation = _organisation(request)
    connection = mis_connection_of(organisation)
    form = MisConnectionForm(request.POST or None, connection=connection)
    if request.method == "POST" and form.is_valid():
        try:
            mis_connection_set(
                actor=request.user,
                organisation=organisation,
                school_id=form.cleaned_data["school_id"],
                token=form.cleaned_data["token"],
                enabled=form.cleaned_data["enabled"],
                request=request,
            )
        except MisConnectionError as error:
            form.add_error(None, str(error))
        else:
            messages.success(
                request,
                f"The connection of {organisation} to Wonde was saved. Test it, or sync now.",
            )
            return redirect(_page(organisation))
    syncs = connection.syncs.select_related("requested_by")[:RECENT_SYNCS] if connection else []
    return render(
        request,
        "mis/connection.html",
        {
            "organisations": mis_organisations_for(user=request.user),
            "organisation": organisation,
            "connection": connection,
            "form": form,
            "syncs": syncs,
        },
    )


@require_POST
def mis_connection_test(request: HttpRequest) -> HttpResponse:
    """Ask Wonde, with the saved token, whether it answers for the school."""
    organisation = _organisation(request)
    connection = mis_connection_of(organisation)
    if connection is None:
        messages.error(request, "Save the school id and the access token first.")
    else:
        try:
            messages.success(request, mis_connection_check(connection=connection))
        except MisConnectionError as error:
            messages.error(request, str(error))
    return redirect(_page(organisation))


@require_POST
def mis_sync_start(request: HttpRequest) -> HttpResponse:
    """ "Sync now": the worker syncs the school; its page shows how far it has got."""
    organisation = _organisation(request)
    connection = mis_connection_of(organisation)
    if connection is None:
        messages.error(request, "Save the school id and the access token first.")
        return redirect(_page(organisation))
    try:
        sync = mis_sync_request(actor=request.user, connection=connection, request=request)
    except MisConnectionError as error:
        messages.error(request, str(error))
        return redirect(_page(organisation))
    return redirect("mis:sync", pk=sync.pk)


@require_GET
def mis_sync(request: HttpRequest, pk: int) -> HttpResponse:
    """One sync: its progress while it runs (the page asks again every two seconds),
    then the import it made, or why it stopped."""
    sync = visible_or_404(mis_syncs_for(user=request.user), about="connection", pk=pk)
    template = "mis/sync.html"
    if request.htmx:
        template += "#progress"
    return render(
        request,
        template,
        {"sync": sync, "organisation": sync.connection.organisation, "result": _result(sync)},
    )


def _result(sync: MisSync) -> str | None:
    """The address of the import the sync made: what changed, what could not be matched."""
    if sync.import_run_id is None:
        return None
    return reverse("onboarding:import_detail", args=[sync.import_run_id])
