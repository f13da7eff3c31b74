"""A release's tables as labelled rows, and those rows as CSV and XLSX files.

`table_view` turns one table of a release (codes and cells) into what a reader sees in the active language: a
caption, column headings, row labels and the cells as published — a number, "< n" for a primary-suppressed cell,
"x" for a secondary one. The dashboard, the annual report, the API and the downloads all read these views, so a
number can never differ between them. Rows and columns of categories nobody falls into are left out (a published
zero describes nobody, and a table of twenty institution types by twenty would be unreadable), except years,
which keep their place on the time axis.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from django.utils.text import slugify
from django.utils.translation import gettext

from opennrm.core.spreadsheets import CellValue, Sheet, csv_bytes, xlsx_bytes
from opennrm.stats.dimensions import StatisticsDefinitions, statistics_definitions
from opennrm.stats.disclosure import Cell, StatTable
from opennrm.stats.labels import (
    category_label,
    dimension_label,
    statistic_label,
    suppression_note,
    table_note,
    table_title,
    unit_label,
)
from opennrm.stats.release import DurationTable, Release

# Dimensions whose every category stays in the table even when empty: a gap in a time series is information.
KEEP_EMPTY = frozenset({"year"})
# The table of referral answers also gets each row's overdue share.
REFERRAL_RESPONSE = "referral_response"


@dataclass(frozen=True)
class Row:
    label: str
    code: str
    # Published numbers as numbers (int, or float for durations); suppressed cells as their display text.
    values: tuple[CellValue, ...]
    cells: tuple[Cell | None, ...] = ()

    @property
    def texts(self) -> list[str]:
        return [display(value) for value in self.values]


@dataclass(frozen=True)
class TableView:
    id: str
    kind: str
    title: str
    caption: str
    row_header: str
    columns: tuple[str, ...]
    column_codes: tuple[str, ...]
    rows: tuple[Row, ...]
    footer: tuple[Row, ...] = ()
    notes: tuple[str, ...] = field(default_factory=tuple)
    unit: str = ""

    @property
    def header(self) -> list[str]:
        return [self.row_header, *self.columns]

    @property
    def is_empty(self) -> bool:
        return not self.rows

    def flat_rows(self) -> list[list[CellValue]]:
        return [[row.label, *row.values] for row in (*self.rows, *self.footer)]


def display(value: CellValue) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else f"{value:.1f}"
    return str(value)


def _value(cell: Cell) -> CellValue:
    return cell.count if cell.count is not None else cell.display


def period(release: Release, table: StatTable | DurationTable) -> str:
    """The years a table covers: the span for tables by year, the reference year for the others."""
    years = table.scope.get("year")
    if years:
        return years.replace("-", "–")
    if "year" in (table.row_dimension, getattr(table, "column_dimension", "")) and release.year_from != release.year:
        return f"{release.year_from}–{release.year}"
    return str(release.year)


def table_view(release: Release, table_id: str, *, definitions: StatisticsDefinitions | None = None) -> TableView:
    """One table of the release, labelled in the active language (raises KeyError for an unknown id)."""
    table = release.tables[table_id]
    definitions = definitions or statistics_definitions()
    if isinstance(table, DurationTable):
        return _duration_view(release, table, definitions)
    return _count_view(release, table, definitions)


def release_views(release: Release) -> list[TableView]:
    definitions = statistics_definitions()
    return [table_view(release, table_id, definitions=definitions) for table_id in release.tables]


def _shown_zero(cell: Cell) -> bool:
    return cell.count == 0 and not cell.suppressed


def _count_view(release: Release, table: StatTable, definitions: StatisticsDefinitions) -> TableView:
    keep_rows = [
        i
        for i, code in enumerate(table.row_codes)
        if table.row_dimension in KEEP_EMPTY or not _shown_zero(table.row_totals[i])
    ]
    keep_columns = [
        j
        for j, code in enumerate(table.column_codes)
        if table.column_dimension in KEEP_EMPTY or not _shown_zero(table.column_totals[j])
    ]
    rate = table.id == REFERRAL_RESPONSE
    columns = [
        category_label(table.column_dimension, table.column_codes[j], definitions=definitions) for j in keep_columns
    ]
    columns.append(gettext("Total"))
    if rate:
        columns.append(gettext("Overdue share"))
    rows = []
    for i in keep_rows:
        cells = [table.cells[i][j] for j in keep_columns] + [table.row_totals[i]]
        values: list[CellValue] = [_value(c) for c in cells]
        if rate:
            values.append(_overdue_share(table, i))
        rows.append(
            Row(
                label=category_label(table.row_dimension, table.row_codes[i], definitions=definitions),
                code=table.row_codes[i],
                values=tuple(values),
                cells=tuple(cells),
            )
        )
    footer_cells = [table.column_totals[j] for j in keep_columns] + [table.total]
    footer_values: list[CellValue] = [_value(c) for c in footer_cells]
    if rate:
        footer_values.append(_overdue_share(table, None))
    footer = Row(gettext("Total"), "", tuple(footer_values), tuple(footer_cells))
    notes = [table_note(table.note)] if table_note(table.note) else []
    if len(keep_rows) < len(table.row_codes) or len(keep_columns) < len(table.column_codes):
        notes.append(gettext("Categories that nobody falls into are left out."))
    if rate:
        notes.append(gettext("Overdue share: overdue referrals as a percentage of all referrals sent to the type."))
    notes.append(suppression_note(release.threshold))
    title = table_title(table.id)
    return TableView(
        id=table.id,
        kind="count",
        title=title,
        caption=gettext("%(title)s, %(period)s") % {"title": title, "period": period(release, table)},
        row_header=dimension_label(table.row_dimension),
        columns=tuple(columns),
        column_codes=tuple(table.column_codes[j] for j in keep_columns) + ("total",) + (("overdue_share",) * rate),
        rows=tuple(rows),
        footer=(footer,) if rows else (),
        notes=tuple(notes),
    )


def _overdue_share(table: StatTable, row: int | None) -> CellValue:
    """Overdue referrals as a percentage of the row's total, when both are published; "" otherwise."""
    try:
        j = table.column_codes.index("overdue")
    except ValueError:
        return ""
    overdue = table.column_totals[j] if row is None else table.cells[row][j]
    total = table.total if row is None else table.row_totals[row]
    if overdue.count is None or total.count is None or total.count == 0:
        return ""
    return round(100 * overdue.count / total.count, 1)


