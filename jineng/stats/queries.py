"""The bureau's statistics (培训统计): aggregates of classes and enrolments, never a person.

One function, ``get_statistics()``, answers the dashboard, its xlsx, the monthly report's
PDF and xlsx and ``jineng report``, so every place shows the same numbers. Each count is of
enrolments (人次), attributed to a month by one rule (ADR 0013): an enrolment and a drop-out
to the month its class starts (开班), a completion or a non-completion to the month its class
ends (结业), when its result is decided. A class counts once approved; drafts, submissions
and returned classes never do. Small counts are suppressed by ``suppression``.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from django.db.models import Count, F, Q, QuerySet
from django.db.models.functions import TruncMonth
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from jineng.accounts.actors import Viewer
from jineng.catalogs.choices import TrainingType
from jineng.occupations.models import Occupation
from jineng.organizations.models import Organization
from jineng.people.access import sees_sensitive_groups
from jineng.regions.models import Region
from jineng.stats.suppression import Cell, suppress_table
from jineng.training.choices import ClassStatus, EnrolmentStatus
from jineng.training.models import Enrolment, TrainingClass
from jineng.training.queries import city_towns

# Classes that count: approved by the bureau (or self-approved), running, finished, archived.
COUNTED_CLASS_STATUSES = (
    ClassStatus.APPROVED,
    ClassStatus.RUNNING,
    ClassStatus.CLOSED,
    ClassStatus.ARCHIVED,
)
_CLASS = "training_class"
_STARTS = "training_class__starts_on"
_ENDS = "training_class__ends_on"


@dataclass(frozen=True)
class Measure:
    """One counted thing: which enrolments, and the class date that places them in a month."""

    key: str
    statuses: tuple[str, ...]
    date_field: str

    @property
    def label(self) -> str:
        return str(MEASURE_LABELS[self.key]())


# Enrolments (报名人次) are those that took a seat and stayed, finished or left; a transfer
# counts in the class it moved to, never twice. Enrolled = still enrolled + completed + not
# completed + withdrawn, each in its own month.
ENROLLED = Measure(
    "enrolled",
    (
        EnrolmentStatus.ENROLLED,
        EnrolmentStatus.COMPLETED,
        EnrolmentStatus.NOT_COMPLETED,
        EnrolmentStatus.WITHDRAWN,
    ),
    _STARTS,
)
COMPLETED = Measure("completed", (EnrolmentStatus.COMPLETED,), _ENDS)
NOT_COMPLETED = Measure("not_completed", (EnrolmentStatus.NOT_COMPLETED,), _ENDS)
WITHDRAWN = Measure("withdrawn", (EnrolmentStatus.WITHDRAWN,), _STARTS)
PEOPLE_MEASURES = (ENROLLED, COMPLETED, NOT_COMPLETED, WITHDRAWN)
MEASURE_LABELS: dict[str, Callable[[], str]] = {
    "enrolled": lambda: _("Enrolments"),
    "completed": lambda: _("Completed (people trained)"),
    "not_completed": lambda: _("Did not complete"),
    "withdrawn": lambda: _("Dropped out"),
    "classes": lambda: _("Classes"),
}


@dataclass(frozen=True)
class Filters:
    """What the statistics cover: months (first days, inclusive), and optional narrowing."""

    first_month: datetime.date
    last_month: datetime.date
    town: str = ""
    occupation: str = ""
    training_type: str = ""

    @property
    def period_end(self) -> datetime.date:
        """The last day of the last month."""
        return next_month(self.last_month) - datetime.timedelta(days=1)

    def months(self) -> list[datetime.date]:
        found, month = [], self.first_month
        while month <= self.last_month:
            found.append(month)
            month = next_month(month)
        return found

    def query(self) -> dict[str, str]:
        """The filters as the dashboard's query string, for its downloads."""
        values = {
            "first_month": month_text(self.first_month),
            "last_month": month_text(self.last_month),
            "town": self.town,
            "occupation": self.occupation,
            "training_type": self.training_type,
        }
        return {k: v for k, v in values.items() if v}


@dataclass
class Row:
    """One line of a breakdown: its label and a cell per measure."""

    key: str
    label: str
    cells: dict[str, Cell]


@dataclass
class Table:
    """One breakdown (分项统计): rows, the measures counted, and the totals when parts add up.

    ``is_partition``: every counted enrolment is in exactly one row, so the rows add up to the
    totals (a person may belong to several target groups: that table is not a partition).
    """

    key: str
    title: str
    dimension: str
    measures: list[str]
    rows: list[Row]
    is_partition: bool = True
    chart: str = "bar"
    totals: dict[str, Cell] = field(default_factory=dict)

    def measure_labels(self) -> list[str]:
        return [str(MEASURE_LABELS[m]()) for m in self.measures]


