"""The shared SVG charts: well-formed, accessible, escaped, deterministic, and not relying on colour alone."""

import re
from xml.etree import ElementTree  # noqa: S405 — parses the project's own output

import pytest

from opennrm.core.charts import Flow, Series, bar_chart, data_table, line_chart, print_sized, sankey_chart

SVG = "{http://www.w3.org/2000/svg}"


def parse(markup: str) -> ElementTree.Element:
    return ElementTree.fromstring(str(markup))  # noqa: S314


def texts(root: ElementTree.Element) -> list[str]:
    return ["".join(node.itertext()) for node in root.iter(f"{SVG}text")]


def accessible_name(root: ElementTree.Element) -> tuple[str, str]:
    labelled = root.get("aria-labelledby").split()
    by_id = {node.get("id"): "".join(node.itertext()) for node in root.iter() if node.get("id")}
    return by_id[labelled[0]], by_id[labelled[1]]


def grouped():
    return bar_chart(
        chart_id="victims-sex",
        title="Victims by sex",
        description="Registered victims by sex and year.",
        categories=["Female", "Male", "Unknown"],
        series=[Series("2023", [12, 7, None], ["12", "7", "< 5"]), Series("2024", [20, 3, 8])],
    )


def test_bar_chart_has_title_description_and_role():
    root = parse(grouped())
    assert root.tag == f"{SVG}svg"
    assert root.get("role") == "img"
    title, description = accessible_name(root)
    assert title == "Victims by sex"
    # The description reads every value, suppressed ones as shown ("< 5"), so the data reaches a screen reader.
    assert description.startswith("Registered victims by sex and year.")
    assert "Female: 2023 12, 2024 20." in description
    assert "Unknown: 2023 < 5, 2024 8." in description


def test_bar_chart_prints_values_and_draws_no_bar_for_suppressed():
    root = parse(grouped())
    shown = texts(root)
    assert "< 5" in shown and "12" in shown and "20" in shown
    bars = [r for r in root.iter(f"{SVG}rect") if r.get("height") == "18"]
    # 3 categories × 2 series minus the suppressed one.
    assert len(bars) == 5
    widths = sorted(float(r.get("width")) for r in bars)
    assert widths[0] < widths[-1]


def test_series_differ_by_pattern_not_only_colour():
    root = parse(grouped())
    patterns = list(root.iter(f"{SVG}pattern"))
    assert [p.get("id") for p in patterns] == ["victims-sex-pattern-1"]
    fills = {r.get("fill") for r in root.iter(f"{SVG}rect") if r.get("height") == "18"}
    assert fills == {"#0072B2", "url(#victims-sex-pattern-1)"}
    # A legend names each series in words.
    assert {"2023", "2024"} <= set(texts(root))


def test_stacked_bars_print_totals_and_leave_suppressed_totals_out():
    markup = bar_chart(
        chart_id="resp",
        title="Referral answers",
        description="",
        categories=["Police", "Shelter"],
        series=[Series("On time", [12, 7]), Series("Overdue", [5, None], ["5", "< 5"])],
        stacked=True,
    )
    root = parse(markup)
    assert "17" in texts(root)
    _, description = accessible_name(root)
    assert "Police: On time 12, Overdue 5, = 17." in description
    assert "Shelter: On time 7, Overdue < 5." in description


def test_text_is_escaped():
    markup = bar_chart(
        chart_id="x",
        title='<script>alert("x")</script>',
        description="a & b",
        categories=["<b>bold</b>"],
        series=[Series("s", [1])],
    )
    assert "<script>" not in markup and "<b>" not in markup
    root = parse(markup)
    assert accessible_name(root) == ('<script>alert("x")</script>', "a & b <b>bold</b>: 1.")


def test_same_data_same_markup():
    assert str(grouped()) == str(grouped())


def test_chart_ids_are_prefixed_so_two_charts_can_share_a_page():
    one = parse(bar_chart(chart_id="a b", title="A", description="", categories=["x"], series=[Series("s", [1])]))
    assert one.get("aria-labelledby") == "a-b-title a-b-desc"


