"""The working group: membership, meetings (documents, attendance, minutes) and the decisions register.

The coordinator (coordination.manage) keeps all of it; a working-group member marks done the tasks its own
institution owns. Members are told of new meetings, cancellations and decisions; owners of new tasks too.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date, datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext

from opennrm.cases.staff import institution_staff
from opennrm.coordination.models import (
    Attendance,
    Decision,
    DecisionTask,
    Meeting,
    MeetingDocument,
    Membership,
    WorkingGroup,
)
from opennrm.coordination.notifications import notify
from opennrm.coordination.selectors import can_complete_task, member_recipients
from opennrm.coordination.services.checks import clean_code, clean_date, clean_string, clean_texts, clean_url
from opennrm.coordination.services.common import UNSET, audit, changed_values, check, given, require_manager
from opennrm.core.capabilities import Capability
from opennrm.core.errors import ApplicationError, NotFoundOrForbidden
from opennrm.directory.models import Institution

AGENDA_MAX = 10000
MINUTES_MAX = 50000
DECISION_MAX = 5000
# Meeting papers: office documents and PDFs, checked by name, declared type and content.
DOCUMENT_TYPES = {
    "application/pdf": (".pdf",),
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": (".docx",),
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": (".xlsx",),
    "application/vnd.openxmlformats-officedocument.presentationml.presentation": (".pptx",),
    "application/vnd.oasis.opendocument.text": (".odt",),
    "application/vnd.oasis.opendocument.spreadsheet": (".ods",),
    "text/plain": (".txt",),
}
DOCUMENT_SIGNATURES = {"application/pdf": b"%PDF-", "text/plain": None}
ZIP_SIGNATURE = b"PK\x03\x04"
DOCUMENT_MAX_BYTES = 10 * 1024 * 1024


def _institution(value: Institution | None, field: str) -> Institution:
    if value is None:
        raise ApplicationError(gettext("Choose an institution."), field=field)
    if not value.is_active:
        raise ApplicationError(
            gettext("The institution %(code)s is no longer active.") % {"code": value.code}, field=field
        )
    return value


# --- The group and its members -----------------------------------------------------------------------------------


@transaction.atomic
def working_group_create(*, by, code: str, name, established_by: str = "") -> WorkingGroup:
    require_manager(by)
    code = check("code", clean_code, code)
    if WorkingGroup.objects.filter(code=code).exists():
        raise ApplicationError(gettext("A working group with this code exists already."), field="code")
    group = WorkingGroup.objects.create(
        code=code,
        name=check("name", clean_texts, name, max_length=300),
        established_by=check("established_by", clean_string, established_by, max_length=300),
    )
    audit(action="group.created", by=by, obj=group, new={"code": code, "name": group.name})
    return group


@transaction.atomic
def working_group_update(*, group: WorkingGroup, by, name=UNSET, established_by=UNSET) -> WorkingGroup:
    require_manager(by)
    values = {}
    if given(name):
        values["name"] = check("name", clean_texts, name, max_length=300)
    if given(established_by):
        values["established_by"] = check("established_by", clean_string, established_by, max_length=300)
    old, new = changed_values(group, values)
    if new:
        group.save()
        audit(action="group.updated", by=by, obj=group, old=old, new=new)
    return group


def _delegate_check(delegate, institution: Institution) -> None:
    if delegate is not None and delegate.institution != institution:
        raise ApplicationError(gettext("The delegate must work at the member institution."), field="delegate")


@transaction.atomic
def membership_create(
    *,
    group: WorkingGroup,
    by,
    institution: Institution,
    since: date,
    delegate=None,
    delegate_name: str = "",
    substitute_name: str = "",
) -> Membership:
    """Seat an institution in the group from `since`; it may hold one open seat at a time."""
    require_manager(by)
    institution = _institution(institution, "institution")
    since = check("since", clean_date, since)
    _delegate_check(delegate, institution)
    if Membership.objects.filter(group=group, institution=institution, until__isnull=True).exists():
        raise ApplicationError(gettext("This institution is already a member."), field="institution")
    if delegate is not None and not delegate_name:
        delegate_name = delegate.get_full_name() or delegate.get_username()
    membership = Membership.objects.create(
        group=group,
        institution=institution,
        since=since,
        delegate=delegate,
        delegate_name=check("delegate_name", clean_string, delegate_name, max_length=200),
        substitute_name=check("substitute_name", clean_string, substitute_name, max_length=200),
    )
    audit(
        action="membership.created",
        by=by,
        obj=membership,
        new={"group": group.code, "institution": institution.code, "since": since.isoformat()},
    )
    return membership


def _shown(values: dict) -> dict:
    return {
        key: value.get_username() if hasattr(value, "get_username") else (str(value) if value is not None else None)
        for key, value in values.items()
    }


@transaction.atomic
def membership_update(
    *, membership: Membership, by, delegate=UNSET, delegate_name=UNSET, substitute_name=UNSET, until=UNSET
) -> Membership:
    """Change who represents the institution, or end the seat with `until` (None reopens it)."""
    require_manager(by)
    membership = Membership.objects.select_for_update().select_related("institution").get(pk=membership.pk)
    values = {}
    if given(delegate):
        _delegate_check(delegate, membership.institution)
        values["delegate"] = delegate
    if given(delegate_name):
        values["delegate_name"] = check("delegate_name", clean_string, delegate_name, max_length=200)
    if given(substitute_name):
        values["substitute_name"] = check("substitute_name", clean_string, substitute_name, max_length=200)
    if given(until):
        until = check("until", clean_date, until, required=False)
        if until is not None and until < membership.since:
            raise ApplicationError(gettext("The membership cannot end before it began."), field="until")
        if until is None and membership.until is not None:
            open_seat = Membership.objects.filter(
                group_id=membership.group_id, institution_id=membership.institution_id, until__isnull=True
            )
            if open_seat.exclude(pk=membership.pk).exists():
                raise ApplicationError(gettext("This institution is already a member."), field="until")
        values["until"] = until
    old, new = changed_values(membership, values)
    if new:
        membership.save()
        audit(action="membership.updated", by=by, obj=membership, old=_shown(old), new=_shown(new))
    return membership


def membership_end(*, membership: Membership, by, until: date) -> Membership:
    """The institution leaves the group after `until` (the seat's history stays)."""
    if Membership.objects.filter(pk=membership.pk, until__isnull=False).exists():
        raise ApplicationError(gettext("This membership has ended already."), field="until")
    if until is None:
        raise ApplicationError(gettext("Give the last day of the membership."), field="until")
    return membership_update(membership=membership, by=by, until=until)


# --- Meetings ----------------------------------------------------------------------------------------------------


def _starts_at(value) -> datetime:
    if not isinstance(value, datetime):
        raise ApplicationError(gettext("Give the date and time of the meeting."), field="starts_at")
    if timezone.is_naive(value):
        value = timezone.make_aware(value)
    return value


def _meeting_notice(meeting: Meeting, kind: str) -> None:
    notify(
        users=member_recipients(group=meeting.group),
        kind=kind,
        key=f"coordination:{kind}:{meeting.pk}:{meeting.starts_at.isoformat()}",
        details={"meeting": meeting.pk, "starts_at": timezone.localtime(meeting.starts_at).strftime("%Y-%m-%d %H:%M")},
    )


@transaction.atomic
def meeting_create(
    *, group: WorkingGroup, by, starts_at: datetime, place: str = "", agenda: str = "", public: bool = True
) -> Meeting:
    """Schedule a meeting and tell the members."""
    require_manager(by)
    meeting = Meeting.objects.create(
        group=group,
        starts_at=_starts_at(starts_at),
        place=check("place", clean_string, place, max_length=200),
        agenda=check("agenda", clean_string, agenda, max_length=AGENDA_MAX),
        public=bool(public),
    )
    audit(
        action="meeting.created",
        by=by,
        obj=meeting,
        new={"group": group.code, "starts_at": meeting.starts_at.isoformat(), "public": meeting.public},
    )
    _meeting_notice(meeting, "meeting.scheduled")
    return meeting


@transaction.atomic
def meeting_update(
    *, meeting: Meeting, by, starts_at=UNSET, place=UNSET, agenda=UNSET, public=UNSET, minutes=UNSET, status=UNSET
) -> Meeting:
    """Change a meeting. Moving a planned one tells the members again; minutes and "held" need it to have begun;
    status "cancelled" is `meeting_cancel`."""
    require_manager(by)
    meeting = Meeting.objects.select_for_update().select_related("group").get(pk=meeting.pk)
    if given(status) and status not in Meeting.Status.values:
        raise ApplicationError(gettext("Choose a valid status."), field="status")
    if given(status) and status == Meeting.Status.CANCELLED and meeting.status != Meeting.Status.CANCELLED:
        if any(given(v) for v in (starts_at, place, agenda, public, minutes)):
            raise ApplicationError(gettext("Cancel the meeting without changing it."), field="status")
        return meeting_cancel(meeting=meeting, by=by)
    if meeting.status == Meeting.Status.CANCELLED:
        raise ApplicationError(gettext("This meeting was cancelled."), field="status")
    values = {}
    if given(starts_at):
        values["starts_at"] = _starts_at(starts_at)
    if given(place):
        values["place"] = check("place", clean_string, place, max_length=200)
    if given(agenda):
        values["agenda"] = check("agenda", clean_string, agenda, max_length=AGENDA_MAX)
    if given(public):
        values["public"] = bool(public)
    if given(minutes):
        values["minutes"] = check("minutes", clean_string, minutes, max_length=MINUTES_MAX)
    if given(status):
        values["status"] = status
    if values.get("minutes") and not given(status):
        values["status"] = Meeting.Status.HELD
    if values.get("status", meeting.status) == Meeting.Status.HELD:
        if values.get("starts_at", meeting.starts_at) > timezone.now():
            raise ApplicationError(gettext("The meeting has not taken place yet."), field="status")
    old, new = changed_values(meeting, values)
    if new:
        meeting.save()
        # The minutes themselves stay in their table; the audit log records that they changed and their length.
        for shown in (old, new):
            if "minutes" in shown:
                shown["minutes"] = {"length": len(shown["minutes"])}
        audit(action="meeting.updated", by=by, obj=meeting, old=old, new=new)
        if "starts_at" in new and meeting.status == Meeting.Status.PLANNED:
            _meeting_notice(meeting, "meeting.scheduled")
    return meeting


@transaction.atomic
def meeting_cancel(*, meeting: Meeting, by) -> Meeting:
    require_manager(by)
    meeting = Meeting.objects.select_for_update().get(pk=meeting.pk)
    if meeting.status != Meeting.Status.PLANNED:
        raise ApplicationError(gettext("Only a planned meeting can be cancelled."), field="status")
    meeting.status = Meeting.Status.CANCELLED
    meeting.save(update_fields=["status", "updated_at"])
    audit(action="meeting.cancelled", by=by, obj=meeting, new={"status": meeting.status})
    _meeting_notice(meeting, "meeting.cancelled")
    return meeting


def _require_taken_place(meeting: Meeting) -> None:
    if meeting.status == Meeting.Status.CANCELLED:
        raise ApplicationError(gettext("This meeting was cancelled."), field="status")
    if meeting.starts_at > timezone.now():
        raise ApplicationError(gettext("The meeting has not taken place yet."), field="starts_at")


@transaction.atomic
def meeting_minutes_record(*, meeting: Meeting, by, minutes: str) -> Meeting:
    """Write (or correct) the minutes; the meeting is then held."""
    require_manager(by)
    meeting = Meeting.objects.select_for_update().get(pk=meeting.pk)
    _require_taken_place(meeting)
    minutes = check("minutes", clean_string, minutes, required=True, max_length=MINUTES_MAX)
    old = {"status": meeting.status, "minutes_length": len(meeting.minutes)}
    meeting.minutes = minutes
    meeting.status = Meeting.Status.HELD
    meeting.save(update_fields=["minutes", "status", "updated_at"])
    # The minutes themselves stay in the table; the audit log records that and how much was written.
    audit(
        action="meeting.minutes_recorded",
        by=by,
        obj=meeting,
        old=old,
        new={"status": meeting.status, "minutes_length": len(minutes)},
    )
    return meeting


@dataclass(frozen=True)
class AttendanceEntry:
    membership: Membership
    present: bool
    substitute_attended: bool = False


@transaction.atomic
def attendance_record(*, meeting: Meeting, by, entries: list[AttendanceEntry]) -> list[Attendance]:
    """Who came: one entry per member institution (replacing what was recorded before)."""
    require_manager(by)
    _require_taken_place(meeting)
    rows = []
    for entry in entries:
        if entry.membership.group_id != meeting.group_id:
            raise ApplicationError(gettext("This institution is not a member of the group."), field="membership")
        if entry.substitute_attended and not entry.present:
            raise ApplicationError(
                gettext("A substitute can only have attended if the institution was present."),
                field="substitute_attended",
            )
        row, _created = Attendance.objects.update_or_create(
            meeting=meeting,
            membership=entry.membership,
            defaults={"present": entry.present, "substitute_attended": entry.substitute_attended},
        )
        rows.append(row)
    audit(
        action="meeting.attendance_recorded",
        by=by,
        obj=meeting,
        new={
            "present": sorted(e.membership.institution.code for e in entries if e.present),
            "absent": sorted(e.membership.institution.code for e in entries if not e.present),
        },
    )
    return rows


def _check_file(*, filename: str, content_type: str, content: bytes) -> None:
    allowed = DOCUMENT_TYPES.get(content_type)
    if allowed is None:
        raise ApplicationError(
            gettext("Files of this type cannot be attached. Use PDF, DOCX, XLSX, PPTX, ODT, ODS or plain text."),
            field="file",
        )
    if not filename.lower().endswith(allowed):
        raise ApplicationError(gettext("The file name does not match its type."), field="file")
    if not content:
        raise ApplicationError(gettext("The file is empty."), field="file")
    if len(content) > DOCUMENT_MAX_BYTES:
        raise ApplicationError(
            gettext("The file is too large (at most %(mb)d MB).") % {"mb": DOCUMENT_MAX_BYTES // (1024 * 1024)},
            field="file",
        )
    signature = DOCUMENT_SIGNATURES.get(content_type, ZIP_SIGNATURE)
    if signature is not None and not content.startswith(signature):
        raise ApplicationError(gettext("The file's content does not match its type."), field="file")
    if content_type == "text/plain":
        try:
            content.decode("utf-8")
        except UnicodeDecodeError:
            raise ApplicationError(gettext("The file's content does not match its type."), field="file") from None


@transaction.atomic
def meeting_document_add(
    *,
    meeting: Meeting,
    by,
    title: str,
    url: str = "",
    filename: str = "",
    content_type: str = "",
    content: bytes | None = None,
) -> MeetingDocument:
    """Attach a link (url) or a file (filename, content_type, content) to a meeting — exactly one of the two."""
    require_manager(by)
    title = check("title", clean_string, title, required=True, max_length=200)
    if bool(url) == bool(content is not None or filename):
        raise ApplicationError(gettext("Give either a link or a file."), field="url")
    document = MeetingDocument(meeting=meeting, title=title, uploaded_by=by)
    if url:
        document.url = check("url", clean_url, url)
    else:
        filename = (filename or "").strip().replace("/", "_").replace("\\", "_")[:200]
        _check_file(filename=filename, content_type=content_type, content=content or b"")
        document.filename, document.content_type, document.content = filename, content_type, content
        document.size = len(content)
        document.sha256 = hashlib.sha256(content).hexdigest()
    document.save()
    audit(
        action="meeting.document_added",
        by=by,
        obj=document,
        new={
            "meeting": meeting.pk,
            "title": title,
            "url": document.url,
            "filename": document.filename,
            "size": document.size,
        },
    )
    return document


@transaction.atomic
def meeting_document_remove(*, document: MeetingDocument, by) -> None:
    require_manager(by)
    audit(
        action="meeting.document_removed",
        by=by,
        obj=document,
        old={"meeting": document.meeting_id, "title": document.title, "sha256": document.sha256},
    )
    document.delete()


# --- Decisions ---------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class TaskSpec:
    owner_institution: Institution
    text: str
    deadline: date | None = None


def _task_create(*, decision: Decision, by, spec: TaskSpec) -> DecisionTask:
    owner = _institution(spec.owner_institution, "owner_institution")
    task = DecisionTask.objects.create(
        decision=decision,
        owner_institution=owner,
        text=check("text", clean_string, spec.text, required=True, max_length=DECISION_MAX),
        deadline=check("deadline", clean_date, spec.deadline, required=False),
    )
    audit(
        action="decision.task_added",
        by=by,
        obj=task,
        new={
            "decision": decision.number,
            "owner_institution": owner.code,
            "deadline": task.deadline.isoformat() if task.deadline else None,
        },
    )
    return task


def _decision_number(meeting: Meeting) -> str:
    # "<year>/<n>": the register counts the group's decisions through each year.
    year = timezone.localtime(meeting.starts_at).year
    taken = Decision.objects.filter(meeting__group=meeting.group, meeting__starts_at__year=year).count()
    return f"{year}/{taken + 1}"


@transaction.atomic
def decision_record(
    *, meeting: Meeting, by, text: str, number: str = "", tasks: list[TaskSpec] | tuple = ()
) -> Decision:
    """Enter a decision of a meeting in the register, with the tasks it gives; the members are told."""
    require_manager(by)
    meeting = Meeting.objects.select_for_update().select_related("group").get(pk=meeting.pk)
    _require_taken_place(meeting)
    text = check("text", clean_string, text, required=True, max_length=DECISION_MAX)
    number = check("number", clean_string, number, max_length=32) or _decision_number(meeting)
    if Decision.objects.filter(meeting__group=meeting.group, number=number).exists():
        raise ApplicationError(gettext("The register already has a decision with this number."), field="number")
    decision = Decision.objects.create(meeting=meeting, number=number, text=text)
    audit(action="decision.recorded", by=by, obj=decision, new={"meeting": meeting.pk, "number": number})
    created = [_task_create(decision=decision, by=by, spec=spec) for spec in tasks]
    notify(
        users=member_recipients(group=meeting.group),
        kind="decision.recorded",
        key=f"coordination:decision:{decision.pk}",
        details={"decision": decision.pk, "decision_number": number, "meeting": meeting.pk},
    )
    for task in created:
        _task_notice(task)
    return decision


def _task_notice(task: DecisionTask) -> None:
    decision = task.decision
    notify(
        users=institution_staff(institution=task.owner_institution, capability=Capability.COORDINATION_MEETINGS),
        kind="task.assigned",
        key=f"coordination:task:{task.pk}",
        details={"task": task.pk, "decision_number": decision.number, "meeting": decision.meeting_id},
    )


@transaction.atomic
def decision_update(*, decision: Decision, by, text: str) -> Decision:
    """Correct the wording of a decision (the audit log keeps the earlier wording)."""
    require_manager(by)
    text = check("text", clean_string, text, required=True, max_length=DECISION_MAX)
    old, new = changed_values(decision, {"text": text})
    if new:
        decision.save()
        audit(action="decision.updated", by=by, obj=decision, old=old, new=new)
    return decision


@transaction.atomic
def decision_task_add(
    *, decision: Decision, by, owner_institution: Institution, text: str, deadline: date | None = None
) -> DecisionTask:
    require_manager(by)
    task = _task_create(
        decision=decision, by=by, spec=TaskSpec(owner_institution=owner_institution, text=text, deadline=deadline)
    )
    _task_notice(task)
    return task


@transaction.atomic
def decision_task_done(*, task: DecisionTask, by, note: str = "") -> DecisionTask:
    """Mark a task done: the coordinator, or a working-group member of the owning institution."""
    if not can_complete_task(user=by, task=task):
        raise NotFoundOrForbidden()
    task = DecisionTask.objects.select_for_update().select_related("owner_institution").get(pk=task.pk)
    if task.done_at is not None:
        raise ApplicationError(gettext("This task is already done."), field="task")
    task.done_at, task.done_by = timezone.now(), by
    task.done_note = check("note", clean_string, note, max_length=DECISION_MAX)
    task.save(update_fields=["done_at", "done_by", "done_note", "updated_at"])
    audit(action="decision.task_done", by=by, obj=task, new={"done_at": task.done_at.isoformat()})
    return task


@transaction.atomic
def decision_task_reopen(*, task: DecisionTask, by) -> DecisionTask:
    """Undo "done" (it was marked by mistake, or the work must continue)."""
    require_manager(by)
    task = DecisionTask.objects.select_for_update().get(pk=task.pk)
    if task.done_at is None:
        raise ApplicationError(gettext("This task is still open."), field="task")
    old = {"done_at": task.done_at.isoformat(), "done_by": task.done_by_id}
    task.done_at, task.done_by, task.done_note = None, None, ""
    task.save(update_fields=["done_at", "done_by", "done_note", "updated_at"])
    audit(action="decision.task_reopened", by=by, obj=task, old=old)
    return task
