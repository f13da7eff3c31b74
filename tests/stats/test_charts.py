"""Which chart each table of a release gets, and what it says: built from hand-made releases."""

from xml.etree import ElementTree  # noqa: S405 — parses the project's own output

import pytest

from opennrm.stats.disclosure import Cell, StatTable
from opennrm.stats.exports import table_view
from opennrm.stats.release import DurationRow, DurationTable, Release
from opennrm.stats.report import chart_for, figure_for

SVG = "{http://www.w3.org/2000/svg}"
SHOWN, SMALL, HIDDEN = Cell.shown, Cell.primary(5), Cell.secondary()


def count_table(table_id, row_dimension, column_dimension, rows, columns, cells, scope=None):
    row_totals = [Cell.shown(sum(c.count or 0 for c in row)) for row in cells]
    column_totals = [Cell.shown(sum(row[j].count or 0 for row in cells)) for j in range(len(columns))]
    return StatTable(
        id=table_id,
        row_dimension=row_dimension,
        column_dimension=column_dimension,
        row_codes=list(rows),
        column_codes=list(columns),
        cells=cells,
        row_totals=row_totals,
        column_totals=column_totals,
        total=Cell.shown(sum(t.count for t in row_totals)),
        scope=scope or {"year": "2024"},
    )


def release(*tables) -> Release:
    return Release(year_from=2022, year=2024, tables={t.id: t for t in tables}, threshold=5, dp=None, public=False)


def svg(markup) -> ElementTree.Element:
    return ElementTree.fromstring(str(markup))  # noqa: S314


def description(markup) -> str:
    root = svg(markup)
    return "".join(next(node for node in root.iter(f"{SVG}desc")).itertext())


@pytest.fixture
def defaults(db):
    """No model is published: the default statistics definitions name the categories."""


def test_victims_by_year_and_sex_is_a_trend_with_a_total_line(defaults):
    table = count_table(
        "victims_by_year_sex", "year", "sex", ["2022", "2023", "2024"], ["Feminine", "Masculine"],
        [[SHOWN(10), SHOWN(6)], [SHOWN(12), SMALL], [SHOWN(20), SHOWN(9)]], scope={"year": "2022-2024"},
    )  # fmt: skip
    view = table_view(release(table), table.id)
    assert view.caption.endswith("2022–2024")
    root = svg(chart_for(view))
    # Total and Female are lines; Male breaks at its suppressed year, so it is two markers without a line.
    assert len(list(root.iter(f"{SVG}polyline"))) == 2
    assert {"Total", "Female", "Male"} <= {"".join(node.itertext()) for node in root.iter(f"{SVG}text")}
    text = description(chart_for(view))
    assert "Total: 2022 16, 2023 x, 2024 29." in text or "Total: 2022 16, 2023 12, 2024 29." in text
    assert "2023 < 5" in text


def test_age_bands_are_stacked_bars_with_totals(defaults):
    table = count_table(
        "victims_by_age_sex", "age_band", "sex", ["18-20", "30-38", "48+"], ["Feminine", "Masculine"],
        [[SHOWN(7), SMALL], [SHOWN(0), SHOWN(0)], [SHOWN(9), SHOWN(6)]],
    )  # fmt: skip
    view = table_view(release(table), table.id)
    # The empty band is left out of the table and the chart; a note says so.
    assert [row.code for row in view.rows] == ["18-20", "48+"]
    assert "Categories that nobody falls into are left out." in view.notes
    text = description(chart_for(view))
    assert "< 5" in text and "= 15" in text


def test_pathway_is_a_sankey_that_says_what_it_cannot_draw(defaults):
    table = count_table(
        "pathway", "from_type", "to_type", ["state_police", "ngo"], ["service_provider", "siva"],
        [[SHOWN(12), SMALL], [HIDDEN, SHOWN(6)]],
    )  # fmt: skip
    markup = chart_for(table_view(release(table), table.id))
    assert len(list(svg(markup).iter(f"{SVG}path"))) == 2
    assert "2 suppressed flows are not drawn." in description(markup)


def test_durations_by_year_are_quartile_lines(defaults):
    table = DurationTable(
        id="time_to_identification",
        row_dimension="year",
        row_codes=["2023", "2024"],
        rows=[DurationRow(SMALL), DurationRow(SHOWN(11), 20.0, 35.5, 61.0)],
        unit="days",
    )
    view = table_view(release(table), table.id)
    assert view.columns == ("Persons", "Lower quartile (days)", "Median (days)", "Upper quartile (days)")
    assert view.rows[1].texts == ["11", "20", "35.5", "61"]
    assert view.rows[0].texts == ["< 5", "", "", ""]
    text = description(chart_for(view))
    assert "Median: 2023, 2024 35.5." in text


def test_response_times_count_referrals(defaults):
    table = DurationTable(
        id="referral_response_time",
        row_dimension="to_type",
        row_codes=["siva", "ngo"],
        rows=[DurationRow(SHOWN(8), 2.0, 5.0, 9.0), DurationRow(SHOWN(0))],
        unit="hours",
    )
    view = table_view(release(table), table.id)
    assert view.columns[0] == "Referrals"
    assert [row.code for row in view.rows] == ["siva"]
    assert chart_for(view) is not None


def test_eurostat_tables_have_no_chart_but_a_table(defaults):
    table = count_table(
        "eurostat_victims_by_age_sex", "age_group", "eurostat_sex", ["under_18", "adult"], ["F", "M"],
        [[SHOWN(5), SHOWN(0)], [SHOWN(9), SHOWN(7)]],
    )  # fmt: skip
    figure = figure_for(table_view(release(table), table.id))
    assert figure.chart is None
    assert "<caption>" in figure.table and "Under 18" in figure.table


def test_empty_table_has_no_chart(defaults):
    table = count_table(
        "victims_by_citizenship_sex", "citizenship_group", "sex", ["national"], ["Feminine"], [[SHOWN(0)]]
    )
    view = table_view(release(table), table.id)
    assert view.is_empty and chart_for(view) is None
