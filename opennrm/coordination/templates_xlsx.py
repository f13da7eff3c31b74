"""The XLSX import template, and a plan written out in the same layout (export → edit → import a new version).

Sheet and column names are fixed identifiers (the importer reads them), the same in every language; the
instructions and descriptions are in the active language. docs/action-plan-import.md describes every field.
"""

from __future__ import annotations

import io

from django.utils.translation import gettext
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from opennrm.coordination.importing import (
    PERIOD_COLUMNS,
    SHEET_GOALS,
    SHEET_INSTITUTIONS,
    SHEET_INSTRUCTIONS,
    SHEET_MEASURES,
    SHEET_PERIODS,
    SHEET_PLAN,
    goal_columns,
    measure_columns,
    plan_fields,
)
from opennrm.coordination.models import ActionPlan
from opennrm.core.i18n import localized
from opennrm.directory.models import Institution

HEADER_FONT = Font(bold=True)
HEADER_FILL = PatternFill("solid", fgColor="DDE6F0")
# Codes typed into a number cell lose their trailing zeros (1.10 → 1.1): these columns are text.
TEXT_COLUMNS = {"code", "goal", "name"}
TEMPLATE_ROWS = 500


def _descriptions() -> dict[str, str]:
    return {
        "code": gettext("Short code, unique in the plan (e.g. 1.2). Written as text."),
        "title": gettext("Title in this language; at least one language is required."),
        "text": gettext("What is to be done, in this language; at least one language is required."),
        "indicator": gettext("The result indicator, in this language (optional)."),
        "period_start": gettext("First day of the plan's period (YYYY-MM-DD)."),
        "period_end": gettext("Last day of the plan's period (YYYY-MM-DD)."),
        "approving_act": gettext("The act that approved the plan, as it is cited."),
        "status": gettext("draft, in_force or archived."),
        "change_note": gettext("What this version changes; required when the plan exists already."),
        "goal": gettext("The code of the goal on the Goals sheet."),
        "responsible": gettext("Code of the responsible institution (see the Institutions sheet)."),
        "co_responsible": gettext("Codes of co-responsible institutions, separated by commas (optional)."),
        "deadline": gettext("YYYY-MM-DD within the plan's period; empty: continuously."),
        "baseline": gettext("The indicator's value at the start (a number, optional)."),
        "target": gettext("The indicator's target value (a number, optional)."),
        "unit": gettext("Unit of the indicator, e.g. people, campaigns (optional)."),
        "funding_source": gettext("Where the money comes from (optional)."),
        "cancelled": gettext("yes if the measure was cancelled; otherwise leave empty."),
        "name": gettext("Name of the reporting period, unique in the plan (e.g. 2025)."),
        "starts_on": gettext("First day of the period (YYYY-MM-DD)."),
        "ends_on": gettext("Last day of the period (YYYY-MM-DD)."),
        "due_on": gettext("Day by which the institutions report (YYYY-MM-DD)."),
    }


def _describe(column: str) -> str:
    descriptions = _descriptions()
    base = column.rsplit("_", 1)[0] if column.rsplit("_", 1)[-1] in ("lv", "en", "ru") else column
    return descriptions.get(column) or descriptions.get(base, "")


def _table(sheet, columns: list[str], rows: list[list]) -> None:
    sheet.append(columns)
    for row in rows:
        sheet.append(row)
    for index, column in enumerate(columns, start=1):
        cell = sheet.cell(row=1, column=index)
        cell.font, cell.fill = HEADER_FONT, HEADER_FILL
        letter = get_column_letter(index)
        sheet.column_dimensions[letter].width = 40 if column.startswith(("text", "title", "indicator")) else 18
        if column in TEXT_COLUMNS:
            for row in range(2, max(len(rows) + 2, TEMPLATE_ROWS)):
                sheet.cell(row=row, column=index).number_format = "@"
    sheet.freeze_panes = "A2"


def _texts(values: dict, name: str, columns: list[str]) -> dict:
    texts = values.get(name) or {}
    return {column: texts.get(column.rsplit("_", 1)[1], "") for column in columns if column.startswith(f"{name}_")}


