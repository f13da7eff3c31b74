"""The figures of a release (a chart and its table) and the annual report built from them.

The dashboard and the report show the same figures in the same order, so what a rapporteur checks on screen is
what goes to print. `report_render` is reproducible: the same facts and the same pack give the same file, except
the line that says when it was generated (pass `now` to fix that too).
"""

from __future__ import annotations

import datetime
import hashlib
from dataclasses import dataclass, replace

from django.core.cache import cache
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.safestring import SafeString
from django.utils.translation import gettext, gettext_lazy, ngettext

from opennrm.core.charts import Flow, Series, bar_chart, data_table, line_chart, print_sized, sankey_chart
from opennrm.core.errors import ApplicationError
from opennrm.core.i18n import localized
from opennrm.core.pdf import html_to_pdf
from opennrm.core.spreadsheets import Sheet
from opennrm.jurisdiction.selectors import version_pack, version_published, version_published_id
from opennrm.stats.dimensions import statistics_definitions
from opennrm.stats.exports import TableView, release_views, views_xlsx
from opennrm.stats.labels import dp_note, statistic_label, unit_label
from opennrm.stats.privacy import DpStatement
from opennrm.stats.release import DEFAULT_SPAN_YEARS, Release, release_build
from opennrm.stats.selectors import facts_revisions

LANGUAGES = ("lv", "en", "ru")
FORMATS = ("html", "pdf", "xlsx")
CONTENT_TYPES = {
    "html": "text/html; charset=utf-8",
    "pdf": "application/pdf",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "csv": "text/csv; charset=utf-8",
}
# Where each table goes; a table of the release that no section names is shown under "Other tables".
SECTIONS = (
    (
        "victims",
        gettext_lazy("Registered victims"),
        (
            "victims_by_year_sex",
            "victims_by_age_sex",
            "victims_by_age_group_sex",
            "victims_by_citizenship_sex",
            "victims_by_form_sex",
            "victims_by_year_form",
        ),
    ),
    (
        "referral",
        gettext_lazy("Recognition, referral and identification"),
        ("recognising_by_year", "pathway", "outcomes_by_route", "referral_response", "referral_response_time"),
    ),
    ("times", gettext_lazy("Time to identification and to service"), ("time_to_identification", "time_to_service")),
    ("screenings", gettext_lazy("Screenings"), ("screenings_by_type_outcome",)),
    (
        "eurostat",
        gettext_lazy("Tables for Eurostat"),
        ("eurostat_victims_by_age_sex", "eurostat_victims_by_citizenship_sex", "eurostat_victims_by_form_sex"),
    ),
)
# A cached release is dropped after this long even if nothing seemed to change (a safety margin, not a rule).
RELEASE_CACHE_SECONDS = 600
# Charts print 170 mm wide: the A4 text width less a little air.
PRINT_CHART_WIDTH_MM = 170
LINE_BY_COLUMN = frozenset({"victims_by_year_sex", "victims_by_year_form"})
STACKED = frozenset(
    {
        "victims_by_age_sex",
        "victims_by_age_group_sex",
        "victims_by_citizenship_sex",
        "victims_by_form_sex",
        "outcomes_by_route",
        "referral_response",
        "screenings_by_type_outcome",
    }
)
REFERENCE_YEAR_BARS = frozenset({"recognising_by_year"})
SANKEY = frozenset({"pathway"})
DURATION_TRENDS = frozenset({"time_to_identification", "time_to_service"})
DURATION_BARS = frozenset({"referral_response_time"})


@dataclass(frozen=True)
class Figure:
    view: TableView
    chart: SafeString | None
    table: SafeString

    @property
    def anchor(self) -> str:
        return f"table-{self.view.id.replace('_', '-')}"


@dataclass(frozen=True)
class Section:
    id: str
    title: str
    figures: tuple[Figure, ...]


# --- the release of a year, reused while its facts stay the same ------------------------------------------------


def _release_key(*, year_from: int, year: int) -> str:
    """What the tables of a release depend on, condensed: the facts of the years it reads and the pack in force.

    Case facts are read from `year_from` to `year`, referral and screening facts of `year` alone, so the revisions
    of those years change whenever a fact behind the tables does (`facts_changed`). The pack in force decides the
    categories and the threshold. Two reads by key, whatever the number of facts.
    """
    parts = [year_from, year, version_published_id() or 0, *facts_revisions(year_from=year_from, year=year)]
    return "stats:release:" + hashlib.sha256(repr(parts).encode()).hexdigest()


