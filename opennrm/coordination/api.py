"""The action plan, progress reports and the working group over JSON (mounted at /api/v1/coordination/).

Reading is for every holder of a coordination capability (view, report, meetings, manage); minutes, documents and
attendance for the coordinator and for working-group members whose institution held a seat on the meeting's day.
Writing: the coordinator changes the plan, reviews reports and keeps the meetings and decisions; a reporter submits
reports on its own institution's measures; a working-group member marks its institution's decision tasks done.
Not visible answers 404, visible but not allowed 403, a request the rules refuse 400 naming the field
(opennrm.api.errors); a refused import lists every problem.
"""

from __future__ import annotations

from django.utils import timezone
from django.utils.translation import gettext, gettext_lazy
from ninja import File, Form, Path, Query, Router
from ninja.files import UploadedFile
from ninja.responses import Status

from opennrm.api.auth import api_auth
from opennrm.cases.lookups import institution_by_code
from opennrm.coordination import selectors, services
from opennrm.coordination.importing import MAX_FILE_BYTES, PlanImportError
from opennrm.coordination.models import (
    ActionPlan,
    Decision,
    Measure,
    Meeting,
    PlanVersion,
    ProgressReport,
    ProgressReportRevision,
    ReportingPeriod,
)
from opennrm.coordination.schemas import (
    MAX_ID,
    CoordinationErrorOut,
    DecisionIn,
    DecisionOut,
    DecisionTaskDoneIn,
    DecisionTaskOut,
    GoalOut,
    MeasureFilters,
    MeasureOut,
    MeasureUpdateIn,
    MeetingAttendanceOut,
    MeetingDetailOut,
    MeetingDocumentOut,
    MeetingIn,
    MeetingOut,
    PlanDetailOut,
    PlanImportOut,
    PlanOut,
    PlanProgressOut,
    PlanUpdateIn,
    PlanVersionOut,
    ProgressReportDetailOut,
    ProgressReportFilters,
    ProgressReportIn,
    ProgressReportOut,
    ProgressReportRevisionOut,
    ReportingPeriodIn,
    ReportingPeriodOut,
    ReportReviewIn,
    WorkingGroupMemberOut,
    WorkingGroupOut,
)
from opennrm.core.errors import ApplicationError, Forbidden, NotFoundOrForbidden

router = Router(tags=["coordination"], auth=api_auth)

NOT_MEMBER = gettext_lazy("Your role does not give access to the action plan and the working group.")
NOT_COORDINATOR = gettext_lazy("Only the national coordinator can do this.")
ERRORS = {400: CoordinationErrorOut, 403: CoordinationErrorOut, 404: CoordinationErrorOut}


def _reader(request) -> selectors.CoordinationAccess:
    access = selectors.coordination_access(request.auth)
    if not access.read:
        raise Forbidden(str(NOT_MEMBER))
    return access


def _manager(request) -> None:
    if not _reader(request).manage:
        raise Forbidden(str(NOT_COORDINATOR))


def _username(user) -> str | None:
    return user.get_username() if user is not None else None


# --- Answers -----------------------------------------------------------------------------------------------------


def _plan_out(plan: ActionPlan) -> PlanOut:
    return PlanOut(
        code=plan.code,
        title=plan.title,
        period_start=plan.period_start,
        period_end=plan.period_end,
        approving_act=plan.approving_act,
        status=plan.status,
        current_version=plan.current_version,
    )


def _measure_out(measure: Measure, *, plan_code: str, goal_code: str) -> MeasureOut:
    return MeasureOut(
        id=measure.pk,
        plan=plan_code,
        goal=goal_code,
        code=measure.code,
        text=measure.text,
        responsible=measure.responsible.code,
        co_responsible=sorted(i.code for i in measure.co_responsible.all()),
        deadline=measure.deadline,
        indicator=measure.indicator,
        baseline=measure.baseline,
        target=measure.target,
        unit=measure.unit,
        funding_source=measure.funding_source,
        cancelled=measure.cancelled,
    )


def _period_out(period: ReportingPeriod) -> ReportingPeriodOut:
    return ReportingPeriodOut(
        id=period.pk, name=period.name, starts_on=period.starts_on, ends_on=period.ends_on, due_on=period.due_on
    )


