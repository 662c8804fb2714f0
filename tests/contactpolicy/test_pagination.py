"""Long lists a page at a time (#10): the shared helpers in contactpolicy.pagination,
"Your declarations" 25 a page with its filters kept from page to page, and the audit
history read in windows that never count the whole trail."""

import datetime
import html
import re
from urllib.parse import parse_qs, urlsplit

import pytest
from django.db import connection
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from contactpolicy.audit_actions import SIGN_IN_FAILED
from contactpolicy.models import AuditEvent
from contactpolicy.pagination import (
    DEEPEST_WINDOW,
    Window,
    page_of,
    query_without_page,
    window_of,
)
from contactpolicy.services import audit_event_record
from declarations.models import Declaration
from directory.models import Role
from tests.conftest import sign_in_with_mfa
from tests.factories import PupilFactory, person_with_roles
from tests.factories.declarations import DeclarationFactory, DeclarationSubjectFactory

pytestmark = pytest.mark.django_db

LIST = reverse("declarations:list")
AUDIT = reverse("oversight:audit")
AUDIT_TABLE = AuditEvent._meta.db_table


# Helpers -------------------------------------------------------------------------------


def get(query: str = ""):
    """A GET request with ``query`` as its query string, as a browser would send it."""
    return RequestFactory().get(f"/somewhere/?{query}")


def numbered_events(count: int) -> list[AuditEvent]:
    """``count`` events of their own action, oldest first."""
    return [audit_event_record(actor=None, action=SIGN_IN_FAILED) for _ in range(count)]


def windowed():
    """Every numbered event, oldest first: a list to look at through windows."""
    return AuditEvent.objects.filter(action=SIGN_IN_FAILED).order_by("pk")


def declarations_of(person, setting, count: int, **fields) -> list[Declaration]:
    """``count`` of ``person``'s gift declarations, made a minute apart, newest first."""
    fields.setdefault("kind", "gift")
    now = timezone.now()
    return [
        DeclarationFactory(
            declarant=person,
            setting=setting,
            created_at=now - datetime.timedelta(minutes=minutes),
            **fields,
        )
        for minutes in range(count)
    ]


def page_links(text: str) -> dict[str, dict[str, list[str]]]:
    """The Previous and Next links of a page: {"Next": its query, parsed}."""
    links = {}
    for href, label in re.findall(
        r'<a class="page-link" href="([^"]*)">(Previous|Next)<span', text
    ):
        url = html.unescape(href)
        assert url.startswith("?"), url  # the same list, another page
        links[label] = parse_qs(urlsplit(url).query, keep_blank_values=True)
    return links


def shown(response) -> list[Declaration]:
    assert response.status_code == 200
    return list(response.context["declarations"])


def listed(client, **params):
    return client.get(LIST, params)


