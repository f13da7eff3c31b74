"""Reading an action plan from a YAML file or the XLSX template (docs/action-plan-import.md).

`plan_read(content=, filename=)` checks everything before anything is written: every problem is collected with
where it is ("Measures sheet, row 7, field responsible: no institution with code 'x'" or "line 42 (goals[2].
measures[3]), field deadline: ...") and raised together as `PlanImportError`. The service `plan_import` writes a
`PlanData` in one transaction.
"""

from __future__ import annotations

import io
import re
import zipfile
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

import yaml
from django.utils.translation import gettext, ngettext

from opennrm.coordination.models import ActionPlan
from opennrm.coordination.services.checks import (
    ValueProblem,
    clean_bool,
    clean_code,
    clean_date,
    clean_number,
    clean_string,
    clean_texts,
    languages,
)
from opennrm.core.errors import ApplicationError
from opennrm.directory.models import Institution

FORMAT = "opennrm-action-plan/1"
MAX_FILE_BYTES = 5 * 1024 * 1024
# An XLSX file is a zip archive; the reader unpacks parts (shared strings in full) into memory. A plan's workbook
# unpacks to well under a megabyte, so these limits refuse a crafted archive before anything is unpacked.
MAX_XLSX_UNPACKED_BYTES = 20 * 1024 * 1024
MAX_XLSX_RATIO = 100
# Below this size a part cannot hurt, whatever its ratio (tiny XML parts compress very well).
XLSX_RATIO_FLOOR_BYTES = 1024 * 1024
MAX_XLSX_PARTS = 1000
MAX_ROWS = 5000
# More problems than this are not listed: the first ones show what is wrong with the file.
MAX_PROBLEMS = 200
PLAN_CODE = re.compile(r"^[-a-zA-Z0-9_]+$")

SHEET_PLAN = "Plan"
SHEET_GOALS = "Goals"
SHEET_MEASURES = "Measures"
SHEET_PERIODS = "Reporting periods"
SHEET_INSTITUTIONS = "Institutions"
SHEET_INSTRUCTIONS = "Instructions"


def multilingual(name: str) -> list[str]:
    return [f"{name}_{language}" for language in languages()]


def plan_fields() -> list[str]:
    return ["code", *multilingual("title"), "period_start", "period_end", "approving_act", "status", "change_note"]


def goal_columns() -> list[str]:
    return ["code", *multilingual("title")]


def measure_columns() -> list[str]:
    return [
        "goal",
        "code",
        *multilingual("text"),
        "responsible",
        "co_responsible",
        "deadline",
        *multilingual("indicator"),
        "baseline",
        "target",
        "unit",
        "funding_source",
        "cancelled",
    ]


PERIOD_COLUMNS = ["name", "starts_on", "ends_on", "due_on"]
REQUIRED_SHEETS = (SHEET_PLAN, SHEET_GOALS, SHEET_MEASURES)


@dataclass
class MeasureData:
    code: str
    text: dict[str, str]
    responsible: Institution
    co_responsible: list[Institution]
    deadline: date | None
    indicator: dict[str, str]
    baseline: Decimal | None
    target: Decimal | None
    unit: str
    funding_source: str
    cancelled: bool
    order: int


@dataclass
class GoalData:
    code: str
    title: dict[str, str]
    order: int
    measures: list[MeasureData] = field(default_factory=list)


@dataclass
class PeriodData:
    name: str
    starts_on: date
    ends_on: date
    due_on: date


@dataclass
class PlanData:
    code: str
    title: dict[str, str]
    period_start: date
    period_end: date
    approving_act: str
    status: str
    change_note: str
    goals: list[GoalData]
    periods: list[PeriodData]


class PlanImportError(ApplicationError):
    """The file was refused; `problems` lists every reason, each naming where it is."""

    def __init__(self, problems: list[str]) -> None:
        shown = problems[:MAX_PROBLEMS]
        count = len(problems)
        message = ngettext(
            "The plan was not imported: %(count)d problem.",
            "The plan was not imported: %(count)d problems.",
            count,
        ) % {"count": count}
        super().__init__(message, field="file", extra={"problems": shown})
        self.problems = shown


