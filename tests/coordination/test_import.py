"""Importing an action plan from YAML and from the XLSX template: all or nothing, every problem named."""

import io
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from openpyxl import Workbook, load_workbook

from opennrm.audit.models import AuditEvent
from opennrm.coordination.importing import PlanImportError, plan_read, plan_template_xlsx
from opennrm.coordination.models import ActionPlan, Goal, Measure, PlanVersion, ReportingPeriod
from opennrm.coordination.selectors import plan_snapshot
from opennrm.coordination.services import plan_import, report_submit
from opennrm.coordination.templates_xlsx import plan_workbook
from opennrm.core.errors import Forbidden
from tests.coordination.conftest import PLAN_YAML

EXAMPLE = Path(__file__).resolve().parents[2] / "docs" / "examples" / "action-plan-2025-2027.yaml"


def _problems(content, filename="plan.yaml") -> list[str]:
    with pytest.raises(PlanImportError) as refused:
        plan_read(content=content if isinstance(content, bytes) else content.encode(), filename=filename)
    return refused.value.problems


# --- YAML ----------------------------------------------------------------------------------------------------------


def test_a_yaml_plan_is_imported_with_goals_measures_and_periods(coord):
    plan = coord.plan
    assert plan.status == ActionPlan.Status.IN_FORCE
    assert plan.title["lv"] == "Testa plāns 2025–2027"
    assert [g.code for g in plan.goals.order_by("order")] == ["1", "2"]
    first = coord.measures["1.1"]
    assert first.responsible == coord.inst_a
    assert list(first.co_responsible.all()) == [coord.inst_b]
    assert str(first.target) == "300.00" and first.unit == "people"
    assert coord.measures["2.1"].deadline is None
    version = plan.versions.get()
    assert (version.number, version.source, version.change_note) == (1, "import", "First version.")
    assert version.snapshot == plan_snapshot(plan)
    event = AuditEvent.objects.get(action="coordination.plan.imported")
    assert event.actor == coord.coordinator
    assert event.new_values["measures_added"] == 3


def test_every_problem_is_named_with_its_line_and_field_and_nothing_is_imported(coord):
    bad = (
        PLAN_YAML.replace("code: test-plan", "code: other-plan")
        .replace("responsible: test-inst-b\n", "responsible: no-such-body\n")
        .replace("deadline: 2026-12-31", "deadline: 2031-01-01")
        .replace("target: 300", "target: many")
        .replace("co_responsible: [test-inst-b]", "co_responsible: [test-inst-a]")
    )
    with pytest.raises(PlanImportError) as refused:
        plan_import(content=bad.encode(), filename="plan.yaml", by=coord.coordinator)
    problems = refused.value.problems
    assert any(
        "goals[1].measures[2]" in p and "field responsible: no institution with code 'no-such-body'" in p
        for p in problems
    ), problems
    assert any("field deadline: 2031-01-01 is outside the plan's period" in p for p in problems), problems
    assert any("field target: 'many' is not a number" in p for p in problems), problems
    assert any("field co_responsible: 'test-inst-a' is already the responsible institution" in p for p in problems)
    assert all(p.startswith("line ") for p in problems), problems
    assert "4 problems" in refused.value.message
    assert not ActionPlan.objects.filter(code="other-plan").exists()


def test_line_numbers_point_at_the_record(db):
    problems = _problems(PLAN_YAML.replace("responsible: test-ngo", "responsible: nobody"))
    line = next(p for p in problems if "nobody" in p)
    record_line = PLAN_YAML.splitlines().index('      - code: "2.1"') + 1
    assert line.startswith(f"line {record_line} (goals[2].measures[1]), field responsible")


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (("unit: people", "unti: people"), "field unti: unknown field (check the spelling)"),
        (('code: "1.2"', "code: 1.10"), "field code: write the code as text"),
        (('code: "1.2"', 'code: "1.1"'), "field code: measure '1.1' appears twice"),
        (('- code: "2"', '- code: "1"'), "field code: goal '1' appears twice"),
        (("status: in_force", "status: maybe"), "field status: 'maybe' is not one of: draft, in_force, archived"),
        (("period_end: 2027-12-31", "period_end: 2024-12-31"), "field period_end: the period ends before it starts"),
        (('text: {en: "Keep a hotline open"}', 'text: {de: "Hallo"}'), "field text: unknown language de"),
        (('text: {en: "Keep a hotline open"}', 'text: {en: ""}'), "field text: write the text in at least one"),
        (("due_on: 2026-01-31", "due_on: 2024-01-31"), "field due_on: reports cannot be due before the period"),
        (("ends_on: 2025-12-31", "ends_on: 2028-12-31"), "field starts_on: the period must lie within the plan"),
        (("unit: campaigns", "unit: campaigns\n        unit: events"), "field unit: written twice"),
        (("due_on: 2026-01-31", "due_on: 2026-02-30"), "field due_on: '2026-02-30' is not a date"),
    ],
)
def test_each_kind_of_bad_value_is_refused_with_its_field(coord, change, expected):
    old, new = change
    assert old in PLAN_YAML
    problems = _problems(PLAN_YAML.replace(old, new, 1))
    assert any(expected in problem for problem in problems), problems


