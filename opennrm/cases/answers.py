"""From cases, referrals and their parts to the case API's answers (the shapes are in schemas.py).

The person's identity and contact details go into an answer only when the endpoint has found the caller may see them
and has audited the read (`person_out` is told which). A referral's free texts (its message, a decline reason) go
only to whom `selectors.referral_texts_visible` allows, the same rule as the pages.
"""

from __future__ import annotations

from datetime import datetime

from opennrm.cases.models import AgeBand, Case, CaseEvent, CaseParty, Consent, Deadline, Person, Referral, Sex, Task
from opennrm.cases.schemas import (
    AccessOut,
    CaseSummaryOut,
    ConsentOut,
    ContactsOut,
    DeadlineOut,
    IdentityOut,
    InboxDeadlineOut,
    InboxReferralOut,
    InboxTaskOut,
    PartyOut,
    PersonOut,
    ReferralOut,
    TimelineEventOut,
    TransitionOptionOut,
)
from opennrm.cases.selectors import CaseAccess, case_workflow, party_scope, referral_texts_visible
from opennrm.core.i18n import localized
from opennrm.jurisdiction.schema import Workflow


class Workflows:
    """The workflow of each case's pack version, read once per request however many cases share it."""

    def __init__(self) -> None:
        self._by_version: dict[int, Workflow] = {}

    def of(self, case: Case) -> Workflow:
        workflow = self._by_version.get(case.model_version_id)
        if workflow is None:
            workflow = self._by_version[case.model_version_id] = case_workflow(case)
        return workflow

    def state_name(self, case: Case) -> str:
        state = self.of(case).state(case.state)
        return localized(state.name) if state else case.state

    def deadline_name(self, case: Case, kind: str) -> str:
        rule = self.of(case).deadline(kind)
        return localized(rule.name) if rule else kind


def case_summary_out(case: Case, workflows: Workflows) -> CaseSummaryOut:
    return CaseSummaryOut(
        id=case.pk,
        reference=case.reference,
        state=case.state,
        state_name=workflows.state_name(case),
        state_kind=case.state_kind,
        population=case.population,
        nationality=case.nationality,
        municipality=case.municipality.code if case.municipality_id else None,
        recognising_institution=case.recognising_institution.code,
        opened_at=case.opened_at,
        ended_at=case.ended_at,
    )


def person_out(person: Person | None, *, identity: bool, contacts: bool) -> PersonOut:
    """The person's structured facts, with identity and contacts only where the caller was found to see them."""
    if person is None:
        return PersonOut(
            sex=Sex.UNKNOWN, age_band=AgeBand.UNKNOWN, citizenship=[], languages=[], identity=None, contacts=None
        )
    return PersonOut(
        sex=person.sex,
        age_band=person.age_band,
        citizenship=person.citizenship or [],
        languages=person.languages or [],
        identity=IdentityOut(
            given_name=person.given_name,
            family_name=person.family_name,
            birth_date=person.birth_date,
            personal_code=person.personal_code,
        )
        if identity
        else None,
        contacts=ContactsOut(phone=person.phone, email=person.email, address=person.address) if contacts else None,
    )


def party_out(party: CaseParty) -> PartyOut:
    return PartyOut(
        institution=party.institution.code,
        institution_name=localized(party.institution.names),
        institution_type=party.institution.type.code,
        reason=party.reason,
        data_scope=sorted(party_scope(party)),
        joined_at=party.joined_at,
    )


def deadline_out(deadline: Deadline, case: Case, workflows: Workflows) -> DeadlineOut:
    return DeadlineOut(
        id=deadline.pk,
        kind=deadline.kind,
        name=workflows.deadline_name(case, deadline.kind),
        status=deadline.status,
        starts_at=deadline.starts_at,
        due_at=deadline.due_at,
        quota=deadline.quota,
        used=deadline.used,
        referral=deadline.referral_id,
        responsible_institution=deadline.responsible_institution.code if deadline.responsible_institution_id else None,
    )


def consent_out(consent: Consent) -> ConsentOut:
    return ConsentOut(
        id=consent.pk,
        purpose=consent.purpose,
        data_categories=consent.data_categories,
        recipient_institution=consent.recipient_institution.code if consent.recipient_institution_id else None,
        recipient_type=consent.recipient_type,
        method=consent.method,
        given_by=consent.given_by,
        given_on=consent.given_on,
        recorded_by_institution=consent.recorded_by_institution.code,
        withdrawn_at=consent.withdrawn_at,
    )


def referral_out(referral: Referral, *, user, case: Case | None = None) -> ReferralOut:
    """A referral, with its free texts for the caller only as the module says.

    `case` is the referral's case when the caller already has it (a case page lists many referrals of one case).
    """
    case = case or referral.case
    # The referral's case is the one at hand: the rule reads its erasure and parties without fetching it again.
    referral.case = case
    texts = referral_texts_visible(user=user, referral=referral)
    return ReferralOut(
        id=referral.pk,
        case=case.pk,
        case_reference=case.reference,
        from_institution=referral.from_institution.code,
        to_institution=referral.to_institution.code,
        purpose=referral.purpose,
        urgency=referral.urgency,
        status=referral.status,
        data_scope=referral.data_scope,
        legal_duty_exception=referral.legal_duty_exception,
        needs_review=referral.needs_review,
        sent_at=referral.sent_at,
        due_at=referral.due_at,
        answered_at=referral.answered_at,
        message=referral.message if texts else None,
        decline_reason=referral.decline_reason if texts else None,
    )


def access_out(access: CaseAccess) -> AccessOut:
    return AccessOut(
        data_scope=sorted(access.data_scope),
        can_edit=access.can_edit,
        can_refer=access.can_refer,
        can_view_personal_data=access.can_view_personal_data,
        is_break_glass=access.is_break_glass,
        transitions=[TransitionOptionOut(id=t.id, name=localized(t.name)) for t in access.transitions],
    )


def timeline_event_out(event: CaseEvent) -> TimelineEventOut:
    return TimelineEventOut(
        occurred_at=event.occurred_at,
        kind=event.kind,
        institution=event.institution.code if event.institution_id else None,
        details=event.details or {},
    )


def inbox_referral_out(referral: Referral, *, now: datetime) -> InboxReferralOut:
    return InboxReferralOut(
        id=referral.pk,
        case=referral.case_id,
        case_reference=referral.case.reference,
        from_institution=referral.from_institution.code,
        purpose=referral.purpose,
        urgency=referral.urgency,
        sent_at=referral.sent_at,
        due_at=referral.due_at,
        overdue=referral.due_at < now,
    )


def inbox_deadline_out(deadline: Deadline, workflows: Workflows) -> InboxDeadlineOut:
    return InboxDeadlineOut(
        id=deadline.pk,
        case=deadline.case_id,
        case_reference=deadline.case.reference,
        kind=deadline.kind,
        name=workflows.deadline_name(deadline.case, deadline.kind),
        due_at=deadline.due_at,
    )


def inbox_task_out(task: Task) -> InboxTaskOut:
    return InboxTaskOut(id=task.pk, case=task.case_id, case_reference=task.case.reference, due_on=task.due_on)
