"""Publishing a year's release to the public site, and withdrawing it (stats.publish, two-factor sign-in).

Both are a GET that shows what will happen and a POST with an explicit confirmation; the services check the
capability again and write the audit event.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from opennrm.core.capabilities import Capability
from opennrm.core.errors import ApplicationError, NotFoundOrForbidden
from opennrm.stats import selectors
from opennrm.stats.dimensions import statistics_definitions
from opennrm.stats.forms import PublishForm, WithdrawForm, YearForm
from opennrm.stats.labels import table_title
from opennrm.stats.privacy import DpStatement
from opennrm.stats.report import dp_statement_text
from opennrm.stats.services.release import release_publish, release_withdraw
from opennrm.stats.views.reports import require_capability


def _dashboard(year: int) -> str:
    return f"{reverse('stats:dashboard')}?year={year}"


def release_dp_text(published) -> str:
    dp = (published.method or {}).get("dp")
    return dp_statement_text(DpStatement.from_json(dp)) if dp else ""


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def publish(request):
    require_capability(request.user, Capability.STATS_PUBLISH)
    if request.method == "POST":
        form = PublishForm(request.POST)
        year = form.chosen_year()
    else:
        year = YearForm(request.GET or None).chosen_year()
        form = PublishForm(initial={"year": year})
    if request.method == "POST" and form.is_valid():
        year = form.cleaned_data["year"]
        try:
            published = release_publish(year=year, by=request.user)
        except ApplicationError as error:
            form.add_error(error.field if error.field in form.fields else None, error.message)
        else:
            text = gettext("The statistics of %(year)s are published on the public site.") % {"year": year}
            noise = release_dp_text(published)
            messages.success(request, f"{text} {noise}".strip())
            return redirect(_dashboard(year))
    publication = statistics_definitions().publication
    dp = publication.differential_privacy
    context = {
        "nav": "stats",
        "form": form,
        "year": year,
        "public_tables": [table_title(table_id) for table_id in publication.public_tables],
        "dp_enabled": dp.enabled,
        "epsilon": dp.epsilon,
        "current": [item for item in selectors.published_releases(include_withdrawn=True) if item.year == year],
    }
    return render(request, "stats/publish.html", context, status=400 if form.errors else 200)


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def withdraw(request, release_id: int):
    require_capability(request.user, Capability.STATS_PUBLISH)
    try:
        published = selectors.access_published_release(user=request.user, release_id=release_id)
    except NotFoundOrForbidden:
        raise Http404() from None
    form = WithdrawForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            release_withdraw(release=published, by=request.user)
        except ApplicationError as error:
            form.add_error(None, error.message)
        else:
            messages.success(
                request,
                gettext("The release of %(year)s is withdrawn from the public site.") % {"year": published.year},
            )
            return redirect(_dashboard(published.year))
    context = {"nav": "stats", "form": form, "published": published, "dp_text": release_dp_text(published)}
    return render(request, "stats/withdraw.html", context, status=400 if form.errors else 200)
