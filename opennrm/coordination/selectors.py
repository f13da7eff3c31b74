"""Reading the action plan, progress reports and the working group: who may see what.

Who may read (`coordination_access(user)`):
- any holder of coordination.view, .report, .meetings or .manage reads plans in force (and archived), goals,
  measures, submitted reports, meetings (date, place, agenda) and the decisions register;
- a draft plan is seen by the coordinator (coordination.manage) only;
- a report still in draft, and the drafts in a report's history, are seen only by its own institution's reporters;
- minutes, meeting documents and attendance are for the coordinator and for working-group members
  (coordination.meetings) whose institution held a seat on the meeting's day (or who were a seat's delegate);
- the public sees `public_working_group()`: member institutions and meeting dates, nothing else.
Missing and not allowed answer the same (`NotFoundOrForbidden`).

Functions:
  coordination_access(user) -> CoordinationAccess
  plans_visible(*, user) -> QuerySet[ActionPlan];  access_plan(*, user, code) -> ActionPlan
  plan_current(*, user) -> ActionPlan | None;  plan_versions(*, plan) -> QuerySet[PlanVersion]
  access_plan_version(*, user, plan, number) -> PlanVersion;  plan_snapshot(plan) -> dict
  plan_goals(*, plan) -> list[Goal] (measures prefetched as `goal.measure_list`)
  access_goal(*, user, plan, code) -> Goal
  measures_visible(*, user, plan=None, goal=None, institution=None, include_cancelled=True) -> QuerySet[Measure]
  access_measure(*, user, measure_id) -> Measure;  measure_institutions(measure) -> list[Institution]
  measures_reportable_by(*, user, plan=None) -> QuerySet[Measure];  can_report_on(*, user, measure) -> bool
  periods_of(*, plan) -> QuerySet[ReportingPeriod];  access_period(*, user, period_id) -> ReportingPeriod
  period_current(*, plan, today=None) -> ReportingPeriod | None
  reports_visible(*, user, period=None, measure=None, institution=None, review_state=None) -> QuerySet
  access_report(*, user, report_id) -> ProgressReport;  report_of(*, user, measure, period) -> ProgressReport|None
  report_revisions(*, user, report) -> QuerySet[ProgressReportRevision]
  reports_awaiting_review(*, user) -> QuerySet
  report_slots(*, period) -> list[ReportSlot];  reports_missing(*, period) -> list[ReportSlot]
  overdue_report_slots(*, user, today=None) -> list[ReportSlot]
  plan_progress(*, plan, period=None) -> PlanProgress;  indicator_series(*, measure) -> list[IndicatorPoint]
  working_group_current() -> WorkingGroup | None;  access_working_group(*, user, code) -> WorkingGroup
  memberships_current(*, group, on=None) -> QuerySet[Membership];  memberships_all(*, group) -> QuerySet
  access_membership(*, user, membership_id) -> Membership
  meetings_visible(*, user, group=None, upcoming=None, today=None) -> QuerySet[Meeting]
  access_meeting(*, user, meeting_id) -> Meeting;  can_see_meeting_records(*, user, meeting) -> bool
  meeting_documents(*, user, meeting) -> QuerySet
  meeting_attendance(*, user, meeting) -> list[Attendance];  access_meeting_document(*, user, document_id)
  decisions_visible(*, user, meeting=None) -> QuerySet[Decision];  access_decision(*, user, decision_id)
  decision_tasks_visible(*, user, institution=None, open_only=False) -> QuerySet[DecisionTask]
  access_decision_task(*, user, task_id) -> DecisionTask;  can_complete_task(*, user, task) -> bool
  member_recipients(*, group) -> list[User];  institution_reporters(*, institution) -> list[User]
  public_working_group() -> PublicWorkingGroup | None
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.db.models import Prefetch, Q, QuerySet
from django.utils import timezone

from opennrm.cases.staff import institution_staff
from opennrm.coordination.models import (
    ActionPlan,
    Attendance,
    Decision,
    DecisionTask,
    Goal,
    Measure,
    MeasureStatus,
    Meeting,
    MeetingDocument,
    Membership,
    PlanVersion,
    ProgressReport,
    ProgressReportRevision,
    ReportingPeriod,
    ReviewState,
    WorkingGroup,
)
from opennrm.core.capabilities import Capability
from opennrm.core.errors import NotFoundOrForbidden
from opennrm.core.i18n import localized
from opennrm.directory.models import Institution

READ_CAPABILITIES = frozenset(
    {
        Capability.COORDINATION_VIEW,
        Capability.COORDINATION_REPORT,
        Capability.COORDINATION_MEETINGS,
        Capability.COORDINATION_MANAGE,
    }
)
SUBMITTED_STATES = (ReviewState.SUBMITTED, ReviewState.CLARIFICATION_REQUESTED, ReviewState.ACCEPTED)
# A report "counts" for the dashboard once submitted; a draft is as good as missing.
NOT_REPORTED = "not_reported"


@dataclass(frozen=True)
class CoordinationAccess:
    read: bool = False
    manage: bool = False
    report: bool = False
    # Minutes, documents and attendance of meetings.
    meetings: bool = False
    institution: Institution | None = None


def coordination_access(user) -> CoordinationAccess:
    """What `user` may do in this module. Read once per user object (a request's user is a fresh object), so that
    pages asking it for every row cost no query per row."""
    if user is None or not getattr(user, "is_authenticated", False):
        return CoordinationAccess()
    cached = getattr(user, "_coordination_access", None)
    if cached is not None and cached[0] == user.is_active:
        return cached[1]
    access = _access_of(user)
    user._coordination_access = (user.is_active, access)
    return access


def _access_of(user) -> CoordinationAccess:
    capabilities = user.capabilities()
    manage = Capability.COORDINATION_MANAGE in capabilities
    institution = user.institution
    return CoordinationAccess(
        read=bool(READ_CAPABILITIES & capabilities),
        manage=manage,
        report=Capability.COORDINATION_REPORT in capabilities and institution is not None,
        meetings=manage or Capability.COORDINATION_MEETINGS in capabilities,
        institution=institution,
    )


def _reader(user) -> CoordinationAccess:
    access = coordination_access(user)
    if not access.read:
        raise NotFoundOrForbidden()
    return access


# --- Plans -------------------------------------------------------------------------------------------------------


def plans_visible(*, user) -> QuerySet[ActionPlan]:
    access = coordination_access(user)
    if not access.read:
        return ActionPlan.objects.none()
    plans = ActionPlan.objects.all()
    if not access.manage:
        plans = plans.exclude(status=ActionPlan.Status.DRAFT)
    return plans.order_by("-period_start", "code")


def access_plan(*, user, code: str) -> ActionPlan:
    plan = plans_visible(user=user).filter(code=code).first()
    if plan is None:
        raise NotFoundOrForbidden()
    return plan


def plan_current(*, user) -> ActionPlan | None:
    """The plan in force (the latest-starting if several), else the newest the user may see."""
    plans = plans_visible(user=user)
    return plans.filter(status=ActionPlan.Status.IN_FORCE).first() or plans.first()


def plan_versions(*, plan: ActionPlan) -> QuerySet[PlanVersion]:
    return PlanVersion.objects.filter(plan=plan).select_related("created_by").order_by("-number")


def access_plan_version(*, user, plan: ActionPlan, number: int) -> PlanVersion:
    access_plan(user=user, code=plan.code)
    version = plan_versions(plan=plan).filter(number=number).first()
    if version is None:
        raise NotFoundOrForbidden()
    return version


def _decimal_text(value: Decimal | None) -> str | None:
    return None if value is None else format(value.normalize(), "f")


def plan_snapshot(plan: ActionPlan) -> dict:
    """The whole plan as plain data, in the shape of the YAML import file (docs/action-plan-import.md)."""
    goals = []
    for goal in plan_goals(plan=plan):
        measures = []
        for measure in goal.measure_list:
            measures.append(
                {
                    "code": measure.code,
                    "text": measure.text,
                    "responsible": measure.responsible.code,
                    "co_responsible": sorted(i.code for i in measure.co_responsible.all()),
                    "deadline": measure.deadline.isoformat() if measure.deadline else None,
                    "indicator": measure.indicator,
                    "baseline": _decimal_text(measure.baseline),
                    "target": _decimal_text(measure.target),
                    "unit": measure.unit,
                    "funding_source": measure.funding_source,
                    "cancelled": measure.cancelled,
                }
            )
        goals.append({"code": goal.code, "title": goal.title, "measures": measures})
    periods = [
        {
            "name": period.name,
            "starts_on": period.starts_on.isoformat(),
            "ends_on": period.ends_on.isoformat(),
            "due_on": period.due_on.isoformat(),
        }
        for period in periods_of(plan=plan)
    ]
    return {
        "plan": {
            "code": plan.code,
            "title": plan.title,
            "period_start": plan.period_start.isoformat(),
            "period_end": plan.period_end.isoformat(),
            "approving_act": plan.approving_act,
            "status": plan.status,
        },
        "goals": goals,
        "reporting_periods": periods,
    }


def access_goal(*, user, plan: ActionPlan, code: str) -> Goal:
    access_plan(user=user, code=plan.code)
    goal = Goal.objects.filter(plan=plan, code=code).first()
    if goal is None:
        raise NotFoundOrForbidden()
    return goal


def plan_goals(*, plan: ActionPlan) -> list[Goal]:
    """The plan's goals in order, each with `measure_list` (responsible and co-responsible loaded)."""
    measures = (
        Measure.objects.select_related("responsible").prefetch_related("co_responsible").order_by("order", "code")
    )
    return list(
        Goal.objects.filter(plan=plan)
        .prefetch_related(Prefetch("measures", queryset=measures, to_attr="measure_list"))
        .order_by("order", "code")
    )


# --- Measures ----------------------------------------------------------------------------------------------------


def measures_visible(
    *, user, plan: ActionPlan | None = None, goal: Goal | None = None, institution=None, include_cancelled=True
) -> QuerySet[Measure]:
    """Measures of the plans the user may see; `institution` keeps those it is responsible or co-responsible for."""
    measures = Measure.objects.filter(plan__in=plans_visible(user=user))
    if plan is not None:
        measures = measures.filter(plan=plan)
    if goal is not None:
        measures = measures.filter(goal=goal)
    if institution is not None:
        measures = measures.filter(Q(responsible=institution) | Q(co_responsible=institution)).distinct()
    if not include_cancelled:
        measures = measures.filter(cancelled=False)
    return (
        measures.select_related("goal", "plan", "responsible")
        .prefetch_related("co_responsible")
        .order_by("plan_id", "goal__order", "goal__code", "order", "code")
    )


def access_measure(*, user, measure_id: int) -> Measure:
    measure = measures_visible(user=user).filter(pk=measure_id).first()
    if measure is None:
        raise NotFoundOrForbidden()
    return measure


def measure_institutions(measure: Measure) -> list[Institution]:
    """The responsible institution first, then the co-responsible ones: each of them reports."""
    others = sorted((i for i in measure.co_responsible.all() if i.pk != measure.responsible_id), key=lambda i: i.code)
    return [measure.responsible, *others]


def can_report_on(*, user, measure: Measure) -> bool:
    access = coordination_access(user)
    if not access.report or measure.cancelled or measure.plan.status != ActionPlan.Status.IN_FORCE:
        return False
    return access.institution.pk in {i.pk for i in measure_institutions(measure)}


def measures_reportable_by(*, user, plan: ActionPlan | None = None) -> QuerySet[Measure]:
    """The measures of plans in force that the user's institution is responsible or co-responsible for."""
    access = coordination_access(user)
    if not access.report:
        return Measure.objects.none()
    return measures_visible(user=user, plan=plan, institution=access.institution, include_cancelled=False).filter(
        plan__status=ActionPlan.Status.IN_FORCE
    )


# --- Reporting periods and reports -------------------------------------------------------------------------------


def periods_of(*, plan: ActionPlan) -> QuerySet[ReportingPeriod]:
    return ReportingPeriod.objects.filter(plan=plan).order_by("starts_on", "pk")


def access_period(*, user, period_id: int) -> ReportingPeriod:
    period = (
        ReportingPeriod.objects.filter(plan__in=plans_visible(user=user), pk=period_id).select_related("plan").first()
    )
    if period is None:
        raise NotFoundOrForbidden()
    return period


def period_current(*, plan: ActionPlan, today: date | None = None) -> ReportingPeriod | None:
    """The period being reported on: the first whose due date has not passed, else the last one."""
    today = today or timezone.localdate()
    periods = periods_of(plan=plan)
    return periods.filter(due_on__gte=today).order_by("due_on", "pk").first() or periods.order_by("due_on").last()


def reports_visible(
    *, user, period=None, measure=None, institution=None, review_state: str | None = None
) -> QuerySet[ProgressReport]:
    access = coordination_access(user)
    if not access.read:
        return ProgressReport.objects.none()
    reports = ProgressReport.objects.filter(measure__plan__in=plans_visible(user=user))
    # Drafts are the institution's own work in progress.
    shown = Q(review_state__in=SUBMITTED_STATES)
    if access.report:
        shown |= Q(institution=access.institution)
    reports = reports.filter(shown)
    if period is not None:
        reports = reports.filter(period=period)
    if measure is not None:
        reports = reports.filter(measure=measure)
    if institution is not None:
        reports = reports.filter(institution=institution)
    if review_state:
        reports = reports.filter(review_state=review_state)
    return reports.select_related(
        "measure__goal", "measure__plan", "period", "institution", "submitted_by", "reviewed_by"
    ).order_by("period__starts_on", "measure__goal__order", "measure__order", "measure__code", "institution__code")


def access_report(*, user, report_id: int) -> ProgressReport:
    report = reports_visible(user=user).filter(pk=report_id).first()
    if report is None:
        raise NotFoundOrForbidden()
    return report


def report_of(*, user, measure: Measure, period: ReportingPeriod) -> ProgressReport | None:
    """The user's own institution's report on the measure for the period, if there is one."""
    access = coordination_access(user)
    if not access.report:
        return None
    return reports_visible(user=user, measure=measure, period=period, institution=access.institution).first()


def report_revisions(*, user, report: ProgressReport) -> QuerySet[ProgressReportRevision]:
    """The report's history. Drafts saved along the way are the institution's own work in progress: only its
    reporters see them; everyone else, the coordinator included, sees what was submitted and answered."""
    revisions = ProgressReportRevision.objects.filter(report=report)
    access = coordination_access(user)
    if not (access.report and access.institution.pk == report.institution_id):
        revisions = revisions.exclude(action=ProgressReportRevision.Action.SAVED)
    return revisions.select_related("by").order_by("number")


def reports_awaiting_review(*, user) -> QuerySet[ProgressReport]:
    """Submitted reports the coordinator has not yet answered; nothing for anyone else."""
    if not coordination_access(user).manage:
        return ProgressReport.objects.none()
    return reports_visible(user=user, review_state=ReviewState.SUBMITTED)


@dataclass
class ReportSlot:
    """A report an institution owes on a measure for a period, and the report if one exists (maybe a draft)."""

    period: ReportingPeriod
    measure: Measure
    institution: Institution
    report: ProgressReport | None

    @property
    def submitted(self) -> bool:
        return self.report is not None and self.report.review_state in SUBMITTED_STATES


def report_slots(*, period: ReportingPeriod) -> list[ReportSlot]:
    """Every (measure, institution) that owes a report for the period: responsible and co-responsible alike."""
    measures = (
        Measure.objects.filter(plan_id=period.plan_id, cancelled=False)
        .select_related("responsible", "goal")
        .prefetch_related("co_responsible")
        .order_by("goal__order", "order", "code")
    )
    reports = {
        (r.measure_id, r.institution_id): r
        for r in ProgressReport.objects.filter(period=period).select_related("institution")
    }
    return [
        ReportSlot(
            period=period, measure=measure, institution=institution, report=reports.get((measure.pk, institution.pk))
        )
        for measure in measures
        for institution in measure_institutions(measure)
    ]


def reports_missing(*, period: ReportingPeriod) -> list[ReportSlot]:
    return [slot for slot in report_slots(period=period) if not slot.submitted]


def overdue_report_slots(*, user, today: date | None = None) -> list[ReportSlot]:
    """Reports past their period's due date and still not submitted, in plans the user may see (oldest first)."""
    today = today or timezone.localdate()
    periods = ReportingPeriod.objects.filter(
        plan__in=plans_visible(user=user).filter(status=ActionPlan.Status.IN_FORCE), due_on__lt=today
    ).order_by("due_on", "pk")
    return [slot for period in periods.select_related("plan") for slot in reports_missing(period=period)]


@dataclass
class PlanProgress:
    """Measures by status, per goal and per institution, in one period (or the latest submitted report of each).

    A measure's status is that of its responsible institution's report; NOT_REPORTED when there is none.
    Institutions are counted with their own reports (responsible and co-responsible).
    """

    period: ReportingPeriod | None
    statuses: list[str]
    total: Counter = field(default_factory=Counter)
    by_goal: dict[Goal, Counter] = field(default_factory=dict)
    by_institution: dict[Institution, Counter] = field(default_factory=dict)
    measure_status: dict[int, str] = field(default_factory=dict)


def plan_progress(*, plan: ActionPlan, period: ReportingPeriod | None = None) -> PlanProgress:
    statuses = [*MeasureStatus.values, NOT_REPORTED]
    progress = PlanProgress(period=period, statuses=statuses)
    reports = ProgressReport.objects.filter(measure__plan=plan, review_state__in=SUBMITTED_STATES)
    if period is not None:
        reports = reports.filter(period=period)
    latest: dict[tuple[int, int], ProgressReport] = {}
    for report in reports.select_related("period").order_by("period__starts_on", "pk"):
        latest[(report.measure_id, report.institution_id)] = report
    by_goal: dict[Goal, Counter] = defaultdict(Counter)
    by_institution: dict[Institution, Counter] = defaultdict(Counter)
    for goal in plan_goals(plan=plan):
        by_goal.setdefault(goal, Counter())  # every goal appears, even one without measures
        for measure in goal.measure_list:
            if measure.cancelled:
                status = MeasureStatus.CANCELLED.value
            else:
                own = latest.get((measure.pk, measure.responsible_id))
                status = own.status if own else NOT_REPORTED
            progress.measure_status[measure.pk] = status
            progress.total[status] += 1
            by_goal[goal][status] += 1
            for institution in measure_institutions(measure):
                report = latest.get((measure.pk, institution.pk))
                by_institution[institution][
                    MeasureStatus.CANCELLED.value if measure.cancelled else (report.status if report else NOT_REPORTED)
                ] += 1
    progress.by_goal = dict(by_goal)
    progress.by_institution = dict(sorted(by_institution.items(), key=lambda item: item[0].code))
    return progress


@dataclass(frozen=True)
class IndicatorPoint:
    period: ReportingPeriod
    value: Decimal


def indicator_series(*, measure: Measure) -> list[IndicatorPoint]:
    """The responsible institution's submitted indicator values, one per period, oldest first."""
    reports = (
        ProgressReport.objects.filter(
            measure=measure,
            institution_id=measure.responsible_id,
            review_state__in=SUBMITTED_STATES,
            indicator_value__isnull=False,
        )
        .select_related("period")
        .order_by("period__starts_on", "pk")
    )
    return [IndicatorPoint(period=r.period, value=r.indicator_value) for r in reports]


# --- The working group -------------------------------------------------------------------------------------------


def working_group_current() -> WorkingGroup | None:
    """The group (an installation has one; the first by code if several)."""
    return WorkingGroup.objects.order_by("code").first()


def access_working_group(*, user, code: str) -> WorkingGroup:
    _reader(user)
    group = WorkingGroup.objects.filter(code=code).first()
    if group is None:
        raise NotFoundOrForbidden()
    return group


def memberships_current(*, group: WorkingGroup, on: date | None = None) -> QuerySet[Membership]:
    on = on or timezone.localdate()
    return (
        Membership.objects.filter(group=group, since__lte=on)
        .filter(Q(until__isnull=True) | Q(until__gte=on))
        .select_related("institution", "delegate")
        .order_by("institution__code")
    )


def memberships_all(*, group: WorkingGroup) -> QuerySet[Membership]:
    return (
        Membership.objects.filter(group=group)
        .select_related("institution", "delegate")
        .order_by("institution__code", "since")
    )


def access_membership(*, user, membership_id: int) -> Membership:
    _reader(user)
    membership = Membership.objects.filter(pk=membership_id).select_related("group", "institution").first()
    if membership is None:
        raise NotFoundOrForbidden()
    return membership


def meetings_visible(
    *, user, group: WorkingGroup | None = None, upcoming: bool | None = None, today: date | None = None
) -> QuerySet[Meeting]:
    """Meetings for any reader; `upcoming` True: from today on (soonest first), False: before today (latest first)."""
    if not coordination_access(user).read:
        return Meeting.objects.none()
    meetings = Meeting.objects.select_related("group")
    if group is not None:
        meetings = meetings.filter(group=group)
    if upcoming is not None:
        today = today or timezone.localdate()
        if upcoming:
            return meetings.filter(starts_at__date__gte=today).order_by("starts_at", "pk")
        meetings = meetings.filter(starts_at__date__lt=today)
    return meetings.order_by("-starts_at", "pk")


def access_meeting(*, user, meeting_id: int) -> Meeting:
    meeting = meetings_visible(user=user).filter(pk=meeting_id).first()
    if meeting is None:
        raise NotFoundOrForbidden()
    return meeting


def can_see_meeting_records(*, user, meeting: Meeting) -> bool:
    """Minutes, documents and attendance: the coordinator, and working-group members (coordination.meetings) whose
    institution held a seat on the meeting's day or who were a seat's delegate that day. The capability alone is not
    enough: an institution that joined later, or left before, must not read what was said without it."""
    access = coordination_access(user)
    if access.manage:
        return True
    if not access.meetings:
        return False
    seated = Q(delegate=user)
    if access.institution is not None:
        seated |= Q(institution=access.institution)
    day = timezone.localtime(meeting.starts_at).date()
    return memberships_current(group=meeting.group_id, on=day).filter(seated).exists()


def meeting_documents(*, user, meeting: Meeting) -> QuerySet[MeetingDocument]:
    if not can_see_meeting_records(user=user, meeting=meeting):
        return MeetingDocument.objects.none()
    # The file content stays in the database until someone downloads it.
    return MeetingDocument.objects.filter(meeting=meeting).defer("content").order_by("pk")


def access_meeting_document(*, user, document_id: int) -> MeetingDocument:
    if not coordination_access(user).meetings:
        raise NotFoundOrForbidden()
    document = MeetingDocument.objects.filter(pk=document_id).select_related("meeting").first()
    if document is None or not can_see_meeting_records(user=user, meeting=document.meeting):
        raise NotFoundOrForbidden()
    return document


def meeting_attendance(*, user, meeting: Meeting) -> list[Attendance]:
    """One row per membership in force on the meeting's day (present or not), recorded or not yet."""
    if not can_see_meeting_records(user=user, meeting=meeting):
        return []
    recorded = {a.membership_id: a for a in Attendance.objects.filter(meeting=meeting)}
    day = timezone.localtime(meeting.starts_at).date()
    rows = []
    for membership in memberships_current(group=meeting.group, on=day):
        row = recorded.get(membership.pk) or Attendance(meeting=meeting, membership=membership)
        row.membership = membership
        rows.append(row)
    return rows


def decisions_visible(*, user, meeting: Meeting | None = None) -> QuerySet[Decision]:
    if not coordination_access(user).read:
        return Decision.objects.none()
    decisions = Decision.objects.select_related("meeting__group").prefetch_related(
        Prefetch("tasks", queryset=DecisionTask.objects.select_related("owner_institution", "done_by"))
    )
    if meeting is not None:
        decisions = decisions.filter(meeting=meeting)
    return decisions.order_by("-meeting__starts_at", "pk")


def access_decision(*, user, decision_id: int) -> Decision:
    decision = decisions_visible(user=user).filter(pk=decision_id).first()
    if decision is None:
        raise NotFoundOrForbidden()
    return decision


def decision_tasks_visible(*, user, institution=None, open_only: bool = False) -> QuerySet[DecisionTask]:
    if not coordination_access(user).read:
        return DecisionTask.objects.none()
    tasks = DecisionTask.objects.select_related("decision__meeting", "owner_institution", "done_by")
    if institution is not None:
        tasks = tasks.filter(owner_institution=institution)
    if open_only:
        tasks = tasks.filter(done_at__isnull=True)
    return tasks.order_by("done_at", "deadline", "pk")


def access_decision_task(*, user, task_id: int) -> DecisionTask:
    task = decision_tasks_visible(user=user).filter(pk=task_id).first()
    if task is None:
        raise NotFoundOrForbidden()
    return task


def can_complete_task(*, user, task: DecisionTask) -> bool:
    """The coordinator, or a working-group member of the institution that owns the task."""
    access = coordination_access(user)
    if access.manage:
        return True
    return access.meetings and access.institution is not None and access.institution.pk == task.owner_institution_id


# --- Whom to tell ------------------------------------------------------------------------------------------------


def member_recipients(*, group: WorkingGroup) -> list:
    """Delegates with an account, and working-group members and coordinators of the member institutions."""
    recipients = {}
    for membership in memberships_current(group=group):
        if membership.delegate is not None and membership.delegate.is_active:
            recipients[membership.delegate.pk] = membership.delegate
        for capability in (Capability.COORDINATION_MEETINGS, Capability.COORDINATION_MANAGE):
            for user in institution_staff(institution=membership.institution, capability=capability):
                recipients[user.pk] = user
    return [recipients[pk] for pk in sorted(recipients)]


def institution_reporters(*, institution: Institution) -> list:
    return institution_staff(institution=institution, capability=Capability.COORDINATION_REPORT)


# --- Public ------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PublicMember:
    code: str
    name: str


@dataclass(frozen=True)
class PublicWorkingGroup:
    """What anyone may know of the group: its name, its legal basis, its member institutions, its meeting dates."""

    name: str
    established_by: str
    members: list[PublicMember]
    meeting_dates: list[date]


def public_working_group(*, today: date | None = None) -> PublicWorkingGroup | None:
    group = working_group_current()
    if group is None:
        return None
    memberships = memberships_current(group=group, on=today)
    members = sorted(
        {
            PublicMember(code=m.institution.code, name=str(m.institution))
            for m in memberships
            if m.institution.is_active
        },
        key=lambda member: member.name.casefold(),
    )
    starts = Meeting.objects.filter(group=group, public=True).exclude(status=Meeting.Status.CANCELLED)
    dates = [
        timezone.localtime(value).date() for value in starts.order_by("starts_at").values_list("starts_at", flat=True)
    ]
    return PublicWorkingGroup(
        name=localized(group.name) or group.code,
        established_by=group.established_by,
        members=members,
        meeting_dates=dates,
    )
