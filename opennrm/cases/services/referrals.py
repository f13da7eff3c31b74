"""Referrals between institutions: sent only on a matching consent (or a documented legal duty), answered only by
the receiving institution's staff holding a receiving role, withdrawn only by the sender before an answer."""

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext

from opennrm.cases.models import Assignment, Case, CaseParty, Consent, DataCategory, Deadline, Referral
from opennrm.cases.selectors import (
    case_assignees,
    case_workflow,
    consents_matching,
    institution_staff,
    party_of,
)
from opennrm.cases.services.common import (
    acting_institution,
    case_audit,
    case_event,
    category_names,
    data_categories_clean,
    lock_case,
    notify,
    referrals_withdraw_waiting,
    require_editable,
    require_within_own_scope,
)
from opennrm.cases.services.transitions import case_trigger
from opennrm.cases.workflow import deadline_due
from opennrm.core.capabilities import Capability
from opennrm.core.errors import ApplicationError, Forbidden, NotFoundOrForbidden
from opennrm.directory.models import Institution
from opennrm.stats.services.facts import case_fact_refresh

MESSAGE_MAX = 5000
JUSTIFICATION_MIN = 20
DECLINE_REASON_MIN = 5


def _roles(by) -> set[str]:
    return {role.code for role in by.active_roles()}


def _consent_for(*, case: Case, purpose: str, recipient: Institution, scope: list[str]) -> Consent | None:
    """The newest valid consent for this purpose and recipient that covers every category asked for."""
    for consent in consents_matching(case=case, purpose=purpose, recipient=recipient).order_by("-created_at", "-pk"):
        if set(scope) <= set(consent.data_categories):
            return consent
    return None


