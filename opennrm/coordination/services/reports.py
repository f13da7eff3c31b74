"""Progress reports: a responsible institution's reporter writes and submits, the coordinator reviews.

    draft ──submit──▶ submitted ──accept──▶ accepted
                         │  ▲
      request_clarification  submit (again)
                         ▼  │
              clarification_requested

Every step writes a ProgressReportRevision (the full report as it then stood) and an audit event; the coordinator is
told of each submission, the institution's reporters of each answer. Only a report never submitted can be saved as
a draft: once submitted, even when sent back for clarification, it changes only by submitting it again.
"""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext

from opennrm.accounts.models import Role, User
from opennrm.coordination.models import (
    ActionPlan,
    Measure,
    MeasureStatus,
    ProgressReport,
    ProgressReportRevision,
    ReportingPeriod,
    ReviewState,
)
from opennrm.coordination.notifications import notify
from opennrm.coordination.selectors import coordination_access, institution_reporters, measure_institutions
from opennrm.coordination.services.checks import NARRATIVE_MAX, clean_evidence_links, clean_number, clean_string
from opennrm.coordination.services.common import audit, check, require_manager
from opennrm.core.capabilities import Capability
from opennrm.core.errors import ApplicationError, Forbidden
from opennrm.directory.models import Institution

# A status that says something went off plan must say why.
EXPLAINED_STATUSES = (MeasureStatus.DELAYED, MeasureStatus.CANCELLED)
REVIEW_COMMENT_MAX = 5000


def coordinators() -> list[User]:
    """Everyone who reviews reports (coordination.manage in force), to be told of a submission."""
    roles = [
        role for role in Role.objects.filter(is_active=True) if Capability.COORDINATION_MANAGE in role.capabilities
    ]
    users = (
        User.objects.filter(roles__in=roles, is_active=True)
        .select_related("unit__institution__type")
        .prefetch_related("roles")
        .distinct()
        .order_by("pk")
    )
    return [user for user in users if user.has_capability(Capability.COORDINATION_MANAGE)]


def _reporting_institution(*, by, measure: Measure, period: ReportingPeriod) -> Institution:
    access = coordination_access(by)
    if not access.report:
        raise Forbidden(gettext("Your role does not allow reporting on the action plan."))
    if period.plan_id != measure.plan_id:
        raise ApplicationError(gettext("The period belongs to another plan."), field="period")
    if measure.plan.status != ActionPlan.Status.IN_FORCE:
        raise ApplicationError(gettext("Reports are written only on a plan in force."), field="measure")
    if measure.cancelled:
        raise ApplicationError(gettext("This measure was cancelled; nobody reports on it."), field="measure")
    if access.institution.pk not in {i.pk for i in measure_institutions(measure)}:
        raise Forbidden(gettext("Your institution is not responsible for this measure."))
    return access.institution


def _revision(report: ProgressReport, *, action: str, by, comment: str = "") -> ProgressReportRevision:
    number = (report.revisions.order_by("-number").values_list("number", flat=True).first() or 0) + 1
    return ProgressReportRevision.objects.create(
        report=report,
        number=number,
        action=action,
        status=report.status,
        narrative=report.narrative,
        indicator_value=report.indicator_value,
        evidence_links=report.evidence_links,
        review_state=report.review_state,
        comment=comment,
        by=by,
    )