class _Problems:
    def __init__(self) -> None:
        self.items: list[str] = []

    def add(self, where: str, field_name: str | None, message: str) -> None:
        if field_name:
            self.items.append(
                gettext("%(where)s, field %(field)s: %(message)s")
                % {"where": where, "field": field_name, "message": message}
            )
        else:
            self.items.append(f"{where}: {message}")

    def value(self, where: str, field_name: str, cleaner, value, **options):
        try:
            return cleaner(value, **options)
        except ValueProblem as problem:
            self.add(where, field_name, problem.message)
            return None


def _code(value):
    # 1.10 typed without quotes (or into a number cell) arrives as 1.1: refuse it rather than change the code.
    if isinstance(value, float):
        raise ValueProblem(gettext("write the code as text (in quotes, or in a cell formatted as text)"))
    return clean_code(value)


# --- Checking the parsed rows (both formats) ---------------------------------------------------------------------


@dataclass
class _Row:
    """One record of the file with where it came from, e.g. "Measures sheet, row 7" or "line 12 (goals[1])"."""

    where: str
    values: dict


class _Checker:
    def __init__(self) -> None:
        self.problems = _Problems()
        self.institutions = {i.code: i for i in Institution.objects.all()}

    def institution(self, where: str, field_name: str, code) -> Institution | None:
        code = self.problems.value(where, field_name, clean_string, code, required=True, max_length=100)
        if not code:
            return None
        institution = self.institutions.get(code)
        if institution is None:
            self.problems.add(where, field_name, gettext("no institution with code '%(code)s'") % {"code": code})
            return None
        if not institution.is_active:
            self.problems.add(where, field_name, gettext("institution '%(code)s' is no longer active") % {"code": code})
            return None
        return institution

    def co_responsible(self, where: str, value, responsible: Institution | None) -> list[Institution]:
        if value is None or value == "":
            return []
        if isinstance(value, str):
            codes = [part.strip() for part in re.split(r"[,;\n]", value) if part.strip()]
        elif isinstance(value, list):
            codes = value
        else:
            self.problems.add(where, "co_responsible", gettext("give institution codes separated by commas"))
            return []
        found: list[Institution] = []
        for code in codes:
            institution = self.institution(where, "co_responsible", code)
            if institution is None:
                continue
            if responsible is not None and institution.pk == responsible.pk:
                self.problems.add(
                    where,
                    "co_responsible",
                    gettext("'%(code)s' is already the responsible institution") % {"code": institution.code},
                )
            elif institution not in found:
                found.append(institution)
        return found

    def plan(self, row: _Row) -> PlanData | None:
        p, v, w = self.problems, row.values, row.where
        code = p.value(w, "code", clean_string, v.get("code"), required=True, max_length=64)
        if code and not PLAN_CODE.match(code):
            p.add(w, "code", gettext("use only letters, digits, '-' and '_'"))
            code = None
        title = p.value(w, "title", clean_texts, v.get("title"), max_length=500)
        start = p.value(w, "period_start", clean_date, v.get("period_start"))
        end = p.value(w, "period_end", clean_date, v.get("period_end"))
        if start and end and end < start:
            p.add(w, "period_end", gettext("the period ends before it starts"))
            end = None
        act = p.value(w, "approving_act", clean_string, v.get("approving_act"), max_length=300)
        status = v.get("status") or ActionPlan.Status.DRAFT
        if status not in ActionPlan.Status.values:
            p.add(
                w,
                "status",
                gettext("'%(value)s' is not one of: %(choices)s")
                % {"value": status, "choices": ", ".join(ActionPlan.Status.values)},
            )
        note = p.value(w, "change_note", clean_string, v.get("change_note"), max_length=2000)
        if None in (code, title, start, end, act, note) or status not in ActionPlan.Status.values:
            return None
        return PlanData(code, title, start, end, act, status, note, goals=[], periods=[])

    def goal(self, row: _Row, order: int, codes: set[str]) -> GoalData | None:
        p, v, w = self.problems, row.values, row.where
        code = p.value(w, "code", _code, v.get("code"))
        if code is not None:
            if code in codes:
                p.add(w, "code", gettext("goal '%(code)s' appears twice") % {"code": code})
            codes.add(code)
        title = p.value(w, "title", clean_texts, v.get("title"), max_length=1000)
        if code is None or title is None:
            return None
        return GoalData(code=code, title=title, order=order)

    def measure(self, row: _Row, order: int, codes: set[str], plan: PlanData | None) -> MeasureData | None:
        p, v, w = self.problems, row.values, row.where
        code = p.value(w, "code", _code, v.get("code"))
        if code is not None:
            if code in codes:
                p.add(w, "code", gettext("measure '%(code)s' appears twice") % {"code": code})
            codes.add(code)
        text = p.value(w, "text", clean_texts, v.get("text"))
        responsible = self.institution(w, "responsible", v.get("responsible"))
        co_responsible = self.co_responsible(w, v.get("co_responsible"), responsible)
        deadline = p.value(w, "deadline", clean_date, v.get("deadline"), required=False)
        if deadline and plan and not plan.period_start <= deadline <= plan.period_end:
            p.add(
                w,
                "deadline",
                gettext("%(date)s is outside the plan's period (%(start)s – %(end)s)")
                % {"date": deadline, "start": plan.period_start, "end": plan.period_end},
            )
        indicator = p.value(w, "indicator", clean_texts, v.get("indicator"), required=False, max_length=1000)
        baseline = p.value(w, "baseline", clean_number, v.get("baseline"))
        target = p.value(w, "target", clean_number, v.get("target"))
        unit = p.value(w, "unit", clean_string, v.get("unit"), max_length=50)
        funding = p.value(w, "funding_source", clean_string, v.get("funding_source"), max_length=300)
        cancelled = p.value(w, "cancelled", clean_bool, v.get("cancelled"))
        if None in (code, text, responsible, indicator, unit, funding, cancelled):
            return None
        return MeasureData(
            code,
            text,
            responsible,
            co_responsible,
            deadline,
            indicator,
            baseline,
            target,
            unit,
            funding,
            cancelled,
            order,
        )

    def period(self, row: _Row, names: set[str], plan: PlanData | None) -> PeriodData | None:
        p, v, w = self.problems, row.values, row.where
        name = p.value(w, "name", clean_string, v.get("name"), required=True, max_length=100)
        if name:
            if name in names:
                p.add(w, "name", gettext("period '%(name)s' appears twice") % {"name": name})
            names.add(name)
        starts = p.value(w, "starts_on", clean_date, v.get("starts_on"))
        ends = p.value(w, "ends_on", clean_date, v.get("ends_on"))
        due = p.value(w, "due_on", clean_date, v.get("due_on"))
        if starts and ends and ends < starts:
            p.add(w, "ends_on", gettext("the period ends before it starts"))
            return None
        if starts and due and due < starts:
            p.add(w, "due_on", gettext("reports cannot be due before the period starts"))
            return None
        if plan and starts and ends and (starts < plan.period_start or ends > plan.period_end):
            p.add(
                w,
                "starts_on",
                gettext("the period must lie within the plan's period (%(start)s – %(end)s)")
                % {"start": plan.period_start, "end": plan.period_end},
            )
        if None in (name, starts, ends, due):
            return None
        return PeriodData(name, starts, ends, due)

    def check_unknown(self, row: _Row, known: set[str]) -> None:
        for key in row.values:
            if key not in known:
                self.problems.add(row.where, str(key), gettext("unknown field (check the spelling)"))


