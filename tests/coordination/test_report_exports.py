"""The exports: the XLSX of measures and reports, and the PDF progress report in Latvian, English and Russian."""

import io
import re
import shutil
import subprocess
from datetime import date

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from opennrm.accounts.testing import force_login_verified
from opennrm.coordination.report import progress_report_html, progress_report_pdf
from opennrm.coordination.services import report_save_draft, report_submit

NARRATIVE_LV = "Pasākums kavējas, jo mācību telpas nav pieejamas (testa teksts ar garumzīmēm: āčēģīķļņšūž)."


@pytest.fixture
def reported(coord):
    report_submit(
        measure=coord.measures["1.1"],
        period=coord.period,
        by=coord.reporter_a,
        status="delayed",
        narrative=NARRATIVE_LV,
        indicator_value="120",
        evidence_links=["https://example.lv/zinojums"],
    )
    report_save_draft(
        measure=coord.measures["1.2"], period=coord.period, by=coord.reporter_b, status="done", narrative="Melnraksts."
    )
    return coord


def _pdf_text(content: bytes, tmp_path) -> str:
    if not shutil.which("pdftotext"):
        pytest.fail("pdftotext is missing: install poppler-utils (scripts/system-deps.sh).")
    path = tmp_path / "report.pdf"
    path.write_bytes(content)
    return subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, check=True, text=True).stdout


def test_the_xlsx_has_every_measure_and_every_submitted_report(client, reported):
    force_login_verified(client, reported.observer)
    response = client.get(reverse("coordination:export_xlsx"), {"language": "lv"})
    assert response.status_code == 200
    assert response["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    workbook = load_workbook(io.BytesIO(response.content))
    measures, reports = workbook.worksheets
    rows = list(measures.iter_rows(values_only=True))
    assert rows[0][0] == "Testa plāns 2025–2027"  # the caption, in Latvian
    codes = [row[2] for row in rows[3:]]
    assert codes == ["1.1", "1.2", "2.1"]
    assert rows[3][3] == "Apmācīt speciālistus"
    assert rows[3][9] == 300
    report_rows = list(reports.iter_rows(values_only=True))[3:]
    # The draft of measure 1.2 is the institution's own: not exported.
    assert [(row[1], row[6]) for row in report_rows] == [("1.1", NARRATIVE_LV)]
    assert report_rows[0][5] == 120


def test_the_xlsx_is_the_same_bytes_twice(reported):
    from opennrm.coordination.report import measures_xlsx

    first = measures_xlsx(plan=reported.plan, user=reported.observer, language="en")
    assert measures_xlsx(plan=reported.plan, user=reported.observer, language="en") == first


@pytest.mark.parametrize(
    ("language", "expected"),
    [("lv", "Testa plāns 2025–2027"), ("en", "Test plan 2025–2027"), ("ru", "Тестовый план 2025–2027")],
)
def test_the_pdf_renders_in_each_language(client, reported, tmp_path, language, expected):
    force_login_verified(client, reported.coordinator)
    response = client.get(reverse("coordination:export_pdf"), {"language": language, "period": reported.period.pk})
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF-")
    assert f"progress-report-{language}.pdf" in response["Content-Disposition"]
    text = _pdf_text(response.content, tmp_path)
    assert expected in text
    assert "āčēģīķļņšūž" in text  # the narrative of the responsible institution, diacritics intact
    assert "Melnraksts" not in text


def test_the_pdf_pages_are_not_blank(reported, tmp_path):
    if not shutil.which("pdftoppm"):
        pytest.fail("pdftoppm is missing: install poppler-utils (scripts/system-deps.sh).")
    content = progress_report_pdf(
        plan=reported.plan, period=None, user=reported.coordinator, language="lv", base_url="http://testserver/"
    )
    (tmp_path / "report.pdf").write_bytes(content)
    subprocess.run(
        ["pdftoppm", "-r", "30", "-gray", "-f", "1", "-l", "1", str(tmp_path / "report.pdf"), str(tmp_path / "page")],
        check=True,
    )
    page = next(tmp_path.glob("page*.pgm")).read_bytes()
    # A binary PGM: header, then one byte per pixel; a blank page is all white (255).
    pixels = page.split(b"\n", 3)[3]
    dark = sum(1 for value in pixels if value < 128)
    assert dark > 500


def test_the_report_html_is_reproducible_for_a_given_day(reported):
    arguments = {"plan": reported.plan, "period": reported.period, "user": reported.coordinator, "language": "en"}
    first = progress_report_html(**arguments, today=date(2026, 2, 1))
    assert progress_report_html(**arguments, today=date(2026, 2, 1)) == first
    assert '<meta name="dcterms.created" content="2026-02-01">' in first
    assert 'role="img"' in first and "<desc" in first


def test_a_bad_language_is_refused_at_its_field(client, reported):
    force_login_verified(client, reported.coordinator)
    response = client.get(reverse("coordination:export_pdf"), {"language": "de"})
    assert response.status_code == 400
    assert "language" in response.context["form"].errors


def test_exports_need_a_coordination_role(client, coord):
    force_login_verified(client, coord.staff)
    assert client.get(reverse("coordination:export_xlsx")).status_code == 403
    assert client.get(reverse("coordination:export_pdf"), {"language": "lv"}).status_code == 403


def test_charts_print_at_a_fixed_size_in_the_pdf():
    from opennrm.coordination.report import Chart
    from opennrm.core import charts

    svg = charts.bar_chart(
        chart_id="test", title="Test", description="", categories=["a"], series=[charts.Series("s", [1])]
    )
    printed = str(Chart(svg=svg, table="").print_svg)
    width, height = (float(v) for v in re.search(r'viewBox="0 0 ([\d.]+) ([\d.]+)"', printed).groups())
    size = re.search(r'^<svg[^>]* style="width:170mm;height:([\d.]+)mm"', printed)
    assert size is not None
    assert float(size.group(1)) == pytest.approx(170 * height / width, abs=0.1)
    assert "height:auto" not in printed.split(">", 1)[0]
