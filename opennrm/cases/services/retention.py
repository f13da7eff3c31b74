"""What `opennrm retention run` does: erase the personal data of cases ended longer ago than the pack keeps them.

What stays is the de-identified record statistics need — the case's reference, states, dates, sex, age band,
citizenship, forms of exploitation, institutions and the timeline's codes. Names, contacts, notes, documents,
free-text reasons and messages are gone for good (backups age out on their own schedule, see the admin guide).
"""

from dataclasses import dataclass, field
from datetime import timedelta

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext

from opennrm.cases.models import (
    Assignment,
    BreakGlassAccess,
    Case,
    Consent,
    Document,
    Note,
    Notification,
    Person,
    Referral,
    Task,
    TransitionRecord,
)
from opennrm.cases.selectors import case_workflow, workflows_in_force
from opennrm.cases.services.common import case_audit, case_event, lock_case
from opennrm.core.errors import ApplicationError

BATCH = 500


@dataclass
class RetentionReport:
    erased: list[str] = field(default_factory=list)
    due: list[str] = field(default_factory=list)


def case_is_past_retention(case: Case, now) -> bool:
    if case.ended_at is None or case.erased_at is not None:
        return False
    return case.ended_at + timedelta(days=case_workflow(case).retention.days_after_closure) <= now


def case_erase(*, case: Case, now=None) -> None:
    """Erase the personal data of one ended case, keeping its de-identified facts."""
    now = now or timezone.now()
    with transaction.atomic():
        case = lock_case(case.pk)
        if case.erased_at is not None:
            return
        if case.ended_at is None:
            # Only an ended case has a retention period running; an open one is still being worked on.
            raise ApplicationError(gettext("Only a case that has ended can be erased."), field="case")
        blank = {name: "" for name in Person.IDENTITY_FIELDS + Person.CONTACT_FIELDS}
        Person.objects.filter(case=case).update(blind_index="", **blank)
        Note.objects.filter(case=case).delete()
        Task.objects.filter(case=case).delete()
        TransitionRecord.objects.filter(case=case).update(reason="", document=None)
        Document.objects.filter(case=case).delete()
        Consent.objects.filter(case=case).update(giver_details="", withdrawal_note="")
        Referral.objects.filter(case=case).update(message="", decline_reason="", legal_duty_justification="")
        BreakGlassAccess.objects.filter(case=case).update(reason="")
        Notification.objects.filter(case=case).delete()
        Assignment.objects.filter(case=case, ended_at__isnull=True).update(ended_at=now)
        case.erased_at = now
        case.save(update_fields=["erased_at", "updated_at"])
        case_event(case=case, kind="case.erased", details={})
        case_audit(
            action="case.erased", case=case, purpose="retention", new_values={"ended_at": case.ended_at.isoformat()}
        )


def retention_run(*, now=None, dry_run: bool = False) -> RetentionReport:
    """Erase (or, with `dry_run`, list) every case whose retention period has passed."""
    now = now or timezone.now()
    report = RetentionReport()
    # No case can be due before the shortest period any workflow in force keeps data for.
    shortest = min((w.retention.days_after_closure for w in workflows_in_force()), default=0)
    candidates = (
        Case.objects.filter(ended_at__lte=now - timedelta(days=shortest), erased_at__isnull=True)
        .select_related("model_version")
        .defer("model_version__content")
        .order_by("ended_at", "pk")
    )
    for case in candidates.iterator(chunk_size=BATCH):
        if not case_is_past_retention(case, now):
            continue
        if dry_run:
            report.due.append(case.reference)
        else:
            case_erase(case=case, now=now)
            report.erased.append(case.reference)
    return report