def test_files_that_are_not_plans_are_refused_clearly(db):
    assert any("not valid YAML" in p for p in _problems("plan: [unclosed"))
    assert _problems("- just a list") == ["The file: expected the sections plan, goals and reporting_periods"]
    assert "the plan section is missing" in _problems("goals: []")[0]
    assert _problems(b"\xff\xfe\x00bad") == ["The file: it is not UTF-8 text"]
    assert _problems(b"") == ["The file is empty."]
    assert _problems("plan: {}", filename="plan.csv") == ["Use a YAML file (.yaml) or the XLSX template (.xlsx)."]
    assert _problems(b"x" * (5 * 1024 * 1024 + 1)) == ["The file is too large (at most 5 MB)."]
    assert any("list at least one goal" in p for p in _problems(PLAN_YAML.split("goals:")[0]))


def test_an_inactive_institution_cannot_be_made_responsible(coord):
    coord.inst_b.is_active = False
    coord.inst_b.save()
    problems = _problems(PLAN_YAML)
    assert any("field co_responsible: institution 'test-inst-b' is no longer active" in p for p in problems)


def test_reimport_updates_the_plan_and_keeps_a_version_with_the_change_note(coord):
    report_submit(
        measure=coord.measures["2.1"],
        period=coord.period,
        by=_ngo_reporter(coord),
        status="on_track",
        narrative="",
    )
    new_version = (
        PLAN_YAML.replace("target: 300", "target: 350")
        .replace('change_note: "First version."', 'change_note: "Targets raised after the mid-term review."')
        .split('  - code: "2"')[0]
        + '  - code: "3"\n    title: {en: "Research"}\n    measures:\n      - code: "3.1"\n'
        '        text: {en: "Study the demand"}\n        responsible: test-ministry\n'
        'reporting_periods:\n  - {name: "2026", starts_on: 2026-01-01, ends_on: 2026-12-31, due_on: 2027-01-31}\n'
    )
    result = plan_import(content=new_version.encode(), filename="plan-v2.yaml", by=coord.coordinator)
    assert not result.created and result.changed
    assert (result.goals_added, result.measures_added, result.measures_updated) == (1, 1, 1)
    # Measure 2.1 is not in the new file: cancelled, not deleted, because reports point to it.
    assert result.measures_cancelled == ["2.1"]
    assert Measure.objects.get(plan=coord.plan, code="2.1").cancelled
    assert Measure.objects.get(plan=coord.plan, code="1.1").target == 350
    assert Goal.objects.filter(plan=coord.plan, code="2").exists()
    assert set(ReportingPeriod.objects.filter(plan=coord.plan).values_list("name", flat=True)) == {"2025", "2026"}
    plan = ActionPlan.objects.get(pk=coord.plan.pk)
    assert plan.current_version == 2
    version = PlanVersion.objects.get(plan=plan, number=2)
    assert version.change_note == "Targets raised after the mid-term review."
    assert version.snapshot["goals"][0]["measures"][0]["target"] == "350"
    assert PlanVersion.objects.get(plan=plan, number=1).snapshot["goals"][0]["measures"][0]["target"] == "300"


def _ngo_reporter(coord):
    from tests.coordination.conftest import make_user

    return make_user("reporter", coord.ngo, username="test.reporter.ngo")


def test_importing_the_same_file_again_changes_nothing(coord):
    result = plan_import(content=PLAN_YAML.encode(), filename="plan.yaml", by=coord.coordinator)
    assert not result.changed and result.version is None
    assert PlanVersion.objects.filter(plan=coord.plan).count() == 1


def test_a_new_version_needs_a_change_note(coord):
    changed = PLAN_YAML.replace("target: 300", "target: 301").replace('change_note: "First version."\n', "")
    with pytest.raises(PlanImportError) as refused:
        plan_import(content=changed.encode(), filename="plan.yaml", by=coord.coordinator)
    assert refused.value.problems == [
        "The plan test-plan exists already: say in the change note what this version changes."
    ]
    result = plan_import(content=changed.encode(), filename="plan.yaml", by=coord.coordinator, change_note="Fix.")
    assert result.version.change_note == "Fix."


def test_only_the_coordinator_imports(coord):
    for user in (coord.reporter_a, coord.member, coord.observer, coord.staff):
        with pytest.raises(Forbidden):
            plan_import(content=PLAN_YAML.encode(), filename="plan.yaml", by=user)


