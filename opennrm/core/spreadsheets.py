"""Tables as XLSX and CSV files, byte-for-byte reproducible.

The same tables give the same bytes: the workbook's created/modified properties are fixed, and every entry of the
ZIP container gets the same fixed date, so a published file can be checked against a rebuild by its hash.

API
    Sheet(title, header, rows, caption="", notes=())
        title: the sheet name (cut to Excel's 31 characters, characters Excel forbids replaced);
        header: column headings; rows: cell values (str, int, float or None for an empty cell);
        caption: written bold in the first row, above the header; notes: lines written below the table.
    xlsx_bytes(sheets, *, title="", language="") -> bytes
        One worksheet per Sheet, header row bold and frozen, columns sized to their content.
    csv_bytes(header, rows, *, caption="", notes=()) -> bytes
        UTF-8 with a byte-order mark (so spreadsheet programs detect the encoding of Latvian and Russian text),
        comma-separated, CRLF line ends; caption and notes as single-cell lines before and after the table.

Text that starts with = + - @ is kept as text, never evaluated as a formula: typed as a string in XLSX, prefixed
with an apostrophe in CSV (the usual defence against CSV injection).
"""

from __future__ import annotations

import csv
import datetime
import io
import re
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass, field

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter
from openpyxl.writer.excel import ExcelWriter

CellValue = str | int | float | None

# Any fixed instant will do; this one is recognisably "not a real date" to someone reading the properties.
FIXED_TIMESTAMP = datetime.datetime(2000, 1, 1, 0, 0, 0)
ZIP_DATE = (2000, 1, 1, 0, 0, 0)
FORBIDDEN_IN_SHEET_NAME = re.compile(r"[\[\]:*?/\\]")
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


@dataclass(frozen=True)
class Sheet:
    title: str
    header: Sequence[str]
    rows: Sequence[Sequence[CellValue]]
    caption: str = ""
    notes: Sequence[str] = field(default_factory=tuple)


class _FixedDateZip(zipfile.ZipFile):
    """A ZIP writer that stamps every entry with the same date instead of the current time."""

    def writestr(self, zinfo_or_arcname, data, compress_type=None, compresslevel=None):  # type: ignore[override]
        if isinstance(zinfo_or_arcname, str):
            info = zipfile.ZipInfo(zinfo_or_arcname, date_time=ZIP_DATE)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o600 << 16
            zinfo_or_arcname = info
        super().writestr(zinfo_or_arcname, data, compress_type, compresslevel)

    def write(self, filename, arcname=None, compress_type=None, compresslevel=None):  # type: ignore[override]
        # openpyxl streams worksheets through a temporary file, whose modification time would end up in the ZIP.
        with open(filename, "rb") as source:
            self.writestr(arcname or str(filename), source.read())


def _defused(value: CellValue) -> CellValue:
    # In CSV a leading "=" (or + - @) would make a spreadsheet evaluate the text; the quote keeps it text.
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def _put(worksheet, *, row: int, column: int, value: CellValue):
    cell = worksheet.cell(row=row, column=column, value=value)
    if cell.data_type == "f":
        # openpyxl takes a string starting with "=" for a formula; the cell must hold the text as written.
        cell.data_type = "s"
    return cell


def _sheet_name(title: str, used: set[str]) -> str:
    base = FORBIDDEN_IN_SHEET_NAME.sub("-", title).strip("'") or "Sheet"
    name = base[:31]
    counter = 2
    while name.lower() in used:
        suffix = f" ({counter})"
        name = base[: 31 - len(suffix)] + suffix
        counter += 1
    used.add(name.lower())
    return name


def xlsx_bytes(sheets: Sequence[Sheet], *, title: str = "", language: str = "") -> bytes:
    """The sheets as one XLSX workbook; the same sheets always give the same bytes."""
    workbook = Workbook()
    workbook.remove(workbook.active)
    used: set[str] = set()
    for sheet in sheets:
        worksheet = workbook.create_sheet(_sheet_name(sheet.title, used))
        _fill_worksheet(worksheet, sheet)
    if not sheets:
        workbook.create_sheet("Sheet")
    properties = workbook.properties
    properties.creator = "OpenNRM"
    properties.lastModifiedBy = "OpenNRM"
    properties.title = title or None
    properties.language = language or None
    properties.created = FIXED_TIMESTAMP
    properties.modified = FIXED_TIMESTAMP
    buffer = io.BytesIO()
    # ExcelWriter directly, not workbook.save(): save() stamps the modification time with the current clock.
    with _FixedDateZip(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        ExcelWriter(workbook, archive).write_data()
    return buffer.getvalue()


def _fill_worksheet(worksheet, sheet: Sheet) -> None:
    bold = Font(bold=True)
    widths = [len(str(h)) for h in sheet.header]
    row_number = 1
    if sheet.caption:
        _put(worksheet, row=1, column=1, value=sheet.caption).font = Font(bold=True, size=12)
        row_number = 3
    header_row = row_number
    for column, heading in enumerate(sheet.header, start=1):
        cell = _put(worksheet, row=header_row, column=column, value=heading)
        cell.font = bold
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    for values in sheet.rows:
        row_number += 1
        for column, value in enumerate(values, start=1):
            cell = _put(worksheet, row=row_number, column=column, value=value)
            if isinstance(value, str) and value.startswith("<"):
                # Suppressed cells ("< 5") line up with the numbers around them.
                cell.alignment = Alignment(horizontal="right")
            if column - 1 < len(widths):
                widths[column - 1] = max(widths[column - 1], len(str(value if value is not None else "")))
            else:
                widths.append(len(str(value if value is not None else "")))
    if sheet.header:
        worksheet.freeze_panes = worksheet.cell(row=header_row + 1, column=1)
    if sheet.notes:
        row_number += 1
        for note in sheet.notes:
            row_number += 1
            _put(worksheet, row=row_number, column=1, value=note)
    for index, width in enumerate(widths, start=1):
        worksheet.column_dimensions[get_column_letter(index)].width = min(60, max(8, width + 2))


def csv_bytes(
    header: Sequence[str],
    rows: Sequence[Sequence[CellValue]],
    *,
    caption: str = "",
    notes: Sequence[str] = (),
) -> bytes:
    """The table as CSV (UTF-8 with BOM, CRLF); caption first and notes last, each on a line of its own."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    if caption:
        writer.writerow([_defused(caption)])
    writer.writerow([_defused(h) for h in header])
    for values in rows:
        writer.writerow(["" if value is None else _defused(value) for value in values])
    for note in notes:
        writer.writerow([_defused(note)])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")