def _write(*, measure, period, by, status, narrative, indicator_value, evidence_links, submit: bool) -> ProgressReport:
    # Read again: the plan's status or the measure's institutions may have changed since the caller loaded them.
    measure = Measure.objects.select_related("plan", "responsible").get(pk=measure.pk)
    institution = _reporting_institution(by=by, measure=measure, period=period)
    if status not in MeasureStatus.values:
        raise ApplicationError(gettext("Choose a valid status."), field="status")
    narrative = check("narrative", clean_string, narrative, max_length=NARRATIVE_MAX)
    if submit and status in EXPLAINED_STATUSES and not narrative:
        raise ApplicationError(
            gettext("Explain in the narrative why the measure is delayed or cancelled."), field="narrative"
        )
    value = check("indicator_value", clean_number, indicator_value)
    links = check("evidence_links", clean_evidence_links, list(evidence_links or []))
    with transaction.atomic():
        report, _created = ProgressReport.objects.select_for_update().get_or_create(
            measure=measure, period=period, institution=institution
        )
        if report.review_state == ReviewState.ACCEPTED:
            raise ApplicationError(gettext("This report has been accepted; it can no longer be changed."))
        if not submit and report.review_state == ReviewState.SUBMITTED:
            raise ApplicationError(
                gettext("This report has been submitted; change it by submitting it again."), field="submit"
            )
        # A report sent back still counts as submitted (observers, dashboard, exports read it): a draft saved over it
        # would publish text nobody has reviewed, so the answer is written in one step, by submitting.
        if not submit and report.review_state == ReviewState.CLARIFICATION_REQUESTED:
            raise ApplicationError(
                gettext(
                    "This report was sent back for clarification and cannot be saved as a draft; "
                    "answer by submitting it again."
                ),
                field="submit",
            )
        old = {"status": report.status, "review_state": report.review_state}
        report.status, report.narrative, report.indicator_value, report.evidence_links = status, narrative, value, links
        if submit:
            report.review_state = ReviewState.SUBMITTED
            report.submitted_by, report.submitted_at = by, timezone.now()
            report.reviewed_by, report.reviewed_at, report.review_comment = None, None, ""
        report.save()
        revision = _revision(
            report,
            action=ProgressReportRevision.Action.SUBMITTED if submit else ProgressReportRevision.Action.SAVED,
            by=by,
        )
        audit(
            action="report.submitted" if submit else "report.saved",
            by=by,
            obj=report,
            old=old,
            new={
                "measure": measure.code,
                "period": period.name,
                "institution": institution.code,
                "status": status,
                "review_state": report.review_state,
                "indicator_value": str(value) if value is not None else None,
                "evidence_links": links,
                "revision": revision.number,
            },
        )
        if submit:
            notify(
                users=coordinators(),
                kind="report.submitted",
                key=f"coordination:report-submitted:{report.pk}:{revision.number}",
                details={"report": report.pk, "measure_code": measure.code},
            )
    return report


def report_save_draft(
    *,
    measure: Measure,
    period: ReportingPeriod,
    by,
    status: str,
    narrative: str = "",
    indicator_value=None,
    evidence_links=(),
) -> ProgressReport:
    """Keep a report unfinished: only the institution's own reporters see it until it is submitted."""
    return _write(
        measure=measure,
        period=period,
        by=by,
        status=status,
        narrative=narrative,
        indicator_value=indicator_value,
        evidence_links=evidence_links,
        submit=False,
    )


def report_submit(
    *,
    measure: Measure,
    period: ReportingPeriod,
    by,
    status: str,
    narrative: str = "",
    indicator_value=None,
    evidence_links=(),
) -> ProgressReport:
    """Submit (or resubmit) the institution's report on a measure for a period, for the coordinator's review."""
    return _write(
        measure=measure,
        period=period,
        by=by,
        status=status,
        narrative=narrative,
        indicator_value=indicator_value,
        evidence_links=evidence_links,
        submit=True,
    )


def _review(*, report: ProgressReport, by, state: str, comment: str) -> ProgressReport:
    require_manager(by)
    with transaction.atomic():
        report = (
            ProgressReport.objects.select_for_update()
            .select_related("measure", "period", "institution")
            .get(pk=report.pk)
        )
        if report.review_state != ReviewState.SUBMITTED:
            raise ApplicationError(gettext("Only a submitted report can be reviewed."), field="review_state")
        old_state = report.review_state
        report.review_state = state
        report.reviewed_by, report.reviewed_at, report.review_comment = by, timezone.now(), comment
        report.save()
        action = (
            ProgressReportRevision.Action.ACCEPTED
            if state == ReviewState.ACCEPTED
            else ProgressReportRevision.Action.CLARIFICATION_REQUESTED
        )
        revision = _revision(report, action=action, by=by, comment=comment)
        audit(
            action="report.accepted" if state == ReviewState.ACCEPTED else "report.clarification_requested",
            by=by,
            obj=report,
            old={"review_state": old_state},
            new={"review_state": state, "comment": comment, "revision": revision.number},
        )
        recipients = institution_reporters(institution=report.institution)
        if report.submitted_by is not None:
            recipients.append(report.submitted_by)
        notify(
            users=recipients,
            kind="report.accepted" if state == ReviewState.ACCEPTED else "report.clarification",
            key=f"coordination:report-reviewed:{report.pk}:{revision.number}",
            details={"report": report.pk, "measure_code": report.measure.code},
        )
    return report


def report_request_clarification(*, report: ProgressReport, by, comment: str) -> ProgressReport:
    """Send the report back to its institution with a question; the reporter answers by submitting again."""
    comment = check("comment", clean_string, comment, required=True, max_length=REVIEW_COMMENT_MAX)
    return _review(report=report, by=by, state=ReviewState.CLARIFICATION_REQUESTED, comment=comment)


def report_accept(*, report: ProgressReport, by, comment: str = "") -> ProgressReport:
    """Accept a submitted report; from then on it is final."""
    comment = check("comment", clean_string, comment, max_length=REVIEW_COMMENT_MAX)
    return _review(report=report, by=by, state=ReviewState.ACCEPTED, comment=comment)