def test_the_example_plan_imports_against_the_demo_directory(case_world):
    result = plan_import(content=EXAMPLE.read_bytes(), filename=EXAMPLE.name, by=case_world.coordinator)
    assert result.created
    assert result.plan.measures.count() == 14
    assert result.plan.periods.count() == 3
    assert result.plan.title["lv"].startswith("PIEMĒRS")


# --- XLSX ----------------------------------------------------------------------------------------------------------


def _workbook_of(coord) -> bytes:
    return plan_workbook(plan_snapshot(coord.plan))


def _edit(content: bytes, sheet: str, cell: str, value) -> bytes:
    workbook = load_workbook(io.BytesIO(content))
    workbook[sheet][cell] = value
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _column(content: bytes, sheet: str, name: str) -> str:
    from openpyxl.utils import get_column_letter

    header = [cell.value for cell in load_workbook(io.BytesIO(content))[sheet][1]]
    return get_column_letter(header.index(name) + 1)


def test_a_plan_written_as_a_workbook_reads_back_the_same(coord):
    data = plan_read(content=_workbook_of(coord), filename="plan.xlsx")
    assert data.code == "test-plan"
    assert [m.code for g in data.goals for m in g.measures] == ["1.1", "1.2", "2.1"]
    result = plan_import(content=_workbook_of(coord), filename="plan.xlsx", by=coord.coordinator)
    assert not result.changed


def test_an_xlsx_problem_names_the_sheet_the_row_and_the_field(coord):
    content = _workbook_of(coord)
    column = _column(content, "Measures", "responsible")
    content = _edit(content, "Measures", f"{column}3", "x")
    content = _edit(content, "Measures", f"{_column(content, 'Measures', 'goal')}4", "9")
    content = _edit(content, "Reporting periods", "D2", "soon")
    with pytest.raises(PlanImportError) as refused:
        plan_import(content=content, filename="plan.xlsx", by=coord.coordinator, change_note="Edit.")
    assert refused.value.problems == [
        "Measures sheet, row 3, field responsible: no institution with code 'x'",
        "Measures sheet, row 4, field goal: no goal with code '9' on the Goals sheet",
        "Reporting periods sheet, row 2, field due_on: 'soon' is not a date (YYYY-MM-DD)",
    ]
    assert Measure.objects.get(plan=coord.plan, code="1.2").responsible == coord.inst_b


def test_an_edited_workbook_imports_as_a_new_version(coord):
    content = _workbook_of(coord)
    content = _edit(content, "Measures", f"{_column(content, 'Measures', 'target')}2", 320)
    content = _edit(content, "Plan", "B10", "Target corrected.")
    result = plan_import(content=content, filename="plan.xlsx", by=coord.coordinator)
    assert result.measures_updated == 1
    assert result.version.change_note == "Target corrected."
    assert Measure.objects.get(plan=coord.plan, code="1.1").target == 320


def test_xlsx_structure_problems_are_named(coord):
    workbook = Workbook()
    workbook.active.title = "Plan"
    buffer = io.BytesIO()
    workbook.save(buffer)
    problems = _problems(buffer.getvalue(), filename="plan.xlsx")
    assert problems == ["The file: the sheet 'Goals' is missing", "The file: the sheet 'Measures' is missing"]
    assert _problems(b"PK\x03\x04 not really", filename="plan.xlsx") == ["The file: it is not an XLSX workbook"]
    content = _workbook_of(coord)
    content = _edit(content, "Measures", "A1", "goaal")
    problems = _problems(content, filename="plan.xlsx")
    assert "Measures sheet, row 1, field goaal: unknown column (check the spelling)" in problems
    assert "Measures sheet, row 1, field goal: the column is missing" in problems


def test_a_code_typed_as_a_number_is_refused_rather_than_changed(coord):
    content = _edit(_workbook_of(coord), "Goals", "A2", 1.1)
    problems = _problems(content, filename="plan.xlsx")
    assert any(p.startswith("Goals sheet, row 2, field code: write the code as text") for p in problems)


def test_the_template_has_every_sheet_the_institutions_and_no_data(coord):
    workbook = load_workbook(io.BytesIO(plan_template_xlsx()))
    assert workbook.sheetnames == ["Instructions", "Plan", "Goals", "Measures", "Reporting periods", "Institutions"]
    codes = [row[0] for row in workbook["Institutions"].iter_rows(min_row=2, values_only=True)]
    assert {"test-inst-a", "test-ngo"} <= set(codes)
    assert [c.value for c in workbook["Measures"][1]][:3] == ["goal", "code", "text_lv"]
    assert workbook["Plan"]["A2"].value == "code"
    instructions = " ".join(str(c.value) for row in workbook["Instructions"].iter_rows() for c in row if c.value)
    assert "Measures: responsible" in instructions
    # Empty, it is refused with the reasons, not imported as an empty plan.
    problems = _problems(plan_template_xlsx(), filename="template.xlsx")
    assert "Plan sheet, field code: this is required" in problems


