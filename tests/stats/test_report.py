"""The annual report: complete, in every language and format, and reproducible except its generation time."""

import datetime
import io
import re
import shutil
import subprocess

import pytest
from openpyxl import load_workbook

from opennrm.core.errors import ApplicationError
from opennrm.stats.models import ReferralFact, ScreeningFact
from opennrm.stats.privacy import dp_statement
from opennrm.stats.release import release_build
from opennrm.stats.report import (
    SECTIONS,
    method_notes,
    release_sections,
    report_render,
)
from opennrm.stats.services.facts import facts_changed

YEAR = 2024
FIRST = datetime.datetime(2025, 2, 3, 10, 15, tzinfo=datetime.UTC)
SECOND = datetime.datetime(2025, 3, 4, 11, 45, tzinfo=datetime.UTC)
needs_poppler = pytest.mark.skipif(shutil.which("pdftotext") is None, reason="poppler-utils is not installed")


def seed_year(make_fact, year: int = YEAR) -> None:
    """Synthetic facts for `year` and the year before: shown, small ("< 5") and hidden ("x") cells in most tables."""
    groups = [
        (12, {"sex": "Feminine", "age_band": "30-38", "outcome": "identified", "identification_route": "commission",
              "days_to_identification": 40, "days_to_service": 12, "recognising_type": "state_police"}),
        (10, {"sex": "Feminine", "age_band": "9-17", "is_child": True, "forms": ["SexualExploitation"],
              "recognising_type": "municipal_social_service", "days_to_service": 5}),
        (9, {"sex": "Masculine", "age_band": "30-38", "outcome": "identified", "identification_route": "commission",
             "days_to_identification": 60, "recognising_type": "state_police"}),
        (3, {"sex": "Masculine", "age_band": "21-23", "citizenship": "UA", "citizenship_group": "non_eu",
             "forms": ["SexualExploitation"], "recognising_type": "state_border_guard"}),
    ]  # fmt: skip
    for count, columns in groups:
        for _ in range(count):
            make_fact(year=year, **columns)
    for sex, count in (("Feminine", 8), ("Masculine", 6)):
        for _ in range(count):
            make_fact(year=year - 1, sex=sex)
    # Ten answered in time, six overdue: an overdue share of 37.5 %.
    for index in range(16):
        ReferralFact.objects.create(
            year=year,
            month=3,
            from_type="state_police",
            to_type="service_provider",
            status="accepted",
            hours_to_answer=4 + index,
            overdue=index < 6,
        )
    for outcome in ["indicative"] * 6 + ["none"] * 2:
        ScreeningFact.objects.create(
            year=year, month=5, institution_type="municipal_social_service", region="riga_region", outcome=outcome
        )
    # Written here row by row, as no service writes them: the year's new revision is what a writer leaves.
    facts_changed(years=[year])


@pytest.fixture
def seeded(case_world, make_fact):
    seed_year(make_fact)
    return case_world


def without_generated(html: str) -> str:
    return re.sub(r'<p class="generated" id="generated">.*?</p>', "", html)


def test_sections_hold_every_table_once(seeded):
    release = release_build(year=YEAR)
    sections = release_sections(release)
    shown = [figure.view.id for section in sections for figure in section.figures]
    assert sorted(shown) == sorted(release.tables)
    assert len(shown) == len(set(shown))
    assert [s.id for s in sections][: len(SECTIONS)] == [s[0] for s in SECTIONS]


def test_html_report_is_complete(seeded):
    html = report_render(year=YEAR, language="en", format="html", now=FIRST).decode()
    assert html.startswith("<!doctype html>")
    assert '<html lang="en">' in html
    assert "Trafficking in human beings: statistics for 2024" in html
    assert "Contents" in html and 'href="#method"' in html
    # Method notes: the registered-victim definition from the pack and the disclosure-control threshold.
    assert "Registered victims are both identified victims" in html
    assert "smaller than 5" in html and "“&lt; 5”" in html
    # Every table, with its caption; charts are SVG with a title and a description.
    release = release_build(year=YEAR)
    for table_id in release.tables:
        assert f'id="table-{table_id.replace("_", "-")}"' in html
    assert html.count("<caption>") == len(release.tables)
    assert html.count('role="img"') >= 10
    assert html.count("<title id=") == html.count('role="img"')
    assert "&lt; 5" in html
    assert "Generated on 2025-02-03" in html
    # No network resource: the document stands alone.
    assert "http://" not in html.replace('xmlns="http://www.w3.org/2000/svg"', "")
    assert "https://" not in html


