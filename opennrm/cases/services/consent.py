"""The consent ledger: who agreed that which data may go to whom for what, and its withdrawal.

Nothing is ever deleted from the ledger: a withdrawn consent stays, with when and by whom, so that it can be shown
later what a referral rested on at the time it was sent.
"""

from datetime import date

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext

from opennrm.cases.models import Case, Consent, DataCategory, Referral
from opennrm.cases.selectors import case_workflow
from opennrm.cases.services.common import (
    case_audit,
    case_event,
    lock_case,
    referrals_withdraw_waiting,
    require_editable,
)
from opennrm.core.errors import ApplicationError
from opennrm.directory.models import Institution, InstitutionType

DETAILS_MAX = 500
NOTE_MAX = 5000


def _check_categories(categories) -> list[str]:
    chosen = []
    for category in categories or []:
        if category not in DataCategory.values:
            raise ApplicationError(
                gettext("“%(value)s” is not a category of data.") % {"value": category}, field="data_categories"
            )
        if category not in chosen:
            chosen.append(category)
    return chosen


def consent_record(
    *,
    by,
    case: Case,
    purpose: str,
    method: str,
    given_on: date,
    data_categories=(),
    given_by: str = Consent.Giver.PERSON,
    recipient_institution: Institution | None = None,
    recipient_type: str = "",
    giver_details: str = "",
    ip_address: str | None = None,
) -> Consent:
    """Record a consent given for the case's person; for a child, only by whom the pack allows."""
    institution = require_editable(by=by, case=case)
    workflow = case_workflow(case)
    if workflow.consent_purpose(purpose) is None:
        raise ApplicationError(gettext("Choose what the consent is for."), field="purpose")
    if method not in Consent.Method.values:
        raise ApplicationError(gettext("Choose how the consent was given."), field="method")
    if given_by not in Consent.Giver.values:
        raise ApplicationError(gettext("Choose who gave the consent."), field="given_by")
    if case.is_child and given_by not in workflow.child.consent_by:
        raise ApplicationError(
            gettext("For a child, consent is given by the legal representative or the orphan's court."),
            field="given_by",
        )
    if not case.is_child and given_by != Consent.Giver.PERSON:
        raise ApplicationError(gettext("An adult gives consent themselves."), field="given_by")
    if given_on is None or given_on > timezone.localdate():
        raise ApplicationError(gettext("Give the date of the consent; it cannot be in the future."), field="given_on")
    if (recipient_institution is None) == (not recipient_type):
        raise ApplicationError(
            gettext("Name either the institution or the kind of institution the data may go to."),
            field="recipient_institution",
        )
    if recipient_type and not InstitutionType.objects.filter(code=recipient_type, is_active=True).exists():
        raise ApplicationError(gettext("Choose a kind of institution from the list."), field="recipient_type")
    if recipient_institution is not None and not recipient_institution.is_active:
        raise ApplicationError(
            gettext("Choose an institution that is in the directory."), field="recipient_institution"
        )
    if len(giver_details or "") > DETAILS_MAX:
        raise ApplicationError(gettext("The details of who gave the consent are too long."), field="giver_details")
    categories = _check_categories(data_categories)
    with transaction.atomic():
        consent = Consent.objects.create(
            case=case,
            purpose=purpose,
            data_categories=categories,
            recipient_institution=recipient_institution,
            recipient_type=recipient_type,
            method=method,
            given_by=given_by,
            giver_details=(giver_details or "").strip(),
            given_on=given_on,
            recorded_by=by,
            recorded_by_institution=institution,
        )
        details = {
            "consent": consent.pk,
            "purpose": purpose,
            "data_categories": categories,
            "recipient": recipient_institution.code if recipient_institution else recipient_type,
            "method": method,
            "given_by": given_by,
        }
        case_event(case=case, kind="consent.recorded", by=by, details=details)
        case_audit(action="consent.recorded", case=case, by=by, new_values=details, ip_address=ip_address)
    return consent


def consent_withdraw(*, by, consent: Consent, note: str = "", ip_address: str | None = None) -> Consent:
    """The person (or their representative) takes a consent back; referrals not yet answered under it lapse."""
    require_editable(by=by, case=consent.case)
    if len(note or "") > NOTE_MAX:
        raise ApplicationError(gettext("The note is too long."), field="note")
    with transaction.atomic():
        case = lock_case(consent.case_id)
        consent = Consent.objects.select_for_update().get(pk=consent.pk)
        if consent.withdrawn_at is not None:
            raise ApplicationError(gettext("This consent has already been withdrawn."), field="consent")
        consent.withdrawn_at = timezone.now()
        consent.withdrawn_by = by
        consent.withdrawal_note = (note or "").strip()
        consent.save(update_fields=["withdrawn_at", "withdrawn_by", "withdrawal_note", "updated_at"])
        waiting = Referral.objects.filter(consent=consent, status=Referral.Status.SENT).select_related(
            "case", "to_institution"
        )
        lapsed = referrals_withdraw_waiting(
            referrals=waiting.select_for_update(of=("self",)), by=by, cause="consent_withdrawn", ip_address=ip_address
        )
        details = {"consent": consent.pk, "purpose": consent.purpose, "referrals_withdrawn": lapsed}
        case_event(case=case, kind="consent.withdrawn", by=by, details=details)
        case_audit(action="consent.withdrawn", case=case, by=by, new_values=details, ip_address=ip_address)
    return consent
