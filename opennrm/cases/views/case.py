"""The case page and the work done on it: the person's data, consent, referrals, workflow steps, notes, tasks,
documents and assignments.

Every view fetches the case through `access_case`, so a case the user may not see answers 404 exactly like a missing
one. A form is offered on GET only to someone the service would let do it on POST; the service still decides, and
its refusal is shown next to the field it names. Personal data reaches a page only after `person_data_read` has
recorded that it was shown.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import content_disposition_header
from django.utils.translation import gettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from opennrm.audit.services import client_ip
from opennrm.cases.case_page import access_document, access_task, case_documents, case_page
from opennrm.cases.forms.case import (
    AssignForm,
    ConsentForm,
    ConsentWithdrawForm,
    DocumentForm,
    InstitutionChoices,
    NoteForm,
    PersonForm,
    ReferralForm,
    TaskForm,
    TransitionForm,
    person_name,
)
from opennrm.cases.models import Case, DataCategory
from opennrm.cases.selectors import (
    CaseAccess,
    access_case,
    case_access,
    case_assignees,
    case_consents,
    case_workflow,
    institution_staff,
    task_assignee_choices,
)
from opennrm.cases.services import consent as consent_ledger
from opennrm.cases.services import work
from opennrm.cases.services.cases import case_assign, person_data_read, person_update
from opennrm.cases.services.referrals import referral_send
from opennrm.cases.services.transitions import case_transition_with_document
from opennrm.core.capabilities import Capability
from opennrm.core.errors import ApplicationError, Forbidden, NotFoundOrForbidden
from opennrm.core.i18n import localized

# Stored in the audit log as data, so kept in one language.
READ_PURPOSE_PAGE = "case page"
READ_PURPOSE_EMERGENCY = "case page, emergency access"
READ_PURPOSE_EDIT = "correcting the person's data"
READ_PURPOSE_DOCUMENTS = "choosing the decision document"


def _case(request, reference: str) -> Case:
    try:
        return access_case(user=request.user, reference=reference)
    except NotFoundOrForbidden:
        raise Http404() from None


def _case_and_access(request, reference: str) -> tuple[Case, CaseAccess]:
    case = _case(request, reference)
    return case, case_access(user=request.user, case=case)


def _require(allowed: bool) -> None:
    # The user can see the case but may not do this to it: "not allowed", not "not found".
    if not allowed:
        raise PermissionDenied


def _attempt(form, action: Callable[[], Any], field_map: dict[str, str] | None = None) -> Any:
    """Run a service; its refusal goes on the form (next to the field it names) and None is returned."""
    form.refused_field = None
    try:
        return action()
    except NotFoundOrForbidden:
        raise Http404() from None
    except Forbidden:
        raise PermissionDenied from None
    except ApplicationError as error:
        form.refused_field = error.field
        form.add_application_error(error, field_map)
        return None


def _to_case(case: Case):
    return redirect("cases:detail", reference=case.reference)


def _form_page(request, template: str, context: dict) -> HttpResponse:
    form = context["form"]
    return render(request, template, context, status=400 if form.errors else 200)


# --- The case page -------------------------------------------------------------------------------------------


@login_required
@require_GET
def detail(request, reference: str):
    case, access = _case_and_access(request, reference)
    if any(access.sees(category) for category in DataCategory.values):
        person_data_read(
            by=request.user,
            case=case,
            purpose=READ_PURPOSE_EMERGENCY if access.is_break_glass else READ_PURPOSE_PAGE,
            ip_address=client_ip(request),
        )
    return render(request, "cases/case/detail.html", case_page(user=request.user, case=case, access=access))


@login_required
@require_http_methods(["GET", "POST"])
def person_edit(request, reference: str):
    case, access = _case_and_access(request, reference)
    # The form shows and rewrites identity and contacts together, so it needs both in the party's scope.
    _require(access.can_edit and access.sees(DataCategory.IDENTITY) and access.sees(DataCategory.CONTACTS))
    if request.method == "POST":
        form = PersonForm(request.POST)
        saved = form.is_valid() and _attempt(
            form,
            lambda: person_update(by=request.user, case=case, person=form.person_data(), ip_address=client_ip(request)),
        )
        if saved:
            messages.success(request, gettext("The person's data was saved."))
            return _to_case(case)
    else:
        person_data_read(by=request.user, case=case, purpose=READ_PURPOSE_EDIT, ip_address=client_ip(request))
        form = PersonForm(initial=PersonForm.initial_for(case.person))
    return _form_page(request, "cases/case/person_edit.html", {"case": case, "form": form})


# --- Consent -------------------------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def consent_new(request, reference: str):
    case, access = _case_and_access(request, reference)
    _require(access.can_edit)
    form = ConsentForm(
        request.POST or None,
        workflow=case_workflow(case),
        is_child=case.is_child,
        institutions=InstitutionChoices(),
    )
    if request.method == "POST" and form.is_valid():
        recorded = _attempt(
            form,
            lambda: consent_ledger.consent_record(
                by=request.user, case=case, ip_address=client_ip(request), **form.service_arguments()
            ),
        )
        if recorded:
            messages.success(request, gettext("The consent was recorded."))
            return _to_case(case)
    return _form_page(request, "cases/case/consent_new.html", {"case": case, "form": form})


@login_required
@require_http_methods(["GET", "POST"])
def consent_withdraw(request, reference: str, consent_id: int):
    case, access = _case_and_access(request, reference)
    _require(access.can_edit)
    consent = next((c for c in case_consents(case=case) if c.pk == consent_id), None)
    if consent is None:
        raise Http404()
    if consent.withdrawn_at is not None:
        messages.info(request, gettext("This consent has already been withdrawn."))
        return _to_case(case)
    form = ConsentWithdrawForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        withdrawn = _attempt(
            form,
            lambda: consent_ledger.consent_withdraw(
                by=request.user, consent=consent, note=form.cleaned_data["note"], ip_address=client_ip(request)
            ),
        )
        if withdrawn:
            messages.success(request, gettext("The consent was withdrawn."))
            return _to_case(case)
    purpose = case_workflow(case).consent_purpose(consent.purpose)
    context = {
        "case": case,
        "form": form,
        "consent": consent,
        "purpose": localized(purpose.name) if purpose else consent.purpose,
    }
    return _form_page(request, "cases/case/consent_withdraw.html", context)


# --- Referral ------------------------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def referral_new(request, reference: str):
    case, access = _case_and_access(request, reference)
    _require(access.can_refer)
    institutions = InstitutionChoices(exclude=request.user.institution)
    # A suggestion on the case page links here with the institution's code (never anything about the person).
    suggested = request.GET.get("to", "")
    form = ReferralForm(
        request.POST or None,
        initial={"to_institution": suggested if suggested in institutions.by_code else ""},
        workflow=case_workflow(case),
        population=case.population,
        nationality=case.nationality,
        institutions=institutions,
    )
    if request.method == "POST" and form.is_valid():
        arguments = form.service_arguments()
        referral = _attempt(
            form,
            lambda: referral_send(by=request.user, case=case, ip_address=client_ip(request), **arguments),
        )
        if referral:
            messages.success(
                request,
                gettext("The referral was sent to %(institution)s.") % {"institution": referral.to_institution},
            )
            return _to_case(case)
    context = {"case": case, "form": form, "consent_missing": getattr(form, "refused_field", None) == "consent"}
    return _form_page(request, "cases/case/referral_new.html", context)


# --- A step of the workflow ----------------------------------------------------------------------------------


def _perform_step(*, by, case: Case, transition: str, form: TransitionForm, ip_address: str | None):
    """Perform the step with its decision document: a new file or one already attached (the service does both in
    one transaction, so a refused step keeps no document)."""
    data = form.cleaned_data
    upload = data.get("document")
    return case_transition_with_document(
        by=by,
        case=case,
        transition=transition,
        reason=data.get("reason", ""),
        checklist=data.get("checklist", []),
        filename=upload.name if upload else "",
        content_type=(upload.content_type or "") if upload else "",
        content=upload.read() if upload else None,
        document=form.chosen_document(),
        ip_address=ip_address,
    )


@login_required
@require_http_methods(["GET", "POST"])
def transition(request, reference: str, transition: str):
    case, access = _case_and_access(request, reference)
    workflow = case_workflow(case)
    rule = workflow.transition(transition)
    if rule is None or rule.trigger != "manual":
        raise Http404()
    _require(any(t.id == rule.id for t in access.transitions))
    sees_circumstances = access.sees(DataCategory.CIRCUMSTANCES)
    # Documents are part of the circumstances, and their file names often name the person: outside that scope the
    # form offers none (the service would refuse to cite one anyway).
    documents = case_documents(case=case) if rule.requires_document and sees_circumstances else []
    form = TransitionForm(
        request.POST or None,
        request.FILES or None,
        workflow=workflow,
        transition=rule,
        documents=documents,
        can_upload=access.can_edit and sees_circumstances,
    )
    if request.method == "POST" and form.is_valid():
        record = _attempt(
            form,
            lambda: _perform_step(
                by=request.user, case=case, transition=rule.id, form=form, ip_address=client_ip(request)
            ),
            field_map={"file": "document"},
        )
        if record:
            messages.success(request, gettext("Step recorded: %(step)s.") % {"step": localized(rule.name)})
            return _to_case(case)
    if form.documents:
        person_data_read(by=request.user, case=case, purpose=READ_PURPOSE_DOCUMENTS, ip_address=client_ip(request))
    consent = workflow.consent_purpose(rule.requires_consent) if rule.requires_consent else None
    target = workflow.state(rule.to)
    context = {
        "case": case,
        "form": form,
        "rule": rule,
        "sees_circumstances": sees_circumstances,
        "step_name": localized(rule.name),
        "step_help": localized(rule.help),
        "consent_name": localized(consent.name) if consent else "",
        "target_name": localized(target.name) if target else rule.to,
    }
    return _form_page(request, "cases/case/transition.html", context)


# --- Notes, tasks, documents ---------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def note_new(request, reference: str):
    case, access = _case_and_access(request, reference)
    _require(access.can_edit and access.sees(DataCategory.CIRCUMSTANCES))
    form = NoteForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        note = _attempt(
            form,
            lambda: work.note_add(
                by=request.user, case=case, body=form.cleaned_data["body"], ip_address=client_ip(request)
            ),
        )
        if note:
            messages.success(request, gettext("The note was added."))
            return _to_case(case)
    return _form_page(request, "cases/case/note_new.html", {"case": case, "form": form})


def _colleagues(user) -> list:
    return institution_staff(institution=user.institution, capability=Capability.CASES_VIEW)


@login_required
@require_http_methods(["GET", "POST"])
def task_new(request, reference: str):
    case, access = _case_and_access(request, reference)
    _require(access.can_edit)
    form = TaskForm(request.POST or None, colleagues=task_assignee_choices(user=request.user, case=case))
    if request.method == "POST" and form.is_valid():
        task = _attempt(
            form,
            lambda: work.task_create(
                by=request.user, case=case, ip_address=client_ip(request), **form.service_arguments()
            ),
        )
        if task:
            messages.success(request, gettext("The task was added."))
            return _to_case(case)
    context = {"case": case, "form": form, "supervises": request.user.has_capability(Capability.CASES_SUPERVISE)}
    return _form_page(request, "cases/case/task_new.html", context)


@login_required
@require_POST
def task_done(request, reference: str, task_id: int):
    case, access = _case_and_access(request, reference)
    _require(access.can_edit)
    try:
        task = access_task(case=case, task_id=task_id)
        work.task_complete(by=request.user, task=task, ip_address=client_ip(request))
    except NotFoundOrForbidden:
        raise Http404() from None
    except Forbidden:
        raise PermissionDenied from None
    except ApplicationError as error:
        messages.error(request, error.message)
        return _to_case(case)
    messages.success(request, gettext("The task is marked as done."))
    return _to_case(case)


@login_required
@require_http_methods(["GET", "POST"])
def document_new(request, reference: str):
    case, access = _case_and_access(request, reference)
    _require(access.can_edit and access.sees(DataCategory.CIRCUMSTANCES))
    form = DocumentForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        document = _attempt(
            form,
            lambda: work.document_upload(
                by=request.user,
                case=case,
                filename=upload.name,
                content_type=upload.content_type or "",
                content=upload.read(),
                ip_address=client_ip(request),
            ),
        )
        if document:
            messages.success(request, gettext("The document was attached."))
            return _to_case(case)
    return _form_page(request, "cases/case/document_new.html", {"case": case, "form": form})


@login_required
@require_GET
def document_download(request, reference: str, document_id: int):
    case, access = _case_and_access(request, reference)
    # Documents are part of the circumstances: outside the party's scope they do not exist for it.
    if not access.sees(DataCategory.CIRCUMSTANCES):
        raise Http404()
    try:
        document = access_document(case=case, document_id=document_id)
        work.document_download(by=request.user, document=document, ip_address=client_ip(request))
    except NotFoundOrForbidden:
        raise Http404() from None
    content = bytes(document.content)
    response = HttpResponse(content, content_type=document.content_type)
    # Always a download, never shown in the browser: a file a person uploaded must not run as a page of this site.
    response["Content-Disposition"] = content_disposition_header(as_attachment=True, filename=document.filename)
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response["Content-Length"] = str(len(content))
    return response


# --- Assignment ----------------------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def assign(request, reference: str):
    case, access = _case_and_access(request, reference)
    _require(access.can_edit and request.user.has_capability(Capability.CASES_SUPERVISE))
    assigned = case_assignees(case=case)
    assigned_ids = {user.pk for user in assigned}
    colleagues = [user for user in _colleagues(request.user) if user.pk not in assigned_ids]
    form = AssignForm(request.POST or None, colleagues=colleagues)
    if request.method == "POST" and form.is_valid():
        colleague = form.chosen()
        assignment = _attempt(
            form,
            lambda: case_assign(by=request.user, case=case, user=colleague, ip_address=client_ip(request)),
        )
        if assignment:
            messages.success(request, gettext("%(name)s was assigned to the case.") % {"name": person_name(colleague)})
            return _to_case(case)
    own = request.user.institution
    context = {
        "case": case,
        "form": form,
        "assigned": [user for user in assigned if user.institution and user.institution.pk == own.pk],
    }
    return _form_page(request, "cases/case/assign.html", context)
