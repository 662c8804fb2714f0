"""Long lists come a page at a time, whatever the size of the organisation (#10)."""

from django.core.paginator import Page, Paginator
from django.http import HttpRequest

PAGE_SIZE = 50


def page_of(request: HttpRequest, queryset, size: int = PAGE_SIZE) -> Page:
    """The page the request asks for (``?page=``); a page out of range gives the last,
    anything else that is not a number the first."""
    return Paginator(queryset, size).get_page(request.GET.get("page"))


def query_without_page(request: HttpRequest) -> str:
    """The request's query string without its page, for the links to other pages."""
    query = request.GET.copy()
    query.pop("page", None)
    return query.urlencode()


class Window:
    """One page of a list too long to count, such as the audit trail: its rows and
    whether more follow, found by asking for one row more than the page holds. It
    costs the same however long the list grows (#10), where a page "of N" counts it all.
    """

    def __init__(self, queryset, number: int, size: int) -> None:
        self.queryset = queryset  # every row that matches, not yet read
        self.number = number
        start = (number - 1) * size
        rows = list(queryset[start : start + size + 1])
        self.object_list = rows[:size]
        self.has_next = len(rows) > size
        self.has_previous = number > 1
        self.start_index = start + 1 if self.object_list else 0
        self.end_index = start + len(self.object_list)

    def has_other_pages(self) -> bool:
        return self.has_previous or self.has_next

    def next_page_number(self) -> int:
        return self.number + 1

    def previous_page_number(self) -> int:
        return self.number - 1


# Deeper than this, narrow the list by its filters (dates) instead: reading past a
# hundred thousand rows to show fifty is the cost windows are there to avoid.
DEEPEST_WINDOW = 2_000


def window_of(request: HttpRequest, queryset, size: int = PAGE_SIZE) -> Window:
    """The window the request asks for (``?page=``, at most DEEPEST_WINDOW); anything
    but a whole number from 1 gives the first."""
    try:
        number = max(1, int(request.GET.get("page", 1)))
    except (TypeError, ValueError):
        number = 1
    return Window(queryset, min(number, DEEPEST_WINDOW), size)
