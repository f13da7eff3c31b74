"""The working group: seats, meetings with documents, attendance and minutes, the decisions register."""

from datetime import date, datetime, timedelta

import pytest
from django.utils import timezone

from opennrm.audit.models import AuditEvent
from opennrm.coordination.models import Decision, Meeting, MeetingDocument, Membership, Notice
from opennrm.coordination.services import (
    AttendanceEntry,
    TaskSpec,
    attendance_record,
    decision_record,
    decision_task_add,
    decision_task_done,
    decision_task_reopen,
    decision_update,
    meeting_cancel,
    meeting_create,
    meeting_document_add,
    meeting_document_remove,
    meeting_update,
    membership_create,
    membership_end,
    membership_update,
    working_group_create,
    working_group_update,
)
from opennrm.core.errors import ApplicationError, Forbidden, NotFoundOrForbidden
from tests.coordination.conftest import make_user

PDF = b"%PDF-1.4 test document"


def _past(days=10):
    return timezone.now().replace(microsecond=0) - timedelta(days=days)


def test_the_group_is_set_up_by_the_coordinator_only(coord):
    with pytest.raises(Forbidden):
        working_group_create(by=coord.member, code="g", name="Group")
    group = working_group_create(by=coord.coordinator, code="g", name={"lv": "Grupa"}, established_by="Order")
    with pytest.raises(ApplicationError) as clash:
        working_group_create(by=coord.coordinator, code="g", name="Again")
    assert clash.value.field == "code"
    working_group_update(group=group, by=coord.coordinator, name={"lv": "Grupa", "en": "Group"})
    group.refresh_from_db()
    assert group.name == {"lv": "Grupa", "en": "Group"}
    assert AuditEvent.objects.filter(action="coordination.group.updated").count() == 1


def test_an_institution_holds_one_open_seat_with_its_delegate(group):
    with pytest.raises(ApplicationError) as twice:
        membership_create(group=group.group, by=group.coordinator, institution=group.inst_a, since=date(2025, 1, 1))
    assert twice.value.field == "institution"
    seat = group.memberships["test-inst-a"]
    assert seat.delegate == group.member and seat.delegate_name == group.member.get_full_name()
    with pytest.raises(ApplicationError) as elsewhere:
        membership_update(membership=seat, by=group.coordinator, delegate=group.reporter_b)
    assert elsewhere.value.field == "delegate"
    with pytest.raises(ApplicationError) as early:
        membership_end(membership=seat, by=group.coordinator, until=date(2023, 1, 1))
    assert early.value.field == "until"
    membership_end(membership=seat, by=group.coordinator, until=date(2025, 12, 31))
    with pytest.raises(ApplicationError):
        membership_end(membership=seat, by=group.coordinator, until=date(2026, 1, 31))
    again = membership_create(group=group.group, by=group.coordinator, institution=group.inst_a, since=date(2026, 2, 1))
    assert Membership.objects.filter(group=group.group, institution=group.inst_a).count() == 2
    with pytest.raises(ApplicationError):
        membership_update(membership=seat, by=group.coordinator, until=None)
    assert again.until is None
    events = AuditEvent.objects.filter(action="coordination.membership.updated").values_list("new_values", flat=True)
    assert {"until": "2025-12-31"} in list(events)


def test_an_inactive_institution_cannot_be_seated(group):
    closed = make_user("staff", group.inst_a, username="test.extra").institution
    closed.is_active = False
    closed.save()
    Membership.objects.filter(institution=closed).update(until=date(2024, 12, 31))
    with pytest.raises(ApplicationError):
        membership_create(group=group.group, by=group.coordinator, institution=closed, since=date(2025, 1, 1))