def results(client, **params):
    """The list's results alone, as htmx asks for them when a filter changes."""
    response = client.get(LIST, params, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    return response


# The window of a list too long to count ---------------------------------------------------


@pytest.mark.parametrize(
    ("number", "rows", "has_previous", "has_next", "start", "end"),
    [
        (1, [0, 1, 2], False, True, 1, 3),
        (2, [3, 4, 5], True, True, 4, 6),
        (3, [6], True, False, 7, 7),
    ],
)
def test_a_window_shows_its_rows_and_knows_whether_more_come_before_or_after(
    number, rows, has_previous, has_next, start, end
):
    events = numbered_events(7)

    window = Window(windowed(), number, 3)

    assert window.object_list == [events[row] for row in rows]
    assert window.has_previous is has_previous
    assert window.has_next is has_next
    assert window.has_other_pages() is True
    assert (window.start_index, window.end_index) == (start, end)
    assert window.number == number


def test_a_last_window_filled_exactly_says_nothing_follows():
    events = numbered_events(6)

    window = Window(windowed(), 2, 3)

    assert window.object_list == events[3:]
    assert window.has_next is False
    assert (window.start_index, window.end_index) == (4, 6)


def test_a_list_that_fits_one_window_has_no_other_pages():
    numbered_events(3)

    window = Window(windowed(), 1, 3)

    assert len(window.object_list) == 3
    assert window.has_other_pages() is False


def test_the_next_and_previous_window_numbers_are_either_side():
    numbered_events(10)

    window = Window(windowed(), 2, 3)

    assert (window.previous_page_number(), window.next_page_number()) == (1, 3)


@pytest.mark.parametrize(("number", "offset"), [(1, None), (3, 6)])
def test_a_window_reads_one_row_more_than_it_shows_in_one_query_and_counts_nothing(number, offset):
    numbered_events(10)

    with CaptureQueriesContext(connection) as captured:
        window = Window(windowed(), number, 3)

    assert len(window.object_list) == 3
    assert len(captured.captured_queries) == 1
    sql = captured.captured_queries[0]["sql"].upper()
    assert "COUNT(" not in sql
    assert re.search(r"\bLIMIT 4\b", sql), sql
    if offset is None:
        assert "OFFSET" not in sql
    else:
        assert re.search(rf"\bOFFSET {offset}\b", sql), sql


def test_an_empty_list_gives_one_empty_window():
    window = Window(windowed(), 1, 3)

    assert window.object_list == []
    assert (window.has_previous, window.has_next, window.has_other_pages()) == (
        False,
        False,
        False,
    )
    assert window.start_index == 0
    assert window.end_index == 0


def test_a_window_past_the_end_is_empty_and_leads_back():
    numbered_events(4)

    window = Window(windowed(), 5, 3)

    assert window.object_list == []
    assert window.has_next is False
    assert window.has_previous is True  # so the page can offer the way back
    assert window.start_index == 0


def test_the_window_asks_the_database_once_however_often_it_is_read():
    events = numbered_events(5)

    with CaptureQueriesContext(connection) as captured:
        window = Window(windowed(), 1, 3)
        read = [*window.object_list, *window.object_list]
        facts = (window.has_next, window.has_other_pages(), window.end_index)

    assert len(captured.captured_queries) == 1
    assert read == events[:3] * 2
    assert facts == (True, True, 3)
    # The whole list is kept, unread, for whoever needs it (a search's results, an export).
    assert list(window.queryset) == events


@pytest.mark.parametrize(
    ("query", "number"),
    [
        ("", 1),
        ("page=", 1),
        ("page=abc", 1),
        ("page=-3", 1),
        ("page=0", 1),
        ("page=2.5", 1),
        ("page=1e3", 1),
        ("page=%00", 1),
        ("page=2", 2),
        ("page=%202%20", 2),
        ("page=1&page=2", 2),
        ("other=7", 1),
    ],
)
def test_window_of_takes_a_whole_page_number_from_1_and_anything_else_as_the_first(query, number):
    events = numbered_events(5)

    window = window_of(get(query), windowed(), size=2)

    assert window.number == number
    assert window.object_list == events[(number - 1) * 2 : number * 2]


@pytest.mark.parametrize("page", ["2001", "100001", "99999999999999999999", str(10**400)])
def test_window_of_a_huge_page_number_is_an_empty_window_not_an_error(page):
    numbered_events(3)

    window = window_of(get(f"page={page}"), windowed(), size=2)

    assert window.number == DEEPEST_WINDOW == 2_000  # no offset past 100,000 rows of 50
    assert window.object_list == []
    assert window.has_previous is True
    assert window.has_next is False


def test_window_of_uses_50_a_page_unless_told():
    numbered_events(51)

    first = window_of(get(), windowed())
    second = window_of(get("page=2"), windowed())

    assert len(first.object_list) == 50
    assert first.has_next is True
    assert len(second.object_list) == 1


# page_of and the links to other pages ------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "number"),
    [
        ("", 1),
        ("page=abc", 1),
        ("page=2.5", 1),
        ("page=2", 2),
        ("page=3", 3),
        ("page=999", 3),
        ("page=99999999999999999999", 3),
        ("page=0", 3),
        ("page=-1", 3),
        ("page=last", 1),
    ],
)
def test_page_of_gives_the_last_page_when_out_of_range_and_the_first_for_nonsense(query, number):
    numbered_events(7)

    page = page_of(get(query), windowed(), size=3)

    assert page.number == number
    assert page.paginator.num_pages == 3


