"""Progress reports: the reporter's measures and report form, the list and history of reports, and the
coordinator's review (ask for clarification, accept)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect
from django.utils.translation import gettext
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from opennrm.coordination import selectors, services
from opennrm.coordination.forms import ACCEPT, SAVE_DRAFT, ReportForm, ReviewForm
from opennrm.coordination.models import MeasureStatus, ReviewState
from opennrm.coordination.views.common import (
    form_status,
    page,
    require_manager,
    require_reader,
    require_reporter,
    visible,
)
from opennrm.core.errors import ApplicationError


def _chosen_period(request, plan):
    """The period named in the address (?period=<id>) if it is the plan's, else the one being reported on."""
    periods = list(selectors.periods_of(plan=plan)) if plan else []
    wanted = request.GET.get("period", "")
    chosen = next((p for p in periods if str(p.pk) == wanted), None)
    return periods, chosen or (selectors.period_current(plan=plan) if plan else None)


@never_cache
@login_required
@require_GET
def my_reports(request):
    """The reporter's measures in the plan in force and the state of the institution's report on each."""
    access = require_reporter(request.user)
    plan = selectors.plan_current(user=request.user)
    periods, period = _chosen_period(request, plan)
    rows = []
    if plan is not None and period is not None:
        for measure in selectors.measures_reportable_by(user=request.user, plan=plan):
            rows.append((measure, selectors.report_of(user=request.user, measure=measure, period=period)))
    to_clarify = selectors.reports_visible(
        user=request.user, institution=access.institution, review_state=ReviewState.CLARIFICATION_REQUESTED
    )
    context = {
        "plan": plan,
        "periods": periods,
        "period": period,
        "rows": rows,
        "to_clarify": to_clarify,
        "institution": access.institution,
    }
    return page(request, "coordination/reports/mine.html", context, access=access)


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def report_form(request, measure_id: int, period_id: int):
    access = require_reporter(request.user)
    with visible():
        measure = selectors.access_measure(user=request.user, measure_id=measure_id)
        period = selectors.access_period(user=request.user, period_id=period_id)
    if period.plan_id != measure.plan_id:
        raise Http404()
    if not selectors.can_report_on(user=request.user, measure=measure):
        raise PermissionDenied
    report = selectors.report_of(user=request.user, measure=measure, period=period)
    if report is not None and report.review_state == ReviewState.ACCEPTED:
        messages.info(request, gettext("This report has been accepted; it can no longer be changed."))
        return redirect("coordination:report", report_id=report.pk)
    form = ReportForm(request.POST or None, initial=ReportForm.initial_for(report))
    if form.is_bound and form.is_valid():
        write = services.report_save_draft if request.POST.get("action") == SAVE_DRAFT else services.report_submit
        try:
            saved = write(measure=measure, period=period, by=request.user, **form.values())
        except ApplicationError as error:
            form.add_application_error(error)
        else:
            if saved.review_state == ReviewState.SUBMITTED:
                messages.success(request, gettext("The report was submitted to the coordinator."))
            else:
                messages.success(request, gettext("The report was saved as a draft. Submit it when it is ready."))
            return redirect("coordination:report", report_id=saved.pk)
    context = {
        "form": form,
        "measure": measure,
        "period": period,
        "report": report,
        "institution": access.institution,
        "explained_statuses": [MeasureStatus.DELAYED, MeasureStatus.CANCELLED],
    }
    return page(request, "coordination/reports/form.html", context, access=access, status=form_status(form))


@never_cache
@login_required
@require_GET
def reports(request):
    access = require_reader(request.user)
    plan = selectors.plan_current(user=request.user)
    periods, period = _chosen_period(request, plan)
    state = request.GET.get("state", "")
    if state not in ReviewState.values:
        state = ""
    listed = selectors.reports_visible(user=request.user, period=period, review_state=state or None) if period else []
    context = {
        "plan": plan,
        "periods": periods,
        "period": period,
        "state": state,
        "states": ReviewState.choices,
        "reports": listed,
        "missing": selectors.reports_missing(period=period) if period else [],
    }
    return page(request, "coordination/reports/list.html", context, access=access)


def _report_page(request, *, access, report, review_form=None):
    measure = report.measure
    editable = (
        access.report
        and report.institution_id == access.institution.pk
        and report.review_state != ReviewState.ACCEPTED
        and selectors.can_report_on(user=request.user, measure=measure)
    )
    context = {
        "report": report,
        "measure": measure,
        "revisions": selectors.report_revisions(user=request.user, report=report),
        "editable": editable,
        "review_form": review_form
        if review_form is not None
        else (ReviewForm() if access.manage and report.review_state == ReviewState.SUBMITTED else None),
    }
    status = form_status(review_form) if review_form is not None else 200
    return page(request, "coordination/reports/detail.html", context, access=access, status=status)


@never_cache
@login_required
@require_GET
def report(request, report_id: int):
    access = require_reader(request.user)
    with visible():
        item = selectors.access_report(user=request.user, report_id=report_id)
    return _report_page(request, access=access, report=item)


@never_cache
@login_required
@require_GET
def review_queue(request):
    access = require_manager(request.user)
    context = {
        "reports": selectors.reports_awaiting_review(user=request.user),
        "overdue": selectors.overdue_report_slots(user=request.user),
    }
    return page(request, "coordination/reports/review_queue.html", context, access=access)


@login_required
@require_POST
def report_review(request, report_id: int):
    access = require_manager(request.user)
    with visible():
        item = selectors.access_report(user=request.user, report_id=report_id)
    form = ReviewForm(request.POST)
    if form.is_valid():
        comment = form.cleaned_data["comment"]
        try:
            if form.cleaned_data["decision"] == ACCEPT:
                services.report_accept(report=item, by=request.user, comment=comment)
                messages.success(request, gettext("The report was accepted."))
            else:
                services.report_request_clarification(report=item, by=request.user, comment=comment)
                messages.success(request, gettext("The institution was asked for clarification."))
        except ApplicationError as error:
            form.add_application_error(error)
        else:
            return redirect("coordination:report", report_id=item.pk)
    return _report_page(request, access=access, report=item, review_form=form)
