"""Pages of the action plan: the list of plans, a plan with its goals and measures, import, editing with a change
note, the versions, and reporting periods. Every change is made by a service, which keeps a version of the plan."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from opennrm.coordination import selectors, services
from opennrm.coordination.forms import GoalForm, MeasureForm, PeriodForm, PlanForm, PlanImportForm
from opennrm.coordination.importing import PlanImportError
from opennrm.coordination.report import plan_rows
from opennrm.coordination.views.common import form_status, page, require_manager, require_reader, visible
from opennrm.core.errors import ApplicationError


@never_cache
@login_required
@require_GET
def plans(request):
    access = require_reader(request.user)
    return page(
        request, "coordination/plans/list.html", {"plans": selectors.plans_visible(user=request.user)}, access=access
    )


@never_cache
@login_required
@require_GET
def plan(request, code: str):
    access = require_reader(request.user)
    with visible():
        action_plan = selectors.access_plan(user=request.user, code=code)
    progress = selectors.plan_progress(plan=action_plan)
    context = {
        "plan": action_plan,
        "goals": plan_rows(action_plan, progress),
        "periods": selectors.periods_of(plan=action_plan),
        "latest_version": selectors.plan_versions(plan=action_plan).first(),
    }
    return page(request, "coordination/plans/detail.html", context, access=access)


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def plan_import(request):
    access = require_manager(request.user)
    form = PlanImportForm(request.POST or None, request.FILES or None)
    problems: list[str] = []
    if form.is_bound and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            result = services.plan_import(
                content=upload.read(),
                filename=upload.name,
                by=request.user,
                change_note=form.cleaned_data["change_note"],
            )
        except PlanImportError as error:
            problems = list(error.problems)
            form.add_error("file", error.message)
        except ApplicationError as error:
            form.add_application_error(error, {"file": "file"})
        else:
            if result.changed:
                messages.success(
                    request,
                    gettext("The plan %(code)s was imported as version %(version)d.")
                    % {"code": result.plan.code, "version": result.version.number},
                )
            else:
                messages.info(request, gettext("The file is the same as the plan in force: nothing was changed."))
            return redirect("coordination:plan", code=result.plan.code)
    return page(
        request,
        "coordination/plans/import.html",
        {"form": form, "problems": problems},
        access=access,
        status=form_status(form),
    )


@never_cache
@login_required
@require_GET
def plan_import_template(request):
    """The XLSX template to fill in, with the institution codes of the directory on a sheet of their own."""
    require_manager(request.user)
    from opennrm.coordination.templates_xlsx import plan_template_xlsx

    response = HttpResponse(
        plan_template_xlsx(),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Content-Disposition"] = 'attachment; filename="action-plan-template.xlsx"'
    return response


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def plan_edit(request, code: str):
    access = require_manager(request.user)
    with visible():
        action_plan = selectors.access_plan(user=request.user, code=code)
    form = PlanForm(request.POST or None, initial=PlanForm.initial_for(action_plan))
    if form.is_bound and form.is_valid():
        try:
            services.plan_update(
                plan=action_plan, by=request.user, change_note=form.cleaned_data["change_note"], **form.values()
            )
        except ApplicationError as error:
            form.add_application_error(error)
        else:
            messages.success(request, gettext("The plan was saved."))
            return redirect("coordination:plan", code=action_plan.code)
    context = {"form": form, "plan": action_plan, "heading": gettext("Edit the plan")}
    return page(request, "coordination/plans/form.html", context, access=access, status=form_status(form))


@never_cache
@login_required
@require_GET
def plan_versions(request, code: str):
    access = require_reader(request.user)
    with visible():
        action_plan = selectors.access_plan(user=request.user, code=code)
    context = {"plan": action_plan, "versions": selectors.plan_versions(plan=action_plan)}
    return page(request, "coordination/plans/versions.html", context, access=access)


def _goal_of(plan, goal_id: int):
    for goal in selectors.plan_goals(plan=plan):
        if goal.pk == goal_id:
            return goal
    raise Http404()


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def goal_new(request, code: str):
    access = require_manager(request.user)
    with visible():
        action_plan = selectors.access_plan(user=request.user, code=code)
    form = GoalForm(request.POST or None)
    if form.is_bound and form.is_valid():
        try:
            services.goal_create(
                plan=action_plan, by=request.user, change_note=form.cleaned_data["change_note"], **form.values()
            )
        except ApplicationError as error:
            form.add_application_error(error)
        else:
            messages.success(request, gettext("The goal was added."))
            return redirect("coordination:plan", code=action_plan.code)
    context = {"form": form, "plan": action_plan, "heading": gettext("Add a goal")}
    return page(request, "coordination/plans/form.html", context, access=access, status=form_status(form))


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def goal_edit(request, code: str, goal_id: int):
    access = require_manager(request.user)
    with visible():
        action_plan = selectors.access_plan(user=request.user, code=code)
    goal = _goal_of(action_plan, goal_id)
    form = GoalForm(request.POST or None, initial=GoalForm.initial_for(goal))
    if form.is_bound and form.is_valid():
        try:
            services.goal_update(
                goal=goal, by=request.user, change_note=form.cleaned_data["change_note"], **form.values()
            )
        except ApplicationError as error:
            form.add_application_error(error)
        else:
            messages.success(request, gettext("The goal was saved."))
            return redirect("coordination:plan", code=action_plan.code)
    context = {
        "form": form,
        "plan": action_plan,
        "heading": gettext("Edit goal %(code)s") % {"code": goal.code},
    }
    return page(request, "coordination/plans/form.html", context, access=access, status=form_status(form))


@never_cache
@login_required
@require_GET
def measure(request, measure_id: int):
    from opennrm.coordination.report import indicator_chart

    access = require_reader(request.user)
    with visible():
        item = selectors.access_measure(user=request.user, measure_id=measure_id)
    periods = list(selectors.periods_of(plan=item.plan))
    reportable = selectors.can_report_on(user=request.user, measure=item)
    own_reports = {}
    if reportable:
        own_reports = {
            report.period_id: report
            for report in selectors.reports_visible(user=request.user, measure=item, institution=access.institution)
        }
    context = {
        "measure": item,
        "plan": item.plan,
        "co_responsible": selectors.measure_institutions(item)[1:],
        "reports": selectors.reports_visible(user=request.user, measure=item),
        "reportable": reportable,
        "report_periods": [(period, own_reports.get(period.pk)) for period in periods],
        "indicator": indicator_chart(item, selectors.indicator_series(measure=item)),
    }
    return page(request, "coordination/plans/measure.html", context, access=access)


def _measure_form_page(request, *, access, action_plan, form, heading, measure=None):
    context = {"form": form, "plan": action_plan, "heading": heading, "measure": measure}
    return page(request, "coordination/plans/form.html", context, access=access, status=form_status(form))


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def measure_new(request, code: str):
    access = require_manager(request.user)
    with visible():
        action_plan = selectors.access_plan(user=request.user, code=code)
    goals = selectors.plan_goals(plan=action_plan)
    if not goals:
        messages.warning(request, gettext("Add a goal first: every measure belongs to a goal."))
        return redirect("coordination:goal_new", code=action_plan.code)
    initial = {"goal": request.GET.get("goal", "")}
    form = MeasureForm(request.POST or None, goals=goals, initial=initial)
    if form.is_bound and form.is_valid():
        try:
            created = services.measure_create(
                goal=form.chosen_goal, by=request.user, change_note=form.cleaned_data["change_note"], **form.values()
            )
        except ApplicationError as error:
            form.add_application_error(error)
        else:
            messages.success(request, gettext("The measure %(code)s was added.") % {"code": created.code})
            return redirect("coordination:measure", measure_id=created.pk)
    return _measure_form_page(
        request, access=access, action_plan=action_plan, form=form, heading=gettext("Add a measure")
    )


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def measure_edit(request, measure_id: int):
    access = require_manager(request.user)
    with visible():
        item = selectors.access_measure(user=request.user, measure_id=measure_id)
    goals = selectors.plan_goals(plan=item.plan)
    form = MeasureForm(request.POST or None, goals=goals, initial=MeasureForm.initial_for(item))
    if form.is_bound and form.is_valid():
        try:
            services.measure_update(
                measure=item,
                by=request.user,
                change_note=form.cleaned_data["change_note"],
                goal=form.chosen_goal,
                cancelled=form.cleaned_data["cancelled"],
                **form.values(),
            )
        except ApplicationError as error:
            form.add_application_error(error)
        else:
            messages.success(request, gettext("The measure %(code)s was saved.") % {"code": item.code})
            return redirect("coordination:measure", measure_id=item.pk)
    heading = gettext("Edit measure %(code)s") % {"code": item.code}
    return _measure_form_page(request, access=access, action_plan=item.plan, form=form, heading=heading, measure=item)


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def periods(request, code: str):
    access = require_reader(request.user)
    with visible():
        action_plan = selectors.access_plan(user=request.user, code=code)
    form = None
    if access.manage:
        form = PeriodForm(request.POST or None)
        if form.is_bound and form.is_valid():
            try:
                services.period_create(plan=action_plan, by=request.user, **form.values())
            except ApplicationError as error:
                form.add_application_error(error)
            else:
                messages.success(request, gettext("The reporting period was added."))
                return redirect("coordination:periods", code=action_plan.code)
    elif request.method == "POST":
        raise PermissionDenied
    context = {
        "plan": action_plan,
        "periods": selectors.periods_of(plan=action_plan),
        "current": selectors.period_current(plan=action_plan),
        "form": form,
    }
    status = form_status(form) if form is not None else 200
    return page(request, "coordination/plans/periods.html", context, access=access, status=status)


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def period_edit(request, period_id: int):
    access = require_manager(request.user)
    with visible():
        period = selectors.access_period(user=request.user, period_id=period_id)
    form = PeriodForm(request.POST or None, initial=PeriodForm.initial_for(period))
    if form.is_bound and form.is_valid():
        try:
            services.period_update(period=period, by=request.user, **form.values())
        except ApplicationError as error:
            form.add_application_error(error)
        else:
            messages.success(request, gettext("The reporting period was saved."))
            return redirect("coordination:periods", code=period.plan.code)
    context = {
        "form": form,
        "plan": period.plan,
        "heading": gettext("Edit the reporting period %(name)s") % {"name": period.name},
        "back_url_name": "coordination:periods",
    }
    return page(request, "coordination/plans/form.html", context, access=access, status=form_status(form))


@login_required
@require_POST
def period_delete(request, period_id: int):
    require_manager(request.user)
    with visible():
        period = selectors.access_period(user=request.user, period_id=period_id)
    try:
        services.period_delete(period=period, by=request.user)
    except ApplicationError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, gettext("The reporting period %(name)s was removed.") % {"name": period.name})
    return redirect("coordination:periods", code=period.plan.code)
