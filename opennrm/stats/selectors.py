"""Reads of the statistics app: published releases and the headline figures taken from them.

Published releases are public by design: reading them needs no capability. Building an unpublished release
(`opennrm.stats.release.release_build`) is for stats.view, checked by the views and the API.
"""

from __future__ import annotations

from django.db.models import QuerySet

from opennrm.core.capabilities import Capability
from opennrm.core.errors import NotFoundOrForbidden
from opennrm.stats.dimensions import CHILD_AGE_LIMIT, statistics_definitions
from opennrm.stats.disclosure import Cell, StatTable
from opennrm.stats.models import FactsRevision, PublishedRelease
from opennrm.stats.release import Release


def published_releases(*, include_withdrawn: bool = False) -> QuerySet[PublishedRelease]:
    """Publications, newest first (withdrawn ones only when asked, e.g. for the rapporteur's list)."""
    releases = PublishedRelease.objects.select_related("published_by").order_by("-published_at", "-pk")
    return releases if include_withdrawn else releases.filter(withdrawn_at__isnull=True)


def facts_revisions(*, year_from: int, year: int) -> list[tuple[int, str]]:
    """(year, revision) of the years from `year_from` to `year` that have one: a new one came with every fact write."""
    rows = FactsRevision.objects.filter(year__gte=year_from, year__lte=year).order_by("year")
    return [(data_year, revision.hex) for data_year, revision in rows.values_list("year", "revision")]


def release_of(published: PublishedRelease) -> Release:
    """The tables of a publication, as they were frozen."""
    return Release.from_json(published.language_neutral_tables)


def release_published_latest() -> Release | None:
    """The newest release on the public site, or None before the first publication."""
    published = published_releases().first()
    return release_of(published) if published else None


def release_published(year: int) -> Release | None:
    """The newest publication whose reference year is `year`, or None."""
    published = published_releases().filter(year=year).first()
    return release_of(published) if published else None


def published_release_latest_record() -> PublishedRelease | None:
    """The newest publication itself (who published it and when), or None."""
    return published_releases().first()


def access_published_release(*, user, release_id: int) -> PublishedRelease:
    """A publication the user may withdraw; "missing" and "not allowed" answer the same."""
    if user is None or not user.is_authenticated or not user.has_capability(Capability.STATS_PUBLISH):
        raise NotFoundOrForbidden()
    try:
        return PublishedRelease.objects.get(pk=int(release_id))
    except (PublishedRelease.DoesNotExist, TypeError, ValueError):
        raise NotFoundOrForbidden() from None


def _row_total(release: Release, table_id: str, code: str) -> Cell | None:
    table = release.table(table_id)
    if isinstance(table, StatTable) and code in table.row_codes:
        return table.row_total_for(code)
    return None


def _column_total(release: Release, table_id: str, code: str) -> Cell | None:
    table = release.table(table_id)
    if isinstance(table, StatTable) and code in table.column_codes:
        return table.column_total_for(code)
    return None


def _children(release: Release) -> Cell | None:
    found = _row_total(release, "victims_by_age_group_sex", "under_18") or _row_total(
        release, "eurostat_victims_by_age_sex", "under_18"
    )
    if found is not None:
        return found
    # Without the child/adult table, the bands wholly under 18 add up to the children, but only when every one
    # of them is published (a sum of published numbers discloses nothing new).
    table = release.table("victims_by_age_sex")
    if not isinstance(table, StatTable):
        return None
    bands = [
        b.code for b in statistics_definitions().age_bands if b.max_age is not None and b.max_age < CHILD_AGE_LIMIT
    ]
    cells = [table.row_total_for(code) for code in bands if code in table.row_codes]
    if not cells or any(cell.hidden for cell in cells):
        return None
    return Cell.shown(sum(cell.count or 0 for cell in cells))


def nrm_headline_figures(*, year: int) -> dict | None:
    """Registered victims, identified victims and children of `year`, from the newest publication that covers it.

    Returns None when no publication covers `year`; otherwise {"year", "release_year", "published_at",
    "registered_victims", "identified", "children", "threshold", "dp"}, where each figure is a `Cell` (its
    `display` may read "< 5" or "x") or None when the publication does not give it (identified victims and
    children are given for a publication's reference year only). `dp` is the noise statement or None.
    """
    published = published_releases().filter(year_from__lte=year, year__gte=year).first()
    if published is None:
        return None
    release = release_of(published)
    reference_year = year == release.year
    return {
        "year": year,
        "release_year": release.year,
        "published_at": published.published_at,
        "registered_victims": _row_total(release, "victims_by_year_sex", str(year)),
        "identified": _column_total(release, "outcomes_by_route", "identified") if reference_year else None,
        "children": _children(release) if reference_year else None,
        "threshold": release.threshold,
        "dp": release.dp,
    }
