"""The "Going live" page, where an administrator sends the invitations, and the page
the link in one opens (#20, R36, R38)."""

from __future__ import annotations

from allauth.core.ratelimit import consume_or_429
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from contactpolicy.pagination import page_of, query_without_page
from directory.selectors import chosen_organisation
from identity.exceptions import InvitationError
from identity.invitations.forms import ChoosePasswordForm
from identity.invitations.selectors import (
    how_they_sign_in,
    invitation_organisations_for,
    invitation_status,
    not_invited_recently,
    people_not_signed_in,
)
from identity.invitations.services import (
    LINK_MESSAGES,
    LinkState,
    Sent,
    invitation_accept,
    invitation_ask_again,
    invitation_for_link,
    invitations_send,
    link_state,
)


def _people(count: int) -> str:
    return f"{count} {'person' if count == 1 else 'people'}"


def _sent_message(request: HttpRequest, sent: Sent) -> None:
    if sent.total:
        kinds = []
        if sent.password_links:
            kinds.append(f"{sent.password_links} with a link to choose a password")
        if sent.single_sign_on:
            kinds.append(f"{sent.single_sign_on} with how to sign in with single sign-on")
        messages.success(
            request, f"Invitations are on their way to {_people(sent.total)}: {', '.join(kinds)}."
        )
    if sent.not_set_up:
        names = ", ".join(person.get_full_name() for person in sent.not_set_up[:5])
        more = len(sent.not_set_up) - 5
        messages.warning(
            request,
            f"No invitation was sent to {_people(len(sent.not_set_up))} ({names}"
            f"{f' and {more} more' if more > 0 else ''}): they sign in with single sign-on, "
            "which is not set up yet for their school. Set it up in the administration "
            "screens, then send them their invitations.",
        )
    if not sent.total and not sent.not_set_up:
        messages.info(
            request,
            f"Nothing was sent: everyone here who has not signed in was sent an invitation "
            f"in the last {settings.INVITATION_DAYS} days.",
        )


@require_http_methods(["GET", "POST"])
def going_live(request: HttpRequest) -> HttpResponse:
    """An administrator sends the invitations of an organisation whose people are in
    the directory, and sees who has not signed in yet, with "send again" for each."""
    organisations = invitation_organisations_for(user=request.user)
    data = request.POST if request.method == "POST" else request.GET
    organisation = chosen_organisation(organisations, data.get("organisation"))
    if organisation is None:
        raise Http404
    here = f"{reverse('invitations:going_live')}?organisation={organisation.pk}"
    if request.method == "POST":
        send = request.POST.get("send", "")
        if send != "everyone" and not (send.isascii() and send.isdigit()):
            messages.error(request, "Choose whom to send invitations to.")
            return redirect(here)
        try:
            sent = invitations_send(
                actor=request.user,
                organisation=organisation,
                person_ids=None if send == "everyone" else [int(send)],
                request=request,
            )
        except InvitationError as error:
            messages.error(request, str(error))
        else:
            _sent_message(request, sent)
        return redirect(here)
    now = timezone.now()
    people = people_not_signed_in(organisation)
    page = page_of(request, people)
    how = how_they_sign_in(page.object_list, organisation)
    rows = [
        {"person": person, "how": how[person.pk], "status": invitation_status(person, now)}
        for person in page.object_list
    ]
    return render(
        request,
        "identity/invitations/going_live.html",
        {
            "organisations": organisations,
            "organisation": organisation,
            "page": page,
            "rows": rows,
            "query": query_without_page(request),
            "waiting": page.paginator.count,
            "not_invited": not_invited_recently(people, now).count(),
            "days": settings.INVITATION_DAYS,
        },
    )


@login_not_required
@never_cache
@require_http_methods(["GET", "POST"])
def invitation_page(request: HttpRequest, pk: int, token: str) -> HttpResponse:
    """The link in an invitation: choose a password, once, before it expires. A link
    used, replaced, expired or not right says so, and an expired one offers a new one."""
    if request.method == "POST" and (
        limited := consume_or_429(request, action="reset_password_from_key")
    ):
        return limited
    invitation = invitation_for_link(pk, token)
    state = link_state(invitation)
    form = None
    asked_again = False
    if state == LinkState.OPEN:
        form = ChoosePasswordForm(invitation.person, request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                invitation_accept(
                    invitation=invitation,
                    password=form.cleaned_data["new_password1"],
                    request=request,
                )
            except InvitationError:
                state, form = link_state(invitation_for_link(pk, token)), None
            else:
                messages.success(
                    request,
                    "Your password is set. Sign in with your email address and your new password.",
                )
                return redirect("account_login")
    elif state == LinkState.EXPIRED and request.POST.get("action") == "ask_again":
        try:
            invitation_ask_again(invitation=invitation, request=request)
        except InvitationError:
            state = link_state(invitation_for_link(pk, token))
        else:
            asked_again = True
    return render(
        request,
        "identity/invitations/invitation.html",
        {
            "state": state,
            "message": LINK_MESSAGES.get(state, ""),
            "form": form,
            "invitation": invitation,
            "asked_again": asked_again,
        },
        status=404 if state == LinkState.NOT_RIGHT else 200,
    )
