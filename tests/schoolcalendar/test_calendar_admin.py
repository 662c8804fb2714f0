"""Setting the school calendar (R39, issue #19): the term dates page with its half-terms,
and the administration screens for term dates and INSET or closure days. Bad dates are
refused with a message saying why, and nothing is saved or audited."""

import datetime

import pytest
from django.urls import reverse

from contactpolicy.models import AuditEvent
from schoolcalendar.calendar import is_school_day
from schoolcalendar.models import ClosureDay, Term, TermDates
from tests.conftest import sign_in_with_mfa

pytestmark = pytest.mark.django_db

day = datetime.date
TERM_DATES = reverse("schoolcalendar:term_dates")
TERMS_ADD = reverse("admin:schoolcalendar_termdates_add")
TERMS_LIST = reverse("admin:schoolcalendar_termdates_changelist")
CLOSURE_ADD = reverse("admin:schoolcalendar_closureday_add")
CLOSURE_LIST = reverse("admin:schoolcalendar_closureday_changelist")


def page_post(organisation, **changes: str) -> dict[str, str]:
    """2026 to 2027 with its half-terms, as the term dates page posts it."""
    return {
        "organisation": str(organisation.pk),
        "year": "2026",
        "autumn_starts_on": "2026-09-02",
        "autumn_ends_on": "2026-12-18",
        "autumn_half_term_starts_on": "2026-10-26",
        "autumn_half_term_ends_on": "2026-10-30",
        "spring_starts_on": "2027-01-04",
        "spring_ends_on": "2027-03-25",
        "spring_half_term_starts_on": "2027-02-15",
        "spring_half_term_ends_on": "2027-02-19",
        "summer_starts_on": "2027-04-12",
        "summer_ends_on": "2027-07-21",
        "summer_half_term_starts_on": "2027-05-31",
        "summer_half_term_ends_on": "2027-06-04",
        **changes,
    }


# The term dates page ----------------------------------------------------------------------


def test_the_head_sets_the_terms_with_their_half_terms(world, client):
    sign_in_with_mfa(client, world.head_a)

    response = client.post(TERM_DATES, page_post(world.school_a))

    assert response.status_code == 302
    saved = {
        row.term: (row.half_term_starts_on, row.half_term_ends_on)
        for row in TermDates.objects.filter(organisation=world.school_a, year=2026)
    }
    assert saved == {
        Term.AUTUMN: (day(2026, 10, 26), day(2026, 10, 30)),
        Term.SPRING: (day(2027, 2, 15), day(2027, 2, 19)),
        Term.SUMMER: (day(2027, 5, 31), day(2027, 6, 4)),
    }
    event = AuditEvent.objects.get(action="summary.term_dates_set")
    assert event.data["half_terms"]["spring"] == ["2027-02-15", "2027-02-19"]
    assert not is_school_day(world.school_a, day(2027, 2, 17))
    assert is_school_day(world.school_b, day(2027, 2, 17))  # another school's calendar


def test_the_page_shows_the_half_terms_already_set(world, client):
    sign_in_with_mfa(client, world.head_a)
    client.post(TERM_DATES, page_post(world.school_a))

    response = client.get(TERM_DATES, {"organisation": world.school_a.pk, "year": 2026})

    form = response.context["form"]
    assert form["spring_half_term_starts_on"].initial == day(2027, 2, 15)
    assert "first day of the half-term break" in response.content.decode()


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        pytest.param(
            {"spring_half_term_starts_on": "2027-03-29", "spring_half_term_ends_on": "2027-04-09"},
            "spring_half_term_starts_on",
            "The spring term's half-term break must fall inside the term, after 4 January "
            "2027 and before 25 March 2027.",
            id="outside-the-term",
        ),
        pytest.param(
            {"autumn_half_term_ends_on": "2026-10-23"},
            "autumn_half_term_ends_on",
            "The autumn term's half-term break ends before it starts.",
            id="backwards",
        ),
        pytest.param(
            {"summer_half_term_ends_on": ""},
            "summer_half_term_ends_on",
            "Give both the first and the last day of the summer term's half-term break, "
            "or neither.",
            id="one-end-only",
        ),
        pytest.param(
            # The term moved, the half-term set before left where it was.
            {"autumn_ends_on": "2026-10-23"},
            "autumn_half_term_starts_on",
            "The autumn term's half-term break must fall inside the term, after 2 September "
            "2026 and before 23 October 2026.",
            id="term-moved-away-from-its-half-term",
        ),
    ],
)
def test_a_half_term_that_makes_no_sense_is_refused_and_nothing_is_saved(
    world, client, changes, field, message
):
    sign_in_with_mfa(client, world.head_a)

    response = client.post(TERM_DATES, page_post(world.school_a, **changes))

    assert response.status_code == 200
    assert response.context["form"].errors[field] == [message]
    assert "There is a problem" in response.content.decode()
    assert not TermDates.objects.exists()
    assert not AuditEvent.objects.filter(action="summary.term_dates_set").exists()


