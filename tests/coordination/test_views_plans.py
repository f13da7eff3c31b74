"""The plan pages: import (every problem with its row and field, nothing saved), editing with a change note, the
versions, goals, measures and reporting periods."""

import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from opennrm.accounts.testing import force_login_verified
from opennrm.coordination.models import ActionPlan, Goal, Measure, PlanVersion, ReportingPeriod

NEW_PLAN = """\
format: opennrm-action-plan/1
plan:
  code: second-plan
  title: {lv: "Otrais plāns", en: "Second plan", ru: "Второй план"}
  period_start: 2028-01-01
  period_end: 2030-12-31
  status: draft
goals:
  - code: "1"
    title: {lv: "Atbalsts cietušajiem"}
    measures:
      - code: "1.1"
        text: {lv: "Izveidot uzticības tālruni"}
        responsible: test-ngo
reporting_periods:
  - {name: "2028", starts_on: 2028-01-01, ends_on: 2028-12-31, due_on: 2029-01-31}
"""

BAD_PLAN = """\
plan:
  code: bad-plan
  title: {en: "Bad plan"}
  period_start: 2028-01-01
  period_end: 2030-12-31
goals:
  - code: "1"
    title: {en: "Goal"}
    measures:
      - code: "1.1"
        text: {en: "A measure"}
        responsible: no-such-institution
        deadline: 31.02.2031
"""


def _upload(name: str, content: str | bytes):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, content.encode() if isinstance(content, str) else content)


@pytest.fixture
def coordinator_client(client, coord):
    force_login_verified(client, coord.coordinator)
    return client


def test_import_creates_the_plan_and_its_first_version(coordinator_client, coord):
    response = coordinator_client.post(reverse("coordination:plan_import"), {"file": _upload("plan.yaml", NEW_PLAN)})
    assert response.status_code == 302
    assert response["Location"] == reverse("coordination:plan", kwargs={"code": "second-plan"})
    plan = ActionPlan.objects.get(code="second-plan")
    assert plan.title["lv"] == "Otrais plāns"
    assert Measure.objects.get(plan=plan).text == {"lv": "Izveidot uzticības tālruni"}
    assert PlanVersion.objects.filter(plan=plan).count() == 1
    page = coordinator_client.get(response["Location"])
    assert "Izveidot uzticības tālruni" in page.content.decode()


def test_a_bad_import_lists_every_problem_with_row_and_field_and_saves_nothing(coordinator_client, coord):
    before = (ActionPlan.objects.count(), Goal.objects.count(), Measure.objects.count())
    response = coordinator_client.post(reverse("coordination:plan_import"), {"file": _upload("plan.yaml", BAD_PLAN)})
    assert response.status_code == 400
    problems = response.context["problems"]
    assert any(
        "field responsible" in p and "no-such-institution" in p and "line 10 (goals[1].measures[1])" in p
        for p in problems
    )
    assert any("field deadline" in p for p in problems)
    html = response.content.decode()
    assert 'id="import-problems"' in html
    assert "no-such-institution" in html
    assert (ActionPlan.objects.count(), Goal.objects.count(), Measure.objects.count()) == before


def test_a_bad_xlsx_names_the_sheet_row_and_field(coordinator_client, coord):
    from openpyxl import Workbook

    workbook = Workbook()
    plan_sheet = workbook.active
    plan_sheet.title = "Plan"
    plan_sheet.append(["field", "value"])
    for row in (
        ("code", "xlsx-plan"),
        ("title_en", "Plan from a workbook"),
        ("period_start", "2028-01-01"),
        ("period_end", "2029-12-31"),
    ):
        plan_sheet.append(row)
    goals = workbook.create_sheet("Goals")
    goals.append(["code", "title_lv", "title_en", "title_ru"])
    goals.append(["1", "", "Goal", ""])
    measures = workbook.create_sheet("Measures")
    from opennrm.coordination.importing import measure_columns

    measures.append(measure_columns())
    row = dict.fromkeys(measure_columns(), None)
    row.update({"goal": "1", "code": "1.1", "text_en": "A measure", "responsible": "test-inst-a", "target": "many"})
    measures.append([row[c] for c in measure_columns()])
    buffer = io.BytesIO()
    workbook.save(buffer)
    response = coordinator_client.post(
        reverse("coordination:plan_import"), {"file": _upload("plan.xlsx", buffer.getvalue())}
    )
    assert response.status_code == 400
    assert any("Measures sheet, row 2" in p and "field target" in p for p in response.context["problems"])
    assert not ActionPlan.objects.filter(code="xlsx-plan").exists()


def test_a_file_of_another_kind_is_refused_at_the_field(coordinator_client, coord):
    response = coordinator_client.post(reverse("coordination:plan_import"), {"file": _upload("plan.csv", "a,b")})
    assert response.status_code == 400
    assert response.context["form"].errors["file"] == ["Use a YAML file (.yaml) or the XLSX template (.xlsx)."]


