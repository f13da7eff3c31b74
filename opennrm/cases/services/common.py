"""Pieces every case service uses: who acts, the case lock, timeline events, the audit event, notifications, and the
two effects several kinds of work share (involving institutions, withdrawing referrals still waiting)."""

from typing import Any

from django.utils import timezone
from django.utils.translation import gettext

from opennrm.audit.services import audit_record
from opennrm.cases.models import Case, CaseEvent, CaseParty, DataCategory, Deadline, Notification, Referral
from opennrm.cases.selectors import (
    acting_party,
    case_is_visible,
    institution_staff,
    party_of,
    party_scope,
    responsible_institution,
)
from opennrm.core.capabilities import Capability
from opennrm.core.errors import ApplicationError, Forbidden, NotFoundOrForbidden
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


def require_visible(*, by, case: Case) -> None:
    """Services hold the same line as the pages: a case `by` cannot open answers exactly like a missing one."""
    if not case_is_visible(user=by, case=case):
        raise NotFoundOrForbidden()


def require_editable(*, by, case: Case) -> Institution:
    """The acting institution, if `by` can open the case, may edit, and works for a party (data not erased)."""
    require_capability(by, Capability.CASES_EDIT)
    require_visible(by=by, case=case)
    institution = acting_institution(by)
    if acting_party(user=by, case=case) is None:
        # Break-glass access lets someone read a case in an emergency, never change it: also a colleague of a party
        # who is not assigned to the case and opened it that way.
        if party_of(case=case, institution=institution) is not None:
            raise Forbidden(gettext("Emergency access lets you read this case, not change it."))
        raise Forbidden(gettext("Only an institution taking part in the case can change it."))
    if case.erased_at is not None:
        raise Forbidden(gettext("The personal data of this case has been erased; it can no longer be changed."))
    return institution


def lock_case(case_id: int) -> Case:
    """The case row, locked until the transaction ends.

    Every service that changes a case's state, referrals or deadlines locks the case first, and only then the rows
    under it: one order everywhere means two writers on the same case take turns instead of deadlocking. Only the
    case row is locked (`of`), never the pack version or the institutions it is read with.
    """
    return (
        Case.objects.select_for_update(of=("self",))
        .select_related("model_version", "municipality", "recognising_institution")
        .defer("model_version__content")
        .get(pk=case_id)
    )


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
    seen = set()
    for user in users:
        if user.pk in seen or not user.is_active or not user.email:
            continue
        seen.add(user.pk)
        _, created = Notification.objects.get_or_create(
            key=f"{key}:{user.pk}",
            defaults={"recipient": user, "kind": kind, "case": case, "details": details or {}},
        )
        queued += created
    return queued


def involve_parties(
    *, case: Case, type_codes, reason: str, by=None, data_scope=()
) -> tuple[list[CaseParty], list[str]]:
    """Make the institution of each type serving the case's place a party (once), seeing `data_scope`; tell its
    supervisors.

    Returns the parties added and the type codes for which the directory has no institution serving the place.
    """
    added, missing = [], []
    for code in type_codes:
        institution = responsible_institution(type_code=code, municipality=case.municipality)
        if institution is None:
            missing.append(code)
            continue
        party, created = CaseParty.objects.get_or_create(
            case=case,
            institution=institution,
            defaults={"reason": reason, "data_scope": list(data_scope), "joined_at": timezone.now()},
        )
        if not created:
            if party.left_at is None:
                continue
            party.left_at = None
            party.save(update_fields=["left_at", "updated_at"])
        added.append(party)
        case_event(case=case, kind="party.involved", by=by, details={"institution": institution.code, "reason": reason})
        notify(
            users=institution_staff(institution=institution, capability=Capability.CASES_SUPERVISE),
            kind="party.involved",
            case=case,
            key=f"involved:{case.pk}:{institution.pk}",
        )
    return added, missing


def referrals_withdraw_waiting(*, referrals, by, cause: str, ip_address: str | None = None) -> int:
    """Withdraw referrals still waiting for an answer (their response deadlines stop); returns how many.

    The caller holds the case lock; `cause` says why (the sender, a consent withdrawn, the case ended).
    """
    count = 0
    for referral in referrals:
        if referral.status != Referral.Status.SENT:
            continue
        now = timezone.now()
        referral.status = Referral.Status.WITHDRAWN
        referral.answered_at = now
        referral.save(update_fields=["status", "answered_at", "updated_at"])
        Deadline.objects.filter(referral=referral, status=Deadline.Status.RUNNING).update(
            status=Deadline.Status.CANCELLED, ended_at=now, updated_at=now
        )
        details = {"referral": referral.pk, "institution": referral.to_institution.code, "cause": cause}
        case_event(case=referral.case, kind="referral.withdrawn", by=by, details=details)
        case_audit(action="referral.withdrawn", case=referral.case, by=by, new_values=details, ip_address=ip_address)
        count += 1
    return count


def data_categories_clean(values, *, field: str) -> list[str]:
    """The data categories asked for, each once, in order; an unknown one is refused, naming `field`."""
    chosen = []
    for category in values or []:
        if category not in DataCategory.values:
            raise ApplicationError(gettext("“%(value)s” is not a category of data.") % {"value": category}, field=field)
        if category not in chosen:
            chosen.append(category)
    return chosen


def category_names(categories) -> str:
    return ", ".join(str(DataCategory(category).label) for category in categories)


def require_within_own_scope(*, case: Case, institution, categories, message: str, field: str) -> None:
    """Refuse data the acting institution may not see itself: it can neither consent for it nor pass it on.

    `message` has a `%(categories)s` placeholder for the categories beyond its own.
    """
    own = party_scope(party_of(case=case, institution=institution))
    beyond = [category for category in categories if category not in own]
    if beyond:
        raise ApplicationError(message % {"categories": category_names(beyond)}, field=field)
