"""Checking a publication file before anything is stored: type, size, content and (optionally) a virus scanner.

A file is accepted only when its name ends in .pdf, .docx or .xlsx *and* its content is that kind of file (a PDF
header; an Office Open XML package with the document or workbook part, without macros). The size limit is
OPENNRM_PORTAL_UPLOAD_MAX_BYTES (20 MB unless configured).

The virus-scan hook point, off unless configured (see docs/admin-guide.md and docs/editor-guide.md):
- OPENNRM_PORTAL_VIRUS_SCANNER: a dotted path to a callable `scan(*, content: bytes, filename: str) -> str | None`
  returning None for a clean file or the reason to refuse it;
- OPENNRM_PORTAL_VIRUS_SCAN_COMMAND: a command that reads the file on standard input and exits 0 when it is
  clean and 1 when it is infected (ClamAV: "clamdscan --no-summary -").
When a scanner is configured and cannot give an answer (an error, a timeout), the file is refused: an unchecked file
must not reach the public.
"""

from __future__ import annotations

import hashlib
import io
import re
import shlex
import subprocess
import unicodedata
import zipfile
from dataclasses import dataclass
from pathlib import PurePath

from django.conf import settings
from django.utils.module_loading import import_string
from django.utils.translation import gettext

from opennrm.core.errors import ApplicationError

DEFAULT_MAX_BYTES = 20 * 1024 * 1024
SCAN_TIMEOUT_SECONDS = 60
PDF = "application/pdf"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CONTENT_TYPES = {".pdf": PDF, ".docx": DOCX, ".xlsx": XLSX}
# The part an Office package must contain to be a document or a workbook.
MAIN_PARTS = {".docx": "word/document.xml", ".xlsx": "xl/workbook.xml"}
FIELD = "file"


@dataclass(frozen=True)
class CheckedFile:
    """A file that passed every check, ready to be stored."""

    name: str  # what it was called, cleaned for display
    extension: str
    content_type: str
    content: bytes
    sha256: str

    @property
    def size(self) -> int:
        return len(self.content)


def max_upload_bytes() -> int:
    return int(getattr(settings, "OPENNRM_PORTAL_UPLOAD_MAX_BYTES", DEFAULT_MAX_BYTES))


def megabytes(size: int) -> str:
    return f"{size / (1024 * 1024):.1f}".rstrip("0").rstrip(".")


def clean_file_name(name: str) -> str:
    """The last part of the name, without control characters or separators, at most 200 characters."""
    base = PurePath((name or "").replace("\\", "/")).name
    base = "".join(ch for ch in unicodedata.normalize("NFC", base) if unicodedata.category(ch)[0] != "C")
    base = re.sub(r"\s+", " ", base).strip(" .")
    if len(base) > 200:
        stem, dot, extension = base.rpartition(".")
        base = f"{stem[: 199 - len(extension)]}.{extension}" if dot and len(extension) <= 10 else base[:200]
    return base


def read_upload(upload, *, limit: int | None = None) -> bytes:
    """The content of an uploaded file, reading no more than one byte past the limit."""
    limit = max_upload_bytes() if limit is None else limit
    if getattr(upload, "size", None) is not None and upload.size > limit:
        raise _too_big(upload.size, limit)
    upload.seek(0)
    content = upload.read(limit + 1)
    if len(content) > limit:
        raise _too_big(len(content), limit)
    return content


def _too_big(size: int, limit: int) -> ApplicationError:
    return ApplicationError(
        gettext("The file is too large (%(size)s MB); the largest accepted is %(limit)s MB.")
        % {"size": megabytes(size), "limit": megabytes(limit)},
        field=FIELD,
    )