def test_the_xlsx_template_downloads_with_the_sheets_the_importer_reads(coordinator_client, coord):
    response = coordinator_client.get(reverse("coordination:plan_import_template"))
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment;")
    workbook = load_workbook(io.BytesIO(response.content))
    assert {"Plan", "Goals", "Measures"} <= set(workbook.sheetnames)


def test_importing_an_existing_plan_needs_a_change_note(coordinator_client, coord):
    from tests.coordination.conftest import PLAN_YAML

    changed = PLAN_YAML.replace('change_note: "First version."\n', "").replace("target: 300", "target: 350")
    response = coordinator_client.post(reverse("coordination:plan_import"), {"file": _upload("plan.yaml", changed)})
    assert response.status_code == 400
    assert any("change note" in p for p in response.context["problems"])
    response = coordinator_client.post(
        reverse("coordination:plan_import"),
        {"file": _upload("plan.yaml", changed), "change_note": "Mērķis palielināts līdz 350."},
    )
    assert response.status_code == 302
    version = PlanVersion.objects.filter(plan=coord.plan).order_by("-number").first()
    assert version.number == 2
    assert version.change_note == "Mērķis palielināts līdz 350."


def test_editing_the_plan_requires_a_change_note_and_writes_a_version(coordinator_client, coord):
    url = reverse("coordination:plan_edit", kwargs={"code": coord.plan.code})
    data = {
        "title_lv": "Rīcības plāns 2025–2027",
        "title_en": "Action plan 2025–2027",
        "title_ru": "",
        "period_start": "2025-01-01",
        "period_end": "2027-12-31",
        "approving_act": "Test order No. 1",
        "status": "in_force",
        "change_note": "",
    }
    response = coordinator_client.post(url, data)
    assert response.status_code == 400
    assert "change_note" in response.context["form"].errors
    assert PlanVersion.objects.filter(plan=coord.plan).count() == 1

    data["change_note"] = "Precizēts nosaukums."
    response = coordinator_client.post(url, data)
    assert response.status_code == 302
    coord.plan.refresh_from_db()
    assert coord.plan.title == {"lv": "Rīcības plāns 2025–2027", "en": "Action plan 2025–2027"}
    versions = coordinator_client.get(reverse("coordination:plan_versions", kwargs={"code": coord.plan.code}))
    assert "Precizēts nosaukums." in versions.content.decode()
    assert "First version." in versions.content.decode()


def test_a_period_that_ends_before_it_starts_is_refused_at_its_field(coordinator_client, coord):
    url = reverse("coordination:plan_edit", kwargs={"code": coord.plan.code})
    response = coordinator_client.post(
        url,
        {
            "title_en": "Test plan",
            "period_start": "2027-01-01",
            "period_end": "2025-12-31",
            "status": "in_force",
            "change_note": "Test.",
        },
    )
    assert response.status_code == 400
    assert response.context["form"].errors["period_end"] == ["The period ends before it starts."]


def test_a_title_in_no_language_is_refused(coordinator_client, coord):
    url = reverse("coordination:goal_new", kwargs={"code": coord.plan.code})
    response = coordinator_client.post(url, {"code": "3", "change_note": "New goal."})
    assert response.status_code == 400
    assert response.context["form"].errors["title_lv"] == ["Write the text in at least one language."]
    assert not Goal.objects.filter(plan=coord.plan, code="3").exists()


def test_goals_are_added_and_edited_with_a_change_note(coordinator_client, coord):
    response = coordinator_client.post(
        reverse("coordination:goal_new", kwargs={"code": coord.plan.code}),
        {"code": "3", "title_lv": "Sadarbība", "change_note": "Jauns mērķis."},
    )
    assert response.status_code == 302
    goal = Goal.objects.get(plan=coord.plan, code="3")
    response = coordinator_client.post(
        reverse("coordination:goal_edit", kwargs={"code": coord.plan.code, "goal_id": goal.pk}),
        {"code": "1", "title_lv": "Sadarbība", "change_note": "Kods."},
    )
    assert response.status_code == 400
    assert response.context["form"].errors["code"] == ["The plan already has the code 1."]


def _measure_data(coord, **changes):
    data = {
        "goal": str(coord.goals["1"].pk),
        "code": "1.3",
        "text_lv": "Sagatavot metodiskos ieteikumus",
        "responsible": "test-inst-a",
        "co_responsible": ["test-inst-b"],
        "deadline": "2026-06-30",
        "indicator_lv": "Ieteikumi publicēti",
        "baseline": "0",
        "target": "1",
        "unit": "",
        "funding_source": "Valsts budžets",
        "change_note": "Jauns pasākums.",
    }
    data.update(changes)
    return data


