"""The school calendar (R39): each organisation's terms with their half-terms, the
INSET and other days it is closed, and the start of each new school year (R38).

The tables were the directory's until #17 (directory 0014 renamed them)."""

from datetime import date

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from simple_history.models import HistoricalRecords

from directory.models import Organisation, Person, YearGroup


class Term(models.TextChoices):
    AUTUMN = "autumn", "Autumn term"
    SPRING = "spring", "Spring term"
    SUMMER = "summer", "Summer term"


def school_year_bounds(year: int) -> tuple[date, date]:
    """The first and last day of the school year starting in ``year``."""
    return date(year, 9, 1), date(year + 1, 8, 31)


class TermDates(models.Model):
    """The dates of one term of one school year at an organisation, with the half-term
    break inside it: the governors' summaries (R33) and the school calendar (R39,
    schoolcalendar/calendar.py) read them. A trust's or federation's dates apply to its
    settings unless a setting has its own for that term."""

    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="term_dates"
    )
    year = models.PositiveSmallIntegerField(
        "school year", help_text="The year the school year starts: 2026 for 2026 to 2027."
    )
    term = models.CharField(max_length=10, choices=Term.choices)
    starts_on = models.DateField("first day")
    ends_on = models.DateField("last day")
    half_term_starts_on = models.DateField(
        "half-term: first day of the break",
        null=True,
        blank=True,
        help_text="The first weekday with no school, usually a Monday.",
    )
    half_term_ends_on = models.DateField(
        "half-term: last day of the break",
        null=True,
        blank=True,
        help_text="The last weekday with no school, usually a Friday.",
    )
    history = HistoricalRecords()

    class Meta:
        ordering = ["organisation__name", "-year", "starts_on"]
        verbose_name_plural = "term dates"
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "year", "term"], name="term_dates_one_per_term"
            ),
            models.CheckConstraint(
                condition=Q(ends_on__gte=F("starts_on")), name="term_dates_end_after_start"
            ),
            models.CheckConstraint(
                condition=Q(half_term_starts_on__isnull=True, half_term_ends_on__isnull=True)
                | Q(
                    half_term_starts_on__gt=F("starts_on"),
                    half_term_ends_on__lt=F("ends_on"),
                    half_term_ends_on__gte=F("half_term_starts_on"),
                ),
                name="term_dates_half_term_inside_the_term",
            ),
        ]
        # Two terms of one organisation never overlap: an exclusion constraint on
        # PostgreSQL (migration 0008), and clean() below on every database.

    def __str__(self) -> str:
        return f"{self.get_term_display()} {self.year}, {self.organisation}"

    def clean(self) -> None:
        errors: dict[str, str] = {}
        label = self.get_term_display().lower() if self.term else "term"
        if self.starts_on and self.ends_on and self.ends_on < self.starts_on:
            errors["ends_on"] = f"The {label} ends before it starts: check the two dates."
        elif self.starts_on and self.ends_on and self.year:
            first, last = school_year_bounds(self.year)
            if not (first <= self.starts_on and self.ends_on <= last):
                errors["starts_on"] = (
                    f"The {label} of {self.year} to {self.year + 1} must fall between "
                    f"{first:%-d %B %Y} and {last:%-d %B %Y}."
                )
        errors.update(self._half_term_errors(label))
        if not errors and self.organisation_id and self.starts_on and self.ends_on:
            clash = self.overlapping().first()
            if clash is not None:
                errors["starts_on"] = (
                    f"These dates overlap the {clash.get_term_display().lower()} "
                    f"{clash.year} to {clash.year + 1} ({clash.starts_on:%-d %B %Y} to "
                    f"{clash.ends_on:%-d %B %Y}): two terms cannot share a day."
                )
        if errors:
            raise ValidationError(errors)

    def _half_term_errors(self, label: str) -> dict[str, str]:
        starts, ends = self.half_term_starts_on, self.half_term_ends_on
        if starts is None and ends is None:
            return {}
        if starts is None or ends is None:
            missing = "half_term_starts_on" if starts is None else "half_term_ends_on"
            return {missing: "Give both the first and the last day of the half-term break."}
        if ends < starts:
            return {"half_term_ends_on": "The half-term break ends before it starts."}
        if not (self.starts_on and self.ends_on):
            return {}
        if not (self.starts_on < starts and ends < self.ends_on):
            return {
                "half_term_starts_on": f"The half-term break must fall inside the {label}, "
                f"after {self.starts_on:%-d %B %Y} and before {self.ends_on:%-d %B %Y}."
            }
        return {}

    def overlapping(self):
        """The organisation's other terms that share a day with this one."""
        return TermDates.objects.filter(
            organisation_id=self.organisation_id,
            starts_on__lte=self.ends_on,
            ends_on__gte=self.starts_on,
        ).exclude(pk=self.pk)


