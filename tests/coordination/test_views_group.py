"""The working group pages: members, meetings with documents, attendance and minutes, the decisions register with its
tasks, and the public page that shows member institutions and meeting dates only."""

from datetime import timedelta

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from opennrm.accounts.testing import force_login_verified
from opennrm.coordination.models import Attendance, Decision, Meeting, MeetingDocument, Membership, WorkingGroup
from tests.factories import InstitutionFactory

MINUTES = "Protokols: darba grupa apsprieda rīcības plāna izpildi (testa teksts)."


def test_the_coordinator_sets_up_the_group_and_adds_a_member(client, coord):
    force_login_verified(client, coord.coordinator)
    members = client.get(reverse("coordination:members"))
    assert "Set up the working group" in members.content.decode()
    response = client.post(
        reverse("coordination:group_edit"),
        {"code": "thb-group", "name_lv": "Darba grupa", "established_by": "Testa rīkojums Nr. 1"},
    )
    assert response.status_code == 302
    group = WorkingGroup.objects.get(code="thb-group")
    response = client.post(
        reverse("coordination:membership_new"),
        {"institution": "test-inst-b", "delegate_name": "Test Delegate", "substitute_name": "", "since": "2025-01-01"},
    )
    assert response.status_code == 302
    assert Membership.objects.get(group=group).institution == coord.inst_b
    # The same institution cannot hold two open seats.
    response = client.post(
        reverse("coordination:membership_new"), {"institution": "test-inst-b", "since": "2025-02-01"}
    )
    assert response.status_code == 400
    assert response.context["form"].errors["institution"] == ["This institution is already a member."]


def test_a_membership_ends_and_stays_in_the_history(client, coord, group):
    force_login_verified(client, coord.coordinator)
    membership = coord.memberships["test-inst-b"]
    url = reverse("coordination:membership_edit", kwargs={"membership_id": membership.pk})
    response = client.post(url, {"delegate_name": "Test Delegate", "substitute_name": "", "until": "2023-01-01"})
    assert response.status_code == 400
    assert "until" in response.context["form"].errors
    response = client.post(url, {"delegate_name": "Test Delegate", "substitute_name": "", "until": "2025-01-31"})
    assert response.status_code == 302
    page = client.get(reverse("coordination:members"))
    assert membership not in list(page.context["current"])
    assert "Earlier members" in page.content.decode()


def test_a_meeting_is_scheduled_edited_and_cancelled(client, coord, group):
    force_login_verified(client, coord.coordinator)
    starts = (timezone.localtime() + timedelta(days=10)).replace(hour=10, minute=0, second=0, microsecond=0)
    response = client.post(
        reverse("coordination:meeting_new"),
        {
            "starts_at": starts.strftime("%Y-%m-%dT%H:%M"),
            "place": "Test room 3",
            "agenda": "1. Plāna izpilde",
            "public": "on",
        },
    )
    assert response.status_code == 302
    meeting = Meeting.objects.get(place="Test room 3")
    assert meeting.starts_at == starts
    response = client.post(
        reverse("coordination:meeting_edit", kwargs={"meeting_id": meeting.pk}),
        {"starts_at": "", "place": "Test room 4", "agenda": ""},
    )
    assert response.status_code == 400
    assert "starts_at" in response.context["form"].errors
    response = client.post(reverse("coordination:meeting_cancel", kwargs={"meeting_id": meeting.pk}))
    assert response.status_code == 302
    meeting.refresh_from_db()
    assert meeting.status == Meeting.Status.CANCELLED


def test_minutes_attendance_documents_and_decisions_of_a_held_meeting(client, coord, group):
    force_login_verified(client, coord.coordinator)
    meeting = coord.meeting_held
    response = client.post(reverse("coordination:meeting_minutes", kwargs={"meeting_id": meeting.pk}), {"minutes": ""})
    assert response.status_code == 400
    response = client.post(
        reverse("coordination:meeting_minutes", kwargs={"meeting_id": meeting.pk}), {"minutes": MINUTES}
    )
    assert response.status_code == 302
    meeting.refresh_from_db()
    assert meeting.minutes == MINUTES and meeting.status == Meeting.Status.HELD

    present = coord.memberships["test-inst-a"].pk
    substitute = coord.memberships["test-inst-b"].pk
    response = client.post(
        reverse("coordination:meeting_attendance", kwargs={"meeting_id": meeting.pk}),
        {f"present_{present}": "on", f"present_{substitute}": "on", f"substitute_{substitute}": "on"},
    )
    assert response.status_code == 302
    rows = {a.membership_id: a for a in Attendance.objects.filter(meeting=meeting)}
    assert rows[present].present and not rows[present].substitute_attended
    assert rows[substitute].substitute_attended
    assert not rows[coord.memberships["test-ngo"].pk].present

    upload = SimpleUploadedFile("darba-kartiba.pdf", b"%PDF-1.4 test document", content_type="application/pdf")
    response = client.post(
        reverse("coordination:meeting_document_new", kwargs={"meeting_id": meeting.pk}),
        {"title": "Darba kārtība", "file": upload},
    )
    assert response.status_code == 302
    document = MeetingDocument.objects.get(meeting=meeting)
    download = client.get(reverse("coordination:meeting_document", kwargs={"document_id": document.pk}))
    assert download.content == b"%PDF-1.4 test document"
    assert download["Content-Disposition"] == 'attachment; filename="darba-kartiba.pdf"'

    bad = SimpleUploadedFile("macro.exe", b"MZ\x90\x00", content_type="application/x-msdownload")
    response = client.post(
        reverse("coordination:meeting_document_new", kwargs={"meeting_id": meeting.pk}),
        {"title": "Program", "file": bad},
    )
    assert response.status_code == 400
    assert "cannot be attached" in " ".join(response.context["form"].errors["file"])
    response = client.post(
        reverse("coordination:meeting_document_new", kwargs={"meeting_id": meeting.pk}), {"title": "Nothing"}
    )
    assert response.status_code == 400
    assert response.context["form"].errors["url"] == ["Give a link or choose a file."]

    response = client.post(
        reverse("coordination:decision_new", kwargs={"meeting_id": meeting.pk}),
        {"text": "Sagatavot pārskatu par rīcības plāna izpildi.", "task_text": "Iesniegt datus."},
    )
    assert response.status_code == 400
    assert response.context["form"].errors["task_owner"] == ["Choose the institution responsible for the task."]
    response = client.post(
        reverse("coordination:decision_new", kwargs={"meeting_id": meeting.pk}),
        {
            "text": "Sagatavot pārskatu par rīcības plāna izpildi.",
            "task_text": "Iesniegt datus.",
            "task_owner": "test-inst-b",
            "task_deadline": "2025-05-01",
        },
    )
    assert response.status_code == 302
    decision = Decision.objects.get(text="Sagatavot pārskatu par rīcības plāna izpildi.")
    assert decision.tasks.get().owner_institution == coord.inst_b
    page = client.get(reverse("coordination:meeting", kwargs={"meeting_id": meeting.pk})).content.decode()
    assert MINUTES in page and "Darba kārtība" in page and decision.number in page


