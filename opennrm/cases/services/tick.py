"""What `opennrm tick` does, every few minutes from cron or a timer: remind, escalate, end periods, send e-mail.

Safe to run as often as wanted and from two servers at once: every deadline is handled in its own transaction
under a row lock, and every step leaves a mark (reminded, escalated, ended, sent) so it is not done twice.
"""

import logging
from dataclasses import dataclass, field
from datetime import timedelta

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext

from opennrm.cases.models import CaseParty, Deadline, Notification, Referral
from opennrm.cases.selectors import case_assignees, case_workflow, institution_staff, workflows_in_force
from opennrm.cases.services.common import case_audit, case_event, lock_case, notify
from opennrm.cases.services.transitions import case_perform_automatic
from opennrm.cases.workflow import reminder_due
from opennrm.core.capabilities import Capability
from opennrm.core.i18n import localized
from opennrm.stats.services.facts import referral_fact_refresh

logger = logging.getLogger(__name__)
BATCH = 500
MAX_ATTEMPTS = 5
# Stored as data, not shown as interface text, so it is kept in one language.
TICK_PURPOSE = "deadlines and reminders"
# Notifications to the institution a referral is addressed to: their link opens the referral, not the case.
RECEIVING_KINDS = ("referral.received", "referral.overdue")


@dataclass
class TickReport:
    reminders: int = 0
    escalations: int = 0
    expired: int = 0
    transitions: int = 0
    sent: int = 0
    failed: int = 0
    # E-mails that failed MAX_ATTEMPTS times: kept, not retried, and counted every run until someone looks.
    undeliverable: int = 0
    problems: list[str] = field(default_factory=list)


def _supervisors(institution) -> list:
    return institution_staff(institution=institution, capability=Capability.CASES_SUPERVISE)


def _escalate_referral(deadline: Deadline, now, report: TickReport) -> None:
    """Tell the receiving institution's supervisors, once, that a referral to it has not been answered in time."""
    referral = (
        Referral.objects.select_for_update(of=("self",)).select_related("to_institution").get(pk=deadline.referral_id)
    )
    if referral.status != Referral.Status.SENT or referral.escalated_at is not None:
        return
    referral.escalated_at = now
    referral.save(update_fields=["escalated_at", "updated_at"])
    deadline.escalated_at = now
    deadline.save(update_fields=["escalated_at", "updated_at"])
    notify(
        users=_supervisors(referral.to_institution),
        kind="referral.overdue",
        case=deadline.case,
        key=f"referral-overdue:{referral.pk}",
        details={"referral": referral.pk},
    )
    details = {"referral": referral.pk, "institution": referral.to_institution.code}
    case_event(case=deadline.case, kind="referral.escalated", institution=referral.to_institution, details=details)
    case_audit(action="referral.escalated", case=deadline.case, purpose=TICK_PURPOSE, new_values=details)
    # The statistics count it as overdue from now on, not only after the next rebuild; after the audit record, as
    # every writer of facts does (`opennrm.stats.services.facts.facts_changed` says why).
    referral_fact_refresh(referral=referral)
    report.escalations += 1


def _remind(deadline: Deadline, now, report: TickReport) -> None:
    """Tell the workers assigned to the case (or, with nobody assigned, the parties' supervisors), once."""
    case = deadline.case
    deadline.reminded_at = now
    deadline.save(update_fields=["reminded_at", "updated_at"])
    users = case_assignees(case=case) or _parties_supervisors(case)
    notify(
        users=users,
        kind="deadline.reminder",
        case=case,
        key=f"deadline-reminder:{deadline.pk}",
        details={"deadline": deadline.kind, "due_at": deadline.due_at.isoformat()},
    )
    report.reminders += 1


def _expire(deadline: Deadline, rule, workflow, now, report: TickReport) -> None:
    """The period has run out: mark it, escalate if the pack says so, perform the transition it names."""
    case = deadline.case
    deadline.status = Deadline.Status.EXPIRED
    deadline.ended_at = now
    deadline.save(update_fields=["status", "ended_at", "updated_at"])
    case_event(case=case, kind="deadline.expired", details={"deadline": deadline.kind})
    case_audit(action="deadline.expired", case=case, purpose=TICK_PURPOSE, new_values={"deadline": deadline.kind})
    report.expired += 1
    if rule.escalate:
        notify(
            users=_parties_supervisors(case),
            kind="deadline.expired",
            case=case,
            key=f"deadline-expired:{deadline.pk}",
            details={"deadline": deadline.kind},
        )
        report.escalations += 1
    transition = workflow.transition(rule.on_expiry) if rule.on_expiry else None
    if transition is not None and case_perform_automatic(case=case, transition=transition) is not None:
        report.transitions += 1


def _parties_supervisors(case) -> list:
    parties = CaseParty.objects.filter(case=case, left_at__isnull=True).select_related("institution")
    return [user for party in parties for user in _supervisors(party.institution)]


