"""Checking publication files: by name and content, against the size limit, and through the virus-scan hook."""

import io
import sys
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from opennrm.core.errors import ApplicationError
from opennrm.portal.demo import tiny_docx, tiny_pdf, tiny_xlsx
from opennrm.portal.uploads import DOCX, PDF, XLSX, check_file, clean_file_name, read_upload, scan_content

PDF_BYTES = tiny_pdf("Test")
DOCX_BYTES = tiny_docx("Test")
XLSX_BYTES = tiny_xlsx("Test")


def refusal(name: str, content: bytes) -> str:
    with pytest.raises(ApplicationError) as caught:
        check_file(name=name, content=content)
    assert caught.value.field == "file"
    return caught.value.message


@pytest.mark.parametrize(
    ("name", "content", "content_type"),
    [("report.pdf", PDF_BYTES, PDF), ("Report.DOCX", DOCX_BYTES, DOCX), ("tables.xlsx", XLSX_BYTES, XLSX)],
)
def test_real_files_are_accepted(name, content, content_type):
    checked = check_file(name=name, content=content)
    assert checked.content_type == content_type
    assert checked.size == len(content)
    assert len(checked.sha256) == 64


@pytest.mark.parametrize("name", ["notes.txt", "page.html", "photo.jpg", "macro.docm", "old.doc", "noextension"])
def test_other_types_are_refused_by_name(name):
    message = refusal(name, PDF_BYTES)
    assert "only PDF, Word (.docx) and Excel (.xlsx)" in message
    assert name in message


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("fake.pdf", b"<html><script>alert(1)</script></html>"),
        ("fake.pdf", b"MZ\x90\x00" + b"\x00" * 100),  # a Windows program renamed
        ("renamed.docx", PDF_BYTES),
        ("renamed.xlsx", DOCX_BYTES),  # a Word package is not a workbook
        ("renamed.docx", XLSX_BYTES),
        ("broken.docx", b"PK\x03\x04" + b"\x00" * 50),
        ("header-later.pdf", b"junk" + PDF_BYTES),
    ],
)
def test_content_must_match_the_name(name, content):
    assert "content does not match its name" in refusal(name, content)


def test_macros_are_refused():
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(DOCX_BYTES)) as source, zipfile.ZipFile(out, "w") as target:
        for entry in source.namelist():
            target.writestr(entry, source.read(entry))
        target.writestr("word/vbaProject.bin", b"\x00macro")
    assert "contains macros" in refusal("with-macro.docx", out.getvalue())


def test_empty_files_are_refused():
    assert "is empty" in refusal("empty.pdf", b"")


def test_the_size_limit_comes_from_the_settings(settings):
    settings.OPENNRM_PORTAL_UPLOAD_MAX_BYTES = len(PDF_BYTES) - 1
    message = refusal("big.pdf", PDF_BYTES)
    assert "too large" in message
    settings.OPENNRM_PORTAL_UPLOAD_MAX_BYTES = len(PDF_BYTES)
    assert check_file(name="big.pdf", content=PDF_BYTES).size == len(PDF_BYTES)


def test_the_default_limit_is_20_megabytes(settings):
    del settings.OPENNRM_PORTAL_UPLOAD_MAX_BYTES
    big = b"%PDF-1.4\n" + b"0" * (20 * 1024 * 1024) + b"\n%%EOF\n"
    assert "the largest accepted is 20 MB" in refusal("huge.pdf", big)


def test_read_upload_stops_past_the_limit(settings):
    settings.OPENNRM_PORTAL_UPLOAD_MAX_BYTES = 100
    upload = SimpleUploadedFile("a.pdf", b"x" * 101)
    with pytest.raises(ApplicationError, match="too large"):
        read_upload(upload)
    assert read_upload(SimpleUploadedFile("a.pdf", b"x" * 100)) == b"x" * 100


@pytest.mark.parametrize(
    ("given", "cleaned"),
    [
        ("../../etc/passwd.pdf", "passwd.pdf"),
        ("C:\\Users\\demo\\Plan 2026.pdf", "Plan 2026.pdf"),
        ("bad\x00name\n.pdf", "badname.pdf"),
        ("Vispārējais modelis.pdf", "Vispārējais modelis.pdf"),
    ],
)
def test_file_names_are_cleaned(given, cleaned):
    assert clean_file_name(given) == cleaned


def test_long_names_keep_their_extension():
    cleaned = clean_file_name("a" * 300 + ".xlsx")
    assert len(cleaned) == 200
    assert cleaned.endswith(".xlsx")


# --- The virus-scan hook ---------------------------------------------------------------------------------------------

SCANNED: list[tuple[str, int]] = []


def clean_scanner(*, content: bytes, filename: str):
    SCANNED.append((filename, len(content)))
    return None


def infected_scanner(*, content: bytes, filename: str):
    return "Test-Signature FOUND"


def broken_scanner(*, content: bytes, filename: str):
    raise ConnectionError("scanner daemon is down")


def test_without_a_scanner_nothing_is_scanned(settings):
    settings.OPENNRM_PORTAL_VIRUS_SCANNER = ""
    settings.OPENNRM_PORTAL_VIRUS_SCAN_COMMAND = ""
    assert scan_content(content=PDF_BYTES, filename="a.pdf") is None


def test_a_clean_verdict_lets_the_file_through(settings):
    settings.OPENNRM_PORTAL_VIRUS_SCANNER = f"{__name__}.clean_scanner"
    SCANNED.clear()
    check_file(name="a.pdf", content=PDF_BYTES)
    assert SCANNED == [("a.pdf", len(PDF_BYTES))]


def test_an_infected_verdict_refuses_the_file(settings):
    settings.OPENNRM_PORTAL_VIRUS_SCANNER = f"{__name__}.infected_scanner"
    message = refusal("a.pdf", PDF_BYTES)
    assert "refused by the virus check" in message
    assert "Test-Signature FOUND" in message


@pytest.mark.parametrize("scanner", [f"{__name__}.broken_scanner", "no.such.module.scan"])
def test_a_scanner_that_gives_no_answer_refuses_the_file(settings, scanner):
    settings.OPENNRM_PORTAL_VIRUS_SCANNER = scanner
    assert "could not be checked for viruses" in refusal("a.pdf", PDF_BYTES)


def _command(code: str) -> str:
    return f'{sys.executable} -c "{code}"'


def test_a_scan_command_reads_the_file_on_standard_input(settings, tmp_path):
    received = tmp_path / "received.bin"
    settings.OPENNRM_PORTAL_VIRUS_SCAN_COMMAND = _command(
        f"import sys; open('{received}', 'wb').write(sys.stdin.buffer.read())"
    )
    check_file(name="a.pdf", content=PDF_BYTES)
    assert received.read_bytes() == PDF_BYTES


def test_exit_code_1_means_infected(settings):
    settings.OPENNRM_PORTAL_VIRUS_SCAN_COMMAND = _command(
        "import sys; sys.stdin.buffer.read(); print('stream: Eicar-Test-Signature FOUND'); sys.exit(1)"
    )
    assert "Eicar-Test-Signature FOUND" in refusal("a.pdf", PDF_BYTES)


@pytest.mark.parametrize("command", [_command("import sys; sys.exit(2)"), "/nonexistent/scanner --stdin"])
def test_any_other_outcome_of_the_command_refuses_the_file(settings, command):
    settings.OPENNRM_PORTAL_VIRUS_SCAN_COMMAND = command
    assert "could not be checked for viruses" in refusal("a.pdf", PDF_BYTES)
