"""The audit review queue: legal-duty referrals and emergency (break-glass) accesses waiting to be looked at.

Scoped like the audit log: `audit.view_all` sees the whole country's queue, `audit.view` only what their own
institution did (the referrals it sent without consent, the emergency accesses its staff opened). A reviewer sees
the case reference, who did it and the written justification — never who the person is.
"""

from __future__ import annotations

from dataclasses import dataclass

from opennrm.audit.selectors import can_view_all_audit, can_view_audit
from opennrm.cases.models import BreakGlassAccess, Referral
from opennrm.core.errors import NotFoundOrForbidden

# The oldest first, so nothing waits for ever; a longer queue says how many more there are.
REVIEW_LIMIT = 100


@dataclass(frozen=True)
class ReviewQueue:
    referrals: list[Referral]
    referrals_total: int
    accesses: list[BreakGlassAccess]
    accesses_total: int
    all_institutions: bool


def _own_institution_id(user) -> int | None:
    return getattr(user.institution, "pk", None)


def reviews_pending(*, user, limit: int = REVIEW_LIMIT) -> ReviewQueue:
    """What is waiting for `user`'s review, oldest first; NotFoundOrForbidden without audit rights."""
    if not can_view_audit(user=user):
        raise NotFoundOrForbidden()
    all_institutions = can_view_all_audit(user=user)
    referrals = Referral.objects.filter(needs_review=True, reviewed_at__isnull=True).select_related(
        "case", "from_institution", "to_institution", "sent_by"
    )
    accesses = BreakGlassAccess.objects.filter(reviewed_at__isnull=True).select_related("case", "user", "institution")
    if not all_institutions:
        referrals = referrals.filter(from_institution_id=_own_institution_id(user))
        accesses = accesses.filter(institution_id=_own_institution_id(user))
    return ReviewQueue(
        referrals=list(referrals.order_by("sent_at", "pk")[:limit]),
        referrals_total=referrals.count(),
        accesses=list(accesses.order_by("created_at", "pk")[:limit]),
        accesses_total=accesses.count(),
        all_institutions=all_institutions,
    )


def access_break_glass_for_review(*, user, access_id: int) -> BreakGlassAccess:
    """An emergency access `user` may review (audit rights over the accessing institution); else not found."""
    access = BreakGlassAccess.objects.select_related("case", "institution").filter(pk=access_id).first()
    if access is None or not can_view_audit(user=user):
        raise NotFoundOrForbidden()
    if not can_view_all_audit(user=user) and access.institution_id != _own_institution_id(user):
        raise NotFoundOrForbidden()
    return access
