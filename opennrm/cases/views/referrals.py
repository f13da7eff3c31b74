"""A referral as the receiving institution sees it before answering, and the answers to it.

Until it accepts, the receiving institution sees what the referral says and the case's facts that identify no one,
never who the person is: that comes with acceptance, within the referral's data scope, on the case page.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from opennrm.audit.services import client_ip
from opennrm.cases.forms.case import DeclineForm
from opennrm.cases.models import ExploitationForm, Nationality, Population, Referral
from opennrm.cases.selectors import (
    access_case,
    access_referral,
    can_receive_referrals,
    case_workflow,
    referral_texts_visible,
)
from opennrm.cases.services.reads import referral_read
from opennrm.cases.services.referrals import referral_accept, referral_decline, referral_review, referral_withdraw
from opennrm.cases.wording import label, scope_labels, when
from opennrm.core.capabilities import Capability
from opennrm.core.errors import ApplicationError, Forbidden, NotFoundOrForbidden
from opennrm.core.i18n import localized


def _referral(request, referral_id: int) -> Referral:
    try:
        return access_referral(user=request.user, referral_id=referral_id)
    except NotFoundOrForbidden:
        raise Http404() from None


def _may_answer(user, referral: Referral) -> bool:
    institution = user.institution
    return (
        institution is not None
        and referral.to_institution_id == institution.pk
        and referral.status == Referral.Status.SENT
        and can_receive_referrals(user, case_workflow(referral.case))
    )


def _may_withdraw(user, referral: Referral) -> bool:
    institution = user.institution
    return (
        institution is not None
        and referral.from_institution_id == institution.pk
        and referral.status == Referral.Status.SENT
        and user.has_capability(Capability.CASES_EDIT)
    )


def _may_review(user, referral: Referral) -> bool:
    if not referral.needs_review:
        return False
    own = user.institution is not None and user.institution.pk == referral.from_institution_id
    return user.has_capability(Capability.AUDIT_VIEW_ALL) or (user.has_capability(Capability.AUDIT_VIEW) and own)


def _opens_case(user, referral: Referral) -> bool:
    try:
        access_case(user=user, case_id=referral.case_id)
    except NotFoundOrForbidden:
        return False
    return True


def _detail_context(request, referral: Referral) -> dict:
    case = referral.case
    workflow = case_workflow(case)
    purpose = workflow.consent_purpose(referral.purpose)
    exception = workflow.legal_duty_exception(referral.legal_duty_exception) if referral.legal_duty_exception else None
    user = request.user
    return {
        "referral": referral,
        "case": case,
        "purpose": localized(purpose.name) if purpose else referral.purpose,
        "urgency": label(Referral.Urgency.choices, referral.urgency),
        "status": label(Referral.Status.choices, referral.status),
        "sent": when(referral.sent_at, with_time=True),
        "due": when(referral.due_at, with_time=True),
        "is_overdue": referral.status == Referral.Status.SENT and referral.due_at < timezone.now(),
        "population": label(Population.choices, case.population),
        "nationality": label(Nationality.choices, case.nationality),
        "forms": [label(ExploitationForm.choices, form) for form in case.forms],
        "scope": scope_labels(referral.data_scope),
        "exception_name": localized(exception.name) if exception else "",
        # The message, the justification and the decline reason describe the person: the same rule as the API's.
        "texts_visible": referral_texts_visible(user=user, referral=referral),
        "can_answer": _may_answer(user, referral),
        "can_withdraw": _may_withdraw(user, referral),
        "can_review": _may_review(user, referral),
        "opens_case": _opens_case(user, referral),
    }


@login_required
@require_GET
def detail(request, referral_id: int):
    referral = _referral(request, referral_id)
    context = _detail_context(request, referral)
    # After the checks above and before anything is shown: opening a referral is a read of what it says.
    referral_read(by=request.user, referral=referral, ip_address=client_ip(request))
    return render(request, "cases/referrals/detail.html", context)


def _answer_refused(request, referral_id: int, error: ApplicationError):
    if isinstance(error, NotFoundOrForbidden):
        raise Http404()
    if isinstance(error, Forbidden):
        raise PermissionDenied
    messages.error(request, error.message)
    return redirect("cases:referral", referral_id=referral_id)


@login_required
@require_POST
def accept(request, referral_id: int):
    try:
        referral = referral_accept(by=request.user, referral_id=referral_id, ip_address=client_ip(request))
    except ApplicationError as error:
        return _answer_refused(request, referral_id, error)
    messages.success(
        request, gettext("You accepted the referral. Your institution now takes part in the case and you are assigned.")
    )
    return redirect("cases:detail", reference=referral.case.reference)


@login_required
@require_http_methods(["GET", "POST"])
def decline(request, referral_id: int):
    referral = _referral(request, referral_id)
    if not _may_answer(request.user, referral):
        raise PermissionDenied
    form = DeclineForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            referral_decline(
                by=request.user,
                referral_id=referral_id,
                reason=form.cleaned_data["reason"],
                ip_address=client_ip(request),
            )
        except (NotFoundOrForbidden, Forbidden) as error:
            return _answer_refused(request, referral_id, error)
        except ApplicationError as error:
            form.add_application_error(error)
        else:
            messages.success(request, gettext("You declined the referral. The sending institution is told why."))
            return redirect("cases:inbox")
    context = {**_detail_context(request, referral), "form": form}
    return render(request, "cases/referrals/decline.html", context, status=400 if form.errors else 200)


@login_required
@require_POST
def withdraw(request, referral_id: int):
    referral = _referral(request, referral_id)
    try:
        referral_withdraw(by=request.user, referral_id=referral_id, ip_address=client_ip(request))
    except ApplicationError as error:
        return _answer_refused(request, referral_id, error)
    messages.success(request, gettext("The referral was withdrawn."))
    return redirect("cases:detail", reference=referral.case.reference)


@login_required
@require_POST
def review(request, referral_id: int):
    # Reviewers hold audit rights, not case rights: the service alone decides who may review what.
    try:
        referral_review(by=request.user, referral_id=referral_id, ip_address=client_ip(request))
    except NotFoundOrForbidden:
        raise Http404() from None
    except Forbidden:
        raise PermissionDenied from None
    messages.success(request, gettext("The referral is marked as reviewed."))
    return redirect("cases:reviews")
