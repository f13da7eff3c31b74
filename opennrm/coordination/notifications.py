"""E-mail about the plan and the working group: queued in the caller's transaction, delivered by `opennrm tick`.

The same idea as the case notifications (opennrm.cases.services.common.notify and cases' tick): one row per person
and `key`, so repeating a step queues nothing new; delivery marks each row sent, retries failures a few times.
Messages name what happened and give a link; report texts, minutes and comments stay in the system.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.urls import NoReverseMatch, reverse
from django.utils import timezone, translation
from django.utils.translation import gettext

from opennrm.coordination.models import Notice

logger = logging.getLogger(__name__)
BATCH = 500
MAX_ATTEMPTS = 5


def notify(*, users, kind: str, key: str, details: dict[str, Any] | None = None) -> int:
    """Queue one e-mail per active user with an address (once per `key` and user); returns how many are new."""
    queued = 0
    seen = set()
    for user in users:
        if user.pk in seen or not user.is_active or not user.email:
            continue
        seen.add(user.pk)
        _, created = Notice.objects.get_or_create(
            key=f"{key}:{user.pk}", defaults={"recipient": user, "kind": kind, "details": details or {}}
        )
        queued += created
    return queued


def _link(route: str, kwargs: dict | None = None) -> str:
    base = getattr(settings, "OPENNRM_BASE_URL", "http://127.0.0.1:8000").rstrip("/")
    for name, arguments in ((route, kwargs), ("coordination:dashboard", None)):
        try:
            return base + reverse(name, kwargs=arguments)
        except NoReverseMatch:
            continue
    return base + "/"


def _subjects() -> dict[str, str]:
    return {
        "report.due": gettext("Progress reports on the action plan are due soon"),
        "report.overdue": gettext("Progress reports on the action plan are overdue"),
        "report.submitted": gettext("A progress report is waiting for your review"),
        "report.clarification": gettext("The coordinator asks for clarification of a progress report"),
        "report.accepted": gettext("A progress report was accepted"),
        "meeting.scheduled": gettext("A working group meeting has been scheduled"),
        "meeting.cancelled": gettext("A working group meeting has been cancelled"),
        "decision.recorded": gettext("The working group has recorded a decision"),
        "task.assigned": gettext("A working group decision gives your institution a task"),
    }


def notice_message(notice: Notice) -> tuple[str, str]:
    """Subject and body of the e-mail for a notice."""
    details = notice.details
    subject = _subjects().get(notice.kind, gettext("News from the working group"))
    lines = [subject + "."]
    if notice.kind in ("report.due", "report.overdue"):
        lines.append(
            gettext("Period: %(period)s, due on %(due_on)s. Reports still missing from your institution: %(count)d.")
            % {
                "period": details.get("period_name", ""),
                "due_on": details.get("due_on", ""),
                "count": details.get("missing", 0),
            }
        )
        link = _link("coordination:my_reports")
    elif notice.kind.startswith("report."):
        lines.append(gettext("Measure: %(measure)s") % {"measure": details.get("measure_code", "")})
        link = _link("coordination:report", {"report_id": details.get("report")})
    elif notice.kind.startswith("meeting."):
        lines.append(gettext("Date: %(date)s") % {"date": details.get("starts_at", "")})
        link = _link("coordination:meeting", {"meeting_id": details.get("meeting")})
    else:
        lines.append(gettext("Decision: %(number)s") % {"number": details.get("decision_number", "")})
        link = _link("coordination:meeting", {"meeting_id": details.get("meeting")})
    lines += ["", gettext("Open OpenNRM to see it: %(link)s") % {"link": link}]
    return f"OpenNRM: {subject}", "\n".join(lines)


@dataclass
class DeliveryReport:
    sent: int = 0
    failed: int = 0
    undeliverable: int = 0


def notices_deliver() -> DeliveryReport:
    """Send queued e-mail; each row in its own transaction, locked, so two ticks never send one twice."""
    report = DeliveryReport()
    pending = Notice.objects.filter(sent_at__isnull=True, attempts__lt=MAX_ATTEMPTS).select_related("recipient")
    for notice in pending.order_by("created_at", "pk")[:BATCH]:
        with transaction.atomic():
            locked = (
                Notice.objects.select_for_update(skip_locked=True).filter(pk=notice.pk, sent_at__isnull=True).first()
            )
            if locked is None:
                continue
            with translation.override(settings.LANGUAGE_CODE):
                subject, body = notice_message(notice)
            try:
                send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [notice.recipient.email])
            except Exception as error:  # noqa: BLE001 - a mail server problem must not stop the other messages
                locked.attempts += 1
                locked.save(update_fields=["attempts", "updated_at"])
                report.failed += 1
                logger.warning("Coordination notice %s not sent: %s", notice.pk, type(error).__name__)
                continue
            locked.sent_at = timezone.now()
            locked.attempts += 1
            locked.save(update_fields=["sent_at", "attempts", "updated_at"])
            report.sent += 1
    report.undeliverable = Notice.objects.filter(sent_at__isnull=True, attempts__gte=MAX_ATTEMPTS).count()
    return report