def referral_send(
    *,
    by,
    case: Case,
    to_institution: Institution,
    purpose: str,
    urgency: str = Referral.Urgency.NORMAL,
    message: str = "",
    data_scope=(),
    legal_duty_exception: str = "",
    legal_duty_justification: str = "",
    ip_address: str | None = None,
) -> Referral:
    """Refer the case to another institution, with the data its consent (or a legal duty) allows."""
    institution = require_editable(by=by, case=case)
    workflow = case_workflow(case)
    rules = workflow.referral
    if not _roles(by).intersection(rules.sender_roles):
        raise Forbidden(gettext("Your role does not allow sending referrals."))
    if case.state_kind != "open":
        raise ApplicationError(gettext("An ended case cannot be referred."), field="case")
    if to_institution is None or not to_institution.is_active:
        raise ApplicationError(gettext("Choose an institution that is in the directory."), field="to_institution")
    if to_institution.pk == institution.pk:
        raise ApplicationError(gettext("A case cannot be referred to your own institution."), field="to_institution")
    if purpose not in rules.purposes:
        raise ApplicationError(gettext("Choose what the referral is for."), field="purpose")
    if urgency not in Referral.Urgency.values:
        raise ApplicationError(gettext("Choose how urgent the referral is."), field="urgency")
    if len(message or "") > MESSAGE_MAX:
        raise ApplicationError(gettext("The message is too long."), field="message")
    scope = data_categories_clean(data_scope, field="data_scope")
    if (message or "").strip() and DataCategory.CIRCUMSTANCES not in scope:
        # A message says what happened to the person: it may go only where the circumstances may.
        raise ApplicationError(
            gettext(
                "A message can go only with a referral that passes on the circumstances. Add the circumstances to "
                "the data, or leave the message empty."
            ),
            field="message",
        )
    consent = None
    exception = None
    if legal_duty_exception:
        exception = workflow.legal_duty_exception(legal_duty_exception)
        if exception is None or (
            exception.applies_to is not None
            and not exception.applies_to.matches(population=case.population, nationality=case.nationality)
        ):
            raise ApplicationError(
                gettext("This legal duty does not apply to this case."), field="legal_duty_exception"
            )
        if to_institution.type.code not in exception.recipient_types:
            raise ApplicationError(
                gettext("This legal duty does not allow referring to this institution."), field="to_institution"
            )
        if exception.purposes is not None and purpose not in exception.purposes:
            raise ApplicationError(
                gettext("This legal duty does not cover a referral for this purpose."), field="purpose"
            )
        covered = scope if exception.data_scope is None else exception.data_scope
        beyond_duty = [category for category in scope if category not in covered]
        if beyond_duty:
            raise ApplicationError(
                gettext("This legal duty does not allow passing on: %(categories)s.")
                % {"categories": category_names(beyond_duty)},
                field="data_scope",
            )
        if len((legal_duty_justification or "").strip()) < JUSTIFICATION_MIN:
            raise ApplicationError(
                gettext("Explain in at least %(min)d characters why the law requires the referral without consent.")
                % {"min": JUSTIFICATION_MIN},
                field="legal_duty_justification",
            )
        if len(legal_duty_justification or "") > MESSAGE_MAX:
            raise ApplicationError(gettext("The justification is too long."), field="legal_duty_justification")
    response_rule = workflow.deadline(rules.response_deadline)
    with transaction.atomic():
        case = lock_case(case.pk)
        if case.state_kind != "open":
            raise ApplicationError(gettext("An ended case cannot be referred."), field="case")
        if party_of(case=case, institution=to_institution) is not None:
            raise ApplicationError(gettext("This institution already takes part in the case."), field="to_institution")
        if Referral.objects.filter(case=case, to_institution=to_institution, status=Referral.Status.SENT).exists():
            raise ApplicationError(
                gettext("A referral to this institution is already waiting for an answer."), field="to_institution"
            )
        # Read under the case lock, which a consent's withdrawal (narrowing a party's data) also takes. Neither a
        # consent nor a legal duty lets an institution pass on data it may not see itself.
        require_within_own_scope(
            case=case,
            institution=institution,
            categories=scope,
            message=gettext("Your institution may not see this data itself, so it cannot pass it on: %(categories)s."),
            field="data_scope",
        )
        if exception is None:
            # Looked up under the case lock, which a consent's withdrawal also takes: a consent withdrawn a moment
            # ago is never used.
            consent = _consent_for(case=case, purpose=purpose, recipient=to_institution, scope=scope)
            if consent is None:
                # Enforced here, on the server, whatever the interface shows: no consent, no referral.
                raise ApplicationError(
                    gettext(
                        "There is no valid consent of the person for this purpose, this recipient and this data. "
                        "Record the consent first."
                    ),
                    field="consent",
                )
        now = timezone.now()
        due_at = deadline_due(response_rule, starts_at=now, urgent=urgency == Referral.Urgency.URGENT)
        referral = Referral.objects.create(
            case=case,
            from_institution=institution,
            to_institution=to_institution,
            purpose=purpose,
            urgency=urgency,
            message=(message or "").strip(),
            data_scope=scope,
            consent=consent,
            legal_duty_exception=exception.id if exception else "",
            legal_duty_justification=(legal_duty_justification or "").strip() if exception else "",
            needs_review=exception is not None,
            sent_by=by,
            sent_at=now,
            due_at=due_at,
        )
        Deadline.objects.create(
            case=case,
            kind=response_rule.id,
            referral=referral,
            responsible_institution=to_institution,
            starts_at=now,
            due_at=due_at,
        )
        details = {
            "referral": referral.pk,
            "to": to_institution.code,
            "purpose": purpose,
            "urgency": urgency,
            "data_scope": scope,
            "consent": consent.pk if consent else None,
            "legal_duty_exception": referral.legal_duty_exception,
        }
        case_event(case=case, kind="referral.sent", by=by, details=details)
        case_audit(
            action="referral.sent",
            case=case,
            by=by,
            new_values={**details, "flagged": referral.needs_review},
            ip_address=ip_address,
        )
        if case_trigger(case=case, trigger="referral_sent", by=by, ip_address=ip_address) is None:
            # A step taken refreshes the statistics itself.
            case_fact_refresh(case=case)
        notify(
            users=institution_staff(institution=to_institution, roles=rules.receiving_roles),
            kind="referral.received",
            case=case,
            key=f"referral:{referral.pk}",
            details={"referral": referral.pk, "urgency": urgency},
        )
    return referral


