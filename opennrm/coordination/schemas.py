"""What the coordination API accepts and answers (opennrm/coordination/api.py).

Texts the plan keeps in several languages travel as objects {"lv": ..., "en": ..., "ru": ...}; institutions as
their directory codes; indicator numbers as decimal strings. Nothing here is about a case or a person.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Literal

from ninja import Schema
from pydantic import Field

from opennrm.coordination.models import ActionPlan, MeasureStatus, Meeting, ReviewState

MAX_ID = 2**63 - 1
Id = Annotated[int, Field(ge=1, le=MAX_ID)]
Texts = dict[str, str]
Line = Annotated[str, Field(max_length=300)]
LongText = Annotated[str, Field(max_length=50000)]
InstitutionCode = Annotated[str, Field(max_length=100)]
# The models' nested choices share class names (Status), which would collide in the OpenAPI components.
PlanStatus = Literal[tuple(ActionPlan.Status.values)]  # type: ignore[valid-type]
ReportStatus = Literal[tuple(MeasureStatus.values)]  # type: ignore[valid-type]
ReviewStateValue = Literal[tuple(ReviewState.values)]  # type: ignore[valid-type]
MeetingStatus = Literal[tuple(Meeting.Status.values)]  # type: ignore[valid-type]


class CoordinationErrorOut(Schema):
    detail: str
    field: str | None = None
    # A refused import: every problem, each naming its place and field.
    problems: list[str] = []


# --- Plans -------------------------------------------------------------------------------------------------------


class PlanOut(Schema):
    code: str
    title: Texts
    period_start: date
    period_end: date
    approving_act: str
    status: str
    current_version: int


class MeasureOut(Schema):
    id: int
    plan: str
    goal: str
    code: str
    text: Texts
    responsible: str
    co_responsible: list[str]
    deadline: date | None
    indicator: Texts
    baseline: Decimal | None
    target: Decimal | None
    unit: str
    funding_source: str
    cancelled: bool


class GoalOut(Schema):
    code: str
    title: Texts
    measures: list[MeasureOut]


class ReportingPeriodOut(Schema):
    id: int
    name: str
    starts_on: date
    ends_on: date
    due_on: date


class PlanDetailOut(PlanOut):
    goals: list[GoalOut]
    periods: list[ReportingPeriodOut]


class PlanVersionOut(Schema):
    number: int
    source: str
    change_note: str
    created_by: str | None
    created_at: datetime


class PlanImportOut(Schema):
    plan: PlanOut
    created: bool
    changed: bool
    version: int
    goals_added: int
    measures_added: int
    measures_updated: int
    measures_cancelled: list[str]
    periods_added: int


class PlanUpdateIn(Schema):
    """Only the fields sent are changed; `change_note` says what and why."""

    change_note: Annotated[str, Field(max_length=2000)]
    title: Texts | None = None
    period_start: date | None = None
    period_end: date | None = None
    approving_act: Line | None = None
    status: PlanStatus | None = None


class MeasureUpdateIn(Schema):
    """Only the fields sent are changed (send `deadline: null` for "continuously")."""

    change_note: Annotated[str, Field(max_length=2000)]
    goal: Annotated[str, Field(max_length=32)] | None = None
    code: Annotated[str, Field(max_length=32)] | None = None
    text: Texts | None = None
    responsible: InstitutionCode | None = None
    co_responsible: list[InstitutionCode] | None = None
    deadline: date | None = None
    indicator: Texts | None = None
    baseline: Decimal | None = None
    target: Decimal | None = None
    unit: Annotated[str, Field(max_length=50)] | None = None
    funding_source: Line | None = None
    cancelled: bool | None = None


class ReportingPeriodIn(Schema):
    name: Annotated[str, Field(max_length=100)]
    starts_on: date
    ends_on: date
    due_on: date


class PlanProgressOut(Schema):
    """Measures by status (the statuses plus "not_reported"), overall, per goal and per institution."""

    period: str | None
    statuses: list[str]
    total: dict[str, int]
    by_goal: dict[str, dict[str, int]]
    by_institution: dict[str, dict[str, int]]


class MeasureFilters(Schema):
    plan: Annotated[str, Field(max_length=64)] | None = None
    institution: InstitutionCode | None = None
    # Only the measures the caller's institution reports on.
    mine: bool = False


# --- Reports -----------------------------------------------------------------------------------------------------


class ProgressReportRevisionOut(Schema):
    number: int
    action: str
    status: str
    narrative: str
    indicator_value: Decimal | None
    evidence_links: list[str]
    review_state: str
    comment: str
    by: str | None
    created_at: datetime


class ProgressReportOut(Schema):
    id: int
    plan: str
    measure: int
    measure_code: str
    period: int
    period_name: str
    institution: str
    status: str
    narrative: str
    indicator_value: Decimal | None
    evidence_links: list[str]
    review_state: str
    submitted_by: str | None
    submitted_at: datetime | None
    reviewed_by: str | None
    reviewed_at: datetime | None
    review_comment: str


class ProgressReportDetailOut(ProgressReportOut):
    revisions: list[ProgressReportRevisionOut]


class ProgressReportFilters(Schema):
    period: Id | None = None
    measure: Id | None = None
    institution: InstitutionCode | None = None
    review_state: ReviewStateValue | None = None


class ProgressReportIn(Schema):
    measure: Id
    period: Id
    status: ReportStatus
    narrative: Annotated[str, Field(max_length=10000)] = ""
    indicator_value: Decimal | None = None
    evidence_links: Annotated[list[Annotated[str, Field(max_length=500)]], Field(max_length=50)] = []
    # False keeps it a draft that only the institution's reporters see.
    submit: bool = True


class ReportReviewIn(Schema):
    comment: Annotated[str, Field(max_length=5000)] = ""


# --- Working group -----------------------------------------------------------------------------------------------


class WorkingGroupMemberOut(Schema):
    institution: str
    institution_name: str
    delegate_name: str
    substitute_name: str
    since: date
    until: date | None


class WorkingGroupOut(Schema):
    code: str
    name: Texts
    established_by: str
    members: list[WorkingGroupMemberOut]


class DecisionTaskOut(Schema):
    id: int
    owner_institution: str
    text: str
    deadline: date | None
    done_at: datetime | None
    done_note: str


class DecisionOut(Schema):
    id: int
    meeting: int
    meeting_date: date
    number: str
    text: str
    tasks: list[DecisionTaskOut]


class MeetingAttendanceOut(Schema):
    institution: str
    present: bool | None
    substitute_attended: bool


class MeetingDocumentOut(Schema):
    id: int
    title: str
    url: str
    filename: str
    content_type: str
    size: int


class MeetingOut(Schema):
    id: int
    group: str
    starts_at: datetime
    place: str
    agenda: str
    status: str
    public: bool


class MeetingDetailOut(MeetingOut):
    # Minutes, documents and attendance only for the working group and the coordinator (null otherwise).
    minutes: str | None
    documents: list[MeetingDocumentOut] | None
    attendance: list[MeetingAttendanceOut] | None
    decisions: list[DecisionOut]


class MeetingIn(Schema):
    starts_at: datetime
    place: Annotated[str, Field(max_length=200)] = ""
    agenda: Annotated[str, Field(max_length=10000)] = ""
    public: bool = True


class DecisionTaskIn(Schema):
    owner_institution: InstitutionCode
    text: Annotated[str, Field(max_length=5000)]
    deadline: date | None = None


class DecisionIn(Schema):
    text: Annotated[str, Field(max_length=5000)]
    number: Annotated[str, Field(max_length=32)] = ""
    tasks: Annotated[list[DecisionTaskIn], Field(max_length=50)] = []


class DecisionTaskDoneIn(Schema):
    note: Annotated[str, Field(max_length=5000)] = ""
