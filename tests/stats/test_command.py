"""`opennrm stats rebuild|report|eurostat|publish`: files written, clear errors for bad arguments."""

import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from openpyxl import load_workbook

from opennrm.stats.models import CaseFact, PublishedRelease
from tests.stats.test_report import YEAR, seed_year


@pytest.fixture
def seeded(case_world, make_fact):
    seed_year(make_fact)
    return case_world


def run(*args) -> str:
    out = io.StringIO()
    call_command("stats", *args, stdout=out)
    return out.getvalue()


@pytest.mark.parametrize("file_format", ["html", "xlsx"])
def test_report_writes_the_file(seeded, tmp_path, file_format):
    target = tmp_path / f"report.{file_format}"
    output = run("report", "--year", str(YEAR), "--lang", "lv", "--format", file_format, "--output", str(target))
    assert f"to {target}" in output
    data = target.read_bytes()
    if file_format == "html":
        assert '<html lang="lv">' in data.decode()
    else:
        workbook = load_workbook(io.BytesIO(data))
        assert workbook.properties.language == "lv"
        cells = {cell for sheet in workbook.worksheets for row in sheet.iter_rows(values_only=True) for cell in row}
        assert "Sieviete" in cells


def test_report_into_a_directory_gets_the_default_name(seeded, tmp_path):
    run("report", "--year", str(YEAR), "--lang", "en", "--format", "html", "--output", str(tmp_path))
    assert (tmp_path / f"opennrm-annual-report-{YEAR}-en.html").exists()


def test_report_pdf(seeded, tmp_path):
    target = tmp_path / "report.pdf"
    run("report", "--year", str(YEAR), "--lang", "ru", "--format", "pdf", "--output", str(target))
    assert target.read_bytes().startswith(b"%PDF-")


@pytest.mark.parametrize(
    "args,message",
    [
        (["report", "--year", "20x4", "--lang", "en", "--format", "pdf"], "--year: '20x4' is not a year"),
        (["report", "--year", "12", "--lang", "en", "--format", "pdf"], "--year: 12 is out of range"),
        (["report", "--year", "2024", "--lang", "de", "--format", "pdf"], "invalid choice: 'de'"),
        (["report", "--year", "2024", "--lang", "en", "--format", "doc"], "invalid choice: 'doc'"),
        (["report", "--year", "2024", "--lang", "en", "--format", "html", "--output", "/no/such/dir/r.html"],
         "--output: the directory /no/such/dir does not exist"),
        (["publish", "--year", "2024", "--by", "nobody.here"], "--by: there is no active user 'nobody.here'"),
        (["eurostat", "--year", "abc"], "--year: 'abc' is not a year"),
        (["frobnicate"], "invalid choice: 'frobnicate'"),
    ],
)  # fmt: skip
def test_bad_arguments_are_clear_errors(seeded, args, message):
    with pytest.raises(CommandError) as error:
        run(*args)
    assert message in str(error.value)


def test_eurostat_writes_csv_files(seeded, tmp_path):
    directory = tmp_path / "eurostat"
    output = run("eurostat", "--year", str(YEAR), "--output-dir", str(directory))
    files = sorted(directory.iterdir())
    assert any(path.suffix == ".csv" for path in files)
    for path in files:
        assert str(path) in output


def test_eurostat_into_a_file_is_refused(seeded, tmp_path):
    blocker = tmp_path / "file.txt"
    blocker.write_text("x")
    with pytest.raises(CommandError, match="is a file, not a directory"):
        run("eurostat", "--year", str(YEAR), "--output-dir", str(blocker))


def test_publish_as_a_publisher(seeded):
    output = run("publish", "--year", str(YEAR), "--by", seeded.rapporteur.username)
    published = PublishedRelease.objects.get()
    assert published.published_by == seeded.rapporteur and published.year == YEAR
    assert f"release {published.pk}" in output


def test_publish_by_someone_who_may_not_is_refused(seeded):
    with pytest.raises(CommandError, match="You may not publish statistics."):
        run("publish", "--year", str(YEAR), "--by", seeded.coordinator.username)
    assert not PublishedRelease.objects.exists()


def test_rebuild_recreates_case_facts(seeded):
    # The seeded facts are HTCDS imports and stay; the cases' own facts are rebuilt (none here).
    before = CaseFact.objects.count()
    output = run("rebuild")
    assert output.startswith("Rebuilt: ")
    assert f"{before} HTCDS facts kept" in output
    assert CaseFact.objects.count() == before