def test_the_links_to_other_pages_keep_every_filter_but_the_page():
    request = get("status=draft&page=2&kind=gift&kind=business_dealing&page=5")

    query = query_without_page(request)

    assert parse_qs(query) == {"status": ["draft"], "kind": ["gift", "business_dealing"]}
    assert request.GET.getlist("page") == ["2", "5"]  # the request itself is left alone


def test_the_links_to_other_pages_encode_what_was_typed():
    request = get("person=O%27Brien+%26+Sons&q=%22%3E%3Cscript%3E&page=3")

    query = query_without_page(request)

    assert "<" not in query
    assert '"' not in query
    assert "& " not in query
    assert parse_qs(query) == {"person": ["O'Brien & Sons"], "q": ['"><script>']}


# Your declarations, 25 a page --------------------------------------------------------------


def test_30_declarations_come_25_newest_first_then_the_other_5(client, world):
    mine = declarations_of(world.teacher_a, world.school_a, 30)
    theirs = [
        *declarations_of(world.line_manager_a, world.school_a, 3),
        *declarations_of(world.teacher_b, world.school_b, 3),
        *declarations_of(world.teacher_other, world.other_school, 3),
    ]
    sign_in_with_mfa(client, world.teacher_a)

    first = listed(client)
    second = listed(client, page="2")

    assert shown(first) == mine[:25]
    assert shown(second) == mine[25:]
    for response in (first, second, listed(client, page="3")):
        for declaration in theirs:
            assert declaration.reference not in response.text
        assert not set(shown(response)) & set(theirs)


def test_the_first_page_says_page_1_of_2_and_links_to_the_next(client, world):
    declarations_of(world.teacher_a, world.school_a, 30)
    sign_in_with_mfa(client, world.teacher_a)

    first = listed(client)
    second = listed(client, page="2")

    assert "Page 1 of 2" in first.text
    assert page_links(first.text) == {"Next": {"page": ["2"]}}
    assert "Page 2 of 2" in second.text
    assert page_links(second.text) == {"Previous": {"page": ["1"]}}


def test_25_declarations_or_fewer_need_no_pages(client, world):
    declarations_of(world.teacher_a, world.school_a, 25)
    sign_in_with_mfa(client, world.teacher_a)

    response = listed(client)

    assert len(shown(response)) == 25
    assert 'aria-label="Pages"' not in response.text
    assert page_links(response.text) == {}


def test_a_filter_is_kept_on_every_page_link(client, world):
    submitted = declarations_of(
        world.teacher_a, world.school_a, 30, status=Declaration.Status.SUBMITTED
    )
    drafts = declarations_of(world.teacher_a, world.school_a, 10)
    sign_in_with_mfa(client, world.teacher_a)
    filters = {"status": "submitted", "kind": "gift"}

    first = listed(client, **filters)
    second = listed(client, **filters, page="2")

    assert shown(first) == submitted[:25]
    assert shown(second) == submitted[25:]
    assert not set(shown(first) + shown(second)) & set(drafts)
    assert "Page 2 of 2" in second.text
    assert page_links(first.text) == {
        "Next": {"status": ["submitted"], "kind": ["gift"], "page": ["2"]}
    }
    assert page_links(second.text) == {
        "Previous": {"status": ["submitted"], "kind": ["gift"], "page": ["1"]}
    }


def test_the_filter_form_stays_filled_in_on_the_second_page(client, world):
    declarations_of(world.teacher_a, world.school_a, 30, status=Declaration.Status.SUBMITTED)
    sign_in_with_mfa(client, world.teacher_a)

    response = listed(client, status="submitted", page="2")

    assert response.context["filter"].form["status"].value() == "submitted"
    assert re.search(r'<option value="submitted"[^>]*selected', response.text)


