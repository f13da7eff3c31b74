"""The audit review queue: legal-duty referrals and emergency (break-glass) accesses waiting to be looked at.

Scoped like the audit log: `audit.view_all` sees the whole country's queue, `audit.view` only what their own
institution did (the referrals it sent without consent, the emergency accesses its staff opened). Every reviewer sees
the case reference, the institutions, the legal duty invoked, who did it and when. The written justification or
reason is free text that may say who the person is, so only reviewers who may also see personal data read it
(`can_read_review_texts`: the pack's data protection officer reviews their own institution's flags).
"""

from __future__ import annotations

from dataclasses import dataclass

from opennrm.audit.selectors import can_view_all_audit, can_view_audit
from opennrm.cases.models import BreakGlassAccess, Referral
from opennrm.core.capabilities import Capability
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
    # Whether the page may show the justifications and reasons, not only who did what when.
    texts_visible: bool = False


def _own_institution_id(user) -> int | None:
    return getattr(user.institution, "pk", None)


def can_read_review_texts(*, user) -> bool:
    """Whether `user` may read the written reasons in the review queue (a legal-duty justification, an emergency
    access's reason), not only who did what when.

    Those texts describe the person and what happened to them: personal data. Audit rights alone (a national
    coordinator, an auditor) show the metadata; the texts need `personal_data.view` as well, as a data protection
    officer holds.
    """
    return can_view_audit(user=user) and user.has_capability(Capability.PERSONAL_DATA_VIEW)


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
        texts_visible=can_read_review_texts(user=user),
    )


def access_break_glass_for_review(*, user, access_id: int) -> BreakGlassAccess:
    """An emergency access `user` may review (audit rights over the accessing institution); else not found."""
    access = BreakGlassAccess.objects.select_related("case", "institution").filter(pk=access_id).first()
    if access is None or not can_view_audit(user=user):
        raise NotFoundOrForbidden()
    if not can_view_all_audit(user=user) and access.institution_id != _own_institution_id(user):
        raise NotFoundOrForbidden()
    return access