def _incoming(*, by, referral_id: int) -> Referral:
    """The referral if `by` belongs to the receiving institution and holds a receiving role (else refused)."""
    referral = (
        Referral.objects.select_related("case__model_version", "to_institution__type", "from_institution")
        .defer("case__model_version__content")
        .filter(pk=referral_id)
        .first()
    )
    institution = by.institution
    if (
        referral is None
        or institution is None
        or referral.to_institution_id != institution.pk
        or not by.has_capability(Capability.CASES_VIEW)
    ):
        raise NotFoundOrForbidden()
    if not _roles(by).intersection(case_workflow(referral.case).referral.receiving_roles):
        raise Forbidden(gettext("Only staff with a receiving role can answer a referral."))
    return referral


def _lock_waiting(referral: Referral) -> tuple[Case, Referral]:
    """The case and then the referral locked (the order every case service keeps); refused if already answered.

    Two people answering at once take turns at the case lock; the second finds the referral answered.
    """
    case = lock_case(referral.case_id)
    locked = (
        Referral.objects.select_for_update(of=("self",))
        .select_related("to_institution__type", "from_institution")
        .get(pk=referral.pk)
    )
    if locked.status != Referral.Status.SENT:
        raise ApplicationError(
            gettext("This referral has already been answered or withdrawn."),
            field="status",
            extra={"status": locked.status},
        )
    locked.case = case
    return case, locked


def _sending_side(referral: Referral) -> list:
    """Who hears the answer: the sending institution's workers on the case, or the sender if none is left."""
    assigned = [
        u
        for u in case_assignees(case=referral.case)
        if u.unit_id and u.unit.institution_id == referral.from_institution_id
    ]
    return assigned or [referral.sent_by]


def _close_response_deadline(referral: Referral, now) -> None:
    Deadline.objects.filter(referral=referral, status=Deadline.Status.RUNNING).update(
        status=Deadline.Status.MET, ended_at=now, updated_at=now
    )


def referral_accept(*, by, referral_id: int, ip_address: str | None = None) -> Referral:
    """Accept a referral: the institution becomes a party with the referral's data scope, `by` is assigned."""
    referral = _incoming(by=by, referral_id=referral_id)
    with transaction.atomic():
        case, referral = _lock_waiting(referral)
        now = timezone.now()
        referral.status = Referral.Status.ACCEPTED
        referral.answered_by = by
        referral.answered_at = now
        referral.save(update_fields=["status", "answered_by", "answered_at", "updated_at"])
        _close_response_deadline(referral, now)
        party, created = CaseParty.objects.get_or_create(
            case=case,
            institution=referral.to_institution,
            defaults={"reason": CaseParty.Reason.REFERRAL, "data_scope": referral.data_scope, "joined_at": now},
        )
        if not created:
            # An institution that took part before (or was involved meanwhile) now also sees what this referral
            # carries.
            party.data_scope = sorted(set(party.data_scope) | set(referral.data_scope))
            party.left_at = None
            party.save(update_fields=["data_scope", "left_at", "updated_at"])
        Assignment.objects.get_or_create(case=case, user=by, ended_at=None, defaults={"assigned_by": by})
        details = {"referral": referral.pk, "institution": referral.to_institution.code}
        case_event(case=case, kind="referral.accepted", by=by, details=details)
        case_audit(action="referral.accepted", case=case, by=by, new_values=details, ip_address=ip_address)
        if case_trigger(case=case, trigger="referral_accepted", by=by, ip_address=ip_address) is None:
            case_fact_refresh(case=case)
        notify(
            users=_sending_side(referral),
            kind="referral.accepted",
            case=case,
            key=f"referral-accepted:{referral.pk}",
            details={"referral": referral.pk},
        )
    return referral