def test_a_filled_in_template_imports(coord):
    workbook = load_workbook(io.BytesIO(plan_template_xlsx()))
    plan = workbook["Plan"]
    for row, value in zip(
        range(2, 11),
        ["xlsx-plan", "Plāns", "Plan", "План", "2025-01-01", "2025-12-31", "Test act", "draft", ""],
        strict=True,
    ):
        plan[f"B{row}"] = value
    workbook["Goals"].append(["G1", "", "Goal one", ""])
    measures = workbook["Measures"]
    header = [c.value for c in measures[1]]
    row = dict.fromkeys(header, None) | {
        "goal": "G1",
        "code": "G1.1",
        "text_en": "Do it",
        "responsible": "test-inst-a",
        "co_responsible": "test-inst-b; test-ngo",
        "deadline": "2025-06-30",
        "baseline": "1,5",
    }
    measures.append([row[name] for name in header])
    buffer = io.BytesIO()
    workbook.save(buffer)
    result = plan_import(content=buffer.getvalue(), filename="filled.xlsx", by=coord.coordinator)
    measure = result.plan.measures.get()
    assert {i.code for i in measure.co_responsible.all()} == {"test-inst-b", "test-ngo"}
    assert str(measure.baseline) == "1.50"
    assert result.plan.status == "draft"


# --- Command line --------------------------------------------------------------------------------------------------


def test_the_plan_command_imports_exports_and_writes_the_template(coord, tmp_path):
    exported = tmp_path / "plan.yaml"
    out = io.StringIO()
    call_command("plan", "export", "test-plan", "--output", str(exported), stdout=out)
    assert "Written" in out.getvalue()
    text = exported.read_text().replace("target: '300'", "target: '310'")
    exported.write_text(text)
    out = io.StringIO()
    call_command("plan", "import", str(exported), "--note", "Target 310.", "--by", "test.coordinator", stdout=out)
    assert "Plan test-plan version 2: 0 goals and 0 measures added, 1 measures updated" in out.getvalue()
    assert PlanVersion.objects.get(plan=coord.plan, number=2).created_by == coord.coordinator
    out = io.StringIO()
    call_command("plan", "import", str(exported), stdout=out)
    assert "nothing changed" in out.getvalue()
    template = tmp_path / "template.xlsx"
    call_command("plan", "template", "--format", "xlsx", "--output", str(template), stdout=io.StringIO())
    assert load_workbook(template).sheetnames[1] == "Plan"
    example = tmp_path / "example.yaml"
    call_command("plan", "template", "--format", "yaml", "--output", str(example), stdout=io.StringIO())
    assert example.read_text() == EXAMPLE.read_text()
    xlsx = tmp_path / "plan.xlsx"
    call_command("plan", "export", "test-plan", "--format", "xlsx", "--output", str(xlsx), stdout=io.StringIO())
    assert load_workbook(xlsx)["Goals"]["A2"].value == "1"


def test_the_plan_command_lists_every_problem_and_exits_2(coord, tmp_path, capsys):
    bad = tmp_path / "bad.yaml"
    bad.write_text(PLAN_YAML.replace("responsible: test-ngo", "responsible: x").replace("code: test-plan", "code: n"))
    err = io.StringIO()
    with pytest.raises(CommandError) as refused:
        call_command("plan", "import", str(bad), stderr=err)
    assert refused.value.returncode == 2
    assert "field responsible: no institution with code 'x'" in err.getvalue()
    assert not ActionPlan.objects.filter(code="n").exists()
    with pytest.raises(CommandError) as missing:
        call_command("plan", "import", str(tmp_path / "none.yaml"))
    assert missing.value.returncode == 2
    with pytest.raises(CommandError, match="No active user nobody"):
        call_command("plan", "import", str(bad), "--by", "nobody")
    with pytest.raises(CommandError, match="Only the national coordinator"):
        call_command("plan", "import", str(bad), "--by", "test.observer")
    with pytest.raises(CommandError, match="No plan with the code nope"):
        call_command("plan", "export", "nope")


def test_without_the_source_tree_the_example_is_refused_clearly(db, tmp_path, monkeypatch):
    from opennrm.coordination.management.commands import plan as command

    monkeypatch.setattr(command, "EXAMPLE", tmp_path / "missing.yaml")
    with pytest.raises(CommandError, match="The example plan is not installed here"):
        call_command("plan", "template", "--format", "yaml", "--output", str(tmp_path / "x.yaml"))