def test_a_new_meeting_tells_the_members_once(group):
    recipients = {
        n.recipient for n in Notice.objects.filter(kind="meeting.scheduled", details__meeting=group.meeting_planned.pk)
    }
    # The delegate (with an account) and the coordinator; reporters and observers are not members' contacts.
    assert recipients == {group.member, group.coordinator}
    meeting_update(meeting=group.meeting_planned, by=group.coordinator, agenda="1. Changed agenda")
    assert Notice.objects.filter(kind="meeting.scheduled", details__meeting=group.meeting_planned.pk).count() == 2
    moved = group.meeting_planned.starts_at + timedelta(days=1)
    meeting_update(meeting=group.meeting_planned, by=group.coordinator, starts_at=moved)
    assert Notice.objects.filter(kind="meeting.scheduled", details__meeting=group.meeting_planned.pk).count() == 4


def test_a_cancelled_meeting_tells_the_members_and_changes_no_more(group):
    meeting_update(meeting=group.meeting_planned, by=group.coordinator, status=Meeting.Status.CANCELLED)
    group.meeting_planned.refresh_from_db()
    assert group.meeting_planned.status == Meeting.Status.CANCELLED
    assert Notice.objects.filter(kind="meeting.cancelled").count() == 2
    with pytest.raises(ApplicationError):
        meeting_update(meeting=group.meeting_planned, by=group.coordinator, place="Elsewhere")
    with pytest.raises(ApplicationError):
        meeting_cancel(meeting=group.meeting_planned, by=group.coordinator)


def test_minutes_and_attendance_only_after_the_meeting_began(group):
    with pytest.raises(ApplicationError) as early:
        meeting_update(meeting=group.meeting_planned, by=group.coordinator, minutes="Too early.")
    assert early.value.field == "status"
    with pytest.raises(ApplicationError):
        attendance_record(meeting=group.meeting_planned, by=group.coordinator, entries=[])
    held = meeting_update(meeting=group.meeting_held, by=group.coordinator, minutes="Test minutes.")
    assert held.status == Meeting.Status.HELD and held.minutes == "Test minutes."
    event = AuditEvent.objects.filter(action="coordination.meeting.updated").latest("seq")
    assert event.new_values["minutes"] == {"length": len("Test minutes.")}
    seats = group.memberships
    attendance_record(
        meeting=held,
        by=group.coordinator,
        entries=[
            AttendanceEntry(membership=seats["test-inst-a"], present=True, substitute_attended=True),
            AttendanceEntry(membership=seats["test-inst-b"], present=False),
        ],
    )
    attendance_record(
        meeting=held, by=group.coordinator, entries=[AttendanceEntry(membership=seats["test-inst-b"], present=True)]
    )
    assert dict(held.attendance.values_list("membership__institution__code", "present")) == {
        "test-inst-a": True,
        "test-inst-b": True,
    }
    with pytest.raises(ApplicationError) as odd:
        attendance_record(
            meeting=held,
            by=group.coordinator,
            entries=[AttendanceEntry(membership=seats["test-ngo"], present=False, substitute_attended=True)],
        )
    assert odd.value.field == "substitute_attended"


def test_meeting_documents_are_links_or_checked_files(group):
    meeting, by = group.meeting_held, group.coordinator
    link = meeting_document_add(meeting=meeting, by=by, title="Agenda", url="https://example.lv/agenda")
    assert link.is_link
    document = meeting_document_add(
        meeting=meeting,
        by=by,
        title="Minutes draft",
        filename="../minutes.pdf",
        content_type="application/pdf",
        content=PDF,
    )
    assert (document.filename, document.size) == (".._minutes.pdf", len(PDF))
    for arguments, field in (
        ({"url": "ftp://example.lv/x"}, "url"),
        ({"url": "https://example.lv", "filename": "a.pdf", "content": PDF, "content_type": "application/pdf"}, "url"),
        ({}, "url"),
        ({"filename": "a.exe", "content_type": "application/x-msdownload", "content": b"MZ"}, "file"),
        ({"filename": "a.docx", "content_type": "application/pdf", "content": PDF}, "file"),
        ({"filename": "a.pdf", "content_type": "application/pdf", "content": b"<html>"}, "file"),
        ({"filename": "a.pdf", "content_type": "application/pdf", "content": b""}, "file"),
        ({"filename": "a.txt", "content_type": "text/plain", "content": b"\xff\xfe\x00"}, "file"),
        ({"filename": "a.pdf", "content_type": "application/pdf", "content": PDF + b"0" * (10 * 1024 * 1024)}, "file"),
    ):
        with pytest.raises(ApplicationError) as refused:
            meeting_document_add(meeting=meeting, by=by, title="Bad", **arguments)
        assert refused.value.field == field, arguments
    with pytest.raises(Forbidden):
        meeting_document_add(meeting=meeting, by=group.member, title="Mine", url="https://example.lv/m")
    meeting_document_remove(document=link, by=by)
    assert list(MeetingDocument.objects.values_list("title", flat=True)) == ["Minutes draft"]
    assert AuditEvent.objects.filter(action="coordination.meeting.document_removed").exists()