class ClosureDay(models.Model):
    """A day, or a run of days, when a setting is closed to pupils in term time: an INSET
    (staff training) day, or another closure such as a polling day (R39). A trust's or
    federation's closure days close each of its settings, as well as the setting's own."""

    class Reason(models.TextChoices):
        INSET = "inset", "INSET (staff training) day"
        CLOSURE = "closure", "Other closure"

    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="closure_days"
    )
    starts_on = models.DateField("first day")
    ends_on = models.DateField(
        "last day", blank=True, help_text="Leave empty when the closure is one day."
    )
    reason = models.CharField(max_length=10, choices=Reason.choices, default=Reason.INSET)
    note = models.CharField(
        max_length=200, blank=True, help_text="For example: staff training on safeguarding."
    )
    history = HistoricalRecords()

    class Meta:
        ordering = ["organisation__name", "-starts_on"]
        verbose_name = "closure day (INSET or other)"
        verbose_name_plural = "closure days (INSET or other)"
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_on__gte=F("starts_on")), name="closure_day_ends_after_it_starts"
            ),
        ]
        indexes = [
            models.Index(fields=["organisation", "starts_on"], name="closure_day_organisation_idx")
        ]

    def __str__(self) -> str:
        when = (
            f"{self.starts_on:%-d %B %Y}"
            if self.ends_on in (None, self.starts_on)
            else f"{self.starts_on:%-d %B %Y} to {self.ends_on:%-d %B %Y}"
        )
        return f"{self.get_reason_display()}, {when}, {self.organisation}"

    def clean(self) -> None:
        if self.starts_on and not self.ends_on:
            self.ends_on = self.starts_on  # one day
        if self.starts_on and self.ends_on and self.ends_on < self.starts_on:
            raise ValidationError({"ends_on": "The closure ends before it starts."})
        if self.starts_on and self.ends_on and (self.ends_on - self.starts_on).days > 366:
            raise ValidationError(
                {"ends_on": "A closure of more than a year is not a closure day: check the dates."}
            )
        if self.starts_on and self.ends_on and self.organisation_id:
            self._refuse_outside_term_time()

    def _refuse_outside_term_time(self) -> None:
        """A closure wholly on days the setting is shut anyway (a weekend, a bank holiday,
        the holidays) is a mistake in the dates, not a closure: refuse it, saying why."""
        from schoolcalendar.calendar import ONE_DAY, calendar_for  # the calendar reads this model

        calendar = calendar_for(self.organisation, self.starts_on)
        day, reasons = self.starts_on, []
        while day <= self.ends_on:
            why = calendar.why_not_term_time(day)
            if why is None:
                return
            reasons.append(why)
            day += ONE_DAY
        when = (
            f"{self.starts_on:%-d %B %Y} is"
            if self.ends_on == self.starts_on
            else f"Every day from {self.starts_on:%-d %B %Y} to {self.ends_on:%-d %B %Y} is"
        )
        why = reasons[0] if len(set(reasons)) == 1 else "outside term time"
        raise ValidationError(
            {
                "starts_on": f"{when} already {why} at {self.organisation}: the setting is "
                "closed then anyway. A closure day is only needed in term time; check the dates."
            }
        )


class SchoolYearRollover(models.Model):
    """A new school year started at one setting (R38): its pupils' year groups moved up
    and its leaving year became former pupils, once for each school year. The row is the
    lock that makes a second start of the same year impossible, and the record of what
    the start did; nothing is deleted."""

    setting = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="school_year_rollovers"
    )
    year = models.PositiveSmallIntegerField(
        "school year", help_text="The year the new school year starts: 2027 for 2027 to 2028."
    )
    starts_on = models.DateField("first day of the new school year")
    left_on = models.DateField("leavers' leaving date")
    leaving_year_group = models.CharField("leaving year", max_length=2, choices=YearGroup.choices)
    destination = models.CharField("leavers' destination", max_length=200, blank=True)
    counts = models.JSONField(default=dict)
    made_by = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+")
    made_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["setting__name", "-year"]
        verbose_name = "new school year"
        verbose_name_plural = "new school years"
        constraints = [
            models.UniqueConstraint(
                fields=["setting", "year"],
                name="school_year_rollover_once_per_setting_and_year",
                violation_error_message="This school year has already been started here.",
            ),
        ]

    def __str__(self) -> str:
        return f"School year {self.year} to {self.year + 1}, {self.setting}"
