"""The monitoring figures of the action plan, as pages, charts, a spreadsheet and a PDF progress report.

One set of figures (`progress_overview`) feeds the dashboard and the PDF, so both always say the same. Charts are the
shared SVG charts (opennrm.core.charts), each with its table; the spreadsheet and the PDF use the shared helpers
(opennrm.core.spreadsheets, opennrm.core.pdf). Only submitted reports count; a draft is the institution's own.
Nothing here reads a case or a person.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.safestring import SafeString
from django.utils.translation import gettext

from opennrm.coordination import selectors
from opennrm.coordination.models import ActionPlan, Measure, MeasureStatus, ReportingPeriod, ReviewState
from opennrm.core import charts
from opennrm.core.i18n import localized
from opennrm.core.pdf import html_to_pdf
from opennrm.core.spreadsheets import Sheet, xlsx_bytes

logger = logging.getLogger(__name__)

# The order statuses are stacked and listed in: good news first, then what needs attention, then the rest.
STATUS_ORDER = (
    MeasureStatus.ON_TRACK.value,
    MeasureStatus.DONE.value,
    MeasureStatus.DELAYED.value,
    MeasureStatus.NOT_STARTED.value,
    MeasureStatus.CANCELLED.value,
    selectors.NOT_REPORTED,
)
SUBMITTED = (ReviewState.SUBMITTED, ReviewState.CLARIFICATION_REQUESTED, ReviewState.ACCEPTED)


def status_label(status: str) -> str:
    if status == selectors.NOT_REPORTED:
        return gettext("No report")
    return str(MeasureStatus(status).label) if status in MeasureStatus.values else status


def number_text(value: Decimal | None) -> str:
    if value is None:
        return ""
    text = format(value.normalize(), "f")
    # Latvian and Russian write a decimal comma.
    return text.replace(".", ",") if translation.get_language() in ("lv", "ru") else text


def institution_names(institutions) -> str:
    return "; ".join(str(i) for i in institutions)


# --- The plan page ----------------------------------------------------------------------------------------------


@dataclass
class MeasureRow:
    measure: Measure
    status: str
    # The responsible institution's submitted report shown beside the measure (the PDF's narrative), if any.
    report: object = None

    @property
    def status_label(self) -> str:
        return status_label(self.status)


@dataclass
class GoalRow:
    goal: object
    measures: list[MeasureRow]


def plan_rows(plan: ActionPlan, progress: selectors.PlanProgress) -> list[GoalRow]:
    """The plan's goals and measures, each measure with its latest status (that of its responsible institution)."""
    return [
        GoalRow(
            goal=goal,
            measures=[
                MeasureRow(measure=m, status=progress.measure_status.get(m.pk, selectors.NOT_REPORTED))
                for m in goal.measure_list
            ],
        )
        for goal in selectors.plan_goals(plan=plan)
    ]


# --- Charts -----------------------------------------------------------------------------------------------------


PDF_CHART_WIDTH_MM = 170


@dataclass
class Chart:
    svg: SafeString
    table: SafeString

    @property
    def print_svg(self) -> SafeString:
        """The chart at a fixed size in millimetres, for the PDF (`opennrm.core.charts.print_sized` says why)."""
        return charts.print_sized(self.svg, width_mm=PDF_CHART_WIDTH_MM)


def _status_chart(*, chart_id: str, title: str, description: str, row_header: str, groups) -> Chart | None:
    """A stacked bar per group (goal or institution) of measures by status, and the same numbers as a table."""
    groups = [(label, counter) for label, counter in groups]
    if not groups:
        return None
    statuses = [s for s in STATUS_ORDER if any(counter.get(s) for _label, counter in groups)]
    labels = [label for label, _counter in groups]
    series = [
        charts.Series(label=status_label(status), values=[counter.get(status, 0) for _label, counter in groups])
        for status in statuses
    ]
    svg = charts.bar_chart(
        chart_id=chart_id, title=title, description=description, categories=labels, series=series, stacked=True
    )
    table = charts.data_table(
        caption=title,
        row_header=row_header,
        columns=[*(status_label(s) for s in statuses), gettext("Total")],
        rows=[
            (label, [*(str(counter.get(s, 0)) for s in statuses), str(sum(counter.values()))])
            for label, counter in groups
        ],
        table_id=f"{chart_id}-table",
    )
    return Chart(svg=svg, table=table)


@dataclass
class IndicatorTrend:
    measure: Measure
    chart: Chart
    latest: Decimal | None


