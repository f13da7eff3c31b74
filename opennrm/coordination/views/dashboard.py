"""The monitoring dashboard and the exports: measures by status per goal and institution, overdue reports,
indicator trends, the NRM figures beside them; the XLSX of measures and reports and the PDF progress report."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.utils import timezone
from django.utils.translation import get_language
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from opennrm.coordination import selectors
from opennrm.coordination.forms import ProgressReportExportForm
from opennrm.coordination.report import measures_xlsx, progress_overview, progress_report_pdf
from opennrm.coordination.views.common import page, require_reader, visible

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _plan_and_period(request):
    """The plan (?plan=<code>, else the one in force) and the period (?period=<id>, else each measure's latest)."""
    code = request.GET.get("plan", "")
    if code:
        with visible():
            plan = selectors.access_plan(user=request.user, code=code)
    else:
        plan = selectors.plan_current(user=request.user)
    periods = list(selectors.periods_of(plan=plan)) if plan else []
    wanted = request.GET.get("period", "")
    period = next((p for p in periods if str(p.pk) == wanted), None)
    return plan, periods, period


@never_cache
@login_required
@require_GET
def dashboard(request):
    access = require_reader(request.user)
    plan, periods, period = _plan_and_period(request)
    context = {
        "plan": plan,
        "plans": selectors.plans_visible(user=request.user),
        "periods": periods,
        "period": period,
        "overview": progress_overview(plan=plan, period=period, user=request.user) if plan else None,
        "awaiting_review": selectors.reports_awaiting_review(user=request.user).count() if access.manage else 0,
    }
    return page(request, "coordination/dashboard.html", context, access=access)


@never_cache
@login_required
@require_GET
def exports(request):
    access = require_reader(request.user)
    plan, periods, _period = _plan_and_period(request)
    form = ProgressReportExportForm(initial={"language": get_language()}, periods=periods)
    context = {"plan": plan, "plans": selectors.plans_visible(user=request.user), "form": form}
    return page(request, "coordination/exports.html", context, access=access)


def _filename(plan, suffix: str) -> str:
    return f"{plan.code}-{timezone.localdate().isoformat()}{suffix}"


@never_cache
@login_required
@require_GET
def export_xlsx(request):
    require_reader(request.user)
    plan, _periods, _period = _plan_and_period(request)
    if plan is None:
        return _no_plan(request)
    language = request.GET.get("language") or get_language()
    if language not in {code for code, _name in ProgressReportExportForm.base_fields["language"].choices}:
        language = get_language()
    response = HttpResponse(measures_xlsx(plan=plan, user=request.user, language=language), content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="{_filename(plan, "-measures.xlsx")}"'
    return response


@never_cache
@login_required
@require_GET
def export_pdf(request):
    access = require_reader(request.user)
    plan, periods, _period = _plan_and_period(request)
    if plan is None:
        return _no_plan(request)
    form = ProgressReportExportForm(request.GET, periods=periods)
    if not form.is_valid():
        context = {"plan": plan, "plans": selectors.plans_visible(user=request.user), "form": form}
        return page(request, "coordination/exports.html", context, access=access, status=400)
    content = progress_report_pdf(
        plan=plan,
        period=form.chosen_period,
        user=request.user,
        language=form.cleaned_data["language"],
        base_url=request.build_absolute_uri("/"),
    )
    response = HttpResponse(content, content_type="application/pdf")
    suffix = f"-progress-report-{form.cleaned_data['language']}.pdf"
    response["Content-Disposition"] = f'attachment; filename="{_filename(plan, suffix)}"'
    return response


def _no_plan(request):
    access = require_reader(request.user)
    context = {"plan": None, "plans": [], "form": None}
    return page(request, "coordination/exports.html", context, access=access, status=404)
