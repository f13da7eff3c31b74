"""The action plan in a real browser, in Latvian: the coordinator imports a plan, a reporter submits a delayed status
with a Latvian narrative, the coordinator asks for clarification, the reporter answers, the coordinator accepts; the
dashboard shows the delayed measure and the PDF progress report renders. axe-core checks every page type visited.

A second journey shows that a bad plan file is refused with its line and field, and nothing is saved.
"""

import re
import subprocess
from datetime import datetime

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import assert_latvian, axe_violations, sign_in, url, user_with_role

NARRATIVE = "Pasākums kavējas, jo mācību telpas nav pieejamas; apmācības notiks pēc ēkas remonta (testa teksts)."
QUESTION = "Lūdzu, norādiet, kad tiks atsāktas apmācības un cik speciālistu jau ir apmācīti."
ANSWER = "Apmācības atsāksim 2026. gada martā; līdz šim apmācīti 120 speciālisti (ģimenes ārsti, skolotāji)."


def _plan_yaml(*, responsible: str, other: str) -> str:
    return f"""\
format: opennrm-action-plan/1
plan:
  code: e2e-plan
  title: {{lv: "Rīcības plāns cilvēku tirdzniecības novēršanai 2025–2027 (testa dati)", en: "Test action plan"}}
  period_start: 2025-01-01
  period_end: 2027-12-31
  approving_act: "Testa rīkojums Nr. 1"
  status: in_force
change_note: "Pirmā versija (testa dati)."
goals:
  - code: "1"
    title: {{lv: "Speciālistu apmācība"}}
    measures:
      - code: "1.1"
        text: {{lv: "Apmācīt speciālistus cilvēku tirdzniecības upuru atpazīšanā"}}
        responsible: {responsible}
        deadline: 2026-12-31
        indicator: {{lv: "Apmācīto speciālistu skaits"}}
        baseline: 0
        target: 300
        unit: personas
      - code: "1.2"
        text: {{lv: "Sagatavot metodiskos ieteikumus"}}
        responsible: {other}
reporting_periods:
  - {{name: "2025", starts_on: 2025-01-01, ends_on: 2025-12-31, due_on: 2026-01-31}}
"""


@pytest.fixture
def journey(lv_model, coordinator):
    from django.utils import timezone

    from opennrm.coordination.services import (
        TaskSpec,
        decision_record,
        meeting_create,
        membership_create,
        working_group_create,
    )

    reporter = user_with_role("plan_reporter", username="e2e.reporter")
    group = working_group_create(by=coordinator, code="e2e-group", name={"lv": "Darba grupa (testa dati)"})
    for institution in (coordinator.institution, reporter.institution):
        membership_create(group=group, by=coordinator, institution=institution, since=datetime(2024, 1, 1).date())
    meeting = meeting_create(
        group=group,
        by=coordinator,
        starts_at=timezone.make_aware(datetime(2025, 3, 10, 10, 0)),
        place="Testa telpa 1",
        agenda="1. Rīcības plāna izpilde",
    )
    decision_record(
        meeting=meeting,
        by=coordinator,
        text="Sagatavot pārskatu (testa dati).",
        tasks=[TaskSpec(owner_institution=reporter.institution, text="Iesniegt datus (testa dati).")],
    )
    return {"coordinator": coordinator, "reporter": reporter, "meeting": meeting}


def _axe(page, checked: set[str], name: str) -> None:
    """Run axe once per page type; every serious or critical violation fails the test."""
    if name in checked:
        return
    checked.add(name)
    assert axe_violations(page) == [], name


def _not_blank(pdf_path, tmp_path) -> int:
    """Dark pixels on the first page of the PDF, rendered with pdftoppm (greyscale PGM)."""
    subprocess.run(
        ["pdftoppm", "-r", "40", "-gray", "-f", "1", "-l", "1", str(pdf_path), str(tmp_path / "page")], check=True
    )
    image = next(tmp_path.glob("page*.pgm")).read_bytes()
    pixels = image.split(b"\n", 3)[3]
    return sum(1 for value in pixels if value < 128)