def _plan_detail(plan: ActionPlan) -> PlanDetailOut:
    goals = [
        GoalOut(
            code=goal.code,
            title=goal.title,
            measures=[_measure_out(m, plan_code=plan.code, goal_code=goal.code) for m in goal.measure_list],
        )
        for goal in selectors.plan_goals(plan=plan)
    ]
    periods = [_period_out(period) for period in selectors.periods_of(plan=plan)]
    return PlanDetailOut(**_plan_out(plan).model_dump(), goals=goals, periods=periods)


def _report_out(report: ProgressReport) -> ProgressReportOut:
    return ProgressReportOut(
        id=report.pk,
        plan=report.measure.plan.code,
        measure=report.measure_id,
        measure_code=report.measure.code,
        period=report.period_id,
        period_name=report.period.name,
        institution=report.institution.code,
        status=report.status,
        narrative=report.narrative,
        indicator_value=report.indicator_value,
        evidence_links=report.evidence_links,
        review_state=report.review_state,
        submitted_by=_username(report.submitted_by),
        submitted_at=report.submitted_at,
        reviewed_by=_username(report.reviewed_by),
        reviewed_at=report.reviewed_at,
        review_comment=report.review_comment,
    )


def _revision_out(revision: ProgressReportRevision) -> ProgressReportRevisionOut:
    return ProgressReportRevisionOut(
        number=revision.number,
        action=revision.action,
        status=revision.status,
        narrative=revision.narrative,
        indicator_value=revision.indicator_value,
        evidence_links=revision.evidence_links,
        review_state=revision.review_state,
        comment=revision.comment,
        by=_username(revision.by),
        created_at=revision.created_at,
    )


def _report_detail(request, report_id: int) -> ProgressReportDetailOut:
    # Re-read through the selector: what the caller sees of it after a change.
    report = selectors.access_report(user=request.auth, report_id=report_id)
    revisions = [_revision_out(r) for r in selectors.report_revisions(user=request.auth, report=report)]
    return ProgressReportDetailOut(**_report_out(report).model_dump(), revisions=revisions)


def _decision_out(decision: Decision) -> DecisionOut:
    return DecisionOut(
        id=decision.pk,
        meeting=decision.meeting_id,
        meeting_date=timezone.localtime(decision.meeting.starts_at).date(),
        number=decision.number,
        text=decision.text,
        tasks=[
            DecisionTaskOut(
                id=task.pk,
                owner_institution=task.owner_institution.code,
                text=task.text,
                deadline=task.deadline,
                done_at=task.done_at,
                done_note=task.done_note,
            )
            for task in decision.tasks.all()
        ],
    )


def _meeting_out(meeting: Meeting) -> MeetingOut:
    return MeetingOut(
        id=meeting.pk,
        group=meeting.group.code,
        starts_at=meeting.starts_at,
        place=meeting.place,
        agenda=meeting.agenda,
        status=meeting.status,
        public=meeting.public,
    )


# --- Plans -------------------------------------------------------------------------------------------------------


@router.get("/plans", response={200: list[PlanOut], 403: CoordinationErrorOut}, summary="Action plans")
def coordination_plans_list(request):
    _reader(request)
    return [_plan_out(plan) for plan in selectors.plans_visible(user=request.auth)]