# --- YAML --------------------------------------------------------------------------------------------------------

LINE = "__line__"


class _LineLoader(yaml.SafeLoader):
    """The safe loader, remembering each mapping's line and refusing a key written twice."""


def _mapping_with_line(loader: _LineLoader, node: yaml.MappingNode) -> dict:
    seen = set()
    for key_node, _value in node.value:
        key = key_node.value
        if key in seen:
            loader.duplicates.append((key_node.start_mark.line + 1, key))
        seen.add(key)
    mapping = loader.construct_mapping(node, deep=True)
    mapping[LINE] = node.start_mark.line + 1
    return mapping


_LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _mapping_with_line)
# Dates stay text until `clean_date` reads them: YAML's own reading of "2031-02-30" fails with no line or field to
# report, while `clean_date` names both.
_LineLoader.add_constructor("tag:yaml.org,2002:timestamp", yaml.SafeLoader.construct_scalar)


def _yaml_row(value, path: str) -> _Row:
    line = value.pop(LINE, 0) if isinstance(value, dict) else 0
    where = gettext("line %(line)d (%(path)s)") % {"line": line, "path": path}
    return _Row(where=where, values=value if isinstance(value, dict) else {})


def _texts_from_yaml(values: dict, names: tuple[str, ...]) -> dict:
    # Multilingual mappings carry their own line marker: drop it before they are checked as texts.
    for name in names:
        if isinstance(values.get(name), dict):
            values[name].pop(LINE, None)
    return values