def test_filters_left_empty_by_the_form_still_page(client, world):
    """The filter form sends every field, the empty ones too."""
    declarations_of(world.teacher_a, world.school_a, 30)
    sign_in_with_mfa(client, world.teacher_a)
    empty = {"kind": "", "status": "", "created_from": "", "created_to": ""}

    second = listed(client, **empty, page="2")

    assert len(shown(second)) == 5
    assert page_links(second.text) == {
        "Previous": {
            "kind": [""],
            "status": [""],
            "created_from": [""],
            "created_to": [""],
            "page": ["1"],
        }
    }


def test_what_was_typed_in_a_filter_reaches_the_page_links_encoded(client, world):
    declarations_of(world.teacher_a, world.school_a, 30)
    sign_in_with_mfa(client, world.teacher_a)
    hostile = '"><script>alert(1)</script>'

    response = listed(client, kind=hostile)

    assert response.status_code == 200
    assert "<script>alert(1)" not in response.text
    assert page_links(response.text)["Next"]["kind"] == [hostile]


@pytest.mark.parametrize(
    ("page", "number"),
    [
        ("abc", 1),
        ("", 1),
        ("1.5", 1),
        ("999", 2),
        ("0", 2),
        ("-1", 2),
        ("99999999999999999999", 2),
    ],
)
def test_a_page_number_that_does_not_exist_shows_a_real_page(client, world, page, number):
    mine = declarations_of(world.teacher_a, world.school_a, 30)
    sign_in_with_mfa(client, world.teacher_a)

    response = listed(client, page=page)

    assert response.status_code == 200
    assert response.context["page"].number == number
    assert shown(response) == (mine[:25] if number == 1 else mine[25:])
    assert f"Page {number} of 2" in response.text


def test_a_person_with_no_declarations_asking_for_page_2_sees_none(client, world):
    declarations_of(world.teacher_b, world.school_b, 30)
    sign_in_with_mfa(client, world.teacher_a)

    response = listed(client, page="2")

    assert response.status_code == 200
    assert shown(response) == []
    assert "No declarations" in response.text
    assert 'aria-label="Pages"' not in response.text


def test_the_second_page_of_an_unfiltered_list_does_not_open_the_filters(client, world):
    declarations_of(world.teacher_a, world.school_a, 30)
    sign_in_with_mfa(client, world.teacher_a)

    first = listed(client)
    second = listed(client, page="2")

    assert re.search(r"<details[^>]*\bopen\b", first.text) is None
    assert re.search(r"<details[^>]*\bopen\b", second.text) is None


def test_the_htmx_results_carry_the_pages_and_the_filters(client, world):
    submitted = declarations_of(
        world.teacher_a, world.school_a, 30, status=Declaration.Status.SUBMITTED
    )
    sign_in_with_mfa(client, world.teacher_a)

    first = results(client, status="submitted")
    second = results(client, status="submitted", page="2")

    assert "<html" not in first.text
    assert 'name="status"' not in first.text  # the results alone, not the form
    assert shown(first) == submitted[:25]
    assert "Page 1 of 2" in first.text
    assert page_links(first.text) == {"Next": {"status": ["submitted"], "page": ["2"]}}
    assert shown(second) == submitted[25:]
    assert "Page 2 of 2" in second.text
    assert page_links(second.text) == {"Previous": {"status": ["submitted"], "page": ["1"]}}


def test_the_first_page_costs_the_same_queries_for_30_or_60_declarations(client, world):
    def add(count: int) -> None:
        for declaration in declarations_of(world.teacher_a, world.school_a, count):
            DeclarationSubjectFactory(
                declaration=declaration, pupil=PupilFactory(setting=world.school_a)
            )

    sign_in_with_mfa(client, world.teacher_a)

    def queries() -> tuple[int, int]:
        with CaptureQueriesContext(connection) as captured:
            response = listed(client)
        return len(captured.captured_queries), len(shown(response))

    listed(client)  # warm up
    add(30)
    few, shown_few = queries()
    add(30)
    many, shown_many = queries()

    assert (shown_few, shown_many) == (25, 25)
    assert few == many