def test_terms_without_half_terms_are_still_accepted(world, client):
    sign_in_with_mfa(client, world.head_a)
    empty = {f"{term}_half_term_{end}_on": "" for term in Term.values for end in ("starts", "ends")}

    response = client.post(TERM_DATES, page_post(world.school_a, **empty))

    assert response.status_code == 302
    assert not TermDates.objects.filter(half_term_starts_on__isnull=False).exists()


# The administration screens ------------------------------------------------------------


def admin_term(organisation, **changes: str) -> dict[str, str]:
    return {
        "organisation": str(organisation.pk),
        "year": "2026",
        "term": Term.AUTUMN,
        "starts_on": "02/09/2026",
        "ends_on": "18/12/2026",
        "half_term_starts_on": "26/10/2026",
        "half_term_ends_on": "30/10/2026",
        "_save": "Save",
        **changes,
    }


def test_an_administrator_adds_term_dates_and_it_is_audited(world, client):
    sign_in_with_mfa(client, world.administrator)

    response = client.post(TERMS_ADD, admin_term(world.federation))

    assert response.status_code == 302, response.context["adminform"].form.errors
    term = TermDates.objects.get()
    assert (term.organisation, term.half_term_starts_on) == (world.federation, day(2026, 10, 26))
    event = AuditEvent.objects.get(action="schoolcalendar.termdates.created")
    assert event.actor == world.administrator
    assert not is_school_day(world.school_a, day(2026, 10, 28))


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        pytest.param(
            {"ends_on": "01/09/2026"},
            "ends_on",
            "The autumn term ends before it starts: check the two dates.",
            id="backwards",
        ),
        pytest.param(
            {"half_term_starts_on": "21/12/2026", "half_term_ends_on": "24/12/2026"},
            "half_term_starts_on",
            "The half-term break must fall inside the autumn term, after 2 September 2026 "
            "and before 18 December 2026.",
            id="half-term-outside",
        ),
        pytest.param(
            {
                "term": Term.SPRING,
                "starts_on": "14/12/2026",
                "ends_on": "25/03/2027",
                "half_term_starts_on": "",
                "half_term_ends_on": "",
            },
            "starts_on",
            "These dates overlap the autumn term 2026 to 2027 (2 September 2026 to 18 "
            "December 2026): two terms cannot share a day.",
            id="overlapping",
        ),
    ],
)
def test_bad_term_dates_in_the_admin_are_refused_with_a_message(
    world, client, changes, field, message
):
    TermDates.objects.create(
        organisation=world.federation,
        year=2026,
        term=Term.AUTUMN,
        starts_on=day(2026, 9, 2),
        ends_on=day(2026, 12, 18),
    )
    before = TermDates.objects.count()
    sign_in_with_mfa(client, world.administrator)
    # The overlap is with the federation's own autumn; the rest are tried on a school.
    organisation = world.federation if "term" in changes else world.school_a

    response = client.post(TERMS_ADD, admin_term(organisation, **changes))

    assert response.status_code == 200
    assert response.context["adminform"].form.errors[field] == [message]
    assert TermDates.objects.count() == before
    assert not AuditEvent.objects.filter(action="schoolcalendar.termdates.created").exists()


def test_an_administrator_adds_an_inset_day_of_one_day(world, client):
    sign_in_with_mfa(client, world.administrator)

    response = client.post(
        CLOSURE_ADD,
        {
            "organisation": str(world.school_a.pk),
            "starts_on": "20/11/2026",
            "ends_on": "",
            "reason": ClosureDay.Reason.INSET,
            "note": "Staff training on safeguarding",
            "_save": "Save",
        },
    )

    assert response.status_code == 302, response.context["adminform"].form.errors
    closure = ClosureDay.objects.get()
    assert (closure.starts_on, closure.ends_on) == (day(2026, 11, 20), day(2026, 11, 20))
    assert AuditEvent.objects.filter(action="schoolcalendar.closureday.created").count() == 1
    assert not is_school_day(world.school_a, day(2026, 11, 20))