def _read_yaml(content: bytes, checker: _Checker) -> PlanData | None:
    problems = checker.problems
    try:
        loader = _LineLoader(content.decode("utf-8-sig"))
        loader.duplicates = []
        try:
            document = loader.get_single_data()
        finally:
            loader.dispose()
    except UnicodeDecodeError:
        problems.add(gettext("The file"), None, gettext("it is not UTF-8 text"))
        return None
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = gettext("line %(line)d") % {"line": mark.line + 1} if mark else gettext("The file")
        problems.add(where, None, gettext("not valid YAML (%(reason)s)") % {"reason": getattr(error, "problem", "")})
        return None
    for line, key in loader.duplicates:
        problems.add(gettext("line %(line)d") % {"line": line}, str(key), gettext("written twice"))
    if not isinstance(document, dict):
        problems.add(gettext("The file"), None, gettext("expected the sections plan, goals and reporting_periods"))
        return None
    root = _yaml_row(document, "/")
    checker.check_unknown(root, {"format", "plan", "goals", "reporting_periods", "change_note"})
    if document.get("format") not in (None, FORMAT):
        problems.add(root.where, "format", gettext("this reader understands %(format)s") % {"format": FORMAT})
    plan_values = document.get("plan")
    if not isinstance(plan_values, dict):
        problems.add(root.where, "plan", gettext("the plan section is missing"))
        return None
    plan_row = _yaml_row(_texts_from_yaml(plan_values, ("title",)), "plan")
    checker.check_unknown(plan_row, {"code", "title", "period_start", "period_end", "approving_act", "status"})
    plan_row.values.setdefault("change_note", document.get("change_note"))
    plan = checker.plan(plan_row)
    goals_values = document.get("goals")
    if not isinstance(goals_values, list) or not goals_values:
        problems.add(root.where, "goals", gettext("list at least one goal"))
        goals_values = []
    goal_codes: set[str] = set()
    measure_codes: set[str] = set()
    goals = []
    for index, goal_values in enumerate(goals_values, start=1):
        path = f"goals[{index}]"
        if not isinstance(goal_values, dict):
            problems.add(path, None, gettext("expected a goal with code, title and measures"))
            continue
        goal_row = _yaml_row(_texts_from_yaml(goal_values, ("title",)), path)
        checker.check_unknown(goal_row, {"code", "title", "measures"})
        goal = checker.goal(goal_row, index, goal_codes)
        measures_values = goal_values.get("measures") or []
        if not isinstance(measures_values, list):
            problems.add(goal_row.where, "measures", gettext("give the measures as a list"))
            measures_values = []
        for number, measure_values in enumerate(measures_values, start=1):
            measure_path = f"{path}.measures[{number}]"
            if not isinstance(measure_values, dict):
                problems.add(measure_path, None, gettext("expected a measure with code, text and responsible"))
                continue
            row = _yaml_row(_texts_from_yaml(measure_values, ("text", "indicator")), measure_path)
            checker.check_unknown(row, MEASURE_FIELDS)
            measure = checker.measure(row, number, measure_codes, plan)
            if goal is not None and measure is not None:
                goal.measures.append(measure)
        if goal is not None:
            goals.append(goal)
    periods = _periods(
        checker,
        [
            _yaml_row(values, f"reporting_periods[{index}]") if isinstance(values, dict) else None
            for index, values in enumerate(document.get("reporting_periods") or [], start=1)
        ],
        plan,
    )
    if plan is None:
        return None
    plan.goals, plan.periods = goals, periods
    return plan


