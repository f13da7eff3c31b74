"""Cases and referrals over JSON (mounted at /api/v1/): the same services and selectors as the web pages.

A case the caller may not see answers 404 exactly like a case that does not exist. Known but not allowed answers
403; a request the rules refuse answers 400 naming the field (opennrm.api.errors maps the domain errors). No
personal data travels in a URL: cases and referrals are addressed by number, people only inside request bodies.
"""

from __future__ import annotations

from django.utils import timezone
from django.utils.translation import gettext, gettext_lazy
from ninja import Path, Query, Router
from ninja.responses import Status

from opennrm.api.auth import api_auth
from opennrm.audit.services import client_ip
from opennrm.cases import lookups, selectors
from opennrm.cases.answers import (
    Workflows,
    access_out,
    case_summary_out,
    consent_out,
    deadline_out,
    inbox_deadline_out,
    inbox_referral_out,
    inbox_task_out,
    party_out,
    person_out,
    referral_out,
    timeline_event_out,
)
from opennrm.cases.models import Case, DataCategory, Referral
from opennrm.cases.schemas import (
    MAX_ID,
    CaseFilters,
    CaseOpenIn,
    CaseOut,
    CasePageOut,
    ConsentIn,
    ConsentOut,
    DeclineIn,
    ErrorOut,
    InboxOut,
    ReferralIn,
    ReferralOut,
    TimelineEventOut,
    TransitionIn,
    TransitionOut,
)
from opennrm.cases.services.cases import PersonData, case_open, person_data_read
from opennrm.cases.services.consent import consent_record
from opennrm.cases.services.referrals import referral_accept, referral_decline, referral_send, referral_withdraw
from opennrm.cases.services.transitions import case_transition
from opennrm.core.capabilities import Capability
from opennrm.core.errors import ApplicationError, Forbidden

router = Router(tags=["cases"], auth=api_auth)

# Stored as data in the audit log, not shown as interface text, so it is kept in one language.
PERSON_READ_PURPOSE = "case API"

NOT_CASE_STAFF = gettext_lazy("Your role does not allow working with cases.")
NOT_CASE_OPENER = gettext_lazy("Your role does not allow opening cases.")
NOT_CASE_EDITOR = gettext_lazy("Your role does not allow changing cases.")
NOT_ADDRESSEE = gettext_lazy("Only the institution a referral is addressed to can answer it.")
NOT_SENDER = gettext_lazy("Only the institution that sent a referral can withdraw it.")

CASE_ERRORS = {400: ErrorOut, 403: ErrorOut, 404: ErrorOut}


def _require(user, capability: str, message) -> None:
    # The coarse check of the endpoint; which cases and which data remain the selectors' and services' business.
    if not user.has_capability(capability):
        raise Forbidden(str(message))


def _case(request, case_id: int) -> Case:
    return selectors.access_case(user=request.auth, case_id=case_id)


def _case_out(request, case: Case) -> CaseOut:
    """The case as the caller may see it; reading the person's identity or contacts is audited first."""
    user = request.auth
    access = selectors.case_access(user=user, case=case)
    identity = access.sees(DataCategory.IDENTITY)
    contacts = access.sees(DataCategory.CONTACTS)
    if identity or contacts:
        person_data_read(by=user, case=case, purpose=PERSON_READ_PURPOSE, ip_address=client_ip(request))
    workflows = Workflows()
    summary = case_summary_out(case, workflows)
    return CaseOut(
        **summary.model_dump(),
        model_version=case.model_version.number,
        forms=case.forms,
        countries=case.countries,
        screening=case.screening_id,
        person=person_out(getattr(case, "person", None), identity=identity, contacts=contacts),
        parties=[party_out(party) for party in selectors.case_parties(case=case)],
        deadlines=[deadline_out(d, case, workflows) for d in selectors.case_deadlines(case=case)],
        consents=[consent_out(consent) for consent in selectors.case_consents(case=case)],
        referrals=[referral_out(r, user=user, case=case) for r in selectors.case_referrals(case=case)],
        access=access_out(access),
    )


def _referral(request, referral_id: int) -> Referral:
    return selectors.access_referral(user=request.auth, referral_id=referral_id)


def _answered_referral(request, referral: Referral) -> ReferralOut:
    # Re-read through the selector: after an answer the caller may see more (or less) of it than before.
    return referral_out(_referral(request, referral.pk), user=request.auth)