def test_html_report_is_reproducible_except_its_timestamp(seeded):
    first = report_render(year=YEAR, language="en", format="html", now=FIRST).decode()
    second = report_render(year=YEAR, language="en", format="html", now=SECOND).decode()
    assert first != second
    assert without_generated(first) == without_generated(second)


@pytest.mark.parametrize("language,expected", [("lv", "Sieviete"), ("ru", "Женщина"), ("en", "Female")])
def test_report_speaks_the_chosen_language(seeded, language, expected):
    html = report_render(year=YEAR, language=language, format="html", now=FIRST).decode()
    assert f'<html lang="{language}">' in html
    assert expected in html


def pdf_text(data: bytes, tmp_path, name: str) -> str:
    path = tmp_path / f"{name}.pdf"
    path.write_bytes(data)
    return subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True).stdout


@needs_poppler
def test_pdf_report_renders_and_is_reproducible(seeded, tmp_path):
    first = report_render(year=YEAR, language="en", format="pdf", now=FIRST)
    second = report_render(year=YEAR, language="en", format="pdf", now=SECOND)
    assert first.startswith(b"%PDF-")
    assert report_render(year=YEAR, language="en", format="pdf", now=FIRST) == first
    text_one, text_two = pdf_text(first, tmp_path, "one"), pdf_text(second, tmp_path, "two")
    assert "Trafficking in human beings: statistics for 2024" in text_one
    assert "Generated on 2025-02-03" in text_one and "Generated on 2025-03-04" in text_two

    def strip(text):
        return re.sub(r"Generated on [^\n]*", "", text)

    assert strip(text_one) == strip(text_two)
    pages = subprocess.run(["pdfinfo", str(tmp_path / "one.pdf")], capture_output=True, text=True, check=True)
    assert int(re.search(r"Pages:\s+(\d+)", pages.stdout).group(1)) >= 5


def workbook_values(data: bytes) -> dict[str, list[tuple]]:
    workbook = load_workbook(io.BytesIO(data))
    return {sheet.title: list(sheet.iter_rows(values_only=True)) for sheet in workbook.worksheets}


def test_xlsx_report_has_a_front_sheet_and_every_table(seeded):
    values = workbook_values(report_render(year=YEAR, language="en", format="xlsx", now=FIRST))
    release = release_build(year=YEAR)
    assert len(values) == 1 + len(release.tables)
    front = list(values.values())[0]
    assert front[0][0] == "Trafficking in human beings: statistics for 2024"
    assert any(row[0] and row[0].startswith("Generated on 2025-02-03") for row in front)
    assert any(row[0] and row[0].startswith("Disclosure control: A number smaller than 5") for row in front)
    rows_by_sheet = list(values.values())[1:]
    everything = [cell for rows in rows_by_sheet for row in rows for cell in row]
    assert "< 5" in everything
    assert 34 in everything and 37.5 in everything


def test_xlsx_report_is_reproducible_except_its_timestamp(seeded):
    first = workbook_values(report_render(year=YEAR, language="lv", format="xlsx", now=FIRST))
    second = workbook_values(report_render(year=YEAR, language="lv", format="xlsx", now=SECOND))
    assert first != second

    def strip(values):
        return {
            title: [tuple(c for c in row if not (isinstance(c, str) and "2025-0" in c)) for row in rows]
            for title, rows in values.items()
        }

    assert strip(first) == strip(second)
    same_time = report_render(year=YEAR, language="lv", format="xlsx", now=FIRST)
    assert same_time == report_render(year=YEAR, language="lv", format="xlsx", now=FIRST)


@pytest.mark.parametrize(
    "arguments,field",
    [({"language": "de", "format": "pdf"}, "language"), ({"language": "en", "format": "docx"}, "format")],
)
def test_bad_language_or_format_is_refused(db, arguments, field):
    with pytest.raises(ApplicationError) as error:
        report_render(year=YEAR, **arguments)
    assert error.value.field == field


def test_dp_statement_is_in_the_method_when_noise_was_added(seeded):
    release = release_build(year=YEAR)
    assert not any(note.heading == "Differential privacy" for note in method_notes(release, language="en"))
    release.dp = dp_statement(epsilon=1.0, shares=4)
    notes = method_notes(release, language="en")
    statement = next(note.text for note in notes if note.heading == "Differential privacy")
    assert "ε = 1 " in statement
    assert f"within {release.dp.margin_95} persons" in statement
    html = report_render(year=YEAR, language="en", format="html", release=release, now=FIRST).decode()
    assert "Differential privacy" in html


def test_empty_year_still_renders(case_world):
    html = report_render(year=2010, language="en", format="html", now=FIRST).decode()
    assert "No data for this selection." in html
