"""Pages of the bureau's statistics: the dashboard, its workbook and the monthly report.

Only roles with ``view_statistics`` (the bureau's city-wide roles) see them: others get 403,
anonymous visitors the login page. Every number comes from ``queries.get_statistics()``.
"""

from __future__ import annotations

import datetime
from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from jineng.accounts.roles import Capability
from jineng.stats import queries, reports
from jineng.stats.forms import StatisticsFilterForm, default_period
from jineng.stats.queries import Statistics

FORMATS = {"pdf": reports.PDF_TYPE, "xlsx": reports.XLSX_TYPE}


def _require_statistics(request: HttpRequest) -> None:
    if not request.user.can(Capability.VIEW_STATISTICS):  # type: ignore[union-attr]
        raise PermissionDenied(_("City-wide statistics are for the bureau's staff."))


def _form(request: HttpRequest) -> StatisticsFilterForm:
    data = request.GET.copy()
    first, last = default_period()
    data.setdefault("first_month", queries.month_text(first))
    data.setdefault("last_month", queries.month_text(last))
    return StatisticsFilterForm(data)


def chart_data(stats: Statistics) -> dict[str, object]:
    """What static/statistics/charts.js draws: per table its categories and series.

    A suppressed count is plotted as nothing (null) and labelled as the table shows it.
    """
    charts = []
    for table in stats.tables:
        charts.append(
            {
                "id": table.key,
                "type": table.chart,
                "title": table.title,
                "categories": [row.label for row in table.rows],
                "series": [
                    {
                        "key": m,
                        "name": label,
                        "data": [row.cells[m].chart_value for row in table.rows],
                        "shown": [str(row.cells[m].shown) for row in table.rows],
                    }
                    for m, label in zip(table.measures, table.measure_labels(), strict=True)
                ],
            }
        )
    return {"charts": charts, "suppressed": _("hidden (fewer than {n})").format(n=stats.min_cell)}


def _download(content: bytes, fmt: str, name: str) -> HttpResponse:
    response = HttpResponse(content, content_type=FORMATS[fmt])
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@login_required
@require_GET
def dashboard(request: HttpRequest) -> HttpResponse:
    """Show the period's training in figures, charts and tables, with the filters."""
    _require_statistics(request)
    form = _form(request)
    stats = None
    if form.is_valid():
        stats = queries.get_statistics(
            form.filters(), user=request.user, min_cell=reports.min_cell()
        )
    this_month = timezone.localdate().replace(day=1)
    context = {
        "form": form,
        "stats": stats,
        "charts": chart_data(stats) if stats else None,
        "export_query": urlencode(stats.filters.query()) if stats else "",
        "report_month": queries.month_text(this_month),
        "notes": reports.notes(stats) if stats else [],
    }
    return render(request, "statistics/dashboard.html", context)


@login_required
@require_GET
def export(request: HttpRequest) -> HttpResponse:
    """Download the dashboard's figures, with its filters, as an xlsx workbook."""
    _require_statistics(request)
    form = _form(request)
    if not form.is_valid():
        return render(
            request,
            "statistics/dashboard.html",
            {"form": form, "stats": None, "charts": None},
            status=400,
        )
    stats = queries.get_statistics(form.filters(), user=request.user, min_cell=reports.min_cell())
    title = _("Skills training statistics")
    content = reports.write_workbook(stats, title)
    return _download(content, "xlsx", reports.filename("statistics", stats.filters, "xlsx"))


def _month(request: HttpRequest) -> datetime.date:
    month = queries.parse_month(request.GET.get("month", ""))
    if month is None:
        raise Http404(_("Choose the report's month as year and month, e.g. 2026-11."))
    return month


@login_required
@require_GET
def monthly_report(request: HttpRequest, fmt: str) -> HttpResponse:
    """Download the monthly report (月报) of ``?month=YYYY-MM`` as PDF or xlsx."""
    _require_statistics(request)
    if fmt not in FORMATS:
        raise Http404(_("The report is available as PDF or xlsx."))
    month = _month(request)
    stats = reports.monthly(month, user=request.user)
    title = reports.monthly_title(month)
    writer = reports.write_pdf if fmt == "pdf" else reports.write_workbook
    name = reports.filename("monthly-report", stats.filters, fmt)
    return _download(writer(stats, title), fmt, name)