def release_current(*, year: int) -> Release:
    """`release_build(year=year)` for the rapporteur's pages and API, built again only when the facts change.

    Building a release runs the disclosure-control auditor over every table; a dashboard, its downloads and the
    API ask for the same release many times in a row. The key is read before the build, so a fact written while
    it runs can only make the cached release newer than its key says, never older.
    """
    year_from = year - DEFAULT_SPAN_YEARS + 1
    key = _release_key(year_from=year_from, year=year)
    release = cache.get(key)
    if release is None:
        release = release_build(year=year)
        cache.set(key, release, RELEASE_CACHE_SECONDS)
    return release


# --- figures ----------------------------------------------------------------------------------------------------


def _category_columns(view: TableView) -> list[int]:
    return [j for j, code in enumerate(view.column_codes) if code not in ("total", "overdue_share")]


def _column_series(view: TableView) -> list[Series]:
    series = []
    for j in _category_columns(view):
        cells = [row.cells[j] for row in view.rows]
        series.append(
            Series(
                view.columns[j],
                [cell.count if cell is not None else None for cell in cells],
                [cell.display if cell is not None else "" for cell in cells],
            )
        )
    return series


def _total_column(view: TableView) -> int:
    return view.column_codes.index("total")


def _description(view: TableView) -> str:
    return gettext("Chart of the table “%(caption)s”; the table that follows gives the same numbers.") % {
        "caption": view.caption
    }


def chart_for(view: TableView) -> SafeString | None:
    """The chart that suits a table, or None for tables best read as tables (Eurostat's)."""
    if view.is_empty:
        return None
    chart_id = f"chart-{view.id.replace('_', '-')}"
    common = {"chart_id": chart_id, "title": view.caption, "description": _description(view)}
    labels = [row.label for row in view.rows]
    if view.id in LINE_BY_COLUMN:
        series = _column_series(view)
        if view.id == "victims_by_year_sex":
            j = _total_column(view)
            totals = [row.cells[j] for row in view.rows]
            series.insert(0, Series(view.columns[j], [c.count for c in totals], [c.display for c in totals]))
        return line_chart(x_labels=labels, series=series, **common)
    if view.id in STACKED:
        j = _total_column(view)
        return bar_chart(
            categories=labels,
            series=_column_series(view),
            stacked=True,
            totals=[row.cells[j].display for row in view.rows],
            **common,
        )
    if view.id in REFERENCE_YEAR_BARS:
        last = _column_series(view)[-1]
        return bar_chart(categories=labels, series=[last], **common)
    if view.id in SANKEY:
        return _sankey(view, common)
    if view.id in DURATION_TRENDS | DURATION_BARS:
        unit = unit_label(view.unit)
        series = [
            Series(
                statistic_label(name),
                [_number(row.values[j]) for row in view.rows],
                [row.texts[j] for row in view.rows],
            )
            for j, name in ((2, "median"), (1, "q1"), (3, "q3"))
        ]
        if view.id in DURATION_BARS:
            return bar_chart(categories=labels, series=series[:1], unit=unit, **common)
        return line_chart(x_labels=labels, series=series, unit=unit, **common)
    return None


def _number(value) -> float | None:
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else None


def _sankey(view: TableView, common: dict) -> SafeString:
    flows = []
    hidden = 0
    for row in view.rows:
        for j in _category_columns(view):
            cell = row.cells[j]
            if cell is None:
                continue
            if cell.count is None:
                hidden += 1
            elif cell.count > 0:
                flows.append(Flow(row.label, view.columns[j], cell.count))
    description = common["description"]
    if hidden:
        description += " " + ngettext(
            "%(count)s suppressed flow is not drawn.", "%(count)s suppressed flows are not drawn.", hidden
        ) % {"count": hidden}
    return sankey_chart(flows=flows, **{**common, "description": description})


def figure_for(view: TableView) -> Figure:
    table = data_table(
        caption=view.caption,
        row_header=view.row_header,
        columns=view.columns,
        rows=[(row.label, row.texts) for row in view.rows],
        footer_rows=[(row.label, row.texts) for row in view.footer],
    )
    return Figure(view=view, chart=chart_for(view), table=table)


def release_sections(release: Release) -> list[Section]:
    """Every table of the release as a figure, grouped into the report's sections (active language)."""
    figures = {view.id: figure_for(view) for view in release_views(release)}
    sections = []
    placed: set[str] = set()
    for section_id, title, table_ids in SECTIONS:
        chosen = tuple(figures[t] for t in table_ids if t in figures)
        placed.update(table_ids)
        if chosen:
            sections.append(Section(section_id, str(title), chosen))
    rest = tuple(figure for table_id, figure in figures.items() if table_id not in placed)
    if rest:
        sections.append(Section("other", gettext("Other tables"), rest))
    return sections


# --- method notes -----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class MethodNote:
    heading: str
    text: str