def indicator_chart(measure: Measure, series: list[selectors.IndicatorPoint]) -> Chart | None:
    """The measure's indicator across reporting periods, with its target as a second line when there is one."""
    if not series:
        return None
    indicator = localized(measure.indicator) or gettext("Result indicator")
    labels = [point.period.name for point in series]
    lines = [charts.Series(label=gettext("Reported value"), values=[float(point.value) for point in series])]
    if measure.target is not None:
        lines.append(charts.Series(label=gettext("Target"), values=[float(measure.target)] * len(series)))
    title = gettext("%(code)s: %(indicator)s") % {"code": measure.code, "indicator": indicator}
    description = gettext("The value reported by the responsible institution in each reporting period.")
    svg = charts.line_chart(
        chart_id=f"indicator-{measure.pk}",
        title=title,
        description=description,
        x_labels=labels,
        series=lines,
        unit=measure.unit,
    )
    columns = [gettext("Reported value")] + ([gettext("Target")] if measure.target is not None else [])
    rows = [
        (
            point.period.name,
            [number_text(point.value)] + ([number_text(measure.target)] if measure.target is not None else []),
        )
        for point in series
    ]
    table = charts.data_table(
        caption=title,
        row_header=gettext("Reporting period"),
        columns=columns,
        rows=rows,
        table_id=f"indicator-{measure.pk}-table",
    )
    return Chart(svg=svg, table=table)


# --- The overview shared by the dashboard and the PDF ------------------------------------------------------------


@dataclass
class Overview:
    plan: ActionPlan
    period: ReportingPeriod | None
    totals: list[tuple[str, str, int]]
    measure_count: int
    by_goal: Chart | None
    by_institution: Chart | None
    goals: list[GoalRow]
    trends: list[IndicatorTrend]
    overdue: list
    nrm_figures: list[tuple[str, int | str]] = field(default_factory=list)
    nrm_year: int | None = None

    def total(self, status: str) -> int:
        return next((count for code, _label, count in self.totals if code == status), 0)


def progress_overview(*, plan: ActionPlan, period: ReportingPeriod | None, user, today: date | None = None) -> Overview:
    progress = selectors.plan_progress(plan=plan, period=period)
    scope = period.name if period else gettext("latest report on each measure")
    by_goal = _status_chart(
        chart_id="status-by-goal",
        title=gettext("Measures by status and goal (%(scope)s)") % {"scope": scope},
        description=gettext("Each bar is a goal of the plan, divided by the status of its measures."),
        row_header=gettext("Goal"),
        groups=[
            (f"{goal.code} {localized(goal.title)}".strip(), counter) for goal, counter in progress.by_goal.items()
        ],
    )
    by_institution = _status_chart(
        chart_id="status-by-institution",
        title=gettext("Measures by status and institution (%(scope)s)") % {"scope": scope},
        description=gettext(
            "Each bar is an institution responsible or co-responsible for measures, divided by the status it reported."
        ),
        row_header=gettext("Institution"),
        groups=[(str(institution), counter) for institution, counter in progress.by_institution.items()],
    )
    goals = plan_rows(plan, progress)
    series_by_measure = _indicator_series(plan=plan, user=user)
    trends = []
    for goal in goals:
        for row in goal.measures:
            series = series_by_measure.get(row.measure.pk, [])
            chart = indicator_chart(row.measure, series)
            if chart is not None:
                trends.append(IndicatorTrend(measure=row.measure, chart=chart, latest=series[-1].value))
    overview = Overview(
        plan=plan,
        period=period,
        totals=[(s, status_label(s), progress.total.get(s, 0)) for s in STATUS_ORDER],
        measure_count=sum(progress.total.values()),
        by_goal=by_goal,
        by_institution=by_institution,
        goals=goals,
        trends=trends,
        overdue=[
            slot for slot in selectors.overdue_report_slots(user=user, today=today) if slot.period.plan_id == plan.pk
        ],
    )
    overview.nrm_year, overview.nrm_figures = nrm_figures(period=period, today=today)
    return overview


def _indicator_series(*, plan: ActionPlan, user) -> dict[int, list[selectors.IndicatorPoint]]:
    """`selectors.indicator_series` for every measure of the plan in one query: the responsible institution's
    submitted values, oldest period first."""
    reports = selectors.reports_visible(user=user).filter(
        measure__plan=plan, review_state__in=SUBMITTED, indicator_value__isnull=False
    )
    series: dict[int, list[selectors.IndicatorPoint]] = {}
    for report in reports.order_by("period__starts_on", "pk"):
        if report.institution_id == report.measure.responsible_id:
            series.setdefault(report.measure_id, []).append(
                selectors.IndicatorPoint(period=report.period, value=report.indicator_value)
            )
    return series


NRM_LABELS = {
    "registered_victims": lambda: gettext("Registered victims"),
    "identified": lambda: gettext("Identified victims"),
    "children": lambda: gettext("Of them children"),
}


def nrm_figures(*, period: ReportingPeriod | None, today: date | None = None) -> tuple[int | None, list]:
    """The NRM headline figures of the latest published statistics release, when the statistics module has one.

    The coordination module works without it: a missing module or function, or no release, shows nothing.
    """
    try:
        from opennrm.stats.selectors import nrm_headline_figures
    except ImportError:
        return None, []
    today = today or timezone.localdate()
    reference = period.ends_on.year if period else today.year
    for year in (reference, reference - 1):
        try:
            figures = nrm_headline_figures(year=year)
        except Exception:  # noqa: BLE001 - the statistics must never take the coordinator's dashboard down
            logger.exception("NRM headline figures for %s could not be read", year)
            return None, []
        if figures:
            shown = [
                (NRM_LABELS[key]() if key in NRM_LABELS else key.replace("_", " ").capitalize(), value)
                for key, value in figures.items()
                if isinstance(value, int | str) and not isinstance(value, bool) and key != "year"
            ]
            return figures.get("year", year) if isinstance(figures.get("year"), int) else year, shown
    return None, []