MEASURE_FIELDS = {
    "code",
    "text",
    "responsible",
    "co_responsible",
    "deadline",
    "indicator",
    "baseline",
    "target",
    "unit",
    "funding_source",
    "cancelled",
}


def _periods(checker: _Checker, rows: list[_Row | None], plan: PlanData | None) -> list[PeriodData]:
    names: set[str] = set()
    periods = []
    for index, row in enumerate(rows, start=1):
        if row is None:
            checker.problems.add(
                f"reporting_periods[{index}]", None, gettext("expected name, starts_on, ends_on and due_on")
            )
            continue
        checker.check_unknown(row, set(PERIOD_COLUMNS))
        period = checker.period(row, names, plan)
        if period is not None:
            periods.append(period)
    return periods


# --- XLSX --------------------------------------------------------------------------------------------------------


def _cell(value):
    if isinstance(value, str):
        value = value.strip()
        return value or None
    return value


def _sheet_rows(workbook, name: str, columns: list[str], checker: _Checker) -> list[_Row]:
    """The sheet's data rows by header name; unknown or missing headers are problems."""
    sheet = workbook[name]
    rows = sheet.iter_rows(values_only=True)
    header = [str(_cell(value) or "") for value in next(rows, ())]
    where_header = gettext("%(sheet)s sheet, row %(row)d") % {"sheet": name, "row": 1}
    for title in header:
        if title and title not in columns:
            checker.problems.add(where_header, title, gettext("unknown column (check the spelling)"))
    missing = [column for column in columns if column not in header]
    for column in missing:
        checker.problems.add(where_header, column, gettext("the column is missing"))
    if missing:
        return []
    found = []
    for number, values in enumerate(rows, start=2):
        if number > MAX_ROWS:
            checker.problems.add(name, None, gettext("too many rows (at most %(max)d)") % {"max": MAX_ROWS})
            break
        cells = {title: _cell(value) for title, value in zip(header, values, strict=False) if title}
        if all(value is None for value in cells.values()):
            continue
        where = gettext("%(sheet)s sheet, row %(row)d") % {"sheet": name, "row": number}
        found.append(_Row(where=where, values=cells))
    return found


def _gather(values: dict, name: str) -> dict:
    """title_lv, title_en, title_ru → title: {lv, en, ru}."""
    texts = {}
    for column in multilingual(name):
        text = values.pop(column, None)
        if text is not None:
            texts[column.rsplit("_", 1)[1]] = str(text)
    values[name] = texts
    return values


def _xlsx_archive_problem(content: bytes) -> str | None:
    """Why the archive must not be unpacked, or None. Python's zipfile never unpacks more of a part than the size its
    directory declares, so checking the declared sizes bounds what the reader can take."""
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            parts = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError):
        return gettext("it is not an XLSX workbook")
    if len(parts) > MAX_XLSX_PARTS:
        return gettext("it has too many parts (at most %(max)d)") % {"max": MAX_XLSX_PARTS}
    if sum(part.file_size for part in parts) > MAX_XLSX_UNPACKED_BYTES:
        return gettext("it unpacks to more than %(mb)d MB; a plan's workbook is far smaller") % {
            "mb": MAX_XLSX_UNPACKED_BYTES // (1024 * 1024)
        }
    for part in parts:
        if part.file_size > XLSX_RATIO_FLOOR_BYTES and part.file_size > MAX_XLSX_RATIO * max(part.compress_size, 1):
            return gettext(
                "its part %(part)s is compressed more than %(ratio)d to 1, which a spreadsheet program does not do; "
                "save the workbook again from the template"
            ) % {"part": part.filename, "ratio": MAX_XLSX_RATIO}
    return None


