"""Who may read what they should not, and files that must not be unpacked: meeting records only for institutions
seated on the meeting's day, no unreviewed draft over a report sent back, no draft history for outsiders, and XLSX
archives checked before they are opened."""

import io
import json
import zipfile
from datetime import date, datetime

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import timezone

from opennrm.accounts.services import api_token_issue
from opennrm.accounts.testing import force_login_verified
from opennrm.coordination import importing, selectors
from opennrm.coordination.importing import PlanImportError, plan_read, plan_template_xlsx
from opennrm.coordination.models import ProgressReport, ReviewState
from opennrm.coordination.services import (
    meeting_create,
    meeting_document_add,
    meeting_update,
    membership_create,
    membership_end,
    report_request_clarification,
    report_save_draft,
    report_submit,
)
from opennrm.core.errors import ApplicationError, NotFoundOrForbidden
from tests.coordination.conftest import make_user
from tests.factories import InstitutionFactory, UnitFactory

BASE = "/api/v1/coordination"
MINUTES = "Test minutes: internal discussion of the plan (synthetic)."
NARRATIVE = "Pasākums kavējas (testa teksts)."
UNREVIEWED = "Unreviewed draft answer (test text)."


def _api_get(client, user, path):
    _token, secret = api_token_issue(user=user, name="test")
    return client.get(BASE + path, HTTP_AUTHORIZATION=f"Bearer {secret}")


def _api_put(client, user, path, body):
    _token, secret = api_token_issue(user=user, name="test")
    return client.put(
        BASE + path, data=json.dumps(body), content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {secret}"
    )


# --- 1. Meeting records: only institutions seated on the meeting's day ------------------------------------------


@pytest.fixture
def records(group):
    """The held meeting (2025-03-10) with minutes and a file; inst_b's seat ended before it."""
    meeting = meeting_update(meeting=group.meeting_held, by=group.coordinator, minutes=MINUTES)
    group.document = meeting_document_add(
        meeting=meeting,
        by=group.coordinator,
        title="Test slides",
        filename="slides.pdf",
        content_type="application/pdf",
        content=b"%PDF-1.4 test slides",
    )
    membership_end(membership=group.memberships["test-inst-b"], by=group.coordinator, until=date(2025, 1, 31))
    group.member_b = make_user("member", group.inst_b, username="test.member.b")
    outsider_institution = InstitutionFactory(code="test-outsider", names={"en": "Test Outsider"})
    group.outsider = make_user("member", outsider_institution, username="test.member.outsider")
    group.meeting_held = meeting
    return group


def _sees_records(user, meeting) -> bool:
    return selectors.can_see_meeting_records(user=user, meeting=meeting)


def test_a_member_of_an_institution_never_seated_sees_no_records(records):
    meeting, outsider = records.meeting_held, records.outsider
    # The meeting itself (date, agenda, decisions) is for every reader; its records are not.
    assert selectors.access_meeting(user=outsider, meeting_id=meeting.pk) == meeting
    assert not _sees_records(outsider, meeting)
    assert not selectors.meeting_documents(user=outsider, meeting=meeting).exists()
    assert selectors.meeting_attendance(user=outsider, meeting=meeting) == []
    with pytest.raises(NotFoundOrForbidden):
        selectors.access_meeting_document(user=outsider, document_id=records.document.pk)


def test_a_seat_counts_only_on_the_days_it_was_held(records):
    member_b, coordinator = records.member_b, records.coordinator
    # inst_b left on 2025-01-31: not the March meeting, but one it sat in.
    assert not _sees_records(member_b, records.meeting_held)
    earlier = meeting_create(
        group=records.group,
        by=coordinator,
        starts_at=timezone.make_aware(datetime(2024, 11, 5, 10, 0)),
        place="Test room 3",
        agenda="1. Earlier test item",
    )
    assert _sees_records(member_b, earlier)
    # An institution that joined after the meeting does not read what was said before it came.
    late = InstitutionFactory(code="test-late", names={"en": "Test Late Member"})
    membership_create(group=records.group, by=coordinator, institution=late, since=date(2025, 6, 1))
    late_member = make_user("member", late, username="test.member.late")
    assert not _sees_records(late_member, records.meeting_held)
    assert _sees_records(records.member, records.meeting_held)
    # The coordinator keeps the records whether or not the ministry sits in the group.
    membership_end(membership=records.memberships["test-ministry"], by=coordinator, until=date(2024, 6, 30))
    assert _sees_records(coordinator, records.meeting_held)


