"""Publishing a year's statistics to the public site, and taking a publication back."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext

from opennrm.audit.services import audit_record
from opennrm.core.capabilities import Capability
from opennrm.core.errors import ApplicationError, Forbidden
from opennrm.stats.models import PrivacySpend, PublishedRelease
from opennrm.stats.release import release_build

PURPOSE = "publication of disclosure-controlled statistics"


def _require_publisher(by) -> None:
    # A release speaks for the state and names who published it, so the command line needs a named user too.
    if by is None or not getattr(by, "is_authenticated", False):
        raise Forbidden(gettext("Statistics are published by a signed-in user."))
    if not by.has_capability(Capability.STATS_PUBLISH):
        raise Forbidden(gettext("You may not publish statistics."))


@transaction.atomic
def release_publish(*, year: int, by) -> PublishedRelease:
    """Freeze the public release of `year` (suppressed, and noisy where the pack says so) and audit it."""
    _require_publisher(by)
    # Two current releases of a year would be two noisy looks at the same counts; the year must be withdrawn first.
    if isinstance(year, int) and PublishedRelease.objects.filter(year=year, withdrawn_at__isnull=True).exists():
        raise ApplicationError(
            gettext("The statistics of %(year)d are published already; withdraw that release before publishing again.")
            % {"year": year},
            field="year",
        )
    release = release_build(year=year, public=True)
    if not release.tables:
        raise ApplicationError(
            gettext("The statistics definitions make no table public, so there is nothing to publish."), field="year"
        )
    published = PublishedRelease.objects.create(
        year=release.year,
        year_from=release.year_from,
        language_neutral_tables=release.to_json(),
        method=release.method(),
        published_at=timezone.now(),
        published_by=by,
    )
    # The budget spent on each data year: all of it where this release drew new noise, none where it reused.
    PrivacySpend.objects.bulk_create(
        PrivacySpend(
            release=published,
            data_year=data_year,
            epsilon=release.dp.epsilon if release.dp and new else 0.0,
            new_draws=new,
            reused_draws=reused,
        )
        for data_year, (new, reused) in release.noise_use.items()
    )
    audit_record(
        action="stats.release_publish",
        actor=by,
        object_type="published_release",
        object_id=published.pk,
        new_values={
            "year": release.year,
            "year_from": release.year_from,
            "tables": list(release.tables),
            "threshold": release.threshold,
            "epsilon": release.dp.epsilon if release.dp else None,
            "noise_use": {str(y): list(use) for y, use in release.noise_use.items()},
        },
        purpose=PURPOSE,
    )
    return published


@transaction.atomic
def release_withdraw(*, release: PublishedRelease, by, reason: str = "") -> PublishedRelease:
    """Take a published release off the public site; it stays on record, marked withdrawn."""
    _require_publisher(by)
    locked = PublishedRelease.objects.select_for_update().get(pk=release.pk)
    if locked.withdrawn_at is not None:
        raise ApplicationError(gettext("This release has already been withdrawn."), field="release")
    locked.withdrawn_at = timezone.now()
    locked.save(update_fields=["withdrawn_at"])
    audit_record(
        action="stats.release_withdraw",
        actor=by,
        object_type="published_release",
        object_id=locked.pk,
        old_values={"withdrawn_at": None},
        new_values={"withdrawn_at": locked.withdrawn_at.isoformat(), "reason": (reason or "").strip()},
        purpose=PURPOSE,
    )
    release.withdrawn_at = locked.withdrawn_at
    return locked