def check_file(*, name: str, content: bytes) -> CheckedFile:
    """Check a file by its name, its content and the virus scanner; ApplicationError (field "file") names why not."""
    cleaned = clean_file_name(name)
    extension = PurePath(cleaned).suffix.lower()
    if not cleaned or extension not in CONTENT_TYPES:
        raise ApplicationError(
            gettext("“%(name)s” is not accepted: only PDF, Word (.docx) and Excel (.xlsx) files can be published.")
            % {"name": cleaned or "?"},
            field=FIELD,
        )
    limit = max_upload_bytes()
    if len(content) > limit:
        raise _too_big(len(content), limit)
    if not content:
        raise ApplicationError(gettext("“%(name)s” is empty.") % {"name": cleaned}, field=FIELD)
    if extension == ".pdf":
        _check_pdf(cleaned, content)
    else:
        _check_office_package(cleaned, extension, content)
    _scan(cleaned, content)
    return CheckedFile(
        name=cleaned,
        extension=extension,
        content_type=CONTENT_TYPES[extension],
        content=content,
        sha256=hashlib.sha256(content).hexdigest(),
    )


def _not_what_it_says(name: str, kind: str) -> ApplicationError:
    return ApplicationError(
        gettext("“%(name)s” is not a real %(kind)s file: its content does not match its name.")
        % {"name": name, "kind": kind},
        field=FIELD,
    )


def _check_pdf(name: str, content: bytes) -> None:
    # The header must open the file (readers tolerate junk before it, but that is how polyglot files hide).
    if not content.startswith(b"%PDF-") or b"%%EOF" not in content[-2048:]:
        raise _not_what_it_says(name, "PDF")


def _check_office_package(name: str, extension: str, content: bytes) -> None:
    kind = "Word" if extension == ".docx" else "Excel"
    if not content.startswith(b"PK\x03\x04"):
        raise _not_what_it_says(name, kind)
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as package:
            names = {entry.lower() for entry in package.namelist()}
    except (zipfile.BadZipFile, ValueError, OSError):
        raise _not_what_it_says(name, kind) from None
    if "[content_types].xml" not in names or MAIN_PARTS[extension] not in names:
        raise _not_what_it_says(name, kind)
    # Macros would run on readers' computers; a macro-free .docx/.xlsx has no VBA project.
    if any(entry.endswith("vbaproject.bin") for entry in names):
        raise ApplicationError(
            gettext("“%(name)s” contains macros, which cannot be published. Save it without macros and try again.")
            % {"name": name},
            field=FIELD,
        )


class ScanUnavailable(Exception):
    """The configured scanner gave no answer."""


def _scan(name: str, content: bytes) -> None:
    try:
        reason = scan_content(content=content, filename=name)
    except ScanUnavailable:
        raise ApplicationError(
            gettext(
                "“%(name)s” could not be checked for viruses, so it was not accepted. Try again later; if it "
                "happens again, tell the system administrator."
            )
            % {"name": name},
            field=FIELD,
        ) from None
    if reason:
        raise ApplicationError(
            gettext("“%(name)s” was refused by the virus check: %(reason)s") % {"name": name, "reason": reason},
            field=FIELD,
        )


def scan_content(*, content: bytes, filename: str) -> str | None:
    """The configured virus scanner's verdict: None when clean (or no scanner), else the reason to refuse."""
    scanner_path = getattr(settings, "OPENNRM_PORTAL_VIRUS_SCANNER", "") or ""
    command = getattr(settings, "OPENNRM_PORTAL_VIRUS_SCAN_COMMAND", "") or ""
    if scanner_path:
        try:
            scanner = import_string(scanner_path)
            verdict = scanner(content=content, filename=filename)
        except Exception as error:  # a broken scanner must refuse the file, never let it through
            raise ScanUnavailable(str(error)) from error
        return str(verdict) if verdict else None
    if command:
        return _scan_with_command(command, content)
    return None


def _scan_with_command(command: str, content: bytes) -> str | None:
    try:
        finished = subprocess.run(  # noqa: S603 (the command comes from the administrator's settings)
            shlex.split(command),
            input=content,
            capture_output=True,
            timeout=SCAN_TIMEOUT_SECONDS,
            check=False,
        )
    except (OSError, subprocess.SubprocessError) as error:
        raise ScanUnavailable(str(error)) from error
    if finished.returncode == 0:
        return None
    if finished.returncode == 1:
        output = finished.stdout.decode("utf-8", "replace").strip().splitlines()
        return output[-1][:200] if output else gettext("a virus was found")
    raise ScanUnavailable(finished.stderr.decode("utf-8", "replace")[:500])
