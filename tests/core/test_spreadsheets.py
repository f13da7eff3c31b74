"""XLSX and CSV from tables: readable by openpyxl, reproducible to the byte, never a formula."""

import csv
import io
import zipfile

from openpyxl import load_workbook

from opennrm.core.spreadsheets import FIXED_TIMESTAMP, Sheet, csv_bytes, xlsx_bytes


def sheets():
    return [
        Sheet(
            title="Victims by sex",
            header=["Sex", "2023", "2024"],
            rows=[["Sieviete", 12, "< 5"], ["Мужчина", 7, 3], ["Unknown", None, 1.5]],
            caption="Registered victims by sex",
            notes=["< 5: fewer than 5, suppressed."],
        ),
        Sheet(title="Screenings: by type/outcome [all]", header=["Type", "n"], rows=[["=1+1", 4]]),
    ]


def test_xlsx_holds_caption_header_rows_and_notes():
    workbook = load_workbook(io.BytesIO(xlsx_bytes(sheets(), title="Annual report", language="lv")))
    assert workbook.sheetnames == ["Victims by sex", "Screenings- by type-outcome -al"]
    first = workbook["Victims by sex"]
    values = list(first.iter_rows(values_only=True))
    assert values[0][0] == "Registered victims by sex"
    assert values[2] == ("Sex", "2023", "2024")
    assert values[3] == ("Sieviete", 12, "< 5")
    assert values[4] == ("Мужчина", 7, 3)
    assert values[5] == ("Unknown", None, 1.5)
    assert values[7][0] == "< 5: fewer than 5, suppressed."
    assert first.freeze_panes == "A4"
    assert workbook.properties.title == "Annual report"
    assert workbook.properties.created == FIXED_TIMESTAMP


def test_xlsx_keeps_formula_like_text_as_text():
    workbook = load_workbook(io.BytesIO(xlsx_bytes(sheets())))
    cell = workbook.worksheets[1]["A2"]
    assert cell.value == "=1+1"
    assert cell.data_type == "s"


def test_xlsx_is_byte_for_byte_reproducible():
    first = xlsx_bytes(sheets(), title="Report")
    second = xlsx_bytes(sheets(), title="Report")
    assert first == second
    dates = {info.date_time for info in zipfile.ZipFile(io.BytesIO(first)).infolist()}
    assert dates == {(2000, 1, 1, 0, 0, 0)}
    assert xlsx_bytes(sheets(), title="Other") != first


def test_xlsx_with_duplicate_and_long_sheet_names():
    long_name = "A" * 40
    workbook = load_workbook(
        io.BytesIO(xlsx_bytes([Sheet(long_name, ["x"], []), Sheet(long_name, ["x"], []), Sheet("", ["x"], [])]))
    )
    assert workbook.sheetnames == ["A" * 31, "A" * 27 + " (2)", "Sheet"]


def test_csv_has_bom_crlf_caption_and_defused_formulas():
    data = csv_bytes(["Sex", "n"], [["Sieviete", 12], ["=HYPERLINK(1)", None], ["Мужчина", "< 5"]], caption="Cap")
    assert data.startswith("\ufeff".encode())
    text = data.decode("utf-8-sig")
    assert "\r\n" in text
    rows = list(csv.reader(io.StringIO(text)))
    assert rows == [["Cap"], ["Sex", "n"], ["Sieviete", "12"], ["'=HYPERLINK(1)", ""], ["Мужчина", "< 5"]]


def test_csv_notes_follow_the_table():
    rows = list(csv.reader(io.StringIO(csv_bytes(["a"], [[1]], notes=["note one"]).decode("utf-8-sig"))))
    assert rows == [["a"], ["1"], ["note one"]]
