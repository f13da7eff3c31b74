"""Reading the audit log, scoped by who reads it; lists page by `seq`, never by OFFSET.

`audit.view` shows the events filed under the reader's own institution; `audit.view_all` shows every event
(national oversight). An event is filed under the institution concerned: the acting user's, unless the service
that wrote it named another (e.g. the coordinator changing a municipality's contact point).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import QuerySet
from django.utils.translation import gettext

from opennrm.audit.models import AuditEvent
from opennrm.core.capabilities import Capability
from opennrm.core.errors import Forbidden

PAGE_SIZE = 50


@dataclass(frozen=True)
class AuditPage:
    events: list[AuditEvent]
    # Pass as `before` to get the next (older) page; None on the last page.
    next_before: int | None


def _signed_in(user) -> bool:
    return bool(user is not None and user.is_authenticated and user.is_active)


def can_view_all_audit(*, user) -> bool:
    return _signed_in(user) and user.has_capability(Capability.AUDIT_VIEW_ALL)


def can_view_audit(*, user) -> bool:
    """Whether the user may open the audit log at all (what they then see is `audit_events_visible`)."""
    return can_view_all_audit(user=user) or (_signed_in(user) and user.has_capability(Capability.AUDIT_VIEW))


def audit_events_visible(*, user) -> QuerySet[AuditEvent]:
    """The events the user may read: all with audit.view_all, else those of their own institution."""
    if not can_view_audit(user=user):
        raise Forbidden(gettext("You may not view the audit log."))
    events = AuditEvent.objects.all()
    if can_view_all_audit(user=user):
        return events
    institution = user.institution
    # A reader outside any institution has no institution's events to read; NULL must never match "own".
    return events.filter(institution=institution) if institution is not None else events.none()


def audit_events_page(
    *,
    user,
    action: str | None = None,
    institution: str | None = None,
    before: int | None = None,
    limit: int = PAGE_SIZE,
) -> AuditPage:
    """One page of visible events, newest first, older than `before` (a seq), optionally of one action or
    of one institution (by code; it narrows the reader's scope, never widens it)."""
    events = audit_events_visible(user=user).select_related("institution").order_by("-seq")
    if action:
        events = events.filter(action=action)
    if institution:
        events = events.filter(institution__code=institution)
    if before is not None:
        events = events.filter(seq__lt=before)
    rows = list(events[: limit + 1])
    has_more = len(rows) > limit
    rows = rows[:limit]
    return AuditPage(events=rows, next_before=rows[-1].seq if has_more else None)
