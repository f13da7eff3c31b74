"""HTML → PDF: renders, reproducible, and reads only the site's own static files."""

import shutil
import subprocess

import pytest

from opennrm.core import pdf
from opennrm.core.pdf import StaticOnlyFetcher, html_to_pdf

DOCUMENT = """<!doctype html><html lang="lv"><head><meta charset="utf-8"><title>Pārskats</title>
<link rel="stylesheet" href="/static/opennrm/print.css"></head>
<body><h1>Gada pārskats — Годовой отчёт</h1><p>Test Person 12</p></body></html>"""


def pdf_text(data: bytes, tmp_path) -> str:
    path = tmp_path / "out.pdf"
    path.write_bytes(data)
    return subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True).stdout


needs_poppler = pytest.mark.skipif(shutil.which("pdftotext") is None, reason="poppler-utils is not installed")


@needs_poppler
def test_renders_latvian_and_russian_text(tmp_path):
    data = html_to_pdf(DOCUMENT)
    assert data.startswith(b"%PDF-")
    text = pdf_text(data, tmp_path)
    assert "Gada pārskats — Годовой отчёт" in text


def test_same_html_same_bytes():
    assert html_to_pdf(DOCUMENT) == html_to_pdf(DOCUMENT)


def pdf_info(data: bytes, tmp_path) -> str:
    path = tmp_path / "info.pdf"
    path.write_bytes(data)
    return subprocess.run(["pdfinfo", "-isodates", str(path)], capture_output=True, text=True, check=True).stdout


@needs_poppler
def test_creation_date_comes_only_from_the_document(tmp_path):
    assert "CreationDate" not in pdf_info(html_to_pdf(DOCUMENT), tmp_path)
    dated = DOCUMENT.replace("<title>", '<meta name="dcterms.created" content="2024-03-01T10:00:00Z"><title>')
    assert "2024-03-01T10:00:00" in pdf_info(html_to_pdf(dated), tmp_path)


def test_fetcher_serves_static_files_and_refuses_the_rest(tmp_path):
    fetcher = StaticOnlyFetcher()
    response = fetcher("http://testserver/static/opennrm/print.css")
    assert b"@page" in response.read()
    assert response.content_type == "text/css"
    response.close()
    secret = tmp_path / "secret.txt"
    secret.write_text("x")
    for url in (
        "https://example.org/tracker.png",
        f"file://{secret}",
        "http://testserver/media/upload.png",
        "http://testserver/static/../settings.py",
        "http://testserver/static/opennrm/missing.css",
        "ftp://example.org/x",
    ):
        with pytest.raises(ValueError):
            fetcher(url)


def test_remote_resources_are_not_requested(monkeypatch):
    requested = []
    original = StaticOnlyFetcher.fetch

    def spy(self, url, headers=None):
        requested.append(url)
        return original(self, url, headers)

    monkeypatch.setattr(pdf.StaticOnlyFetcher, "fetch", spy)
    monkeypatch.setattr(pdf.URLFetcher, "open", lambda *a, **k: pytest.fail("the network was used"), raising=True)
    html = DOCUMENT.replace("</body>", '<img src="https://example.org/pixel.png" alt=""></body>')
    assert html_to_pdf(html).startswith(b"%PDF-")
    assert "https://example.org/pixel.png" in requested


def test_data_urls_are_inlined():
    pixel = (
        "data:image/png;base64,"
        "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg=="
    )
    fetcher = StaticOnlyFetcher()
    assert fetcher(pixel).read().startswith(b"\x89PNG")
