"""HTML to PDF with WeasyPrint, offline and reproducible.

API
    html_to_pdf(html, *, base_url="http://localhost/") -> bytes
        Renders a complete HTML document (print CSS applies). Relative and root-relative URLs resolve against
        base_url, but only the project's static files are ever read: a URL whose path starts with STATIC_URL is
        served from the static files on disk (the staticfiles finders, then STATIC_ROOT); data: URLs are inlined;
        every other URL — any host, file:// outside the static files — is refused, so rendering never reaches the
        network or the file system at large, whatever the HTML says. A refused resource is left out and logged by
        WeasyPrint; the document still renders.
    StaticOnlyFetcher: the fetcher itself, for WeasyPrint objects built elsewhere (e.g. CSS(url_fetcher=...)).

The PDF carries no random identifier and no clock time: its creation date is only what the HTML states in
<meta name="dcterms.created">, so the same HTML gives the same bytes.
"""

from __future__ import annotations

import mimetypes
from pathlib import Path
from urllib.parse import unquote, urlsplit

from django.conf import settings
from django.contrib.staticfiles import finders
from weasyprint import HTML
from weasyprint.urls import URLFetcher, URLFetcherResponse


class StaticOnlyFetcher(URLFetcher):
    """Serves data: URLs and the project's static files; refuses everything else."""

    def fetch(self, url: str, headers=None) -> URLFetcherResponse:
        if url.startswith("data:"):
            return super().fetch(url, headers)
        path = self._static_path(url)
        if path is None:
            raise ValueError(f"Only the site's own static files can be used in a PDF, not {url}")
        content_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        return URLFetcherResponse(url, path.read_bytes(), {"Content-Type": content_type})

    @staticmethod
    def _static_path(url: str) -> Path | None:
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https", "file"):
            return None
        static_prefix = "/" + settings.STATIC_URL.strip("/") + "/"
        path = unquote(parts.path)
        if not path.startswith(static_prefix):
            return None
        relative = path[len(static_prefix) :]
        if not relative or ".." in Path(relative).parts:
            return None
        found = finders.find(relative)
        if found:
            return Path(found)
        if settings.STATIC_ROOT:
            root = Path(settings.STATIC_ROOT).resolve()
            candidate = (root / relative).resolve()
            if candidate.is_file() and candidate.is_relative_to(root):
                return candidate
        return None


def html_to_pdf(html: str, *, base_url: str = "http://localhost/") -> bytes:
    """The document as PDF bytes; only static files and data: URLs are fetched (see the module docstring)."""
    fetcher = StaticOnlyFetcher(allowed_protocols=("http", "https", "file", "data"))
    return HTML(string=html, base_url=base_url, url_fetcher=fetcher).write_pdf(pdf_identifier=False)