def test_the_delegate_of_a_seat_sees_its_meetings_after_moving_elsewhere(records):
    delegate = records.member
    delegate.unit = UnitFactory(institution=InstitutionFactory(code="test-elsewhere", names={"en": "Elsewhere"}))
    delegate.save()
    moved = type(delegate).objects.get(pk=delegate.pk)
    assert moved.institution.code == "test-elsewhere"
    assert _sees_records(moved, records.meeting_held)


def test_the_meeting_page_and_the_download_follow_the_seat(client, records):
    meeting_url = reverse("coordination:meeting", kwargs={"meeting_id": records.meeting_held.pk})
    download_url = reverse("coordination:meeting_document", kwargs={"document_id": records.document.pk})
    for user in (records.outsider, records.member_b):
        client.logout()
        force_login_verified(client, user)
        page = client.get(meeting_url)
        assert page.status_code == 200
        text = page.content.decode()
        assert "Test agenda item" in text and MINUTES not in text and "Test slides" not in text
        assert client.get(download_url).status_code == 404
    client.logout()
    force_login_verified(client, records.member)
    assert MINUTES in client.get(meeting_url).content.decode()
    assert client.get(download_url).content == b"%PDF-1.4 test slides"


def test_the_api_follows_the_seat(client, records):
    path = f"/meetings/{records.meeting_held.pk}"
    for user in (records.outsider, records.member_b):
        body = _api_get(client, user, path).json()
        assert body["minutes"] is None and body["documents"] is None and body["attendance"] is None
        assert body["decisions"][0]["number"] == "2025/1"
    body = _api_get(client, records.member, path).json()
    assert body["minutes"] == MINUTES and [d["title"] for d in body["documents"]] == ["Test slides"]


# --- 2. A report sent back for clarification is answered by submitting, never by a draft -----------------------


@pytest.fixture
def questioned(coord):
    report = report_submit(
        measure=coord.measures["1.1"], period=coord.period, by=coord.reporter_a, status="delayed", narrative=NARRATIVE
    )
    coord.report = report_request_clarification(report=report, by=coord.coordinator, comment="When will it start?")
    return coord


def _unchanged(coord):
    report = ProgressReport.objects.get(pk=coord.report.pk)
    assert report.review_state == ReviewState.CLARIFICATION_REQUESTED
    assert (report.status, report.narrative) == ("delayed", NARRATIVE)
    assert list(report.revisions.values_list("action", flat=True)) == ["submitted", "clarification_requested"]
    return report


def test_no_draft_over_a_report_sent_back(questioned):
    with pytest.raises(ApplicationError) as refused:
        report_save_draft(
            measure=questioned.measures["1.1"],
            period=questioned.period,
            by=questioned.reporter_a,
            status="done",
            narrative=UNREVIEWED,
            indicator_value="999",
        )
    assert refused.value.field == "submit"
    assert "submitting it again" in refused.value.message
    _unchanged(questioned)
    # What observers and the dashboard read is still the text the coordinator asked about.
    seen = selectors.access_report(user=questioned.observer, report_id=questioned.report.pk)
    assert seen.narrative == NARRATIVE
    assert selectors.plan_progress(plan=questioned.plan).measure_status[questioned.measures["1.1"].pk] == "delayed"
    answered = report_submit(
        measure=questioned.measures["1.1"],
        period=questioned.period,
        by=questioned.reporter_a,
        status="delayed",
        narrative=NARRATIVE + " Sākums: 1. oktobrī.",
    )
    assert answered.review_state == ReviewState.SUBMITTED


def test_the_form_offers_no_draft_and_refuses_one(client, questioned):
    force_login_verified(client, questioned.reporter_a)
    url = reverse(
        "coordination:report_form",
        kwargs={"measure_id": questioned.measures["1.1"].pk, "period_id": questioned.period.pk},
    )
    page = client.get(url).content.decode()
    assert "Submit to the coordinator" in page and "Save as draft" not in page
    response = client.post(url, {"status": "done", "narrative": UNREVIEWED, "indicator_value": "", "action": "save"})
    assert response.status_code == 400
    assert "cannot be saved as a draft" in response.content.decode()
    _unchanged(questioned)


def test_the_api_refuses_a_draft_over_a_report_sent_back(client, questioned):
    body = {
        "measure": questioned.measures["1.1"].pk,
        "period": questioned.period.pk,
        "status": "done",
        "narrative": UNREVIEWED,
        "submit": False,
    }
    response = _api_put(client, questioned.reporter_a, "/reports", body)
    assert response.status_code == 400
    assert response.json()["field"] == "submit"
    _unchanged(questioned)