def _read_xlsx(content: bytes, checker: _Checker) -> PlanData | None:
    from openpyxl import load_workbook

    problems = checker.problems
    refused = _xlsx_archive_problem(content)
    if refused is not None:
        problems.add(gettext("The file"), None, refused)
        return None
    try:
        workbook = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError, TypeError):
        problems.add(gettext("The file"), None, gettext("it is not an XLSX workbook"))
        return None
    try:
        for name in REQUIRED_SHEETS:
            if name not in workbook.sheetnames:
                problems.add(gettext("The file"), None, gettext("the sheet '%(sheet)s' is missing") % {"sheet": name})
        if problems.items:
            return None
        plan_values = {}
        sheet = workbook[SHEET_PLAN]
        for number, row in enumerate(sheet.iter_rows(min_row=2, max_col=2, values_only=True), start=2):
            key, value = (_cell(row[0]) if row else None), (_cell(row[1]) if len(row) > 1 else None)
            if key is None:
                continue
            if key not in plan_fields():
                where = gettext("%(sheet)s sheet, row %(row)d") % {"sheet": SHEET_PLAN, "row": number}
                problems.add(where, str(key), gettext("unknown field (check the spelling)"))
                continue
            plan_values[key] = value
        plan_where = gettext("%(sheet)s sheet") % {"sheet": SHEET_PLAN}
        plan = checker.plan(_Row(where=plan_where, values=_gather(plan_values, "title")))
        goals: dict[str, GoalData] = {}
        goal_codes: set[str] = set()
        for order, row in enumerate(_sheet_rows(workbook, SHEET_GOALS, goal_columns(), checker), start=1):
            goal = checker.goal(_Row(row.where, _gather(row.values, "title")), order, goal_codes)
            if goal is not None:
                goals.setdefault(goal.code, goal)
        if not goal_codes and not problems.items:
            problems.add(gettext("%(sheet)s sheet") % {"sheet": SHEET_GOALS}, None, gettext("list at least one goal"))
        measure_codes: set[str] = set()
        for row in _sheet_rows(workbook, SHEET_MEASURES, measure_columns(), checker):
            values = _gather(_gather(row.values, "text"), "indicator")
            goal_code = problems.value(row.where, "goal", _code, values.pop("goal", None))
            if goal_code is not None and goal_code not in goal_codes:
                problems.add(
                    row.where, "goal", gettext("no goal with code '%(code)s' on the Goals sheet") % {"code": goal_code}
                )
            # Measures are numbered within their goal, as in the YAML file.
            order = len(goals[goal_code].measures) + 1 if goal_code in goals else 0
            measure = checker.measure(_Row(row.where, values), order, measure_codes, plan)
            if measure is not None and goal_code in goals:
                goals[goal_code].measures.append(measure)
        period_rows: list[_Row | None] = []
        if SHEET_PERIODS in workbook.sheetnames:
            period_rows = list(_sheet_rows(workbook, SHEET_PERIODS, PERIOD_COLUMNS, checker))
        periods = _periods(checker, period_rows, plan)
    finally:
        workbook.close()
    if plan is None:
        return None
    plan.goals, plan.periods = list(goals.values()), periods
    return plan


# --- Entry point -------------------------------------------------------------------------------------------------


def plan_read(*, content: bytes, filename: str) -> PlanData:
    """The plan in the file, fully checked; `PlanImportError` lists every problem otherwise. Writes nothing."""
    checker = _Checker()
    name = (filename or "").lower()
    if len(content) > MAX_FILE_BYTES:
        raise PlanImportError(
            [gettext("The file is too large (at most %(mb)d MB).") % {"mb": MAX_FILE_BYTES // (1024 * 1024)}]
        )
    if not content:
        raise PlanImportError([gettext("The file is empty.")])
    if name.endswith(".xlsx"):
        plan = _read_xlsx(content, checker)
    elif name.endswith((".yaml", ".yml")):
        plan = _read_yaml(content, checker)
    else:
        raise PlanImportError([gettext("Use a YAML file (.yaml) or the XLSX template (.xlsx).")])
    if checker.problems.items or plan is None:
        raise PlanImportError(checker.problems.items or [gettext("The file has no plan.")])
    return plan


def plan_template_xlsx() -> bytes:
    """The XLSX template to download (built by templates_xlsx, which reads this module's column lists)."""
    from opennrm.coordination.templates_xlsx import plan_template_xlsx as template

    return template()