def test_plan_import_report_review_dashboard_and_pdf(page, new_page, anonymous_page, live_server, journey, tmp_path):
    from opennrm.coordination.models import ActionPlan, Measure, ProgressReport, ReviewState

    coordinator, reporter = journey["coordinator"], journey["reporter"]
    checked: set[str] = set()

    # The coordinator signs in (with the authenticator app) and imports the plan.
    sign_in(page, live_server, username=coordinator.username)
    assert_latvian(page)
    page.locator("nav.site-nav a[href='/lv/coordination/']").click()
    expect(page).to_have_url(re.compile(r"/lv/coordination/$"))
    _axe(page, checked, "dashboard (no plan)")
    page.locator("main a[href='/lv/coordination/plans/import/']").first.click()
    expect(page).to_have_url(re.compile(r"/plans/import/$"))
    _axe(page, checked, "import")
    plan_file = tmp_path / "plan.yaml"
    plan_file.write_text(
        _plan_yaml(responsible=reporter.institution.code, other=coordinator.institution.code), encoding="utf-8"
    )
    page.set_input_files("#id_file", str(plan_file))
    page.locator("main form button[type=submit]").click()
    expect(page).to_have_url(re.compile(r"/lv/coordination/plans/e2e-plan/$"))
    expect(page.locator("main h1")).to_contain_text("Rīcības plāns cilvēku tirdzniecības novēršanai")
    measure = Measure.objects.get(plan__code="e2e-plan", code="1.1")
    expect(page.locator(f"#measure-{measure.pk}")).to_contain_text("Apmācīt speciālistus")
    _axe(page, checked, "plan")
    assert ActionPlan.objects.get(code="e2e-plan").current_version == 1
    page.locator("main a[href='/lv/coordination/plans/e2e-plan/versions/']").first.click()
    expect(page.locator("main")).to_contain_text("Pirmā versija (testa dati).")
    _axe(page, checked, "versions")

    page.goto(url(live_server, "/lv/coordination/"))
    expect(page.locator("#total-delayed .figure")).to_have_text("0")
    _axe(page, checked, "dashboard")

    # The reporter of the responsible institution submits a delayed status with a Latvian narrative.
    reporter_page = new_page()
    sign_in(reporter_page, live_server, username=reporter.username)
    reporter_page.goto(url(live_server, "/lv/coordination/"))
    reporter_page.locator("nav.section-nav a[href='/lv/coordination/my-reports/']").click()
    expect(reporter_page).to_have_url(re.compile(r"/my-reports/$"))
    _axe(reporter_page, checked, "my measures")
    reporter_page.locator(f"#my-measure-{measure.pk} a.report-link").click()
    expect(reporter_page).to_have_url(re.compile(r"/report/$"))
    _axe(reporter_page, checked, "report form")
    reporter_page.locator("input[name=status][value=delayed]").check()
    reporter_page.fill("#id_narrative", NARRATIVE)
    reporter_page.fill("#id_indicator_value", "80")
    reporter_page.fill("#id_evidence_links", "https://example.lv/apmacibas")
    reporter_page.locator("#submit-report").click()
    expect(reporter_page).to_have_url(re.compile(r"/reports/\d+/$"))
    expect(reporter_page.locator("#report-summary")).to_contain_text(NARRATIVE)
    _axe(reporter_page, checked, "report")
    report = ProgressReport.objects.get(measure__code="1.1")
    assert report.narrative == NARRATIVE and report.status == "delayed"

    # The coordinator asks for clarification.
    page.goto(url(live_server, "/lv/coordination/reports/review/"))
    _axe(page, checked, "review queue")
    page.locator(f"main a[href='/lv/coordination/reports/{report.pk}/']").first.click()
    expect(page.locator("#review-form")).to_be_visible()
    _axe(page, checked, "report under review")
    page.fill("#id_comment", QUESTION)
    page.locator("#ask-clarification").click()
    expect(page.locator("#review-state")).to_have_attribute("class", re.compile("clarification_requested"))
    report.refresh_from_db()
    assert report.review_state == ReviewState.CLARIFICATION_REQUESTED

    # The reporter sees the question and answers.
    reporter_page.goto(url(live_server, "/lv/coordination/my-reports/"))
    expect(reporter_page.locator("main")).to_contain_text(QUESTION[:40])
    reporter_page.locator(f"#my-measure-{measure.pk} a.report-link").click()
    expect(reporter_page.locator("#clarification-request")).to_contain_text(QUESTION)
    _axe(reporter_page, checked, "report form with a question")
    reporter_page.fill("#id_narrative", ANSWER)
    reporter_page.fill("#id_indicator_value", "120")
    reporter_page.locator("#submit-report").click()
    expect(reporter_page.locator("#report-summary")).to_contain_text(ANSWER)

    # The coordinator accepts.
    page.goto(url(live_server, f"/lv/coordination/reports/{report.pk}/"))
    page.locator("#accept-report").click()
    expect(page.locator("#review-state")).to_have_attribute("class", re.compile("accepted"))
    expect(page.locator("ol.history > li")).to_have_count(4)
    report.refresh_from_db()
    assert report.review_state == ReviewState.ACCEPTED

    # The dashboard shows the change.
    page.locator("nav.section-nav a[href='/lv/coordination/']").click()
    expect(page.locator("#total-delayed .figure")).to_have_text("1")
    expect(page.locator("svg[aria-labelledby^='status-by-goal-title']")).to_have_count(1)
    expect(page.locator("#status-by-goal-table")).to_be_visible()
    _axe(page, checked, "dashboard with reports")
    page.goto(url(live_server, f"/lv/coordination/plans/e2e-plan/#measure-{measure.pk}"))
    page.locator(f"#measure-{measure.pk} a").first.click()
    expect(page.locator("main")).to_contain_text("Apmācīto speciālistu skaits")
    _axe(page, checked, "measure")

    # The PDF progress report renders (in Latvian, chosen in the form).
    page.goto(url(live_server, "/lv/coordination/exports/?plan=e2e-plan"))
    _axe(page, checked, "exports")
    page.select_option("#id_language", "lv")
    with page.expect_download() as download_info:
        page.locator("#download-pdf").click()
    pdf_path = tmp_path / "progress-report.pdf"
    download_info.value.save_as(pdf_path)
    assert pdf_path.read_bytes().startswith(b"%PDF-")
    assert _not_blank(pdf_path, tmp_path) > 500

    # The other page types: reports, periods, the working group and its public page.
    for path, name in (
        ("/lv/coordination/reports/", "reports"),
        ("/lv/coordination/plans/e2e-plan/periods/", "periods"),
        ("/lv/coordination/working-group/", "members"),
        ("/lv/coordination/working-group/meetings/", "meetings"),
        (f"/lv/coordination/working-group/meetings/{journey['meeting'].pk}/", "meeting"),
        ("/lv/coordination/working-group/decisions/", "decisions"),
    ):
        page.goto(url(live_server, path))
        expect(page.locator("main h1")).to_be_visible()
        _axe(page, checked, name)
    anonymous_page.goto(url(live_server, "/lv/coordination/working-group/public/"))
    expect(anonymous_page.locator("#public-meetings")).to_contain_text("2025")
    expect(anonymous_page.locator("main")).not_to_contain_text("Rīcības plāna izpilde")
    _axe(anonymous_page, checked, "public working group")


def test_a_bad_plan_file_is_refused_with_its_line_and_field(page, live_server, journey, tmp_path):
    from opennrm.coordination.models import ActionPlan, Measure

    coordinator = journey["coordinator"]
    sign_in(page, live_server, username=coordinator.username, next_path="/lv/coordination/plans/import/")
    expect(page).to_have_url(re.compile(r"/plans/import/$"))
    bad = _plan_yaml(responsible="no-such-institution", other=coordinator.institution.code).replace(
        "target: 300", "target: daudz"
    )
    plan_file = tmp_path / "plan.yaml"
    plan_file.write_text(bad, encoding="utf-8")
    page.set_input_files("#id_file", str(plan_file))
    page.locator("main form button[type=submit]").click()
    problems = page.locator("#import-problems")
    expect(problems).to_be_visible()
    expect(problems).to_contain_text("goals[1].measures[1]")
    expect(problems).to_contain_text("responsible")
    expect(problems).to_contain_text("no-such-institution")
    expect(problems).to_contain_text("target")
    expect(problems.locator("li")).to_have_count(2)
    assert axe_violations(page) == []
    assert not ActionPlan.objects.filter(code="e2e-plan").exists()
    assert not Measure.objects.exists()
