"""The rapporteur's pages: the dashboard of a year's tables and charts, table downloads and the annual report.

Everything here is aggregate: the tables of a release after disclosure control, never a fact row, a case or a
person. Every page needs stats.view (a signed-in user without it is refused with 403).
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.utils.translation import get_language, gettext
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from opennrm.core.capabilities import Capability
from opennrm.core.errors import ApplicationError
from opennrm.stats import selectors
from opennrm.stats.exports import filename, table_csv, table_view, table_xlsx
from opennrm.stats.forms import FORMAT_NAMES, LANGUAGE_NAMES, DownloadForm, ReportForm, YearForm
from opennrm.stats.report import (
    CONTENT_TYPES,
    FORMATS,
    LANGUAGES,
    release_current,
    release_sections,
    report_filename,
    report_render,
)


def require_capability(user, capability: str) -> None:
    if not user.has_capability(capability):
        raise PermissionDenied


def file_response(content: bytes, *, content_type: str, name: str) -> HttpResponse:
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    response["X-Content-Type-Options"] = "nosniff"
    return response


def _headline(release) -> list[tuple[str, str]]:
    """A few numbers of the reference year for the top of the page, as published (suppressed ones as shown)."""
    figures = []
    by_age = release.table("victims_by_age_sex")
    if by_age is not None:
        figures.append((gettext("Registered victims"), by_age.total.display))
    groups = release.table("victims_by_age_group_sex")
    if groups is not None and "under_18" in groups.row_codes:
        figures.append((gettext("Of them children"), groups.row_total_for("under_18").display))
    routes = release.table("outcomes_by_route")
    if routes is not None and "identified" in routes.column_codes:
        figures.append((gettext("Identified as victims"), routes.column_total_for("identified").display))
    pathway = release.table("pathway")
    if pathway is not None:
        figures.append((gettext("Referrals sent"), pathway.total.display))
    return figures


@never_cache
@login_required
@require_GET
def dashboard(request):
    require_capability(request.user, Capability.STATS_VIEW)
    form = YearForm(request.GET or None)
    year = form.chosen_year()
    release = release_current(year=year)
    can_publish = request.user.has_capability(Capability.STATS_PUBLISH)
    context = {
        "nav": "stats",
        "form": form,
        "year": year,
        "release": release,
        "headline": _headline(release),
        "sections": release_sections(release),
        "report_languages": [(code, LANGUAGE_NAMES[code]) for code in LANGUAGES],
        "report_formats": [(code, FORMAT_NAMES[code]) for code in FORMATS],
        "current_language": get_language(),
        "can_publish": can_publish,
        "published": list(selectors.published_releases(include_withdrawn=True)[:10]) if can_publish else [],
    }
    return render(request, "stats/dashboard.html", context, status=400 if form.errors else 200)


@never_cache
@login_required
@require_GET
def table_download(request, table_id: str):
    require_capability(request.user, Capability.STATS_VIEW)
    form = DownloadForm(request.GET)
    if not form.is_valid():
        return render(request, "stats/bad_request.html", {"form": form, "nav": "stats"}, status=400)
    year, file_format = form.cleaned_data["year"], form.cleaned_data["format"]
    release = release_current(year=year)
    if table_id not in release.tables:
        raise Http404()
    view = table_view(release, table_id)
    if file_format == "csv":
        content = table_csv(view)
    else:
        content = table_xlsx(view, language=get_language())
    return file_response(content, content_type=CONTENT_TYPES[file_format], name=filename(view, year, file_format))


@never_cache
@login_required
@require_GET
def report_download(request):
    require_capability(request.user, Capability.STATS_VIEW)
    form = ReportForm(request.GET)
    if not form.is_valid():
        return render(request, "stats/bad_request.html", {"form": form, "nav": "stats"}, status=400)
    year, language, file_format = (form.cleaned_data[k] for k in ("year", "language", "format"))
    try:
        content = report_render(year=year, language=language, format=file_format)
    except ApplicationError as error:
        form.add_error(error.field if error.field in form.fields else None, error.message)
        return render(request, "stats/bad_request.html", {"form": form, "nav": "stats"}, status=400)
    return file_response(
        content, content_type=CONTENT_TYPES[file_format], name=report_filename(year, language, file_format)
    )