@router.post(
    "/plans/import",
    response={200: PlanImportOut, 201: PlanImportOut, **ERRORS},
    summary="Import a plan, or a new version of it, from YAML or the XLSX template",
    description="multipart/form-data with `file` and `change_note` (required when the plan exists already). "
    "Nothing is imported unless the whole file is valid; a refusal lists every problem with its place and field.",
)
def coordination_plan_import(request, file: File[UploadedFile], change_note: Form[str] = ""):
    _manager(request)
    if file.size is not None and file.size > MAX_FILE_BYTES:
        raise ApplicationError(
            gettext("The file is too large (at most %(mb)d MB).") % {"mb": MAX_FILE_BYTES // (1024 * 1024)},
            field="file",
        )
    try:
        result = services.plan_import(
            content=file.read(), filename=file.name or "", by=request.auth, change_note=change_note[:2000]
        )
    except PlanImportError as error:
        return Status(400, {"detail": error.message, "field": "file", "problems": error.problems})
    answer = PlanImportOut(
        plan=_plan_out(result.plan),
        created=result.created,
        changed=result.changed,
        version=result.plan.current_version,
        goals_added=result.goals_added,
        measures_added=result.measures_added,
        measures_updated=result.measures_updated,
        measures_cancelled=result.measures_cancelled,
        periods_added=result.periods_added,
    )
    return Status(201 if result.created else 200, answer)


@router.get("/plans/{code}", response={200: PlanDetailOut, **ERRORS}, summary="A plan with its goals and measures")
def coordination_plan_get(request, code: str = Path(..., max_length=64)):
    _reader(request)
    return _plan_detail(selectors.access_plan(user=request.auth, code=code))


@router.patch("/plans/{code}", response={200: PlanDetailOut, **ERRORS}, summary="Change a plan (a new version)")
def coordination_plan_update(request, payload: PlanUpdateIn, code: str = Path(..., max_length=64)):
    _manager(request)
    plan = selectors.access_plan(user=request.auth, code=code)
    changes = {name: getattr(payload, name) for name in payload.model_fields_set if name != "change_note"}
    for name in ("title", "period_start", "period_end", "status"):
        if name in changes and changes[name] is None:
            raise ApplicationError(gettext("This field cannot be empty."), field=name)
    plan = services.plan_update(plan=plan, by=request.auth, change_note=payload.change_note, **changes)
    return _plan_detail(plan)


@router.get(
    "/plans/{code}/versions", response={200: list[PlanVersionOut], **ERRORS}, summary="A plan's versions, newest first"
)
def coordination_plan_versions(request, code: str = Path(..., max_length=64)):
    _reader(request)
    plan = selectors.access_plan(user=request.auth, code=code)
    versions: list[PlanVersion] = list(selectors.plan_versions(plan=plan))
    return [
        PlanVersionOut(
            number=v.number,
            source=v.source,
            change_note=v.change_note,
            created_by=_username(v.created_by),
            created_at=v.created_at,
        )
        for v in versions
    ]


@router.get(
    "/plans/{code}/periods", response={200: list[ReportingPeriodOut], **ERRORS}, summary="A plan's reporting periods"
)
def coordination_periods_list(request, code: str = Path(..., max_length=64)):
    _reader(request)
    plan = selectors.access_plan(user=request.auth, code=code)
    return [_period_out(period) for period in selectors.periods_of(plan=plan)]


@router.post("/plans/{code}/periods", response={201: ReportingPeriodOut, **ERRORS}, summary="Open a reporting period")
def coordination_period_create(request, payload: ReportingPeriodIn, code: str = Path(..., max_length=64)):
    _manager(request)
    plan = selectors.access_plan(user=request.auth, code=code)
    period = services.period_create(plan=plan, by=request.auth, **payload.model_dump())
    return Status(201, _period_out(period))


@router.get(
    "/plans/{code}/progress",
    response={200: PlanProgressOut, **ERRORS},
    summary="Measures by status, per goal and per institution",
    description="In one reporting period (`period` id), or by the latest submitted report of each measure.",
)
def coordination_plan_progress(
    request, code: str = Path(..., max_length=64), period: int | None = Query(None, ge=1, le=MAX_ID)
):
    _reader(request)
    plan = selectors.access_plan(user=request.auth, code=code)
    chosen = None
    if period is not None:
        chosen = selectors.access_period(user=request.auth, period_id=period)
        if chosen.plan_id != plan.pk:
            raise NotFoundOrForbidden()
    progress = selectors.plan_progress(plan=plan, period=chosen)
    return PlanProgressOut(
        period=chosen.name if chosen else None,
        statuses=progress.statuses,
        total=dict(progress.total),
        by_goal={goal.code: dict(counts) for goal, counts in progress.by_goal.items()},
        by_institution={institution.code: dict(counts) for institution, counts in progress.by_institution.items()},
    )


# --- Measures ----------------------------------------------------------------------------------------------------


@router.get("/measures", response={200: list[MeasureOut], **ERRORS}, summary="Measures (filter by plan, institution)")
def coordination_measures_list(request, filters: Query[MeasureFilters]):
    access = _reader(request)
    user = request.auth
    plan = selectors.access_plan(user=user, code=filters.plan) if filters.plan else None
    if filters.mine:
        measures = selectors.measures_reportable_by(user=user, plan=plan) if access.report else []
    else:
        institution = institution_by_code(filters.institution, field="institution")
        measures = selectors.measures_visible(user=user, plan=plan, institution=institution)
    return [_measure_out(m, plan_code=m.plan.code, goal_code=m.goal.code) for m in measures]


@router.get("/measures/{measure_id}", response={200: MeasureOut, **ERRORS}, summary="One measure")
def coordination_measure_get(request, measure_id: int = Path(..., ge=1, le=MAX_ID)):
    _reader(request)
    measure = selectors.access_measure(user=request.auth, measure_id=measure_id)
    return _measure_out(measure, plan_code=measure.plan.code, goal_code=measure.goal.code)


@router.patch("/measures/{measure_id}", response={200: MeasureOut, **ERRORS}, summary="Change a measure")
def coordination_measure_update(request, payload: MeasureUpdateIn, measure_id: int = Path(..., ge=1, le=MAX_ID)):
    _manager(request)
    user = request.auth
    measure = selectors.access_measure(user=user, measure_id=measure_id)
    changes = {name: getattr(payload, name) for name in payload.model_fields_set if name != "change_note"}
    for name in ("goal", "code", "text", "responsible", "co_responsible", "cancelled"):
        if name in changes and changes[name] is None:
            raise ApplicationError(gettext("This field cannot be empty."), field=name)
    if "goal" in changes:
        try:
            changes["goal"] = selectors.access_goal(user=user, plan=measure.plan, code=changes["goal"])
        except NotFoundOrForbidden:
            raise ApplicationError(gettext("The plan has no goal with this code."), field="goal") from None
    measure = services.measure_update(measure=measure, by=user, change_note=payload.change_note, **changes)
    measure = selectors.access_measure(user=user, measure_id=measure.pk)
    return _measure_out(measure, plan_code=measure.plan.code, goal_code=measure.goal.code)


# --- Reports -----------------------------------------------------------------------------------------------------


@router.get(
    "/reports", response={200: list[ProgressReportOut], **ERRORS}, summary="Progress reports the caller may see"
)
def coordination_reports_list(request, filters: Query[ProgressReportFilters]):
    _reader(request)
    user = request.auth
    period = selectors.access_period(user=user, period_id=filters.period) if filters.period else None
    measure = selectors.access_measure(user=user, measure_id=filters.measure) if filters.measure else None
    institution = institution_by_code(filters.institution, field="institution")
    reports = selectors.reports_visible(
        user=user, period=period, measure=measure, institution=institution, review_state=filters.review_state
    )
    return [_report_out(report) for report in reports]


@router.get(
    "/reports/{report_id}", response={200: ProgressReportDetailOut, **ERRORS}, summary="A report with its history"
)
def coordination_report_get(request, report_id: int = Path(..., ge=1, le=MAX_ID)):
    _reader(request)
    return _report_detail(request, report_id)


@router.put(
    "/reports",
    response={200: ProgressReportDetailOut, **ERRORS},
    summary="Write the caller's institution's report on a measure for a period",
    description="`submit: true` (the default) sends it for review; `false` keeps a draft, only for a report never "
    "submitted. A report sent back for clarification is answered by submitting it again (`false` is refused).",
)
def coordination_report_submit(request, payload: ProgressReportIn):
    _reader(request)
    user = request.auth
    measure = selectors.access_measure(user=user, measure_id=payload.measure)
    period = selectors.access_period(user=user, period_id=payload.period)
    write = services.report_submit if payload.submit else services.report_save_draft
    report = write(
        measure=measure,
        period=period,
        by=user,
        status=payload.status,
        narrative=payload.narrative,
        indicator_value=payload.indicator_value,
        evidence_links=payload.evidence_links,
    )
    return _report_detail(request, report.pk)


@router.post(
    "/reports/{report_id}/clarification",
    response={200: ProgressReportDetailOut, **ERRORS},
    summary="Send a submitted report back with a question (coordinator)",
)
def coordination_report_request_clarification(
    request, payload: ReportReviewIn, report_id: int = Path(..., ge=1, le=MAX_ID)
):
    _manager(request)
    report = selectors.access_report(user=request.auth, report_id=report_id)
    services.report_request_clarification(report=report, by=request.auth, comment=payload.comment)
    return _report_detail(request, report_id)


@router.post(
    "/reports/{report_id}/accept",
    response={200: ProgressReportDetailOut, **ERRORS},
    summary="Accept a submitted report (coordinator)",
)
def coordination_report_accept(request, payload: ReportReviewIn, report_id: int = Path(..., ge=1, le=MAX_ID)):
    _manager(request)
    report = selectors.access_report(user=request.auth, report_id=report_id)
    services.report_accept(report=report, by=request.auth, comment=payload.comment)
    return _report_detail(request, report_id)


# --- Working group -----------------------------------------------------------------------------------------------


@router.get("/working-group", response={200: WorkingGroupOut, **ERRORS}, summary="The group and its members")
def coordination_working_group(request):
    _reader(request)
    group = selectors.working_group_current()
    if group is None:
        raise NotFoundOrForbidden()
    members = [
        WorkingGroupMemberOut(
            institution=m.institution.code,
            institution_name=str(m.institution),
            delegate_name=m.delegate_name,
            substitute_name=m.substitute_name,
            since=m.since,
            until=m.until,
        )
        for m in selectors.memberships_all(group=group)
    ]
    return WorkingGroupOut(code=group.code, name=group.name, established_by=group.established_by, members=members)


@router.get("/meetings", response={200: list[MeetingOut], **ERRORS}, summary="Meetings, latest first")
def coordination_meetings_list(request):
    _reader(request)
    return [_meeting_out(meeting) for meeting in selectors.meetings_visible(user=request.auth)]


@router.get(
    "/meetings/{meeting_id}",
    response={200: MeetingDetailOut, **ERRORS},
    summary="A meeting with its decisions (minutes, documents, attendance for the working group)",
)
def coordination_meeting_get(request, meeting_id: int = Path(..., ge=1, le=MAX_ID)):
    _reader(request)
    user = request.auth
    meeting = selectors.access_meeting(user=user, meeting_id=meeting_id)
    records = selectors.can_see_meeting_records(user=user, meeting=meeting)
    documents = attendance = None
    if records:
        documents = [
            MeetingDocumentOut(
                id=d.pk, title=d.title, url=d.url, filename=d.filename, content_type=d.content_type, size=d.size
            )
            for d in selectors.meeting_documents(user=user, meeting=meeting)
        ]
        attendance = [
            MeetingAttendanceOut(
                institution=row.membership.institution.code,
                present=row.present if row.pk else None,
                substitute_attended=row.substitute_attended,
            )
            for row in selectors.meeting_attendance(user=user, meeting=meeting)
        ]
    return MeetingDetailOut(
        **_meeting_out(meeting).model_dump(),
        minutes=meeting.minutes if records else None,
        documents=documents,
        attendance=attendance,
        decisions=[_decision_out(d) for d in selectors.decisions_visible(user=user, meeting=meeting)],
    )


@router.post("/meetings", response={201: MeetingOut, **ERRORS}, summary="Schedule a meeting (members are told)")
def coordination_meeting_create(request, payload: MeetingIn):
    _manager(request)
    group = selectors.working_group_current()
    if group is None:
        raise ApplicationError(gettext("Set up the working group first."))
    meeting = services.meeting_create(group=group, by=request.auth, **payload.model_dump())
    return Status(201, _meeting_out(meeting))


@router.post(
    "/meetings/{meeting_id}/decisions",
    response={201: DecisionOut, **ERRORS},
    summary="Record a decision of a meeting, with its tasks (members are told)",
)
def coordination_decision_record(request, payload: DecisionIn, meeting_id: int = Path(..., ge=1, le=MAX_ID)):
    _manager(request)
    user = request.auth
    meeting = selectors.access_meeting(user=user, meeting_id=meeting_id)
    tasks = [
        services.TaskSpec(
            owner_institution=institution_by_code(task.owner_institution, field=f"tasks.{index}.owner_institution"),
            text=task.text,
            deadline=task.deadline,
        )
        for index, task in enumerate(payload.tasks)
    ]
    decision = services.decision_record(meeting=meeting, by=user, text=payload.text, number=payload.number, tasks=tasks)
    return Status(201, _decision_out(selectors.access_decision(user=user, decision_id=decision.pk)))


@router.get("/decisions", response={200: list[DecisionOut], **ERRORS}, summary="The decisions register")
def coordination_decisions_list(request):
    _reader(request)
    return [_decision_out(d) for d in selectors.decisions_visible(user=request.auth)]


@router.post(
    "/decision-tasks/{task_id}/done",
    response={200: DecisionTaskOut, **ERRORS},
    summary="Mark a decision's task done (coordinator, or the owner institution's working-group member)",
)
def coordination_decision_task_done(request, payload: DecisionTaskDoneIn, task_id: int = Path(..., ge=1, le=MAX_ID)):
    _reader(request)
    user = request.auth
    task = selectors.access_decision_task(user=user, task_id=task_id)
    if not selectors.can_complete_task(user=user, task=task):
        raise Forbidden(gettext("Only the coordinator or the institution that owns the task can mark it done."))
    task = services.decision_task_done(task=task, by=user, note=payload.note)
    return DecisionTaskOut(
        id=task.pk,
        owner_institution=task.owner_institution.code,
        text=task.text,
        deadline=task.deadline,
        done_at=task.done_at,
        done_note=task.done_note,
    )
