"""Pieces every case service uses: the acting institution, timeline events, the audit event, notifications."""

from typing import Any

from django.utils import timezone
from django.utils.translation import gettext

from opennrm.audit.services import audit_record
from opennrm.cases.models import Case, CaseEvent, CaseParty, Notification
from opennrm.core.capabilities import Capability
from opennrm.core.errors import Forbidden, NotFoundOrForbidden
from opennrm.directory.models import Institution

# Stored as data, not shown as interface text, so it is kept in one language.
AUDIT_PURPOSE = "case work"


def acting_institution(by) -> Institution:
    """The institution `by` acts for; staff outside every institution cannot work on cases."""
    institution = by.institution
    if institution is None:
        raise Forbidden(gettext("Your account does not belong to an institution, so you cannot work on cases."))
    return institution


def require_capability(by, capability: str) -> None:
    if not by.has_capability(capability):
        raise NotFoundOrForbidden()


def require_editable(*, by, case: Case) -> Institution:
    """The acting institution, if it is a party that may change the case (its data not erased)."""
    require_capability(by, Capability.CASES_EDIT)
    institution = acting_institution(by)
    if not CaseParty.objects.filter(case=case, institution=institution, left_at__isnull=True).exists():
        # Break-glass access lets someone read a case in an emergency, never change it.
        raise Forbidden(gettext("Only an institution taking part in the case can change it."))
    if case.erased_at is not None:
        raise Forbidden(gettext("The personal data of this case has been erased; it can no longer be changed."))
    return institution


def case_event(*, case: Case, kind: str, by=None, institution=None, details: dict[str, Any] | None = None) -> None:
    """A line on the case's timeline: codes and ids only, never personal data."""
    CaseEvent.objects.create(
        case=case,
        occurred_at=timezone.now(),
        kind=kind,
        actor=by if getattr(by, "is_authenticated", False) else None,
        institution=institution if institution is not None else getattr(by, "institution", None),
        details=details or {},
    )


def case_audit(
    *,
    action: str,
    case: Case,
    by=None,
    old_values: dict | None = None,
    new_values: dict | None = None,
    purpose: str = AUDIT_PURPOSE,
    ip_address: str | None = None,
    object_type: str = "case",
    object_id: Any = None,
) -> None:
    """The audit event of a change to a case. Values name codes and ids only: the log must hold no personal data."""
    audit_record(
        action=action,
        actor=by,
        object_type=object_type,
        object_id=object_id if object_id is not None else case.reference,
        purpose=purpose,
        old_values=old_values,
        new_values={"case": case.reference, **(new_values or {})},
        ip_address=ip_address,
    )


def notify(*, users, kind: str, case: Case | None, key: str, details: dict[str, Any] | None = None) -> int:
    """Queue an e-mail for each user (once per `key` and user: repeating the call queues nothing new).

    The queue is written in the caller's transaction, so a change that rolls back sends nothing; `opennrm tick`
    delivers what was committed.
    """
    queued = 0
    for user in users:
        if not user.is_active or not user.email:
            continue
        _, created = Notification.objects.get_or_create(
            key=f"{key}:{user.pk}",
            defaults={"recipient": user, "kind": kind, "case": case, "details": details or {}},
        )
        queued += created
    return queued