# --- Exports ----------------------------------------------------------------------------------------------------


def _date_text(value) -> str:
    return value.isoformat() if value else ""


def measures_xlsx(*, plan: ActionPlan, user, language: str) -> bytes:
    """The plan's measures and every submitted report on them, as an XLSX workbook in `language`."""
    with translation.override(language):
        progress = selectors.plan_progress(plan=plan)
        measure_rows = []
        for goal in selectors.plan_goals(plan=plan):
            for measure in goal.measure_list:
                co = [i for i in measure.co_responsible.all() if i.pk != measure.responsible_id]
                measure_rows.append(
                    [
                        goal.code,
                        localized(goal.title),
                        measure.code,
                        localized(measure.text),
                        str(measure.responsible),
                        institution_names(co),
                        _date_text(measure.deadline),
                        localized(measure.indicator),
                        _decimal_cell(measure.baseline),
                        _decimal_cell(measure.target),
                        measure.unit,
                        measure.funding_source,
                        status_label(progress.measure_status.get(measure.pk, selectors.NOT_REPORTED)),
                    ]
                )
        report_rows = [
            [
                report.period.name,
                report.measure.code,
                str(report.institution),
                status_label(report.status),
                str(ReviewState(report.review_state).label),
                _decimal_cell(report.indicator_value),
                report.narrative,
                "\n".join(report.evidence_links or []),
                timezone.localtime(report.submitted_at).strftime("%Y-%m-%d %H:%M") if report.submitted_at else "",
                timezone.localtime(report.reviewed_at).strftime("%Y-%m-%d %H:%M") if report.reviewed_at else "",
                report.review_comment,
            ]
            for report in selectors.reports_visible(user=user).filter(measure__plan=plan, review_state__in=SUBMITTED)
        ]
        title = localized(plan.title) or plan.code
        sheets = [
            Sheet(
                title=gettext("Measures"),
                caption=title,
                header=[
                    gettext("Goal"),
                    gettext("Goal title"),
                    gettext("Measure"),
                    gettext("Text"),
                    gettext("Responsible institution"),
                    gettext("Co-responsible institutions"),
                    gettext("Deadline"),
                    gettext("Result indicator"),
                    gettext("Baseline"),
                    gettext("Target"),
                    gettext("Unit"),
                    gettext("Funding source"),
                    gettext("Latest status"),
                ],
                rows=measure_rows,
            ),
            Sheet(
                title=gettext("Reports"),
                caption=title,
                header=[
                    gettext("Reporting period"),
                    gettext("Measure"),
                    gettext("Institution"),
                    gettext("Status"),
                    gettext("Review"),
                    gettext("Indicator value"),
                    gettext("Narrative"),
                    gettext("Evidence links"),
                    gettext("Submitted"),
                    gettext("Reviewed"),
                    gettext("Coordinator's comment"),
                ],
                rows=report_rows,
            ),
        ]
        return xlsx_bytes(sheets, title=title, language=language)


def _decimal_cell(value: Decimal | None) -> float | int | None:
    if value is None:
        return None
    return int(value) if value == value.to_integral_value() else float(value)


def progress_report_html(
    *, plan: ActionPlan, period: ReportingPeriod | None, user, language: str, today: date | None = None
) -> str:
    """The progress report as a complete HTML document in `language` (the PDF is printed from it)."""
    today = today or timezone.localdate()
    with translation.override(language):
        overview = progress_overview(plan=plan, period=period, user=user, today=today)
        narratives = _responsible_narratives(plan=plan, period=period, user=user)
        for goal in overview.goals:
            for row in goal.measures:
                row.report = narratives.get(row.measure.pk)
        return render_to_string(
            "coordination/pdf/progress_report.html",
            {
                "overview": overview,
                "plan": plan,
                "period": period,
                "language": language,
                "today": today,
                "today_text": date_format(today, "DATE_FORMAT"),
                "document_title": gettext("Progress report on the action plan"),
            },
        )


def _responsible_narratives(*, plan: ActionPlan, period: ReportingPeriod | None, user) -> dict[int, object]:
    """The responsible institution's submitted report per measure: of the period, or the latest one."""
    reports = selectors.reports_visible(user=user, period=period).filter(measure__plan=plan, review_state__in=SUBMITTED)
    latest: dict[int, object] = {}
    for report in reports:
        if report.institution_id == report.measure.responsible_id:
            latest[report.measure_id] = report  # ordered by period: the last one wins
    return latest


def progress_report_pdf(
    *, plan: ActionPlan, period: ReportingPeriod | None, user, language: str, base_url: str, today: date | None = None
) -> bytes:
    html = progress_report_html(plan=plan, period=period, user=user, language=language, today=today)
    return html_to_pdf(html, base_url=base_url)
