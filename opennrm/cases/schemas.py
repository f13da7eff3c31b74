"""What the case API accepts and answers (opennrm/cases/api.py), and how a case becomes an answer.

Only the person's identity and contact details are personal data here; they are filled in by `person_out` for
callers the selectors allow and after the read has been audited. Everything else is codes, ids and dates, which any
party of the case may see. Free texts (a referral's message, a decline reason) go only to the two institutions the
referral passes between.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any, Literal

from ninja import Schema
from pydantic import AfterValidator, ConfigDict, Field

from opennrm.cases.models import (
    AgeBand,
    Case,
    CaseEvent,
    CaseParty,
    Consent,
    DataCategory,
    Deadline,
    ExploitationForm,
    Nationality,
    Person,
    Population,
    Referral,
    Sex,
    Task,
)
from opennrm.cases.selectors import CaseAccess
from opennrm.core.i18n import localized
from opennrm.jurisdiction.schema import Workflow

# Case and referral ids are 64-bit: a larger number is refused before it reaches the database driver.
MAX_ID = 2**63 - 1
TEXT_MAX = 200
LONG_TEXT_MAX = 5000


def _no_control_characters(value: str) -> str:
    if any(ord(c) < 32 or ord(c) == 127 for c in value):
        raise ValueError("must not contain control characters")
    return value


def _no_control_characters_but_lines(value: str) -> str:
    # Reasons and messages are written in paragraphs; anything else below a space is a mistake or an attack.
    if any((ord(c) < 32 and c not in "\n\r\t") or ord(c) == 127 for c in value):
        raise ValueError("must not contain control characters")
    return value


Code = Annotated[str, Field(pattern=r"^[-a-zA-Z0-9_]+$", max_length=100)]
PackId = Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]*$", max_length=100)]
ShortCode = Annotated[str, Field(pattern=r"^[A-Za-z]{2,3}$")]
Line = Annotated[str, Field(max_length=TEXT_MAX), AfterValidator(_no_control_characters)]
LongText = Annotated[str, Field(max_length=LONG_TEXT_MAX), AfterValidator(_no_control_characters_but_lines)]
Id = Annotated[int, Field(ge=1, le=MAX_ID)]
StateKind = Literal["open", "outcome", "closed"]
# The models' nested choices share class names (two are called Status), which would collide in the OpenAPI
# components; as literals each field documents its own values.
ConsentMethod = Literal[tuple(Consent.Method.values)]  # type: ignore[valid-type]
ConsentGiver = Literal[tuple(Consent.Giver.values)]  # type: ignore[valid-type]
Urgency = Literal[tuple(Referral.Urgency.values)]  # type: ignore[valid-type]
ReferralStatus = Literal[tuple(Referral.Status.values)]  # type: ignore[valid-type]
DeadlineStatus = Literal[tuple(Deadline.Status.values)]  # type: ignore[valid-type]
PartyReason = Literal[tuple(CaseParty.Reason.values)]  # type: ignore[valid-type]


class ErrorOut(Schema):
    detail: str
    field: str | None = None


# --- What a client sends ----------------------------------------------------------------------------------------


class PersonIn(Schema):
    # An unknown key is refused, not dropped: a client must not believe a field it sent was kept.
    model_config = ConfigDict(extra="forbid")

    given_name: Line = ""
    family_name: Line = ""
    birth_date: date | None = None
    personal_code: Line = ""
    phone: Line = ""
    email: Line = ""
    address: Line = ""
    sex: Sex = Sex.UNKNOWN
    age_band: AgeBand = AgeBand.UNKNOWN
    citizenship: list[ShortCode] = Field(
        default_factory=list, max_length=10, description="ISO 3166 alpha-2 country codes."
    )
    languages: list[ShortCode] = Field(default_factory=list, max_length=20, description="ISO 639 language codes.")


class CaseOpenIn(Schema):
    model_config = ConfigDict(extra="forbid")

    population: Population
    nationality: Nationality
    municipality: Code | None = Field(None, description="Municipality code from the directory.")
    person: PersonIn = Field(default_factory=PersonIn)
    forms: list[ExploitationForm] = Field(
        default_factory=list, max_length=len(ExploitationForm.values), description="HTCDS forms of exploitation."
    )
    countries: list[ShortCode] = Field(
        default_factory=list, max_length=50, description="ISO 3166 alpha-2 codes of the countries involved."
    )
    screening: Id | None = Field(None, description="The saved screening the case starts from, if any.")


class CaseFilters(Schema):
    state: PackId | None = Field(None, description="A state id of the workflow.")
    state_kind: StateKind | None = None
    population: Population | None = None
    reference: Annotated[str, Field(pattern=r"^[A-Za-z0-9-]+$", max_length=24)] | None = Field(
        None, description="The start of a case reference, e.g. LV-2026-."
    )
    cursor: Annotated[str, Field(pattern=r"^[-0-9T:.+_]+$", max_length=64)] | None = Field(
        None, description="Pass the `next_cursor` of the previous page to get the next one."
    )
    limit: int = Field(50, ge=1, le=100)


class ConsentIn(Schema):
    model_config = ConfigDict(extra="forbid")

    purpose: PackId = Field(description="A consent purpose id of the case's workflow.")
    method: ConsentMethod
    given_on: date
    data_categories: list[DataCategory] = Field(default_factory=list, max_length=len(DataCategory.values))
    given_by: ConsentGiver = Consent.Giver.PERSON.value
    recipient_institution: Code | None = Field(None, description="The institution the data may go to, or …")
    recipient_type: PackId | None = Field(None, description="… any institution of this type.")
    giver_details: Line = Field("", description="The interpreter's language, or the representative's capacity.")


class ReferralIn(Schema):
    model_config = ConfigDict(extra="forbid")

    to_institution: Code
    purpose: PackId = Field(description="A referral purpose of the case's workflow.")
    urgency: Urgency = Referral.Urgency.NORMAL.value
    message: LongText = ""
    data_scope: list[DataCategory] = Field(
        default_factory=list,
        max_length=len(DataCategory.values),
        description="What the recipient will see; at most what the consent allows.",
    )
    legal_duty_exception: PackId | None = Field(
        None, description="Refer without consent under this legal duty of the workflow (audited and reviewed)."
    )
    legal_duty_justification: LongText = ""


class DeclineIn(Schema):
    model_config = ConfigDict(extra="forbid")

    reason: LongText


class TransitionIn(Schema):
    model_config = ConfigDict(extra="forbid")

    transition: PackId = Field(description="A transition id of the case's workflow.")
    reason: LongText = ""
    checklist: list[PackId] = Field(default_factory=list, max_length=100, description="Checklist items found met.")
    document_id: Id | None = Field(None, description="The decision document, attached to the case beforehand.")


# --- What the API answers ---------------------------------------------------------------------------------------


class CaseSummaryOut(Schema):
    id: int
    reference: str
    state: str
    state_name: str
    state_kind: StateKind
    population: Population
    nationality: Nationality
    municipality: str | None
    recognising_institution: str
    opened_at: datetime
    ended_at: datetime | None


class CasePageOut(Schema):
    items: list[CaseSummaryOut]
    next_cursor: str | None = Field(description="Pass as `cursor` to get the next page; null on the last page.")


class IdentityOut(Schema):
    given_name: str
    family_name: str
    birth_date: str = Field(description="ISO date, or empty when unknown.")
    personal_code: str


class ContactsOut(Schema):
    phone: str
    email: str
    address: str


class PersonOut(Schema):
    sex: Sex
    age_band: AgeBand
    citizenship: list[str]
    languages: list[str]
    identity: IdentityOut | None = Field(
        description="Only for callers who may see the person's identity in this case; each read is audited."
    )
    contacts: ContactsOut | None = Field(
        description="Only for callers who may see the person's contact details in this case; each read is audited."
    )


class PartyOut(Schema):
    institution: str
    institution_name: str
    institution_type: str
    reason: PartyReason
    data_scope: list[str] = Field(description="What the institution may see (the recognising institution: all).")
    joined_at: datetime


class DeadlineOut(Schema):
    id: int
    kind: str
    name: str
    status: DeadlineStatus
    starts_at: datetime
    due_at: datetime
    quota: int | None
    used: int
    referral: int | None
    responsible_institution: str | None


class ConsentOut(Schema):
    id: int
    purpose: str
    data_categories: list[str]
    recipient_institution: str | None
    recipient_type: str
    method: ConsentMethod
    given_by: ConsentGiver
    given_on: date
    recorded_by_institution: str
    withdrawn_at: datetime | None


class ReferralOut(Schema):
    id: int
    case: int
    case_reference: str
    from_institution: str
    to_institution: str
    purpose: str
    urgency: Urgency
    status: ReferralStatus
    data_scope: list[str]
    legal_duty_exception: str
    needs_review: bool
    sent_at: datetime
    due_at: datetime
    answered_at: datetime | None
    message: str | None = Field(description="For the sending and the receiving institution only.")
    decline_reason: str | None = Field(description="For the sending and the receiving institution only.")


class TransitionOptionOut(Schema):
    id: str
    name: str


class AccessOut(Schema):
    data_scope: list[str]
    can_edit: bool
    can_refer: bool
    can_view_personal_data: bool
    is_break_glass: bool
    transitions: list[TransitionOptionOut] = Field(description="Steps the caller may take now (preconditions aside).")


class CaseOut(CaseSummaryOut):
    model_version: int
    forms: list[str]
    countries: list[str]
    screening: int | None
    person: PersonOut
    parties: list[PartyOut]
    deadlines: list[DeadlineOut]
    consents: list[ConsentOut]
    referrals: list[ReferralOut]
    access: AccessOut


class TimelineEventOut(Schema):
    occurred_at: datetime
    kind: str
    institution: str | None
    details: dict[str, Any] = Field(description="Codes and ids only.")


class TransitionOut(Schema):
    id: int
    transition: str
    from_state: str
    to_state: str
    performed_at: datetime
    case: CaseSummaryOut


class InboxReferralOut(Schema):
    id: int
    case: int
    case_reference: str
    from_institution: str
    purpose: str
    urgency: Urgency
    sent_at: datetime
    due_at: datetime
    overdue: bool


class InboxDeadlineOut(Schema):
    id: int
    case: int
    case_reference: str
    kind: str
    name: str
    due_at: datetime


class InboxTaskOut(Schema):
    id: int
    case: int
    case_reference: str
    due_on: date | None


class InboxOut(Schema):
    referrals: list[InboxReferralOut] = Field(description="Referrals to the caller's institution waiting for an answer.")
    deadlines: list[InboxDeadlineOut] = Field(description="Periods running out soon on the caller's cases.")
    tasks: list[InboxTaskOut] = Field(description="The caller's open tasks (their titles are shown on the case).")


# --- From models to answers -------------------------------------------------------------------------------------


class Workflows:
    """The workflow of each case's pack version, read once per request however many cases share it."""

    def __init__(self) -> None:
        self._by_version: dict[int, Workflow] = {}

    def of(self, case: Case) -> Workflow:
        from opennrm.cases.selectors import case_workflow

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
        return PersonOut(sex=Sex.UNKNOWN, age_band=AgeBand.UNKNOWN, citizenship=[], languages=[], identity=None,
                         contacts=None)
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
        data_scope=list(DataCategory.values) if party.reason == CaseParty.Reason.RECOGNISED else party.data_scope,
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


def referral_out(referral: Referral, *, user) -> ReferralOut:
    """A referral; its free texts only for staff of the sending or receiving institution who see personal data."""
    from opennrm.core.capabilities import Capability

    institution_id = getattr(user.institution, "pk", None)
    between = institution_id in (referral.from_institution_id, referral.to_institution_id)
    texts = between and user.has_capability(Capability.PERSONAL_DATA_VIEW)
    return ReferralOut(
        id=referral.pk,
        case=referral.case_id,
        case_reference=referral.case.reference,
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
