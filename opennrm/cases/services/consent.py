"""The consent ledger: who agreed that which data may go to whom for what, and its withdrawal.

Nothing is ever deleted from the ledger: a withdrawn consent stays, with when and by whom, so that it can be shown
later what a referral rested on at the time it was sent.
"""

from datetime import date, timedelta

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext

from opennrm.cases.models import Case, CaseParty, Consent, Referral
from opennrm.cases.selectors import case_workflow, institution_staff
from opennrm.cases.services.common import (
    case_audit,
    case_event,
    data_categories_clean,
    lock_case,
    notify,
    referrals_withdraw_waiting,
    require_editable,
    require_within_own_scope,
)
from opennrm.core.capabilities import Capability
from opennrm.core.errors import ApplicationError
from opennrm.directory.models import Institution, InstitutionType
from opennrm.stats.services.facts import case_fact_refresh

DETAILS_MAX = 500
NOTE_MAX = 5000
# How long before the case a consent may have been given (to an earlier institution, say); anything older is a typo
# or no longer the person's informed choice about this case.
CONSENT_BEFORE_CASE = timedelta(days=365)


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
    if given_on < timezone.localtime(case.opened_at).date() - CONSENT_BEFORE_CASE:
        raise ApplicationError(
            gettext("The consent cannot have been given more than a year before the case was opened."),
            field="given_on",
        )
    if len(giver_details or "") > DETAILS_MAX:
        raise ApplicationError(gettext("The details of who gave the consent are too long."), field="giver_details")
    if not (giver_details or "").strip():
        # The ledger must show who spoke for the person, or through whom they spoke. Known limitation: a consent
        # the orphan's court gives is recorded by whichever party heard it, not only by the court itself.
        if given_by == Consent.Giver.LEGAL_REPRESENTATIVE:
            raise ApplicationError(
                gettext("Write the legal representative's name and in what capacity they act."),
                field="giver_details",
            )
        if method == Consent.Method.INTERPRETER:
            raise ApplicationError(
                gettext("Write who interpreted and into which language."),
                field="giver_details",
            )
    categories = data_categories_clean(data_categories, field="data_categories")
    # A consent recorded here is what referrals rest on: an institution cannot open the way to data it may not see
    # itself.
    require_within_own_scope(
        case=case,
        institution=institution,
        categories=categories,
        message=gettext(
            "Your institution may not see this data itself, so it cannot record a consent for it: %(categories)s."
        ),
        field="data_categories",
    )
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
    """The person (or their representative) takes a consent back: referrals not yet answered under it lapse, and
    institutions that joined through one no longer see the data it alone covered."""
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
        _narrow_parties(case=case, consent=consent, by=by, ip_address=ip_address)
        if lapsed:
            case_fact_refresh(case=case)  # last: after the audit records (`facts_changed` says why)
    return consent


def _still_allowed(*, case: Case, institution: Institution) -> set[str]:
    """The categories an institution may still see of the case without the consent just withdrawn: what its other
    valid consents cover, what a legal duty passed to it, and what the child rules give it."""
    allowed: set[str] = set()
    consents = Consent.objects.filter(case=case, withdrawn_at__isnull=True).filter(
        Q(recipient_institution=institution)
        | Q(recipient_institution__isnull=True, recipient_type=institution.type.code)
    )
    for categories in consents.values_list("data_categories", flat=True):
        allowed.update(categories)
    under_duty = Referral.objects.filter(
        case=case, to_institution=institution, status=Referral.Status.ACCEPTED, consent__isnull=True
    ).exclude(legal_duty_exception="")
    for scope in under_duty.values_list("data_scope", flat=True):
        allowed.update(scope)
    child = case_workflow(case).child
    if case.is_child and institution.type.code in child.involve:
        allowed.update(child.data_scope)
    return allowed


def _narrow_parties(*, case: Case, consent: Consent, by, ip_address: str | None) -> None:
    """Take from each institution that joined through a referral resting on `consent` the data no longer covered.

    Runs in the withdrawal's transaction, under the case lock. The parties' heads of unit are told, since their
    workers may have copied or acted on what their institution can no longer see.
    """
    joined = Referral.objects.filter(consent=consent, status=Referral.Status.ACCEPTED).values("to_institution")
    parties = (
        CaseParty.objects.select_for_update(of=("self",))
        .filter(case=case, institution__in=joined, left_at__isnull=True)
        .exclude(reason=CaseParty.Reason.RECOGNISED)
        .select_related("institution__type")
        .order_by("pk")
    )
    for party in parties:
        allowed = _still_allowed(case=case, institution=party.institution)
        kept = [category for category in party.data_scope if category in allowed]
        removed = [category for category in party.data_scope if category not in allowed]
        if not removed:
            continue
        party.data_scope = kept
        party.save(update_fields=["data_scope", "updated_at"])
        details = {
            "institution": party.institution.code,
            "consent": consent.pk,
            "removed": removed,
            "data_scope": kept,
        }
        case_event(case=case, kind="party.scope_narrowed", by=by, details=details)
        case_audit(action="party.scope_narrowed", case=case, by=by, new_values=details, ip_address=ip_address)
        notify(
            users=institution_staff(institution=party.institution, capability=Capability.CASES_SUPERVISE),
            kind="party.scope_narrowed",
            case=case,
            key=f"scope-narrowed:{consent.pk}:{party.institution_id}",
            details={"consent": consent.pk},
        )
