"""The day-to-day work on a case: notes, tasks and documents (all encrypted at rest)."""

import hashlib
from datetime import date

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext

from opennrm.cases.models import Case, DataCategory, Document, Note, Task
from opennrm.cases.selectors import acting_party, case_access
from opennrm.cases.services.cases import case_assign
from opennrm.cases.services.common import (
    case_audit,
    case_event,
    notify,
    require_capability,
    require_editable,
    require_visible,
)
from opennrm.core.capabilities import Capability
from opennrm.core.errors import ApplicationError, Forbidden, NotFoundOrForbidden

NOTE_MAX = 20_000
TASK_TITLE_MAX = 300
# What a case needs (scanned forms, decisions, photos of documents); nothing that can run in a browser.
DOCUMENT_TYPES = {
    "application/pdf": (".pdf",),
    "image/jpeg": (".jpg", ".jpeg"),
    "image/png": (".png",),
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": (".docx",),
    "application/vnd.oasis.opendocument.text": (".odt",),
    "text/plain": (".txt",),
}
# Magic numbers of the binary types: the declared type must match what the file is.
SIGNATURES = {
    "application/pdf": (b"%PDF-",),
    "image/jpeg": (b"\xff\xd8\xff",),
    "image/png": (b"\x89PNG\r\n\x1a\n",),
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": (b"PK\x03\x04",),
    "application/vnd.oasis.opendocument.text": (b"PK\x03\x04",),
}


def document_max_bytes() -> int:
    return getattr(settings, "OPENNRM_DOCUMENT_MAX_BYTES", 10 * 1024 * 1024)


def note_add(*, by, case: Case, body: str, ip_address: str | None = None) -> Note:
    institution = require_editable(by=by, case=case)
    body = (body or "").strip()
    if not body:
        raise ApplicationError(gettext("Write the note."), field="body")
    if len(body) > NOTE_MAX:
        raise ApplicationError(
            gettext("The note is too long (at most %(max)d characters).") % {"max": NOTE_MAX}, field="body"
        )
    with transaction.atomic():
        note = Note.objects.create(case=case, author=by, institution=institution, body=body)
        case_event(case=case, kind="note.added", by=by, details={"note": note.pk})
        case_audit(action="note.added", case=case, by=by, new_values={"note": note.pk}, ip_address=ip_address)
    return note


def task_create(
    *, by, case: Case, title: str, assignee=None, due_on: date | None = None, ip_address: str | None = None
) -> Task:
    institution = require_editable(by=by, case=case)
    title = (title or "").strip()
    if not title:
        raise ApplicationError(gettext("Say what is to be done."), field="title")
    if len(title) > TASK_TITLE_MAX:
        raise ApplicationError(gettext("The task is too long."), field="title")
    if assignee is not None and (
        assignee.institution is None
        or assignee.institution.pk != institution.pk
        or not assignee.has_capability(Capability.CASES_VIEW)
    ):
        raise ApplicationError(
            gettext("A task can be given only to a colleague who works with cases."), field="assignee"
        )
    # Whoever has a task on a case must be able to open it. The creator can, and so can a colleague assigned to it
    # or heading the unit; to anyone else the task also opens the case, which only a head of unit decides
    # (`case_assign`, audited and on the timeline).
    to_assign = assignee is not None and assignee.pk != by.pk and acting_party(user=assignee, case=case) is None
    if to_assign and not by.has_capability(Capability.CASES_SUPERVISE):
        raise ApplicationError(
            gettext(
                "A task can be given only to a colleague assigned to this case. Ask your head of unit to assign "
                "them first."
            ),
            field="assignee",
        )
    with transaction.atomic():
        task = Task.objects.create(
            case=case, title=title, institution=institution, assignee=assignee, due_on=due_on, created_by=by
        )
        if to_assign:
            case_assign(by=by, case=case, user=assignee, ip_address=ip_address)
        if assignee is not None and assignee.pk != by.pk:
            notify(users=[assignee], kind="task.assigned", case=case, key=f"task:{task.pk}")
        details = {
            "task": task.pk,
            "assignee": assignee.get_username() if assignee else "",
            "due_on": due_on.isoformat() if due_on else None,
        }
        case_event(case=case, kind="task.created", by=by, details=details)
        case_audit(action="task.created", case=case, by=by, new_values=details, ip_address=ip_address)
    return task


def task_complete(*, by, task: Task, ip_address: str | None = None) -> Task:
    institution = require_editable(by=by, case=task.case)
    if task.institution_id != institution.pk:
        raise NotFoundOrForbidden()
    with transaction.atomic():
        task = Task.objects.select_for_update().get(pk=task.pk)
        if task.done_at is not None:
            raise ApplicationError(gettext("This task is already done."), field="task")
        task.done_at = timezone.now()
        task.done_by = by
        task.save(update_fields=["done_at", "done_by", "updated_at"])
        case_event(case=task.case, kind="task.done", by=by, details={"task": task.pk})
        case_audit(action="task.done", case=task.case, by=by, new_values={"task": task.pk}, ip_address=ip_address)
    return task


def _check_document(*, filename: str, content_type: str, content: bytes) -> None:
    allowed = DOCUMENT_TYPES.get(content_type)
    if allowed is None:
        raise ApplicationError(
            gettext("Files of this type cannot be attached. Use PDF, JPEG, PNG, DOCX, ODT or plain text."),
            field="file",
        )
    if not filename.lower().endswith(allowed):
        raise ApplicationError(gettext("The file name does not match its type."), field="file")
    if not content:
        raise ApplicationError(gettext("The file is empty."), field="file")
    if len(content) > document_max_bytes():
        raise ApplicationError(
            gettext("The file is too large (at most %(mb)d MB).") % {"mb": document_max_bytes() // (1024 * 1024)},
            field="file",
        )
    signatures = SIGNATURES.get(content_type)
    if signatures and not content.startswith(signatures):
        raise ApplicationError(gettext("The file's content does not match its type."), field="file")


def document_upload(
    *, by, case: Case, filename: str, content_type: str, content: bytes, ip_address: str | None = None
) -> Document:
    """Attach a file to the case, encrypted; the type is checked by name, declared type and content."""
    institution = require_editable(by=by, case=case)
    filename = (filename or "").strip().replace("/", "_").replace("\\", "_")[:200]
    _check_document(filename=filename, content_type=content_type, content=content)
    with transaction.atomic():
        document = Document.objects.create(
            case=case,
            institution=institution,
            uploaded_by=by,
            filename=filename,
            content_type=content_type,
            size=len(content),
            sha256=hashlib.sha256(content).hexdigest(),
            content=content,
        )
        details = {"document": document.pk, "content_type": content_type, "size": len(content)}
        case_event(case=case, kind="document.added", by=by, details=details)
        case_audit(action="document.added", case=case, by=by, new_values=details, ip_address=ip_address)
    return document


def document_download(*, by, document: Document, ip_address: str | None = None) -> Document:
    """Record the download of a document, if `by` may see the case's circumstances (call before streaming it)."""
    require_capability(by, Capability.PERSONAL_DATA_VIEW)
    require_visible(by=by, case=document.case)
    if not case_access(user=by, case=document.case).sees(DataCategory.CIRCUMSTANCES):
        raise Forbidden(gettext("Your institution may not see the documents of this case."))
    with transaction.atomic():
        case_audit(
            action="document.downloaded",
            case=document.case,
            by=by,
            purpose="document download",
            new_values={"document": document.pk},
            ip_address=ip_address,
        )
    return document