def _duration_view(release: Release, table: DurationTable, definitions: StatisticsDefinitions) -> TableView:
    unit = unit_label(table.unit)
    columns = (
        # Response times count referrals, not persons.
        gettext("Referrals") if table.unit == "hours" else statistic_label("n"),
        *(
            gettext("%(statistic)s (%(unit)s)") % {"statistic": statistic_label(name), "unit": unit}
            for name in ("q1", "median", "q3")
        ),
    )
    rows = []
    for code, item in zip(table.row_codes, table.rows, strict=True):
        if table.row_dimension not in KEEP_EMPTY and _shown_zero(item.n):
            continue
        rows.append(
            Row(
                label=category_label(table.row_dimension, code, definitions=definitions),
                code=code,
                values=(_value(item.n), *(_quartile(q) for q in (item.q1, item.median, item.q3))),
                cells=(item.n, None, None, None),
            )
        )
    title = table_title(table.id)
    notes = [
        gettext(
            "The middle half of the times lies between the lower and the upper quartile; the median is the time "
            "within which half were reached. Times are shown only where at least %(threshold)s are counted."
        )
        % {"threshold": release.threshold},
        suppression_note(release.threshold),
    ]
    return TableView(
        id=table.id,
        kind="duration",
        title=title,
        caption=gettext("%(title)s, %(period)s") % {"title": title, "period": period(release, table)},
        row_header=dimension_label(table.row_dimension),
        columns=columns,
        column_codes=("n", "q1", "median", "q3"),
        rows=tuple(rows),
        notes=tuple(notes),
        unit=table.unit,
    )


def _quartile(value: float | None) -> CellValue:
    if value is None:
        return ""
    return int(value) if float(value).is_integer() else round(float(value), 1)


# --- files ------------------------------------------------------------------------------------------------------


def filename(view_or_name: TableView | str, year: int, extension: str) -> str:
    name = view_or_name.id if isinstance(view_or_name, TableView) else view_or_name
    return f"opennrm-{slugify(name).replace('_', '-')}-{year}.{extension}"


def view_sheet(view: TableView) -> Sheet:
    return Sheet(title=view.title, header=view.header, rows=view.flat_rows(), caption=view.caption, notes=view.notes)


def table_csv(view: TableView) -> bytes:
    return csv_bytes(view.header, view.flat_rows(), caption=view.caption, notes=view.notes)


def table_xlsx(view: TableView, *, language: str = "") -> bytes:
    return xlsx_bytes([view_sheet(view)], title=view.caption, language=language)


def views_xlsx(views: Sequence[TableView], *, title: str, language: str = "", front: Sheet | None = None) -> bytes:
    """Several tables in one workbook, one sheet each, after an optional front sheet."""
    sheets = ([front] if front else []) + [view_sheet(view) for view in views]
    return xlsx_bytes(sheets, title=title, language=language)
