"""Reading the directory."""

from django.db.models import Q


def name_query(text: str, prefix: str = "") -> Q:
    """Each word of ``text`` in the given or family name (a person, pupil or relative),
    of the row itself or of the one ``prefix`` leads to (``"declaration__declarant__"``)."""
    query = Q()
    for word in text.split()[:4]:
        query &= Q(**{f"{prefix}given_name__icontains": word}) | Q(
            **{f"{prefix}family_name__icontains": word}
        )
    return query