def method_notes(release: Release, *, language: str) -> list[MethodNote]:
    """The paragraphs that say what is counted and how the numbers are protected."""
    registered = statistics_definitions().registered_victims
    notes = [
        MethodNote(
            gettext("What is counted"),
            gettext(
                "The figures are counted from de-identified statistical records kept for every case in OpenNRM: "
                "they hold no names, no personal codes, no free text and no date finer than the month. A year is the "
                "year a person was recognised as a presumed victim; for referrals, the year a referral was sent."
            ),
        ),
        MethodNote(gettext("Registered victims"), localized(registered.note, language) if registered.note else ""),
        MethodNote(
            gettext("Disclosure control"),
            gettext(
                "A number smaller than %(threshold)s, other than zero, is not published and is shown as "
                "“< %(threshold)s” (primary suppression). Where such a number could be worked out from totals or "
                "from another table of this report, further numbers are hidden and shown as “x” (secondary "
                "suppression). All tables of the report are checked together, so no hidden number can be recovered "
                "from the published ones."
            )
            % {"threshold": release.threshold},
        ),
    ]
    if release.dp:
        notes.append(MethodNote(gettext("Differential privacy"), dp_statement_text(release.dp)))
    return [note for note in notes if note.text]


def dp_statement_text(dp: DpStatement | None) -> str:
    """The noise of a release in words: mechanism, budget, scale and the 95% margin of a published number."""
    return dp_note(dp) if dp is not None else ""


# --- the annual report ------------------------------------------------------------------------------------------


def report_title(year: int) -> str:
    return gettext("Trafficking in human beings: statistics for %(year)s") % {"year": year}


def _checked(*, year, language: str, format: str) -> None:
    if language not in LANGUAGES:
        raise ApplicationError(
            gettext("Choose the language of the report: %(choices)s.") % {"choices": ", ".join(LANGUAGES)},
            field="language",
        )
    if format not in FORMATS:
        raise ApplicationError(
            gettext("Choose the format of the report: %(choices)s.") % {"choices": ", ".join(FORMATS)},
            field="format",
        )


def report_render(
    *,
    year: int,
    language: str,
    format: str,
    release: Release | None = None,
    now: datetime.datetime | None = None,
) -> bytes:
    """The annual report of `year` as HTML, PDF or XLSX in `language`; reproducible except its generation time."""
    _checked(year=year, language=language, format=format)
    release = release or release_current(year=year)
    generated = now or timezone.now()
    with translation.override(language):
        if format == "xlsx":
            return _report_xlsx(release, language=language, generated=generated)
        html = report_html(release, language=language, generated=generated, for_print=format == "pdf")
        if format == "html":
            return html.encode("utf-8")
        return html_to_pdf(html)


def generated_text(generated: datetime.datetime) -> str:
    stamp = timezone.localtime(generated).strftime("%Y-%m-%d %H:%M %Z").strip()
    return gettext("Generated on %(timestamp)s") % {"timestamp": stamp}


def _printable(section: Section) -> Section:
    figures = tuple(
        replace(figure, chart=print_sized(figure.chart, width_mm=PRINT_CHART_WIDTH_MM)) if figure.chart else figure
        for figure in section.figures
    )
    return replace(section, figures=figures)


def report_html(release: Release, *, language: str, generated: datetime.datetime, for_print: bool = False) -> str:
    """The report as one self-contained HTML document; `for_print` sizes the charts for WeasyPrint's A4 pages."""
    sections = release_sections(release)
    if for_print:
        sections = [_printable(section) for section in sections]
    context = {
        "title": report_title(release.year),
        "release": release,
        "language": language,
        "sections": sections,
        "method_notes": method_notes(release, language=language),
        "generated": generated_text(generated),
        "period": f"{release.year_from}–{release.year}",
        "model_name": _model_name(language),
    }
    return render_to_string("stats/report.html", context)


def _model_name(language: str) -> str:
    version = version_published()
    return localized(version_pack(version).pack.name, language) if version else ""


def _report_xlsx(release: Release, *, language: str, generated: datetime.datetime) -> bytes:
    sections = release_sections(release)
    views = [figure.view for section in sections for figure in section.figures]
    contents = [
        [gettext("Contents")],
        *([f"{index}. {view.caption}"] for index, view in enumerate(views, start=1)),
    ]
    front = Sheet(
        title=gettext("Report"),
        header=[report_title(release.year)],
        rows=[
            [gettext("Period: %(period)s") % {"period": f"{release.year_from}–{release.year}"}],
            [generated_text(generated)],
            [""],
            [gettext("Method")],
            *([f"{note.heading}: {note.text}"] for note in method_notes(release, language=language)),
            [""],
            *contents,
        ],
    )
    return views_xlsx(views, title=report_title(release.year), language=language, front=front)


def report_filename(year: int, language: str, format: str) -> str:
    return f"opennrm-annual-report-{year}-{language}.{format}"