def test_a_measure_is_added_with_its_institutions(coordinator_client, coord):
    url = reverse("coordination:measure_new", kwargs={"code": coord.plan.code})
    response = coordinator_client.post(url, _measure_data(coord))
    assert response.status_code == 302
    measure = Measure.objects.get(plan=coord.plan, code="1.3")
    assert measure.responsible == coord.inst_a
    assert list(measure.co_responsible.all()) == [coord.inst_b]
    assert response["Location"] == reverse("coordination:measure", kwargs={"measure_id": measure.pk})


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"co_responsible": ["test-inst-a"]}, "co_responsible", "cannot also be co-responsible"),
        ({"deadline": "2030-01-01"}, "deadline", "outside the plan's period"),
        ({"target": "daudz"}, "target", "is not a number"),
        ({"code": "1.1"}, "code", "already has the code 1.1"),
        ({"change_note": ""}, "change_note", "required"),
    ],
)
def test_a_bad_measure_is_refused_at_its_field(coordinator_client, coord, changes, field, message):
    url = reverse("coordination:measure_new", kwargs={"code": coord.plan.code})
    before = Measure.objects.count()
    response = coordinator_client.post(url, _measure_data(coord, **changes))
    assert response.status_code == 400
    assert message in " ".join(response.context["form"].errors[field])
    assert Measure.objects.count() == before


def test_editing_a_measure_keeps_a_version_and_cancelling_keeps_the_measure(coordinator_client, coord):
    measure = coord.measures["1.2"]
    url = reverse("coordination:measure_edit", kwargs={"measure_id": measure.pk})
    form = coordinator_client.get(url).context["form"]
    data = {name: value for name, value in form.initial.items() if value not in (None, "")}
    data.update({"deadline": "2027-06-30", "cancelled": "on", "change_note": "Pasākums atcelts."})
    data["goal"] = str(measure.goal_id)
    response = coordinator_client.post(url, data)
    assert response.status_code == 302, response.context["form"].errors if response.context else ""
    measure.refresh_from_db()
    assert measure.cancelled
    assert str(measure.deadline) == "2027-06-30"
    assert PlanVersion.objects.filter(plan=coord.plan, change_note="Pasākums atcelts.").exists()


def test_reporting_periods_are_added_edited_and_removed(coordinator_client, coord):
    url = reverse("coordination:periods", kwargs={"code": coord.plan.code})
    response = coordinator_client.post(
        url, {"name": "2026", "starts_on": "2026-01-01", "ends_on": "2026-12-31", "due_on": "2026-12-15"}
    )
    assert response.status_code == 302
    period = ReportingPeriod.objects.get(plan=coord.plan, name="2026")
    response = coordinator_client.post(
        url, {"name": "2028", "starts_on": "2028-01-01", "ends_on": "2028-12-31", "due_on": "2029-01-31"}
    )
    assert response.status_code == 400
    assert "starts_on" in response.context["form"].errors
    response = coordinator_client.post(
        reverse("coordination:period_edit", kwargs={"period_id": period.pk}),
        {"name": "2026", "starts_on": "2026-01-01", "ends_on": "2026-12-31", "due_on": "2025-12-01"},
    )
    assert response.status_code == 400
    assert response.context["form"].errors["due_on"] == ["Reports cannot be due before the period starts."]
    response = coordinator_client.post(reverse("coordination:period_delete", kwargs={"period_id": period.pk}))
    assert response.status_code == 302
    assert not ReportingPeriod.objects.filter(pk=period.pk).exists()


def test_a_period_with_reports_is_not_removed(coordinator_client, coord):
    from opennrm.coordination.services import report_submit

    report_submit(measure=coord.measures["1.1"], period=coord.period, by=coord.reporter_a, status="on_track")
    response = coordinator_client.post(
        reverse("coordination:period_delete", kwargs={"period_id": coord.period.pk}), follow=True
    )
    assert "it cannot be removed" in response.content.decode()
    assert ReportingPeriod.objects.filter(pk=coord.period.pk).exists()


def test_the_plan_page_shows_goals_measures_institutions_and_latest_status(client, coord):
    from opennrm.coordination.services import report_submit

    report_submit(
        measure=coord.measures["1.1"],
        period=coord.period,
        by=coord.reporter_a,
        status="delayed",
        narrative="Kavējas.",
    )
    force_login_verified(client, coord.observer)
    response = client.get(reverse("coordination:plan", kwargs={"code": coord.plan.code}))
    html = response.content.decode()
    assert response.status_code == 200
    assert "Prevention" in html and "Train specialists" in html
    assert "Test Institution A" in html and "Test Institution B" in html
    assert "plan-status-delayed" in html
    # Editing is for the coordinator only.
    assert reverse("coordination:plan_edit", kwargs={"code": coord.plan.code}) not in html


def test_a_draft_plan_is_not_found_for_anyone_but_the_coordinator(client, coord):
    force_login_verified(client, coord.coordinator)
    client.post(reverse("coordination:plan_import"), {"file": _upload("plan.yaml", NEW_PLAN)})
    client.logout()
    force_login_verified(client, coord.observer)
    response = client.get(reverse("coordination:plan", kwargs={"code": "second-plan"}))
    assert response.status_code == 404
