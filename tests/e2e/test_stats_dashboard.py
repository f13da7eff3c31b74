"""The rapporteur in a real browser: the English dashboard, a table as XLSX, the annual report as PDF, and axe.

The PDF is turned into page images with poppler's pdftoppm; every page must carry ink (a blank page would mean
the report rendered nothing there).
"""

import io
import re
import shutil
import subprocess

import pytest
from openpyxl import load_workbook
from playwright.sync_api import expect

from tests.e2e.conftest import axe_violations, sign_in, url
from tests.stats.test_report import YEAR, seed_year

# Share of non-white pixels below which a page counts as blank (a page of text and tables is well above 1 %).
INK_THRESHOLD = 0.002


def make_fact(**columns):
    """A de-identified fact as an HTCDS import would write it (the same defaults as tests/stats/conftest.py)."""
    from opennrm.stats.models import CaseFact

    values = {
        "source": CaseFact.Source.HTCDS,
        "source_key": f"htcds:E2E-{CaseFact.objects.count() + 1}",
        "pack_code": "lv",
        "year": YEAR,
        "month": 1,
        "sex": "Feminine",
        "age_band": "30-38",
        "is_child": False,
        "citizenship": "LV",
        "citizenship_group": "national",
        "forms": ["ForcedLabour"],
        "exploitation_countries": ["LV"],
        "recognising_type": "state_police",
        "region": "riga_region",
        "pathway": [],
        "identification_route": "",
        "outcome": "in_progress",
        **columns,
    }
    return CaseFact.objects.create(**values)


@pytest.fixture
def rapporteur_world(e2e_case_world):
    seed_year(make_fact)
    return e2e_case_world


def ink_ratios(pdf_path, tmp_path) -> list[float]:
    """The share of non-white pixels of every page, from 40 dpi greyscale images."""
    subprocess.run(["pdftoppm", "-r", "40", "-gray", str(pdf_path), str(tmp_path / "page")], check=True)
    ratios = []
    for image in sorted(tmp_path.glob("page-*.pgm")):
        data = image.read_bytes()
        # Binary PGM: "P5", width, height, maximum value, then one byte per pixel.
        match = re.match(rb"P5\s+(\d+)\s+(\d+)\s+(\d+)\s", data)
        width, height = int(match.group(1)), int(match.group(2))
        pixels = data[match.end() : match.end() + width * height]
        ratios.append(sum(1 for value in pixels if value < 200) / len(pixels))
    return ratios


@pytest.mark.skipif(shutil.which("pdftoppm") is None, reason="poppler-utils is not installed")
def test_rapporteur_dashboard_downloads_and_report(page, live_server, rapporteur_world, tmp_path):
    sign_in(page, live_server, username=rapporteur_world.rapporteur.username)
    page.goto(url(live_server, f"/en/statistics/?year={YEAR}"))
    expect(page.locator("h1")).to_have_text(f"Statistics reports, {YEAR}")
    assert page.locator("html").get_attribute("lang") == "en"

    # Every chart is an SVG image with a name, and its table follows with a caption.
    figure = page.locator("#table-victims-by-form-sex")
    chart = figure.locator("svg[role=img]")
    expect(chart).to_be_visible()
    assert chart.get_attribute("aria-labelledby") == "chart-victims-by-form-sex-title chart-victims-by-form-sex-desc"
    expect(figure.locator("table caption")).to_have_text(f"Registered victims by form of exploitation and sex, {YEAR}")
    expect(figure.locator("table")).to_contain_text("< 5")

    # The table as XLSX, through the link a reader clicks.
    with page.expect_download() as download_info:
        figure.get_by_role("link", name=re.compile(r"^XLSX")).click()
    download = download_info.value
    assert download.suggested_filename == f"opennrm-victims-by-form-sex-{YEAR}.xlsx"
    saved = tmp_path / download.suggested_filename
    download.save_as(saved)
    rows = list(load_workbook(io.BytesIO(saved.read_bytes())).active.iter_rows(values_only=True))
    assert rows[0][0] == f"Registered victims by form of exploitation and sex, {YEAR}"
    assert rows[2] == ("Form of exploitation", "Female", "Male", "Total")
    assert ("Total", 22, 12, 34) in rows

    # The annual report as PDF, in English: it renders, and no page is blank.
    with page.expect_download() as download_info:
        page.locator("a[href$='language=en&format=pdf']").click()
    report = download_info.value
    assert report.suggested_filename == f"opennrm-annual-report-{YEAR}-en.pdf"
    pdf_path = tmp_path / report.suggested_filename
    report.save_as(pdf_path)
    assert pdf_path.read_bytes().startswith(b"%PDF-")
    images = tmp_path / "pages"
    images.mkdir()
    ratios = ink_ratios(pdf_path, images)
    assert len(ratios) >= 5
    assert min(ratios) > INK_THRESHOLD, ratios

    assert axe_violations(page) == []

    # Publishing: the page states the noise before, the message states it after; axe finds nothing on either.
    page.get_by_role("link", name=f"Publish {YEAR}…").click()
    expect(page.locator("h1")).to_have_text(f"Publish the statistics of {YEAR}")
    expect(page.locator(".notice")).to_contain_text("ε = 1.0")
    assert axe_violations(page) == []
    page.get_by_label("I have checked the tables and want to publish them on the public site.").check()
    page.get_by_role("button", name=f"Publish {YEAR}").click()
    expect(page.locator(".messages")).to_contain_text(f"The statistics of {YEAR} are published on the public site.")
    expect(page.locator(".messages")).to_contain_text("Random noise was added to every number")
    expect(page.locator(".stats-releases")).to_contain_text(f"{YEAR - 4}–{YEAR}, published")