@dataclass
class Statistics:
    """Everything the dashboard and the reports show for one set of filters."""

    filters: Filters
    totals: dict[str, Cell]
    tables: list[Table]
    min_cell: int

    def table(self, key: str) -> Table:
        return next(t for t in self.tables if t.key == key)


def month_text(month: datetime.date) -> str:
    return f"{month.year:04d}-{month.month:02d}"


def next_month(month: datetime.date) -> datetime.date:
    return datetime.date(month.year + month.month // 12, month.month % 12 + 1, 1)


def parse_month(text: str) -> datetime.date | None:
    """The first day of a month written YYYY-MM, or None if it is not one."""
    try:
        year, month = (int(part) for part in text.strip().split("-"))
        return datetime.date(year, month, 1)
    except ValueError:
        return None


def _classes(user: Viewer | None) -> QuerySet[TrainingClass]:
    """Counted classes in the viewer's scope (all of them for the command line)."""
    classes = (
        TrainingClass.objects.all() if user is None else TrainingClass.objects.visible_to(user)
    )
    return classes.filter(status__in=COUNTED_CLASS_STATUSES)


def _narrow(
    rows: QuerySet[TrainingClass], filters: Filters, prefix: str
) -> QuerySet[TrainingClass]:
    """Apply the town, occupation and training-type filters through ``prefix`` (a class)."""
    if filters.town:
        rows = rows.filter(**{f"{prefix}region__code": filters.town})
    if filters.occupation:
        rows = rows.filter(
            **{f"{prefix}programme__occupation__code__startswith": filters.occupation}
        )
    if filters.training_type:
        rows = rows.filter(**{f"{prefix}programme__training_type": filters.training_type})
    return rows


def _in_period(measure: Measure, filters: Filters) -> Q:
    return Q(
        **{
            f"{measure.date_field}__gte": filters.first_month,
            f"{measure.date_field}__lte": filters.period_end,
        }
    )


# Counts one measure's enrolments per key: (key, count) pairs.
Grouping = Callable[[QuerySet[Enrolment], Measure], Iterable[tuple[object, int]]]


def _enrolments(
    measure: Measure, classes: QuerySet[TrainingClass], f: Filters
) -> QuerySet[Enrolment]:
    rows = Enrolment.objects.filter(training_class__in=classes, status__in=measure.statuses)
    return rows.filter(_in_period(measure, f))


def _count_by(
    classes: QuerySet[TrainingClass], f: Filters, group: Grouping
) -> dict[str, dict[str, int]]:
    """Count each people measure per key: ``group`` returns (key, count) pairs."""
    counts: dict[str, dict[str, int]] = {}
    for measure in PEOPLE_MEASURES:
        for key, n in group(_enrolments(measure, classes, f), measure):
            counts.setdefault(str(key), {})[measure.key] = n
    return counts


def _by_field(path: str) -> Grouping:
    def group(rows: QuerySet[Enrolment], measure: Measure) -> Iterable[tuple[object, int]]:
        return rows.values_list(path).annotate(n=Count("pk")).order_by()

    return group


def _by_month(rows: QuerySet[Enrolment], measure: Measure) -> Iterable[tuple[object, int]]:
    months = rows.annotate(month=TruncMonth(measure.date_field)).values_list("month")
    return ((month_text(m), n) for m, n in months.annotate(n=Count("pk")).order_by())


def _by_group(sensitive: bool) -> Grouping:
    """Count enrolments per target group its person belonged to on the class's date."""

    def group(rows: QuerySet[Enrolment], measure: Measure) -> Iterable[tuple[object, int]]:
        day = F(measure.date_field)
        member = Q(person__memberships__valid_from__lte=day) & (
            Q(person__memberships__valid_until__isnull=True)
            | Q(person__memberships__valid_until__gte=day)
        )
        if not sensitive:
            member &= Q(person__memberships__group__is_sensitive=False)
        found = rows.filter(member).values_list("person__memberships__group__code")
        return found.annotate(n=Count("pk", distinct=True)).order_by()

    return group


def _rows(
    counts: dict[str, dict[str, int]], labels: dict[str, str], order: Iterable[str] | None = None
) -> list[Row]:
    keys = list(order) if order is not None else sorted(counts)
    return [
        Row(
            key=key,
            label=labels.get(key, key),
            cells={m.key: Cell(counts.get(key, {}).get(m.key, 0)) for m in PEOPLE_MEASURES},
        )
        for key in keys
        if order is not None or any(counts.get(key, {}).values())
    ]


def _people_table(
    key: str,
    title: str,
    dimension: str,
    rows: list[Row],
    *,
    is_partition: bool = True,
    chart: str = "bar",
) -> Table:
    measures = [m.key for m in PEOPLE_MEASURES]
    return Table(key, title, dimension, measures, rows, is_partition=is_partition, chart=chart)


def _month_table(classes: QuerySet[TrainingClass], f: Filters) -> Table:
    counts = _count_by(classes, f, _by_month)
    order = [month_text(m) for m in f.months()]
    rows = _rows(counts, {}, order)
    return _people_table("month", _("By month"), _("Month"), rows, chart="line")


def _type_table(classes: QuerySet[TrainingClass], f: Filters) -> Table:
    counts = _count_by(classes, f, _by_field("training_class__programme__training_type"))
    labels = {str(t.value): str(t.label) for t in TrainingType}
    rows = _rows(counts, labels, [k for k in labels if k in counts])
    return _people_table("training_type", _("By training type"), _("Training type"), rows)


def _group_table(classes: QuerySet[TrainingClass], f: Filters, sensitive: bool) -> Table:
    from jineng.people.models import TargetGroup

    counts = _count_by(classes, f, _by_group(sensitive))
    english = (get_language() or "").startswith("en")
    groups = TargetGroup.objects.filter(code__in=list(counts))
    labels = {g.code: (g.name_en if english and g.name_en else g.name) for g in groups}
    rows = _rows(counts, labels, sorted(labels))
    title = _("By target group (a person may be in several)")
    return _people_table("target_group", title, _("Target group"), rows, is_partition=False)


def _town_table(classes: QuerySet[TrainingClass], f: Filters) -> Table:
    counts = _count_by(classes, f, _by_field("training_class__region__code"))
    labels = dict(Region.objects.filter(code__in=list(counts)).values_list("code", "name"))
    labels["None"] = _("No township")
    return _people_table(
        "town", _("By township (where held)"), _("Township"), _rows(counts, labels)
    )


def _occupation_table(classes: QuerySet[TrainingClass], f: Filters) -> Table:
    counts = _count_by(classes, f, _by_field("training_class__programme__occupation__code"))
    names = Occupation.objects.filter(code__in=list(counts)).values_list("code", "name")
    labels = {code: f"{code} {name}" for code, name in names}
    return _people_table("occupation", _("By occupation"), _("Occupation"), _rows(counts, labels))


def _institution_table(classes: QuerySet[TrainingClass], f: Filters) -> Table:
    """Classes started in the period per institution, with their enrolments and completions."""
    started = classes.filter(starts_on__gte=f.first_month, starts_on__lte=f.period_end)
    path = "programme__organization_id"
    class_counts = {
        str(k): n for k, n in started.values_list(path).annotate(n=Count("pk")).order_by()
    }
    counts = _count_by(classes, f, _by_field(f"training_class__{path}"))
    keys = set(class_counts) | set(counts)
    names = dict(Organization.objects.filter(pk__in=keys).values_list("pk", "name"))
    rows = []
    for key in sorted(keys, key=lambda k: (names.get(int(k), ""), k)):
        cells = {"classes": Cell(class_counts.get(key, 0), is_people=False)}
        for m in (ENROLLED, COMPLETED):
            cells[m.key] = Cell(counts.get(key, {}).get(m.key, 0))
        rows.append(Row(key, names.get(int(key), key), cells))
    return Table(
        "institution",
        _("Classes by institution (started in the period)"),
        _("Institution"),
        ["classes", "enrolled", "completed"],
        rows,
    )


def get_statistics(filters: Filters, *, user: Viewer | None, min_cell: int) -> Statistics:
    """Count the period's enrolments, completions and drop-outs and break them down.

    ``user`` limits the classes to the viewer's data scope; None (the command line) counts
    every class. Counts of people from 1 to ``min_cell - 1`` are suppressed.
    """
    classes = _narrow(_classes(user), filters, "")
    sensitive = user is None or sees_sensitive_groups(user)
    tables = [
        _month_table(classes, filters),
        _type_table(classes, filters),
        _group_table(classes, filters, sensitive),
        _town_table(classes, filters),
        _occupation_table(classes, filters),
        _institution_table(classes, filters),
    ]
    totals = {m.key: Cell(_enrolments(m, classes, filters).count()) for m in PEOPLE_MEASURES}
    started = classes.filter(starts_on__gte=filters.first_month, starts_on__lte=filters.period_end)
    totals["classes"] = Cell(started.count(), is_people=False)
    for table in tables:
        table.totals = {
            m: Cell(totals[m].value, is_people=totals[m].is_people) for m in table.measures
        }
        suppress_table(table, min_cell)
    for cell in totals.values():
        cell.suppress_below(min_cell)
    return Statistics(filters, totals, tables, min_cell)


def town_choices() -> list[tuple[str, str]]:
    """The city's townships for the township filter."""
    return list(city_towns().order_by("code").values_list("code", "name"))


def occupation_choices() -> list[tuple[str, str]]:
    """The occupations some programme trains for, by code and name, for the filter."""
    from jineng.training.models import Programme

    codes = Programme.objects.values_list("occupation__code", flat=True).distinct()
    found = Occupation.objects.filter(code__in=codes).order_by("code")
    return [(o.code, f"{o.code} {o.name}") for o in found]