# The audit history, in windows of 50 -------------------------------------------------------


def events_at_school_a(world, count: int) -> tuple[Declaration, set[int]]:
    """``count`` openings of a declaration of Ash Primary School by its staff: the
    declaration and the events' ids."""
    declaration = DeclarationFactory(setting=world.school_a, declarant=world.teacher_a)
    actors = [world.teacher_a, world.head_a, world.line_manager_a]
    events = {
        audit_event_record(
            actor=actors[number % len(actors)], action="declaration.viewed", target=declaration
        ).pk
        for number in range(count)
    }
    return declaration, events


def test_the_audit_page_reads_a_window_and_never_counts_the_trail(client, world):
    events_at_school_a(world, 120)
    sign_in_with_mfa(client, world.dsl_a)
    client.get(AUDIT)  # warm the content-type cache

    for page in ("1", "2", "3", "4"):
        with CaptureQueriesContext(connection) as captured:
            response = client.get(AUDIT, {"action": "declaration.viewed", "page": page})
        assert response.status_code == 200

        reads = [
            query["sql"]
            for query in captured.captured_queries
            if AUDIT_TABLE in query["sql"] and query["sql"].lstrip().upper().startswith("SELECT")
        ]
        assert reads, "the page read no events"
        assert not [sql for sql in reads if "COUNT(" in sql.upper()], reads
        windows = [sql for sql in reads if re.search(r"\bLIMIT 51\b", sql.upper())]
        assert len(windows) == 1, reads


def test_the_audit_pages_say_which_events_they_show_without_a_total(client, world):
    events_at_school_a(world, 120)
    sign_in_with_mfa(client, world.dsl_a)
    filters = {"action": "declaration.viewed"}

    second = client.get(AUDIT, {**filters, "page": "2"})
    past = client.get(AUDIT, {**filters, "page": "4"})

    assert "Events 51 to 100, newest first; older events on the next page." in second.text
    assert "of 120" not in second.text
    assert "120 events" not in second.text
    assert "Page 2" in second.text
    assert "Page 2 of" not in second.text
    assert page_links(second.text) == {
        "Previous": {"action": ["declaration.viewed"], "page": ["1"]},
        "Next": {"action": ["declaration.viewed"], "page": ["3"]},
    }
    assert "No more events: this page is past the last one." in past.text
    assert f'href="?{html.escape("action=declaration.viewed")}">Back to the newest events' in (
        past.text
    )


@pytest.mark.parametrize("where", ["school_b", "other_school"])
def test_the_dsl_of_another_school_never_sees_the_first_schools_events_on_any_page(
    client, world, where
):
    declaration_a, of_a = events_at_school_a(world, 120)
    setting = getattr(world, where)
    dsl = person_with_roles(setting, Role.DSL, Role.STAFF)
    their_declaration = DeclarationFactory(
        setting=setting, declarant=person_with_roles(setting, Role.STAFF)
    )
    theirs = {
        audit_event_record(actor=dsl, action="declaration.viewed", target=their_declaration).pk
        for _ in range(3)
    }
    sign_in_with_mfa(client, world.dsl_a)
    own_dsl = client.get(AUDIT)  # Ash's DSL does see them, and the page names the declaration
    assert of_a <= set(own_dsl.context["page"].queryset.values_list("pk", flat=True))
    assert declaration_a.reference in own_dsl.text
    sign_in_with_mfa(client, dsl)

    seen: set[int] = set()
    for filters in ({}, {"action": "declaration.viewed"}):
        for page in range(1, 5):  # where Ash's 120 events would lie, and past them
            response = client.get(AUDIT, {**filters, "page": str(page)})
            assert response.status_code == 200
            window = response.context["page"]
            seen |= {event.pk for event in window.object_list}
            assert not {event.pk for event in window.object_list} & of_a
            assert declaration_a.reference not in response.text
        assert window.has_next is False

    assert theirs <= seen
    assert not seen & of_a