def referral_decline(*, by, referral_id: int, reason: str, ip_address: str | None = None) -> Referral:
    """Decline a referral, with the reason the sender will read."""
    reason = (reason or "").strip()
    if len(reason) < DECLINE_REASON_MIN:
        raise ApplicationError(gettext("Give the reason for declining."), field="reason")
    if len(reason) > MESSAGE_MAX:
        raise ApplicationError(gettext("The reason is too long."), field="reason")
    referral = _incoming(by=by, referral_id=referral_id)
    with transaction.atomic():
        case, referral = _lock_waiting(referral)
        now = timezone.now()
        referral.status = Referral.Status.DECLINED
        referral.answered_by = by
        referral.answered_at = now
        referral.decline_reason = reason
        referral.save(update_fields=["status", "answered_by", "answered_at", "decline_reason", "updated_at"])
        _close_response_deadline(referral, now)
        details = {"referral": referral.pk, "institution": referral.to_institution.code}
        case_event(case=case, kind="referral.declined", by=by, details=details)
        case_audit(action="referral.declined", case=case, by=by, new_values=details, ip_address=ip_address)
        case_fact_refresh(case=case)
        notify(
            users=_sending_side(referral),
            kind="referral.declined",
            case=case,
            key=f"referral-declined:{referral.pk}",
            details={"referral": referral.pk},
        )
    return referral


def referral_withdraw(*, by, referral_id: int, ip_address: str | None = None) -> Referral:
    """The sending institution takes back a referral that has not been answered yet."""
    referral = (
        Referral.objects.select_related("case__model_version")
        .defer("case__model_version__content")
        .filter(pk=referral_id)
        .first()
    )
    institution = acting_institution(by)
    if referral is None or referral.from_institution_id != institution.pk:
        raise NotFoundOrForbidden()
    require_editable(by=by, case=referral.case)
    with transaction.atomic():
        case = lock_case(referral.case_id)
        referral = Referral.objects.select_for_update(of=("self",)).select_related("to_institution").get(pk=referral.pk)
        if referral.status != Referral.Status.SENT:
            raise ApplicationError(
                gettext("Only a referral still waiting for an answer can be withdrawn."), field="status"
            )
        referral.case = case
        referrals_withdraw_waiting(referrals=[referral], by=by, cause="sender", ip_address=ip_address)
        case_fact_refresh(case=case)
    return referral


def referral_review(*, by, referral_id: int, ip_address: str | None = None) -> Referral:
    """Someone with audit rights confirms they have read a legal-duty referral's justification."""
    with transaction.atomic():
        referral = (
            Referral.objects.select_for_update(of=("self",))
            .select_related("case")
            .filter(pk=referral_id, needs_review=True)
            .first()
        )
        if referral is None:
            raise NotFoundOrForbidden()
        own = by.institution is not None and by.institution.pk == referral.from_institution_id
        if not (by.has_capability(Capability.AUDIT_VIEW_ALL) or (by.has_capability(Capability.AUDIT_VIEW) and own)):
            raise NotFoundOrForbidden()
        if referral.sent_by_id == by.pk:
            raise Forbidden(gettext("A referral you sent must be reviewed by someone else."))
        referral.needs_review = False
        referral.reviewed_by = by
        referral.reviewed_at = timezone.now()
        referral.save(update_fields=["needs_review", "reviewed_by", "reviewed_at", "updated_at"])
        case_audit(
            action="referral.reviewed",
            case=referral.case,
            by=by,
            purpose="audit review",
            new_values={"referral": referral.pk},
            ip_address=ip_address,
        )
    return referral
