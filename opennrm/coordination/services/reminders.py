"""Reminders about progress reports, sent by `opennrm tick`, and delivery of the module's queued e-mail.

Before a period's due date (REMIND_DAYS_BEFORE) and again once it has passed, each institution that still owes
reports for the period is reminded — its reporters (coordination.report), once per period, institution and kind:
the notice's key makes a second run queue nothing. Overdue reminders stop OVERDUE_WINDOW_DAYS after the due date,
so that importing a plan with periods long past does not fill mailboxes with reminders nobody can act on.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from opennrm.audit.services import audit_record
from opennrm.coordination.models import ActionPlan, ReportingPeriod
from opennrm.coordination.notifications import MAX_ATTEMPTS, notices_deliver, notify
from opennrm.coordination.selectors import institution_reporters, reports_missing

logger = logging.getLogger(__name__)
REMIND_DAYS_BEFORE = 7
OVERDUE_WINDOW_DAYS = 30
# Stored as data, not shown as interface text, so it is kept in one language.
REMINDER_PURPOSE = "action plan reporting reminders"


def _remind(period: ReportingPeriod, *, overdue: bool) -> int:
    missing = defaultdict(int)
    institutions = {}
    for slot in reports_missing(period=period):
        missing[slot.institution.pk] += 1
        institutions[slot.institution.pk] = slot.institution
    kind = "report.overdue" if overdue else "report.due"
    queued = 0
    for pk, count in missing.items():
        institution = institutions[pk]
        with transaction.atomic():
            new = notify(
                users=institution_reporters(institution=institution),
                kind=kind,
                key=f"coordination:{kind}:{period.pk}:{institution.pk}",
                details={
                    "period": period.pk,
                    "period_name": period.name,
                    "due_on": period.due_on.isoformat(),
                    "missing": count,
                },
            )
            if new:
                audit_record(
                    action=f"coordination.{kind.replace('.', '_')}_reminder",
                    object_type="coordination.reportingperiod",
                    object_id=period.pk,
                    institution=institution,
                    purpose=REMINDER_PURPOSE,
                    new_values={"institution": institution.code, "missing": count, "recipients": new},
                )
        queued += new
    return queued


def reminders_send(*, now=None, problems: list[str] | None = None) -> int:
    """Queue the reminders due at `now`; returns how many e-mails were queued (0 when all were sent before).

    A period that cannot be handled is logged (and named in `problems`); the others still get their reminders.
    """
    today = timezone.localdate(now or timezone.now())
    periods = ReportingPeriod.objects.filter(
        plan__status=ActionPlan.Status.IN_FORCE,
        due_on__gte=today - timedelta(days=OVERDUE_WINDOW_DAYS),
        due_on__lte=today + timedelta(days=REMIND_DAYS_BEFORE),
    ).order_by("due_on", "pk")
    queued = 0
    for period in periods:
        try:
            queued += _remind(period, overdue=period.due_on < today)
        except Exception as error:  # noqa: BLE001 - one broken period must not stop the others
            logger.exception("Reminders for reporting period %s failed", period.pk)
            if problems is not None:
                problems.append(f"reporting period {period.pk}: {type(error).__name__}")
    return queued


@dataclass
class CoordinationTickReport:
    reminders: int = 0
    sent: int = 0
    failed: int = 0
    undeliverable: int = 0
    problems: list[str] = field(default_factory=list)


def coordination_tick(*, now=None) -> CoordinationTickReport:
    """One round for `opennrm tick`: queue reminders, then deliver the queue."""
    report = CoordinationTickReport()
    report.reminders = reminders_send(now=now, problems=report.problems)
    delivery = notices_deliver()
    report.sent, report.failed, report.undeliverable = delivery.sent, delivery.failed, delivery.undeliverable
    return report


__all__ = ["MAX_ATTEMPTS", "CoordinationTickReport", "coordination_tick", "reminders_send"]