def plan_workbook(snapshot: dict | None = None) -> bytes:
    """The template (no `snapshot`), or a plan's snapshot (`selectors.plan_snapshot`) in the template's layout."""
    workbook = Workbook()
    instructions = workbook.active
    instructions.title = SHEET_INSTRUCTIONS
    instructions.column_dimensions["A"].width = 28
    instructions.column_dimensions["B"].width = 100
    lines = [
        (gettext("OpenNRM action plan import template"), ""),
        (
            gettext("How to use it"),
            gettext(
                "Fill in the sheets Plan, Goals, Measures and Reporting periods and import the file. Nothing is "
                "imported unless every row is valid; each problem is reported with its sheet, row and field. "
                "Importing a plan whose code exists already makes a new version of it."
            ),
        ),
        (SHEET_INSTITUTIONS, gettext("The institution codes of the directory, for reference; not imported.")),
        ("", ""),
    ]
    for sheet_name, columns in (
        (SHEET_PLAN, plan_fields()),
        (SHEET_GOALS, goal_columns()),
        (SHEET_MEASURES, measure_columns()),
        (SHEET_PERIODS, PERIOD_COLUMNS),
    ):
        for column in columns:
            lines.append((f"{sheet_name}: {column}", _describe(column)))
    for row in lines:
        instructions.append(row)
    instructions["A1"].font = Font(bold=True, size=14)
    for cell in instructions["B"]:
        cell.alignment = Alignment(wrap_text=True, vertical="top")

    plan_values = (snapshot or {}).get("plan", {})
    plan_sheet = workbook.create_sheet(SHEET_PLAN)
    plan_sheet.append(["field", "value", "description"])
    for cell in plan_sheet[1]:
        cell.font, cell.fill = HEADER_FONT, HEADER_FILL
    titles = _texts(plan_values, "title", plan_fields())
    for name in plan_fields():
        value = titles[name] if name in titles else plan_values.get(name, "")
        plan_sheet.append([name, value or "", _describe(name)])
    plan_sheet.column_dimensions["A"].width = 18
    plan_sheet.column_dimensions["B"].width = 60
    plan_sheet.column_dimensions["C"].width = 70
    plan_sheet.cell(row=2, column=2).number_format = "@"
    status_row = plan_fields().index("status") + 2
    status_choices = DataValidation(type="list", formula1='"' + ",".join(ActionPlan.Status.values) + '"')
    plan_sheet.add_data_validation(status_choices)
    status_choices.add(f"B{status_row}")

    goals = (snapshot or {}).get("goals", [])
    goal_rows = [[goal["code"], *_texts(goal, "title", goal_columns()).values()] for goal in goals]
    _table(workbook.create_sheet(SHEET_GOALS), goal_columns(), goal_rows)

    measure_rows = []
    columns = measure_columns()
    for goal in goals:
        for measure in goal["measures"]:
            row = {
                **{k: v for k, v in measure.items() if k not in ("text", "indicator")},
                **_texts(measure, "text", columns),
                **_texts(measure, "indicator", columns),
                "goal": goal["code"],
                "co_responsible": ", ".join(measure.get("co_responsible") or []),
                "cancelled": "yes" if measure.get("cancelled") else "",
            }
            measure_rows.append([row.get(column) if row.get(column) is not None else "" for column in columns])
    measures = workbook.create_sheet(SHEET_MEASURES)
    _table(measures, columns, measure_rows)

    periods = (snapshot or {}).get("reporting_periods", [])
    period_rows = [[period[column] for column in PERIOD_COLUMNS] for period in periods]
    _table(workbook.create_sheet(SHEET_PERIODS), PERIOD_COLUMNS, period_rows)

    institutions = workbook.create_sheet(SHEET_INSTITUTIONS)
    directory = list(Institution.objects.filter(is_active=True).order_by("code"))
    _table(institutions, ["code", "name"], [[i.code, localized(i.names) or i.code] for i in directory])
    institutions.column_dimensions["B"].width = 70
    if directory:
        # A drop-down of the directory's codes in the responsible column.
        choices = DataValidation(
            type="list", formula1=f"'{SHEET_INSTITUTIONS}'!$A$2:$A${len(directory) + 1}", allow_blank=True
        )
        measures.add_data_validation(choices)
        letter = get_column_letter(columns.index("responsible") + 1)
        choices.add(f"{letter}2:{letter}1000")

    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def plan_template_xlsx() -> bytes:
    """The empty template to download: headers, instructions and the directory's institution codes."""
    return plan_workbook(None)