@router.post(
    "/cases",
    response={201: CaseOut, 400: ErrorOut, 403: ErrorOut},
    summary="Open a case for a presumed victim",
    description="The caller's institution becomes the recognising institution and the caller is assigned.",
)
def open_case(request, payload: CaseOpenIn):
    user = request.auth
    # Whoever opens a case is assigned to it and must be able to open it afterwards.
    _require(user, Capability.CASES_VIEW, NOT_CASE_OPENER)
    _require(user, Capability.CASES_EDIT, NOT_CASE_OPENER)
    person = payload.person
    case = case_open(
        by=user,
        population=payload.population,
        nationality=payload.nationality,
        person=PersonData(**person.model_dump()),
        municipality=lookups.municipality_by_code(payload.municipality),
        forms=list(payload.forms),
        countries=list(payload.countries),
        screening=lookups.screening_by_id(payload.screening),
        ip_address=client_ip(request),
    )
    return Status(201, _case_out(request, case))


@router.get(
    "/cases",
    response={200: CasePageOut, 400: ErrorOut, 403: ErrorOut},
    summary="Cases the caller may see, newest first",
    description="Keyset pagination: pass the `next_cursor` of a page as `cursor` to get the next one.",
)
def list_cases(request, filters: Query[CaseFilters]):
    user = request.auth
    _require(user, Capability.CASES_VIEW, NOT_CASE_STAFF)
    try:
        page = selectors.case_list(
            user=user,
            state=filters.state,
            state_kind=filters.state_kind,
            population=filters.population,
            reference=filters.reference,
            cursor=filters.cursor,
            limit=filters.limit,
        )
    except ValueError as error:
        raise ApplicationError(gettext("This cursor was not given out by this list."), field="cursor") from error
    workflows = Workflows()
    return CasePageOut(items=[case_summary_out(c, workflows) for c in page.cases], next_cursor=page.next_cursor)


@router.get("/cases/{case_id}", response={200: CaseOut, 404: ErrorOut}, summary="One case")
def get_case(request, case_id: int = Path(..., ge=1, le=MAX_ID)):
    return _case_out(request, _case(request, case_id))


@router.get(
    "/cases/{case_id}/timeline",
    response={200: list[TimelineEventOut], 404: ErrorOut},
    summary="Everything that happened on a case, oldest first",
)
def get_case_timeline(request, case_id: int = Path(..., ge=1, le=MAX_ID)):
    case = _case(request, case_id)
    return [timeline_event_out(event) for event in selectors.case_timeline(case=case)]


@router.post(
    "/cases/{case_id}/consents",
    response={201: ConsentOut, **CASE_ERRORS},
    summary="Record the person's consent",
)
def record_consent(request, payload: ConsentIn, case_id: int = Path(..., ge=1, le=MAX_ID)):
    user = request.auth
    case = _case(request, case_id)
    _require(user, Capability.CASES_EDIT, NOT_CASE_EDITOR)
    consent = consent_record(
        by=user,
        case=case,
        purpose=payload.purpose,
        method=payload.method,
        given_on=payload.given_on,
        data_categories=list(payload.data_categories),
        given_by=payload.given_by,
        recipient_institution=lookups.institution_by_code(payload.recipient_institution, field="recipient_institution"),
        recipient_type=payload.recipient_type or "",
        giver_details=payload.giver_details,
        ip_address=client_ip(request),
    )
    return Status(201, consent_out(consent))


@router.post(
    "/cases/{case_id}/referrals",
    response={201: ReferralOut, **CASE_ERRORS},
    summary="Refer the case to another institution",
    description="Refused without a valid consent for the purpose, the recipient and the data scope, unless a "
    "legal-duty exception of the workflow applies (then audited and flagged for review).",
)
def send_referral(request, payload: ReferralIn, case_id: int = Path(..., ge=1, le=MAX_ID)):
    user = request.auth
    case = _case(request, case_id)
    _require(user, Capability.CASES_EDIT, NOT_CASE_EDITOR)
    to_institution = lookups.institution_by_code(payload.to_institution, field="to_institution")
    referral = referral_send(
        by=user,
        case=case,
        to_institution=to_institution,
        purpose=payload.purpose,
        urgency=payload.urgency,
        message=payload.message,
        data_scope=list(payload.data_scope),
        legal_duty_exception=payload.legal_duty_exception or "",
        legal_duty_justification=payload.legal_duty_justification,
        ip_address=client_ip(request),
    )
    return Status(201, _answered_referral(request, referral))