def test_empty_bar_chart_says_so():
    root = parse(bar_chart(chart_id="e", title="Empty", description="", categories=[], series=[Series("s", [])]))
    assert "No data for this selection." in texts(root)


def test_line_chart_breaks_at_missing_values_and_labels_series():
    markup = line_chart(
        chart_id="trend",
        title="Victims by year",
        description="Trend.",
        x_labels=["2020", "2021", "2022", "2023"],
        series=[Series("Female", [10, 12, None, 20], ["10", "12", "< 5", "20"]), Series("Male", [5, 6, 9, 11])],
    )
    root = parse(markup)
    lines = list(root.iter(f"{SVG}polyline"))
    # Female: one run of two points (2020–2021); the lone 2023 point has a marker but no line. Male: one run.
    assert len(lines) == 2
    dashes = {line.get("stroke-dasharray") for line in lines}
    assert dashes == {None, "7 4"}
    shown = texts(root)
    assert {"2020", "2023", "Female", "Male"} <= set(shown)
    _, description = accessible_name(root)
    assert "Female: 2020 10, 2021 12, 2022 < 5, 2023 20." in description


def test_single_line_prints_its_values():
    root = parse(
        line_chart(chart_id="one", title="T", description="", x_labels=["2022", "2023"], series=[Series("n", [3, 8])])
    )
    assert {"3", "8"} <= set(texts(root))


def test_sankey_bands_are_proportional_and_labelled():
    markup = sankey_chart(
        chart_id="path",
        title="Pathway",
        description="Referrals.",
        flows=[
            Flow("State Police", "Shelter", 12),
            Flow("State Police", "Social service", 6),
            Flow("Border guard", "Shelter", 9),
            Flow("Nobody", "Anywhere", 0),
        ],
    )
    root = parse(markup)
    bands = list(root.iter(f"{SVG}path"))
    assert len(bands) == 3

    def thickness(band):
        numbers = band.get("d").replace("M", " ").replace("C", " ").replace("L", " ").replace("Z", " ").split()
        points = [tuple(map(float, n.split(","))) for n in numbers]
        return points[7][1] - points[0][1]

    first, second, third = (thickness(b) for b in bands)
    assert first == pytest.approx(2 * second)
    assert first / third == pytest.approx(12 / 9)
    shown = texts(root)
    assert "State Police (18)" in shown and "Shelter (21)" in shown
    assert "Nobody (0)" not in " ".join(shown)
    _, description = accessible_name(root)
    assert "State Police → Shelter: 12." in description


def test_data_table_has_caption_and_scopes():
    html = str(
        data_table(
            caption="Victims by sex",
            row_header="Sex",
            columns=["2023", "2024"],
            rows=[("Female", ["12", "< 5"]), ("<i>x</i>", ["n/a", "3"])],
            footer_rows=[("Total", ["20", "8"])],
            table_id="t1",
        )
    )
    root = ElementTree.fromstring(html)  # noqa: S314
    assert root.find("caption").text == "Victims by sex"
    assert [th.get("scope") for th in root.find("thead").iter("th")] == ["col", "col", "col"]
    body_rows = root.find("tbody").findall("tr")
    assert body_rows[0].find("th").get("scope") == "row"
    assert [td.get("class") for td in body_rows[0].findall("td")] == ["num", "num"]
    assert body_rows[1].find("th").text == "<i>x</i>"
    assert body_rows[1].findall("td")[0].get("class") is None
    assert root.find("tfoot/tr/th").text == "Total"
    assert root.get("id") == "t1"


def test_print_sized_fixes_the_size_in_millimetres():
    chart = bar_chart(chart_id="p", title="T", description="", categories=["a", "b"], series=[Series("s", [1, 2])])
    width, height = (float(v) for v in re.search(r'viewBox="0 0 ([\d.]+) ([\d.]+)"', chart).groups())
    printed = str(print_sized(chart, width_mm=170))
    root_tag = printed.split(">", 1)[0]
    assert f'style="width:170mm;height:{170 * height / width:.1f}mm"' in root_tag
    assert "height:auto" not in root_tag
    assert printed.split(">", 1)[1] == str(chart).split(">", 1)[1]
    with pytest.raises(TypeError):
        print_sized("<svg></svg>")