def test_a_planned_meeting_takes_no_minutes(client, coord, group):
    force_login_verified(client, coord.coordinator)
    url = reverse("coordination:meeting_minutes", kwargs={"meeting_id": coord.meeting_planned.pk})
    response = client.post(url, {"minutes": MINUTES})
    assert response.status_code == 400
    assert response.context["form"].non_field_errors() == ["The meeting has not taken place yet."]


def test_records_are_for_the_working_group_only(client, coord, group):
    from opennrm.coordination.services import meeting_minutes_record

    meeting_minutes_record(meeting=coord.meeting_held, by=coord.coordinator, minutes=MINUTES)
    url = reverse("coordination:meeting", kwargs={"meeting_id": coord.meeting_held.pk})
    force_login_verified(client, coord.member)
    assert MINUTES in client.get(url).content.decode()
    client.logout()
    force_login_verified(client, coord.observer)
    page = client.get(url)
    assert page.status_code == 200
    assert "1. Test agenda item" in page.content.decode()
    assert MINUTES not in page.content.decode()


def test_a_member_marks_done_the_task_of_their_own_institution_only(client, coord, group):
    from opennrm.coordination.services import decision_task_add

    other_task = decision_task_add(
        decision=coord.decision, by=coord.coordinator, owner_institution=coord.inst_b, text="Other task."
    )
    force_login_verified(client, coord.member)
    register = client.get(reverse("coordination:decisions"))
    assert register.context["completable"] == {coord.task.pk}
    response = client.post(reverse("coordination:task_done", kwargs={"task_id": other_task.pk}), {"note": ""})
    assert response.status_code == 403
    response = client.post(reverse("coordination:task_done", kwargs={"task_id": coord.task.pk}), {"note": "Nosūtīts."})
    assert response.status_code == 302
    coord.task.refresh_from_db()
    assert coord.task.done_by == coord.member and coord.task.done_note == "Nosūtīts."
    other_task.refresh_from_db()
    assert other_task.done_at is None
    # Done once: a second time is refused with a message, nothing changes.
    response = client.post(reverse("coordination:task_done", kwargs={"task_id": coord.task.pk}), follow=True)
    assert "already done" in response.content.decode()


def test_the_public_page_shows_member_institutions_and_dates_only(client, coord, group):
    from opennrm.coordination.services import meeting_create, meeting_minutes_record

    meeting_minutes_record(meeting=coord.meeting_held, by=coord.coordinator, minutes=MINUTES)
    hidden = meeting_create(
        group=coord.group,
        by=coord.coordinator,
        starts_at=timezone.now() + timedelta(days=60),
        agenda="Slepena darba kārtība",
        public=False,
    )
    InstitutionFactory(code="test-not-member", names={"en": "Test Outsider"})
    response = client.get(reverse("coordination:public_working_group"))
    assert response.status_code == 200
    html = response.content.decode()
    for name in ("Test Ministry", "Test Institution A", "Test Institution B", "Test NGO"):
        assert name in html
    assert "Test Outsider" not in html
    assert coord.meeting_held.starts_at.date().isoformat() in html
    assert timezone.localtime(hidden.starts_at).date().isoformat() not in html
    for secret in (MINUTES, "Test agenda item", "Test room 1", "Test Delegate", "Slepena"):
        assert secret not in html


def test_the_public_page_says_so_when_there_is_no_group(client, db):
    response = client.get(reverse("coordination:public_working_group"))
    assert response.status_code == 200
    assert "has not been published yet" in response.content.decode()


def test_the_mark_done_buttons_follow_the_rule_of_the_service(coord, group):
    from opennrm.coordination.selectors import can_complete_task, decision_tasks_visible
    from opennrm.coordination.services import decision_task_add
    from opennrm.coordination.views.common import completable_tasks

    decision_task_add(decision=coord.decision, by=coord.coordinator, owner_institution=coord.ngo, text="Other.")
    for user in (coord.coordinator, coord.member, coord.reporter_a, coord.observer, coord.staff):
        expected = {
            task.pk
            for task in decision_tasks_visible(user=coord.coordinator, open_only=True)
            if can_complete_task(user=user, task=task)
        }
        assert completable_tasks(user) == expected, user.username
