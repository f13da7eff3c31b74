"""What the case API accepts and answers (opennrm/cases/api.py); answers.py fills the answers in.

Only the person's identity and contact details are personal data here, and the free texts of a referral; everything
else is codes, ids and dates, which any party of the case may see.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any, Literal

from ninja import Schema
from pydantic import AfterValidator, ConfigDict, Field

from opennrm.cases.models import (
    AgeBand,
    CaseParty,
    Consent,
    DataCategory,
    Deadline,
    ExploitationForm,
    Nationality,
    Population,
    Referral,
    Sex,
)

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
    referrals: list[InboxReferralOut] = Field(
        description="Referrals to the caller's institution waiting for an answer."
    )
    deadlines: list[InboxDeadlineOut] = Field(description="Periods running out soon on the caller's cases.")
    tasks: list[InboxTaskOut] = Field(
        description="The caller's open tasks; their titles may name the person, so only the case page shows them."
    )