# --- 3. Drafts in a report's history are the institution's own ---------------------------------------------------


@pytest.fixture
def history(coord):
    report_save_draft(
        measure=coord.measures["1.1"], period=coord.period, by=coord.reporter_a, status="on_track", narrative=UNREVIEWED
    )
    coord.report = report_submit(
        measure=coord.measures["1.1"], period=coord.period, by=coord.reporter_a, status="on_track", narrative=NARRATIVE
    )
    return coord


def _actions(user, report):
    return [r.action for r in selectors.report_revisions(user=user, report=report)]


def test_draft_revisions_only_for_the_reporting_institution(history):
    report = history.report
    assert _actions(history.reporter_a, report) == ["saved", "submitted"]
    # Another institution on the same measure, an observer, a working-group member of the same institution without
    # the reporting role, and the coordinator: the submitted history only.
    for user in (history.reporter_b, history.observer, history.member, history.coordinator):
        assert _actions(user, report) == ["submitted"]


def test_the_report_page_and_the_api_hide_draft_revisions(client, history):
    report_url = reverse("coordination:report", kwargs={"report_id": history.report.pk})
    force_login_verified(client, history.observer)
    page = client.get(report_url)
    assert [r.action for r in page.context["revisions"]] == ["submitted"]
    assert UNREVIEWED not in page.content.decode()
    body = _api_get(client, history.observer, f"/reports/{history.report.pk}").json()
    assert [r["action"] for r in body["revisions"]] == ["submitted"]
    assert UNREVIEWED not in json.dumps(body)
    own = _api_get(client, history.reporter_a, f"/reports/{history.report.pk}").json()
    assert [r["action"] for r in own["revisions"]] == ["saved", "submitted"]


# --- 4. XLSX archives are checked before they are opened ----------------------------------------------------------


def _archive(parts: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, data in parts.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def _xlsx_problems(content: bytes) -> list[str]:
    with pytest.raises(PlanImportError) as refused:
        plan_read(content=content, filename="plan.xlsx")
    return refused.value.problems


@pytest.fixture
def never_opened(monkeypatch):
    """The workbook reader must not be reached for a refused archive."""

    def refuse(*_args, **_kwargs):
        raise AssertionError("the workbook was opened")

    monkeypatch.setattr("openpyxl.load_workbook", refuse)


def test_a_part_packed_like_a_zip_bomb_is_refused_unopened(db, never_opened):
    bomb = _archive({"[Content_Types].xml": b"<Types/>", "xl/sharedStrings.xml": b"<sst>" + b"a" * (3 * 1024 * 1024)})
    assert len(bomb) < 100 * 1024
    problems = _xlsx_problems(bomb)
    assert len(problems) == 1
    assert problems[0].startswith("The file: its part xl/sharedStrings.xml is compressed more than 100 to 1")


def test_the_unpacked_limit_is_twenty_megabytes(db, never_opened):
    # Many parts, each under the ratio floor, together over the limit.
    parts = {f"xl/media/part{n}.bin": b"b" * (1024 * 1024) for n in range(21)}
    assert _xlsx_problems(_archive(parts)) == [
        "The file: it unpacks to more than 20 MB; a plan's workbook is far smaller"
    ]


def test_an_archive_of_too_many_parts_is_refused_unopened(db, never_opened):
    parts = {f"xl/part{n}.xml": b"<x/>" for n in range(importing.MAX_XLSX_PARTS + 1)}
    assert _xlsx_problems(_archive(parts)) == ["The file: it has too many parts (at most 1000)"]


def test_a_file_that_is_no_archive_is_refused_unopened(db, never_opened):
    assert _xlsx_problems(b"not a zip archive") == ["The file: it is not an XLSX workbook"]


def test_the_template_still_passes_the_archive_check(db):
    assert importing._xlsx_archive_problem(plan_template_xlsx()) is None


def test_the_plan_command_refuses_a_large_file_before_reading_it(coord, tmp_path, monkeypatch):
    path = tmp_path / "plan.yaml"
    path.write_bytes(b"x" * 64)
    monkeypatch.setattr("opennrm.coordination.management.commands.plan.MAX_FILE_BYTES", 32)
    with pytest.raises(CommandError) as refused:
        call_command("plan", "import", str(path))
    assert "The file is too large" in str(refused.value)