def _handle(deadline_id: int, now, report: TickReport) -> None:
    """One deadline, in its own transaction: the case is locked first, as every case service does."""
    case_id = Deadline.objects.filter(pk=deadline_id).values_list("case_id", flat=True).first()
    if case_id is None:
        return
    with transaction.atomic():
        case = lock_case(case_id)
        deadline = (
            Deadline.objects.select_for_update(of=("self",))
            .filter(pk=deadline_id, status=Deadline.Status.RUNNING)
            .first()
        )
        if deadline is None:
            return  # handled meanwhile by another tick
        deadline.case = case
        workflow = case_workflow(case)
        if deadline.referral_id:
            if deadline.due_at <= now:
                _escalate_referral(deadline, now, report)
            return
        rule = workflow.deadline(deadline.kind)
        if rule is None:
            return
        if deadline.due_at <= now:
            _expire(deadline, rule, workflow, now, report)
            return
        remind_at = reminder_due(rule, due_at=deadline.due_at)
        if remind_at is not None and remind_at <= now and deadline.reminded_at is None:
            _remind(deadline, now, report)


def _deadlines_due(now) -> list[int]:
    """Running deadlines that are over, or whose reminder may be due, minus those already dealt with."""
    longest_reminder = max(
        (rule.remind_days_before for workflow in workflows_in_force() for rule in workflow.deadlines), default=0
    )
    horizon = now + timedelta(days=longest_reminder)
    handled = (
        Q(due_at__gt=now, reminded_at__isnull=False)
        | Q(referral__isnull=False, escalated_at__isnull=False)
        | Q(referral__isnull=False, due_at__gt=now)
    )
    return list(
        Deadline.objects.filter(status=Deadline.Status.RUNNING, due_at__lte=horizon)
        .exclude(handled)
        .order_by("due_at", "pk")
        .values_list("pk", flat=True)
    )


def _base_url() -> str:
    return getattr(settings, "OPENNRM_BASE_URL", "http://127.0.0.1:8000").rstrip("/")


def _message(notification: Notification) -> tuple[str, str]:
    """Subject and body of an e-mail: the case reference and a link, never anything about the person."""
    reference = notification.case.reference if notification.case_id else ""
    referral = notification.details.get("referral")
    if referral and notification.kind in RECEIVING_KINDS:
        # The receiving institution sees the referral before it sees the case.
        path = reverse("cases:referral", kwargs={"referral_id": referral})
    elif reference:
        path = reverse("cases:detail", kwargs={"reference": reference})
    else:
        path = reverse("cases:inbox")
    link = _base_url() + path
    subjects = {
        "referral.received": gettext("A new referral is waiting for your institution's answer"),
        "referral.overdue": gettext("A referral to your institution is overdue"),
        "referral.accepted": gettext("Your referral was accepted"),
        "referral.declined": gettext("Your referral was declined"),
        "deadline.reminder": gettext("A deadline on one of your cases is coming up"),
        "deadline.expired": gettext("A deadline on a case has run out"),
        "case.transition": gettext("A case you work on has moved to a new step"),
        "case.assigned": gettext("You have been assigned to a case"),
        "party.involved": gettext("Your institution has been involved in a case"),
        "case.break_glass": gettext("Emergency access was used on a case of your institution"),
        "task.assigned": gettext("You have a new task on a case"),
        "party.scope_narrowed": gettext("A consent was withdrawn: your institution now sees less of a case"),
    }
    subject = subjects.get(notification.kind, gettext("News on a case"))
    if notification.kind in ("deadline.reminder", "deadline.expired") and notification.case_id:
        rule = case_workflow(notification.case).deadline(notification.details.get("deadline", ""))
        if rule is not None:
            subject = f"{subject}: {localized(rule.name)}"
    lines = [subject + ".", ""]
    if reference:
        lines.append(gettext("Case: %(reference)s") % {"reference": reference})
    lines += [
        gettext("Open OpenNRM to see it: %(link)s") % {"link": link},
        "",
        gettext("For the person's safety this message says nothing about them. Do not forward it."),
    ]
    return f"OpenNRM: {subject}", "\n".join(lines)


def _send_notifications(report: TickReport) -> None:
    pending = (
        Notification.objects.filter(sent_at__isnull=True, attempts__lt=MAX_ATTEMPTS)
        .select_related("recipient", "case__model_version")
        .defer("case__model_version__content")
        .order_by("created_at", "pk")
    )
    for notification in pending[:BATCH]:
        with transaction.atomic():
            locked = (
                Notification.objects.select_for_update(skip_locked=True)
                .filter(pk=notification.pk, sent_at__isnull=True)
                .first()
            )
            if locked is None:
                continue
            with translation.override(settings.LANGUAGE_CODE):
                subject, body = _message(notification)
            try:
                send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [notification.recipient.email])
            except Exception as error:  # noqa: BLE001 - a mail server problem must not stop the other steps
                locked.attempts += 1
                locked.save(update_fields=["attempts", "updated_at"])
                report.failed += 1
                logger.warning("Notification %s not sent: %s", notification.pk, type(error).__name__)
                continue
            locked.sent_at = timezone.now()
            locked.attempts += 1
            locked.save(update_fields=["sent_at", "attempts", "updated_at"])
            report.sent += 1
    report.undeliverable = Notification.objects.filter(sent_at__isnull=True, attempts__gte=MAX_ATTEMPTS).count()


def tick(*, now=None) -> TickReport:
    """One round of reminders, escalations, expiries (with their transitions) and e-mail delivery."""
    now = now or timezone.now()
    report = TickReport()
    for deadline_id in _deadlines_due(now):
        try:
            _handle(deadline_id, now, report)
        except Exception as error:  # noqa: BLE001 - one broken case must not stop the others
            report.problems.append(f"deadline {deadline_id}: {type(error).__name__}")
            logger.exception("Deadline %s could not be handled", deadline_id)
    _send_notifications(report)
    return report