def test_decisions_are_numbered_per_year_and_tell_members_and_task_owners(group):
    assert group.decision.number == "2025/1"
    second = decision_record(meeting=group.meeting_held, by=group.coordinator, text="Second decision.")
    assert second.number == "2025/2"
    with pytest.raises(ApplicationError) as clash:
        decision_record(meeting=group.meeting_held, by=group.coordinator, text="x", number="2025/1")
    assert clash.value.field == "number"
    with pytest.raises(ApplicationError) as early:
        decision_record(meeting=group.meeting_planned, by=group.coordinator, text="Not yet.")
    assert early.value.field == "starts_at"
    assert Notice.objects.filter(kind="decision.recorded").count() == 4
    # The owner institution's working-group member is told of the task.
    assert Notice.objects.get(kind="task.assigned").recipient == group.member
    decision_update(decision=second, by=group.coordinator, text="Second decision, corrected.")
    assert Decision.objects.get(pk=second.pk).text == "Second decision, corrected."


def test_a_task_is_done_by_its_owner_institution_or_the_coordinator(group):
    task = group.task
    with pytest.raises(NotFoundOrForbidden):
        decision_task_done(task=task, by=make_user("member", group.inst_b, username="test.member.b"))
    with pytest.raises(NotFoundOrForbidden):
        decision_task_done(task=task, by=group.reporter_a)
    done = decision_task_done(task=task, by=group.member, note="Sent on time.")
    assert done.done_by == group.member and done.done_note == "Sent on time."
    with pytest.raises(ApplicationError):
        decision_task_done(task=task, by=group.coordinator)
    with pytest.raises(Forbidden):
        decision_task_reopen(task=task, by=group.member)
    reopened = decision_task_reopen(task=task, by=group.coordinator)
    assert reopened.done_at is None
    added = decision_task_add(
        decision=group.decision,
        by=group.coordinator,
        owner_institution=group.ngo,
        text="Also this.",
        deadline=date(2025, 9, 1),
    )
    assert decision_task_done(task=added, by=group.coordinator).done_at is not None
    with pytest.raises(ApplicationError) as empty:
        decision_task_add(decision=group.decision, by=group.coordinator, owner_institution=group.ngo, text=" ")
    assert empty.value.field == "text"


def test_tasks_given_in_the_decision_are_checked_with_it(group):
    before = Decision.objects.count()
    with pytest.raises(ApplicationError) as refused:
        decision_record(
            meeting=group.meeting_held,
            by=group.coordinator,
            text="With a bad task.",
            tasks=[TaskSpec(owner_institution=None, text="Nobody's.")],
        )
    assert refused.value.field == "owner_institution"
    assert Decision.objects.count() == before


def test_a_naive_meeting_time_is_read_in_the_local_time_zone(group):
    meeting = meeting_create(group=group.group, by=group.coordinator, starts_at=datetime(2026, 5, 5, 14, 0))
    assert timezone.localtime(meeting.starts_at).hour == 14
    with pytest.raises(ApplicationError) as refused:
        meeting_create(group=group.group, by=group.coordinator, starts_at="tomorrow")
    assert refused.value.field == "starts_at"
    with pytest.raises(Forbidden):
        meeting_create(group=group.group, by=group.member, starts_at=_past())