@router.post(
    "/referrals/{referral_id}/accept",
    response={200: ReferralOut, **CASE_ERRORS},
    summary="Accept a referral to the caller's institution",
    description="The institution becomes a party to the case, with the referral's data scope; the caller is assigned.",
)
def accept_referral(request, referral_id: int = Path(..., ge=1, le=MAX_ID)):
    user = request.auth
    referral = _referral(request, referral_id)
    if referral.to_institution_id != getattr(user.institution, "pk", None):
        raise Forbidden(str(NOT_ADDRESSEE))
    referral = referral_accept(by=user, referral_id=referral.pk, ip_address=client_ip(request))
    return _answered_referral(request, referral)


@router.post(
    "/referrals/{referral_id}/decline",
    response={200: ReferralOut, **CASE_ERRORS},
    summary="Decline a referral to the caller's institution, with a reason",
)
def decline_referral(request, payload: DeclineIn, referral_id: int = Path(..., ge=1, le=MAX_ID)):
    user = request.auth
    referral = _referral(request, referral_id)
    if referral.to_institution_id != getattr(user.institution, "pk", None):
        raise Forbidden(str(NOT_ADDRESSEE))
    referral = referral_decline(by=user, referral_id=referral.pk, reason=payload.reason, ip_address=client_ip(request))
    # Not read again through the selector: a declined referral is no longer open to the institution that declined
    # it (it is no party to the case), yet the answer to its own request says what became of it.
    return referral_out(referral, user=user)


@router.post(
    "/referrals/{referral_id}/withdraw",
    response={200: ReferralOut, **CASE_ERRORS},
    summary="Withdraw a referral the caller's institution sent, before it is answered",
)
def withdraw_referral(request, referral_id: int = Path(..., ge=1, le=MAX_ID)):
    user = request.auth
    referral = _referral(request, referral_id)
    if referral.from_institution_id != getattr(user.institution, "pk", None):
        raise Forbidden(str(NOT_SENDER))
    _require(user, Capability.CASES_EDIT, NOT_CASE_EDITOR)
    referral = referral_withdraw(by=user, referral_id=referral.pk, ip_address=client_ip(request))
    return _answered_referral(request, referral)


@router.post(
    "/cases/{case_id}/transitions",
    response={200: TransitionOut, **CASE_ERRORS},
    summary="Take a step of the case's workflow",
    description="Who may take which step, and what it needs (consent, reasons, a checklist, a decision "
    "document), comes from the workflow of the model version the case started under.",
)
def perform_transition(request, payload: TransitionIn, case_id: int = Path(..., ge=1, le=MAX_ID)):
    user = request.auth
    case = _case(request, case_id)
    document = lookups.document_of_case(case, payload.document_id)
    try:
        record = case_transition(
            by=user,
            case=case,
            transition=payload.transition,
            reason=payload.reason,
            checklist=list(payload.checklist),
            document=document,
            ip_address=client_ip(request),
        )
    except ApplicationError as error:
        # The service names the document it misses "document"; here the client sends it as `document_id`.
        if error.field == "document" and type(error) is ApplicationError:
            raise ApplicationError(error.message, field="document_id", extra=error.extra) from error
        raise
    return TransitionOut(
        id=record.pk,
        transition=record.transition,
        from_state=record.from_state,
        to_state=record.to_state,
        performed_at=record.performed_at,
        case=case_summary_out(record.case, Workflows()),
    )


@router.get(
    "/inbox",
    response={200: InboxOut, 403: ErrorOut},
    summary="What waits for the caller: referrals to answer, deadlines, tasks",
    description="Case references and codes only; no personal data.",
)
def get_inbox(request):
    user = request.auth
    _require(user, Capability.CASES_VIEW, NOT_CASE_STAFF)
    waiting = selectors.inbox(user=user)
    workflows = Workflows()
    now = timezone.now()
    return InboxOut(
        referrals=[inbox_referral_out(referral, now=now) for referral in waiting.referrals],
        deadlines=[inbox_deadline_out(deadline, workflows) for deadline in waiting.deadlines],
        tasks=[inbox_task_out(task) for task in waiting.tasks],
    )
