"""Reading the audit log. Only holders of `audit.view` see it; lists page by `seq`, never by OFFSET."""

from __future__ import annotations

from dataclasses import dataclass

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


def can_view_audit(*, user) -> bool:
    return bool(user is not None and user.is_authenticated and user.has_capability(Capability.AUDIT_VIEW))


def audit_events_page(
    *, user, action: str | None = None, before: int | None = None, limit: int = PAGE_SIZE
) -> AuditPage:
    """One page of events, newest first, older than `before` (a seq), optionally of one action."""
    if not can_view_audit(user=user):
        raise Forbidden(gettext("You may not view the audit log."))
    events = AuditEvent.objects.select_related("institution").order_by("-seq")
    if action:
        events = events.filter(action=action)
    if before is not None:
        events = events.filter(seq__lt=before)
    rows = list(events[: limit + 1])
    has_more = len(rows) > limit
    rows = rows[:limit]
    return AuditPage(events=rows, next_before=rows[-1].seq if has_more else None)