def test_a_closure_ending_before_it_starts_is_refused_in_the_admin(world, client):
    sign_in_with_mfa(client, world.administrator)

    response = client.post(
        CLOSURE_ADD,
        {
            "organisation": str(world.school_a.pk),
            "starts_on": "20/11/2026",
            "ends_on": "19/11/2026",
            "reason": ClosureDay.Reason.CLOSURE,
            "_save": "Save",
        },
    )

    assert response.status_code == 200
    assert response.context["adminform"].form.errors["ends_on"] == [
        "The closure ends before it starts."
    ]
    assert not ClosureDay.objects.exists()
    assert not AuditEvent.objects.filter(action="schoolcalendar.closureday.created").exists()


def closure_post(organisation, starts_on: str, ends_on: str = "") -> dict[str, str]:
    return {
        "organisation": str(organisation.pk),
        "starts_on": starts_on,
        "ends_on": ends_on,
        "reason": ClosureDay.Reason.INSET,
        "_save": "Save",
    }


@pytest.mark.parametrize(
    ("starts_on", "ends_on", "message"),
    [
        (
            "28/10/2026",
            "",
            "28 October 2026 is already in the half-term break at Ash Primary School",
        ),
        ("21/11/2026", "22/11/2026", "to 22 November 2026 is already a weekend"),
        ("25/12/2026", "", "25 December 2026 is already a bank holiday (Christmas Day)"),
        ("23/12/2026", "29/12/2026", "to 29 December 2026 is already outside term time"),
    ],
)
def test_a_closure_on_days_the_school_is_shut_anyway_is_refused(
    world, client, starts_on, ends_on, message
):
    """ "A planned date on a holiday" (#19's bad input): an INSET day put in the half-term,
    on a weekend or over Christmas is a slip in the dates, said so, and nothing saved."""
    TermDates.objects.bulk_create(
        TermDates(
            organisation=world.federation,
            year=2026,
            term=term,
            starts_on=first,
            ends_on=last,
            half_term_starts_on=half_first,
            half_term_ends_on=half_last,
        )
        for term, first, last, half_first, half_last in (
            (Term.AUTUMN, day(2026, 9, 2), day(2026, 12, 18), day(2026, 10, 26), day(2026, 10, 30)),
            (Term.SPRING, day(2027, 1, 4), day(2027, 3, 25), day(2027, 2, 15), day(2027, 2, 19)),
        )
    )
    sign_in_with_mfa(client, world.administrator)

    response = client.post(CLOSURE_ADD, closure_post(world.school_a, starts_on, ends_on))

    assert response.status_code == 200
    [error] = response.context["adminform"].form.errors["starts_on"]
    assert message in error
    assert "A closure day is only needed in term time" in error
    assert not ClosureDay.objects.exists()
    assert not AuditEvent.objects.filter(action="schoolcalendar.closureday.created").exists()


def test_a_closure_running_from_a_term_day_over_the_weekend_is_kept(world, client):
    sign_in_with_mfa(client, world.administrator)

    response = client.post(CLOSURE_ADD, closure_post(world.school_a, "20/11/2026", "23/11/2026"))

    assert response.status_code == 302
    assert not is_school_day(world.school_a, day(2026, 11, 23))


def test_an_administrator_sees_and_chooses_only_their_own_organisations_calendars(world, client):
    federation_term = TermDates.objects.create(
        organisation=world.federation,
        year=2026,
        term=Term.AUTUMN,
        starts_on=day(2026, 9, 2),
        ends_on=day(2026, 12, 18),
    )
    other_inset = ClosureDay.objects.create(
        organisation=world.other_school, starts_on=day(2026, 9, 2), ends_on=day(2026, 9, 2)
    )

    sign_in_with_mfa(client, world.administrator_other)
    assert list(client.get(TERMS_LIST).context["cl"].result_list) == []
    assert list(client.get(CLOSURE_LIST).context["cl"].result_list) == [other_inset]
    choices = client.get(TERMS_ADD).context["adminform"].form.fields["organisation"].queryset
    assert list(choices) == [world.other_school]
    response = client.post(TERMS_ADD, admin_term(world.federation, year="2027"))
    assert response.status_code == 200
    assert "organisation" in response.context["adminform"].form.errors
    assert TermDates.objects.count() == 1

    sign_in_with_mfa(client, world.administrator)
    assert list(client.get(TERMS_LIST).context["cl"].result_list) == [federation_term]
    assert list(client.get(CLOSURE_LIST).context["cl"].result_list) == []
